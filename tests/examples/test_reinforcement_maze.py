"""The reinforcement-learning notebook: REINFORCE with a baseline in the lecture's maze, episodes played
with ``vmap`` and ``lax.scan`` inside the loss. At 200 steps (run once per session, shared with
test_notebooks.py) the format of everything it prints and the saved state of its GridWorldView; at
its full default length (marked slow) the quality it claims: a mean return of at least 80 % of the best
possible."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from .test_boltzmann_machine import shown, widget_state
from .test_lessons import errors, full_run, matching
from .test_notebooks import EXAMPLES, executed, stdout

NAME = "reinforcement_maze.ipynb"
MAZE = r"maze 11×11 · 6 chests · 80 moves per episode · best possible return (\d+)"
STEP = r"step (\d+): mean return (-?\d+\.\d) over the last 100 steps \([\d,]+ steps/s\)"
QUALITY = r"mean return over 1000 new episodes (-?\d+\.\d) · best possible (\d+) · (-?\d+\.\d) % of the best"


def quality(nb) -> float:
    """The mean return over the best possible, from the printed numbers."""
    found = matching(nb, QUALITY)
    return float(found.group(1)) / float(found.group(2))


@pytest.mark.examples
def test_reinforcement_maze_prints_its_results_in_a_fixed_format():
    nb = executed(EXAMPLES / NAME)
    assert errors(nb) == []
    assert matching(nb, MAZE).group(1) == "60"             # six chests, all within 80 moves
    lines = stdout(nb).splitlines()
    assert all(len(line) == 11 and set(line) <= set("#.SC") for line in lines[:11])
    assert lines[1].startswith("#S") and sum(line.count("C") for line in lines[:11]) == 6
    step = matching(nb, STEP)
    assert step.group(1) == "200"
    found = matching(nb, QUALITY)
    assert found.group(2) == "60"
    assert abs(float(found.group(3)) - 100 * quality(nb)) <= 0.1
    assert -80 <= float(found.group(1)) <= 60               # between bumping every move and the best
    assert len(lines) == 11 + 3, stdout(nb)


def buffers(model: dict) -> dict[str, bytes]:
    return {b["path"][0]: base64.b64decode(b["data"]) for b in model.get("buffers", [])}


@pytest.mark.examples
def test_reinforcement_maze_shows_a_dashboard_with_the_grid_world_of_step_200():
    nb = executed(EXAMPLES / NAME)
    state = widget_state(nb)
    assert [state[m]["state"]["_dom_classes"] for m in shown(nb)] == [["jaxscope-dashboard"]]
    grids = [m for m in state.values() if m["state"].get("_anywidget_id", "").endswith("GridWorldWidget")]
    assert len(grids) == 1
    grid, data = grids[0]["state"], buffers(grids[0])
    assert (grid["trajectories"], grid["length"], grid["step"], grid["title"]) == (4, 80, 200, "grid world")
    assert (grid["grid"]["rows"], grid["grid"]["cols"], grid["grid"]["start"]) == (11, 11, [1, 1])
    walls = np.array(grid["grid"]["walls"], bool).reshape(11, 11)
    assert walls[0].all() and walls[:, 0].all() and len(grid["grid"]["chests"]) == 6
    probabilities = np.frombuffer(data["probabilities"], np.float32).reshape(11, 11, 4)
    np.testing.assert_allclose(probabilities[~walls].sum(-1), 1.0, atol=1e-5)
    positions = np.frombuffer(data["positions"], np.int32).reshape(4, 81, 2)
    rewards = np.frombuffer(data["rewards"], np.float32).reshape(4, 80)
    assert positions[:, 0].tolist() == [[1, 1]] * 4
    assert not walls[positions[..., 0], positions[..., 1]].any()               # never inside a wall
    assert np.abs(np.diff(positions, axis=1)).sum(-1).max() <= 1                # one cell a move at most
    np.testing.assert_allclose(grid["returns"], rewards.sum(1))
    headings = [m["state"]["value"] for m in state.values() if "jaxscope-grid-world-heading" in m["state"].get("_dom_classes", ())]
    assert headings == [f"<b>grid world</b> · 4 episodes with the current policy · mean return {rewards.sum(1).mean():+.1f}"]


@pytest.mark.examples
@pytest.mark.slow
def test_reinforcement_maze_full_run_reaches_80_percent_of_the_best_return():
    nb, seconds = full_run(NAME)
    step = matching(nb, STEP)
    print(f"reinforcement_maze: {matching(nb, QUALITY).group(0)}; {seconds:.1f} s")
    assert step.group(1) == "1500"
    assert quality(nb) >= 0.8
