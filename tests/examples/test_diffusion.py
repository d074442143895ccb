"""The diffusion notebook: a DDPM (cosine schedule, an MLP guessing the noise from (x_t, t embedding),
reverse process in lax.scan) learns a ring of eight Gaussians. At 200 steps (run once per session, shared
with test_notebooks.py) the format of everything it prints and the live DensityView it shows (data, samples,
reverse-process paths); at its full default length (marked slow) the quality it claims: an energy distance to
fresh data near the floor of fresh data itself, a tenth of the Gaussian fit's or less."""

from __future__ import annotations

import html
import re

import pytest

from .test_lessons import errors, full_run, matching
from .test_normalizing_flow import density_dashboard
from .test_notebooks import EXAMPLES, executed, stdout

NAME = "diffusion.ipynb"
DISTANCE = r"-?\d\.\d{4}"
DATA = r"training batches \(256, 2\) · 8 modes at radius 2\.0, width 0\.2"
STEP = r"step (\d+): loss (\d\.\d{3}) \([\d,]+ steps/s\)"
QUALITY = (rf"energy distance to fresh data \(2000 samples each\): diffusion ({DISTANCE}) · "
           rf"Gaussian fit ({DISTANCE}) · fresh data ({DISTANCE})")
HEADING = (r'<b>diffusion model</b> · <span style="color:#888888">● data</span> · '
           r'<span style="color:#ff7f0e">● model samples</span> · <span style="color:#2ca02c">━ paths</span>')


def distances(nb) -> tuple[float, float, float]:
    """(diffusion, Gaussian fit, fresh data) energy distances as printed."""
    return tuple(float(v) for v in matching(nb, QUALITY).groups())


@pytest.mark.examples
def test_diffusion_prints_its_results_in_a_fixed_format():
    nb = executed(EXAMPLES / NAME)
    assert errors(nb) == []
    matching(nb, DATA)
    step = matching(nb, STEP)
    assert step.group(1) == "200" and 0 < float(step.group(2)) < 1.0     # the noise's variance is 1 per coordinate
    model, gauss, floor = distances(nb)
    assert 0.05 < gauss < 0.09                     # measured 0.0697: mass in the ring's empty centre
    assert abs(floor) < 0.01                       # measured -0.0014
    assert model < gauss                           # 200 steps already beat the Gaussian (measured 0.0175)
    assert len(stdout(nb).splitlines()) == 3, stdout(nb)


@pytest.mark.examples
def test_diffusion_shows_a_dashboard_with_samples_and_reverse_process_paths():
    nb = executed(EXAMPLES / NAME)
    models, marks = density_dashboard(nb)
    assert marks == {("ScatterModel", ("data",)): 1, ("ScatterModel", ("samples",)): 1, ("LinesModel", ("paths",)): 1}
    paths = next(m for m in models if m["_model_name"] == "LinesModel")
    assert (paths["x"]["shape"], paths["y"]["shape"], paths["x"]["dtype"]) == ([12, 101], [12, 101], "float32")
    dots = [m for m in models if m["_model_name"] == "ScatterModel"]
    assert {(tuple(m["x"]["shape"]), m["x"]["dtype"]) for m in dots} == {((300,), "float32")}
    headings = [m["value"] for m in models if "jaxscope-density-heading" in m.get("_dom_classes", ())]
    assert len(headings) == 1 and re.fullmatch(HEADING, html.unescape(headings[0])), headings


@pytest.mark.examples
@pytest.mark.slow
def test_diffusion_full_run_comes_near_the_fresh_data_floor_far_below_the_gaussian_fit():
    nb, seconds = full_run(NAME)
    model, gauss, floor = distances(nb)
    print(f"diffusion: {matching(nb, QUALITY).group(0)}; {seconds:.1f} s")
    assert matching(nb, STEP).group(1) == "5000"
    assert model < 0.1 * gauss                     # measured 0.0026 vs 0.0697
    assert model - floor < 0.01                    # measured 0.004 (floor -0.0014)
