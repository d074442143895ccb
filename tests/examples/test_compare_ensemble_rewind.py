"""The compare / ensemble / rewind notebook: three learning rates on one chart, 16 seeds in one
vmapped loop, a learning-rate sweep, and a rewind with "continue from here". At 200 steps (run once
per session, shared with test_notebooks.py) the format of what it prints and the widgets it shows."""

from __future__ import annotations

import re

import pytest

from .test_boltzmann_machine import shown, widget_state
from .test_lessons import errors, matching
from .test_notebooks import EXAMPLES, executed, stdout

NAME = "compare_ensemble_rewind.ipynb"
RUN = r"^(.+): loss (\d\.\d\de-\d\d) after (\d+) steps$"
ENSEMBLE = r"16 members: median loss (\d\.\d\de-\d\d), best (\d\.\d\de-\d\d), worst (\d\.\d\de-\d\d)"
SWEEP = r"^learning rate (\de-\d\d): loss (\d\.\d\de-\d\d)$"
KEPT = r"(\d+) states kept, (\d+) kB, from step (\d+) to (\d+)"
CONTINUED = r"continued from step (\d+); the chart holds (\d+) steps"
AFTER = r"step (\d+): median loss (\d\.\d\de-\d\d)"


@pytest.mark.examples
def test_compare_ensemble_rewind_prints_its_results_in_a_fixed_format():
    nb = executed(EXAMPLES / NAME)
    assert errors(nb) == []
    text = stdout(nb)
    runs = re.findall(RUN, text, re.MULTILINE)
    assert len(runs) == 3 and len({label for label, _, _ in runs}) == 3, text
    assert [steps for _, _, steps in runs] == ["200"] * 3
    median, best, worst = (float(v) for v in matching(nb, ENSEMBLE).groups())
    assert best <= median <= worst
    assert re.search(r"^[\d,]+ member-steps/s$", text, re.MULTILINE), text
    sweep = re.findall(SWEEP, text, re.MULTILINE)
    assert [rate for rate, _ in sweep] == ["3e-04", "1e-03", "3e-03", "1e-02", "3e-02", "1e-01"]
    kept, size, first, last = (int(v) for v in matching(nb, KEPT).groups())
    assert 3 <= kept <= 256 and size > 0 and (first, last) == (0, 200)
    step, held = (int(v) for v in matching(nb, CONTINUED).groups())
    assert 0 < step < 200 and held == step                 # the history after the rewound step is gone
    after = matching(nb, AFTER)
    assert int(after.group(1)) == step + 100


@pytest.mark.examples
def test_compare_ensemble_rewind_shows_a_comparison_and_an_ensemble_dashboard():
    nb = executed(EXAMPLES / NAME)
    state = widget_state(nb)
    classes = [state[m]["state"]["_dom_classes"] for m in shown(nb)]
    assert classes == [["jaxscope-comparison"], ["jaxscope-dashboard"]]
    models = [m["state"] for m in state.values()]
    pickers = [m for m in models if m.get("_dom_classes") == ["jaxscope-member-picker"]]
    assert len(pickers) == 1
    dropdowns = [m for m in models if m["_model_name"] == "DropdownModel" and m.get("description") == "draw"]
    assert len(dropdowns) == 1 and len(dropdowns[0]["_options_labels"]) == 16
