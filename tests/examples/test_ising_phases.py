"""The Ising phases notebook: a CNN trained on configurations far below and far above T_c, tested
across the transition. At 200 steps (run once per session, shared with test_notebooks.py) the format
of what it prints and the views it shows; at its full default length (marked slow) the accuracy and
the estimate of T_c it claims, with its wall time."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pytest

from .test_boltzmann_machine import shown, widget_state
from .test_lessons import errors, full_run, lines, matching
from .test_notebooks import EXAMPLES, executed

NAME = "ising_phases.ipynb"
T_C = 2 / math.log(1 + math.sqrt(2))     # 2.269185, Onsager
DATA = (r"training set: spins \(4000, 1, 16, 16\) at 10 temperatures · "
        r"test set: spins \(1024, 1, 16, 16\) at 16 temperatures from 1\.5 to 3\.5")
STEP = (r"step (\d+): loss (\d\.\d\de[+-]\d\d), training accuracy ([01]\.\d{3}) "
        r"\(([\d,]+) steps/s, compilation included\)")
ACCURACY = r"test accuracy ([01]\.\d{3}) on 1,024 configurations"
ESTIMATE = r"critical temperature estimate (\d\.\d\d) \(exact 2\.269, (\d+\.\d) % off\)"
PICTURE = "T = 1.50, 2.03, 2.30, 2.43, 2.83, 3.50"
CURVE = "P(ordered) against temperature"
HEADING = (r"<b>test configurations</b> · validation \(1024 samples\) · accuracy (\d+\.\d) % "
           r"\((\d+) / 1024\)")


def estimate_of(nb) -> tuple[float, float]:
    """(estimate, percent off) as printed, after checking that the percentage is the estimate's."""
    found = matching(nb, ESTIMATE)
    estimate, percent = float(found.group(1)), float(found.group(2))
    assert abs(percent - 100 * abs(estimate / T_C - 1)) <= 0.25    # the estimate is printed rounded to 0.01
    return estimate, percent


def models(nb, name: str) -> list[dict]:
    return [m for m in widget_state(nb).values() if m["model_name"] == name]


def array(model: dict, trait: str) -> np.ndarray:
    """A bqplot array trait (``x``, ``y``) from its saved binary buffer."""
    dtype = model["state"][trait]["dtype"]
    buffer = next(b for b in model["buffers"] if b["path"] == [trait, "value"])
    return np.frombuffer(base64.b64decode(buffer["data"]), dtype=dtype)


@pytest.mark.examples
def test_ising_phases_prints_its_data_accuracy_and_estimate_in_a_fixed_format():
    nb = executed(EXAMPLES / NAME)
    assert errors(nb) == []
    matching(nb, DATA)
    step = matching(nb, STEP)
    assert step.group(1) == "200" and 0 <= float(step.group(3)) <= 1
    assert float(matching(nb, ACCURACY).group(1)) > 0.85      # measured 0.945 at 200 steps
    estimate, _ = estimate_of(nb)
    assert 1.5 < estimate < 3.5                               # measured 2.32 at 200 steps
    assert len(lines(nb)) == 4, lines(nb)


@pytest.mark.examples
def test_ising_phases_shows_configurations_and_a_dashboard_with_the_confusion_matrix_and_the_curve():
    nb = executed(EXAMPLES / NAME)
    state = widget_state(nb)
    assert [state[m]["state"]["_dom_classes"] for m in shown(nb)] == [["jaxscope-view"], ["jaxscope-dashboard"]]
    assert sorted(m["state"]["title"] for m in models(nb, "FigureModel")) == [CURVE, PICTURE]
    # six 16 x 16 configurations side by side, one column apart
    assert [m["state"]["color"]["shape"] for m in models(nb, "HeatMapModel")] == [[16, 6 * 16 + 5]]

    series = {m["state"]["labels"][0]: m for m in models(nb, "LinesModel")}
    assert sorted(series) == ["1/2", "P(ordered)", "crossing", "exact T_c"]
    temperatures, curve = array(series["P(ordered)"], "x"), array(series["P(ordered)"], "y")
    np.testing.assert_allclose(temperatures, np.linspace(1.5, 3.5, 16), rtol=1e-6)
    assert curve[0] > 0.9 and curve[-1] < 0.1                 # cold: ordered, hot: disordered
    np.testing.assert_allclose(array(series["exact T_c"], "x"), [T_C, T_C], rtol=1e-6)
    np.testing.assert_allclose(array(series["1/2"], "y"), [0.5, 0.5])

    cells, others = {}, []
    for m in models(nb, "ButtonModel"):
        found = [re.fullmatch(r"jaxscope-cell-(\d)-(\d)", c) for c in m["state"]["_dom_classes"]]
        if not any(found):      # the dashboard's rewind row
            others.append(m["state"]["_dom_classes"])
            continue
        (cell,) = [tuple(map(int, f.groups())) for f in found if f]
        cells[cell] = int(m["state"]["description"])
    assert sorted(others) == [["jaxscope-scrubber-continue"], ["jaxscope-scrubber-live"]]
    assert sorted(cells) == [(0, 0), (0, 1), (1, 0), (1, 1)] and sum(cells.values()) == 1024
    headings = [re.fullmatch(HEADING, m["state"]["value"]) for m in models(nb, "HTMLModel")]
    (heading,) = [h for h in headings if h]
    assert int(heading.group(2)) == cells[0, 0] + cells[1, 1]
    names = {m["state"]["value"] for m in models(nb, "HTMLModel")}
    assert {"<b>disordered</b>", "<b>ordered</b>"} <= names


@pytest.mark.examples
@pytest.mark.slow
def test_ising_phases_full_run_estimates_the_critical_temperature_within_two_minutes():
    nb, seconds = full_run(NAME)
    accuracy = float(matching(nb, ACCURACY).group(1))
    estimate, percent = estimate_of(nb)
    print(f"ising_phases: test accuracy {accuracy:.3f}, critical temperature estimate {estimate:.2f} "
          f"({percent:.1f} % off); {seconds:.1f} s")
    assert matching(nb, STEP).group(1) == "1000"
    assert accuracy > 0.92          # measured 0.944-0.958 over 8 data and network seeds
    assert percent < 5              # measured 0.3-1.8 % over 8 seeds, always above T_c
