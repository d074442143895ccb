"""The simulation-surrogate notebook: an MLP learns the Duffing response curve from (ω0, γ, ε, f),
with simulator and surrogate curves as live views. At 200 steps (run once per session, shared with
test_notebooks.py) the format of what it prints and the views it shows; at its full default length
(marked slow) the speed-up and the accuracy it claims, with its wall time."""

from __future__ import annotations

import nbformat
import pytest

from .test_boltzmann_machine import shown, widget_state
from .test_lessons import errors, full_run, matching
from .test_notebooks import EXAMPLES, executed, stdout

NAME = "simulation_surrogate.ipynb"
DATA = r"parameters \(1000, 4\) curves \(1000, 50\)"
STEP = r"step (\d+): loss (\d\.\d\de[+-]\d\d) \(([\d,]+) steps/s\)"
SPEED = r"speed: simulator (\d+\.\d\d) µs per curve · network (\d+\.\d\d) µs per curve · (\d+\.\d)x"
ERROR = r"relative error (\d+\.\d) % on 1,000 held-out curves"
BISTABLE = r"relative error (\d+\.\d) % on (\d+) single-valued curves, (\d+\.\d) % on (\d+) bistable ones"
OUTSIDE = r"outside the training range \(f from 1\.5 to 2\.5\): relative error (\d+\.\d) % on 1,000 curves"

CURVE_TITLES = ["ω0 -0.3, γ 0.8, ε 0.1, f 1.1", "ω0 -0.5, γ 1.2, ε 0.02, f 0.8",
                "ω0 -0.8, γ 0.6, ε 0.14, f 1.4", "ω0 0.4, γ 0.6, ε 0.03, f 0.7"]
OUTSIDE_TITLE = "ω0 0, γ 1, ε 0.05: f 1.5, 2 and 2.5"
SIMULATOR = ("#888888", "dashed")     # the simulator's curves: dashed grey
SURROGATE = ("#ff7f0e", "solid")      # the network's: orange


def lines_of(state: dict, figure: dict) -> dict[str, tuple[str, str, int]]:
    """The figure's Lines marks: label -> (colour, line style, number of points)."""
    marks = [state[ref.removeprefix("IPY_MODEL_")]["state"] for ref in figure["marks"]]
    return {m["labels"][0]: (m["colors"][0], m["line_style"], m["x"]["shape"][0]) for m in marks}


def figures(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """Every bqplot figure the notebook made: title -> its saved state."""
    return {m["state"]["title"]: m["state"] for m in widget_state(nb).values() if m["model_name"] == "FigureModel"}


@pytest.mark.examples
def test_simulation_surrogate_prints_its_speed_and_errors_in_a_fixed_format():
    nb = executed(EXAMPLES / NAME)
    assert errors(nb) == []
    matching(nb, DATA)
    step = matching(nb, STEP)
    assert step.group(1) == "200"
    simulator, network, speed_up = (float(v) for v in matching(nb, SPEED).groups())
    assert simulator > 0 and network > 0
    assert speed_up == pytest.approx(simulator / network, rel=0.05)   # the times are printed rounded
    error = float(matching(nb, ERROR).group(1))
    assert 0 < error < 60                          # measured 26.9 %; the untrained network is off by ~100 %
    single, n_single, bistable, n_bistable = matching(nb, BISTABLE).groups()
    assert int(n_single) + int(n_bistable) == 1000
    assert 150 < int(n_bistable) < 280             # about a fifth of the parameter space (212 of this held-out set)
    assert float(matching(nb, OUTSIDE).group(1)) > 0
    assert len(stdout(nb).splitlines()) == 6, stdout(nb)


@pytest.mark.examples
def test_simulation_surrogate_shows_a_dashboard_with_four_live_curve_views_and_the_curves_outside_the_range():
    nb = executed(EXAMPLES / NAME)
    state = widget_state(nb)
    assert [state[m]["state"]["_dom_classes"] for m in shown(nb)] == [["jaxscope-dashboard"], ["jaxscope-view"]]
    drawn = figures(nb)
    assert sorted(drawn) == sorted([*CURVE_TITLES, OUTSIDE_TITLE])
    for title in CURVE_TITLES:
        assert lines_of(state, drawn[title]) == {"simulator": (*SIMULATOR, 50), "surrogate": (*SURROGATE, 50)}, title
    outside = lines_of(state, drawn[OUTSIDE_TITLE])
    assert outside == {**{f"simulator f={f}": (*SIMULATOR, 50) for f in ("1.5", "2", "2.5")},
                       **{f"surrogate f={f}": (*SURROGATE, 50) for f in ("1.5", "2", "2.5")}}


@pytest.mark.examples
@pytest.mark.slow
def test_simulation_surrogate_full_run_is_faster_than_the_simulator_and_accurate_within_two_minutes():
    nb, seconds = full_run(NAME)
    simulator, network, speed_up = (float(v) for v in matching(nb, SPEED).groups())
    error = float(matching(nb, ERROR).group(1))
    single, _, bistable, _ = (float(v) for v in matching(nb, BISTABLE).groups())
    outside = float(matching(nb, OUTSIDE).group(1))
    print(f"simulation_surrogate: simulator {simulator:.2f} µs, network {network:.2f} µs per curve, {speed_up:.1f}x; "
          f"relative error {error:.1f} % (single-valued {single:.1f} %, bistable {bistable:.1f} %, "
          f"outside the range {outside:.1f} %); {seconds:.1f} s")
    assert matching(nb, STEP).group(1) == "40000"
    assert speed_up > 1                  # measured 2.9-5.6x on a busy 2-core CPU: too noisy to pin
    assert error < 3.0                   # measured 2.2 % (1.9-2.2 % over 4 seeds of the same run)
    assert bistable > 2 * single         # measured 3.2-3.9 times: the cliff of the shark fin is the hard part
    assert outside > 2 * error           # measured 9.2-11.4 % against 1.9-2.2 %: it does not extrapolate
