"""The recurrent-network notebook: an nnx LSTM scanned over time infers the light particle of two coupled
oscillators from the heavy one. At 200 steps (run once per session, shared with test_notebooks.py) the
format of everything it prints, the two live views it shows and its diagram (the LSTM as one block of
gates); at its full default length (marked slow) the quality it claims, with its wall time."""

from __future__ import annotations

import collections

import pytest

from .test_boltzmann_machine import shown, widget_state
from .test_lessons import errors, full_run, matching
from .test_notebooks import EXAMPLES, executed, stdout

NAME = "recurrent_oscillators.ipynb"
DATA = r"validation x \(200, 60, 1\) y \(200, 60, 1\) · test x \(1000, 60, 1\) y \(1000, 60, 1\)"
STEP = r"step (\d+): loss (\d+\.\d{3}) · validation loss (\d+\.\d{3}) \([\d,]+ steps/s\)"
TEST = r"test MSE (\d+\.\d{3}) · predicting zero (\d+\.\d{3}) · ratio (\d+\.\d\d)"
CHECK = r"RMS difference (\d+\.\d{3}) \((\d+\.\d) % of the response\)"
MOTIONS = rf"superposition, two heavy-particle motions: {CHECK}"
STEPS = rf"superposition, steps at t=10 and t=30: {CHECK}"
SINES = (r"sine response ÷ input: ω = 0\.9 (-?\d+\.\d\d) \(physics 3\.85\) · "
         r"ω = 1 (-?\d+\.\d\d) \(physics 1\.00\) · ω = 1\.1 (-?\d+\.\d\d) \(physics -2\.15\)")
PROBES = ["heavy particle A", "heavy particle B", "sine, ω = 0.9", "sine, ω = 1", "sine, ω = 1.1", "step at t=10",
          "step at t=30", "pulse at t=20", "constant 1", "zero"]


def ratio(nb) -> float:
    """Test MSE over the MSE of predicting zero, from the printed (rounded) numbers."""
    test = matching(nb, TEST)
    return float(test.group(1)) / float(test.group(2))


@pytest.mark.examples
def test_recurrent_oscillators_prints_its_results_in_a_fixed_format():
    nb = executed(EXAMPLES / NAME)
    assert errors(nb) == []
    matching(nb, DATA)
    step = matching(nb, STEP)
    assert step.group(1) == "200"
    test = matching(nb, TEST)
    assert 1.2 < float(test.group(2)) < 1.8      # the mean of x_1² over the test set: 1.577
    assert abs(float(test.group(3)) - ratio(nb)) <= 0.006
    assert ratio(nb) < 1                          # 200 steps already beat predicting zero (measured 0.62)
    for pattern in (MOTIONS, STEPS):
        check = matching(nb, pattern)
        assert float(check.group(1)) >= 0 and float(check.group(2)) >= 0
    matching(nb, SINES)
    assert len(stdout(nb).splitlines()) == 6, stdout(nb)


@pytest.mark.examples
def test_recurrent_oscillators_shows_a_dashboard_with_the_sequences_and_the_probe_panel():
    nb = executed(EXAMPLES / NAME)
    state = widget_state(nb)
    assert [state[m]["state"]["_dom_classes"] for m in shown(nb)] == [["jaxscope-dashboard"]]
    models = [m["state"] for m in state.values()]
    figures = collections.Counter(tuple(m.get("_dom_classes", ())) for m in models if m["_model_name"] == "FigureModel")
    assert figures == {("jaxscope-sequence-panel",): 4, ("jaxscope-probe-input",): 1,
                       ("jaxscope-probe-response",): 1}
    lines = [m for m in models if m["_model_name"] == "LinesModel"]
    assert len(lines) == 4 * 3 + 6                # input, target, prediction per panel; the probe's six lines
    assert {tuple(line["y"]["shape"]) for line in lines} == {(60,)}
    menus = {tuple(m["_dom_classes"]): m for m in models if m["_model_name"] == "DropdownModel"}
    assert list(menus[("jaxscope-probe-preset",)]["_options_labels"]) == [*PROBES, "drawn by hand"]
    assert menus[("jaxscope-probe-preset",)]["index"] == PROBES.index("heavy particle A")
    assert menus[("jaxscope-probe-second",)]["index"] == PROBES.index("heavy particle B")
    headings = {tuple(m["_dom_classes"]): m["value"] for m in models if m["_model_name"] == "HTMLModel"}
    assert headings[("jaxscope-sequence-heading",)].startswith("<b>sequences</b> · validation (4 sequences) · MSE ")
    assert headings[("jaxscope-probe-readout",)].startswith("<b>probe response</b> · a: heavy particle A · step ")
    diagrams = [m for m in models if m.get("_anywidget_id", "").endswith("NetworkDiagram")]
    assert len(diagrams) == 1                     # the LSTM drawn as one recurrent block, then the dense layers
    layers = diagrams[0]["architecture"]["layers"]
    assert [(l["name"], l["kind"], l["input_shape"], l["output_shape"], l["param_count"]) for l in layers] == [
        ("lstm", "recurrent", [60, 1], [60, 10], 480), ("dense", "dense", [60, 10], [60, 20], 220),
        ("out", "dense", [60, 20], [60, 1], 21)]
    assert layers[0]["cell"] == "LSTM" and [g["name"] for g in layers[0]["gates"]] == ["i", "f", "g", "o"]


@pytest.mark.examples
@pytest.mark.slow
def test_recurrent_oscillators_full_run_beats_predicting_zero_fourfold_within_two_minutes():
    nb, seconds = full_run(NAME)
    step = matching(nb, STEP)
    motions = matching(nb, MOTIONS)
    print(f"recurrent_oscillators: {matching(nb, TEST).group(0)}; superposition of two motions "
          f"{motions.group(2)} %; {seconds:.1f} s")
    assert step.group(1) == "4000"
    assert ratio(nb) <= 0.25                      # measured 0.12 (0.11-0.15 over 4 seeds)
    assert float(motions.group(1)) > 0 and 0 < float(motions.group(2)) < 50   # measured 13.4 % (13-21 % over 4 seeds)
