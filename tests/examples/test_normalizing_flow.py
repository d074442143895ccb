"""The normalizing-flow notebook: a RealNVP flow of affine couplings learns the two moons by maximum
likelihood. At 200 steps (run once per session, shared with test_notebooks.py) the format of everything it
prints and the live DensityView it shows (data, samples, log-density picture); at its full default length
(marked slow) the quality it claims: a held-out NLL well below the Gaussian fit's, near the true density's."""

from __future__ import annotations

import collections
import html
import re

import pytest

from .test_boltzmann_machine import shown, widget_state
from .test_lessons import errors, full_run, matching
from .test_notebooks import EXAMPLES, executed, stdout

NAME = "normalizing_flow.ipynb"
NLL = r"-?\d+\.\d{3}"
DATA = r"training batches \(256, 2\) · held-out set \(5000, 2\)"
STEP = rf"step (\d+): NLL ({NLL}) nats/sample \([\d,]+ steps/s\)"
HELD_OUT = rf"held-out NLL \(nats/sample\): flow ({NLL}) · Gaussian fit ({NLL}) · true density ({NLL})"
HEADING = (r'<b>normalizing flow</b> · <span style="color:#888888">● data</span> · '
           r'<span style="color:#ff7f0e">● model samples</span> · log-density (-?[\d.]+) to (-?[\d.]+) '
           rf"\(lower clipped\) · data log-likelihood ({NLL}) nats/sample")


def nlls(nb) -> tuple[float, float, float]:
    """(flow, Gaussian fit, true density) held-out NLL as printed."""
    return tuple(float(v) for v in matching(nb, HELD_OUT).groups())


def density_dashboard(nb) -> tuple[list, collections.Counter]:
    """The widget models of a notebook that shows one dashboard with one DensityView, and its marks
    counted by (model name, labels)."""
    state = widget_state(nb)
    assert [state[m]["state"]["_dom_classes"] for m in shown(nb)] == [["jaxscope-dashboard"]]
    models = [m["state"] for m in state.values()]
    figures = [m for m in models if m["_model_name"] == "FigureModel"]
    assert [f["_dom_classes"] for f in figures] == [["jaxscope-density"]]
    marks = collections.Counter((m["_model_name"], tuple(m.get("labels", ()))) for m in models
                                if m["_model_name"] in ("ScatterModel", "LinesModel", "ImageModel"))
    return models, marks


@pytest.mark.examples
def test_normalizing_flow_prints_its_results_in_a_fixed_format():
    nb = executed(EXAMPLES / NAME)
    assert errors(nb) == []
    matching(nb, DATA)
    step = matching(nb, STEP)
    assert step.group(1) == "200"
    flow, gauss, truth = nlls(nb)
    assert 3.1 < gauss < 3.45 and 2.0 < truth < 2.2     # measured 3.270 and 2.088 on these 5000 points
    assert truth < flow < 4.0                            # 200 steps: between the truth and a blob (measured 2.556)
    assert len(stdout(nb).splitlines()) == 3, stdout(nb)


@pytest.mark.examples
def test_normalizing_flow_shows_a_dashboard_with_the_live_density_view():
    nb = executed(EXAMPLES / NAME)
    models, marks = density_dashboard(nb)
    assert marks[("ScatterModel", ("data",))] == 1 and marks[("ScatterModel", ("samples",))] == 1
    assert marks[("ImageModel", ("log-density",))] == 1 and not any(kind == "LinesModel" for kind, _ in marks)
    dots = [m for m in models if m["_model_name"] == "ScatterModel"]
    assert {(tuple(m["x"]["shape"]), m["x"]["dtype"]) for m in dots} == {((500,), "float32")}
    headings = [m["value"] for m in models if "jaxscope-density-heading" in m.get("_dom_classes", ())]
    assert len(headings) == 1
    found = re.fullmatch(HEADING, html.unescape(headings[0]))
    assert found, headings[0]
    lo, hi, likelihood = (float(v) for v in found.groups())
    assert hi - lo == pytest.approx(8.0, abs=0.01)
    flow_nll = nlls(nb)[0]
    assert -likelihood == pytest.approx(flow_nll, abs=0.15)     # 500 training points vs 5000 held-out ones


@pytest.mark.examples
@pytest.mark.slow
def test_normalizing_flow_full_run_beats_the_gaussian_fit_by_a_nat_and_nears_the_truth():
    nb, seconds = full_run(NAME)
    flow, gauss, truth = nlls(nb)
    print(f"normalizing_flow: {matching(nb, HELD_OUT).group(0)}; {seconds:.1f} s")
    assert matching(nb, STEP).group(1) == "4000"
    assert flow < gauss - 1.0                     # measured 2.14 vs 3.27
    assert flow - truth < 0.15                    # measured 0.05-0.07
