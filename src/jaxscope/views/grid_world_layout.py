"""The layout a ``GridWorldView`` draws (walls, start, chests) and the checks of what the user's policy
and rollout functions return, each failing with a ValueError that names the argument.

>>> grid = grid_layout(None, walls=[[1, 1, 1], [1, 0, 1], [1, 1, 1]], start=(1, 1), chests=[])
>>> grid.walls.shape, grid.start, grid.chests.shape
((3, 3), (1, 1), (0, 2))
>>> grid.trait()["walls"]
[1, 1, 1, 1, 0, 1, 1, 1, 1]
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

ACTIONS = ("up", "right", "down", "left")
MAX_TRAJECTORIES = 12


class GridLayout(NamedTuple):
    """``walls`` (H, W) bool, ``start`` (row, column), ``chests`` (K, 2) int."""

    walls: np.ndarray
    start: tuple[int, int]
    chests: np.ndarray

    def trait(self) -> dict:
        """The layout as the widget's JSON trait."""
        rows, cols = self.walls.shape
        return {"rows": rows, "cols": cols, "walls": self.walls.astype(int).ravel().tolist(),
                "start": list(self.start), "chests": self.chests.tolist(), "actions": list(ACTIONS)}


def _cell(value: Any, name: str, shape: tuple[int, int]) -> tuple[int, int]:
    try:
        r, c = (int(v) for v in np.asarray(value).ravel())
        ok = np.asarray(value).size == 2
    except (TypeError, ValueError):
        ok = False
    if not ok or not (0 <= r < shape[0] and 0 <= c < shape[1]):
        raise ValueError(f"{name} must be a (row, column) cell of the {shape[0]}×{shape[1]} grid; got {value!r}")
    return r, c


def grid_layout(maze: Any, walls: Any = None, start: Any = None, chests: Any = None) -> GridLayout:
    """The layout from ``maze`` (anything with ``.walls``, ``.start``, ``.chests``, like
    ``scope.datasets.maze(...)``) or from ``walls``, ``start`` and ``chests`` (those override the maze's)."""
    if maze is not None:
        missing = [a for a in ("walls", "start", "chests") if not hasattr(maze, a)]
        if missing:
            raise ValueError(f"maze must have walls, start and chests (e.g. scope.datasets.maze()); "
                             f"{type(maze).__name__} has no {', '.join(missing)}")
        walls = maze.walls if walls is None else walls
        start = maze.start if start is None else start
        chests = maze.chests if chests is None else chests
    if walls is None or start is None:
        raise ValueError("GridWorldView needs a layout: maze=scope.datasets.maze(...), or walls= (H, W) booleans "
                         "and start=(row, column)")
    grid = np.asarray(walls)
    if grid.ndim != 2 or min(grid.shape) < 1 or grid.dtype.kind not in "biu" or not np.isin(grid, (0, 1)).all():
        raise ValueError(f"walls must be a 2-D array of booleans (True: wall) of shape (rows, columns); "
                         f"got {grid.dtype} of shape {grid.shape}")
    grid = grid.astype(bool)
    if max(grid.shape) > 64:
        raise ValueError(f"walls: a grid world of at most 64×64 cells; got {grid.shape}")
    start = _cell(start, "start", grid.shape)
    if grid[start]:
        raise ValueError(f"start {start} is a wall")
    cells = np.zeros((0, 2), np.int32) if chests is None else np.asarray(chests)
    if cells.size == 0:
        cells = np.zeros((0, 2), np.int32)
    if cells.ndim != 2 or cells.shape[1] != 2:
        raise ValueError(f"chests must be (row, column) cells, shape (K, 2); got shape {cells.shape}")
    cells = np.array([_cell(c, f"chests[{k}]", grid.shape) for k, c in enumerate(cells)], np.int32).reshape(-1, 2)
    return GridLayout(grid, start, cells)


def check_policy_shape(shape: tuple, grid_shape: tuple[int, int]) -> None:
    """``policy(params)`` must give (H, W, 4) probabilities (checked on shapes, before compiling)."""
    if tuple(shape) != (*grid_shape, 4):
        raise ValueError(f"policy(params) must return action probabilities of shape {(*grid_shape, 4)} "
                         f"(rows, columns, actions {'/'.join(ACTIONS)}); got shape {tuple(shape)}")


def check_probabilities(probabilities: Any, walls: np.ndarray) -> np.ndarray:
    """``policy(params)``'s output as float64 (H, W, 4): finite, >= 0 and summing to 1 on free cells."""
    p = np.asarray(probabilities, np.float64)
    check_policy_shape(p.shape, walls.shape)
    free = p[~walls]
    if not np.all(np.isfinite(free)) or np.any(free < -1e-6) or np.any(np.abs(free.sum(-1) - 1) > 1e-3):
        raise ValueError("policy(params) must return probabilities (>= 0, summing to 1 over the 4 actions) on every "
                         "free cell: softmax the logits")
    return p


def check_rollout_shapes(positions: tuple, rewards: tuple, count: int) -> None:
    """``rollout(params, key, count)`` must give positions (n, T, 2) or (n, T + 1, 2) and rewards (n, T)."""
    positions, rewards = tuple(positions), tuple(rewards)
    if len(rewards) != 2 or rewards[0] != count or rewards[1] < 1:
        raise ValueError(f"rollout(params, key, {count}) must return rewards of shape ({count}, T); "
                         f"got shape {rewards}")
    steps = rewards[1]
    if (len(positions) != 3 or positions[0] != count or positions[2] != 2
            or positions[1] not in (steps, steps + 1)):
        raise ValueError(f"rollout(params, key, {count}) must return positions of shape ({count}, {steps}, 2) (the cell "
                         f"after each move) or ({count}, {steps + 1}, 2) (the start first), with rewards "
                         f"({count}, {steps}); got positions of shape {positions}")


def check_rollout(positions: Any, rewards: Any, count: int, shape: tuple[int, int],
                  start: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``rollout``'s output as (positions (n, T + 1, 2) int32 starting at ``start``, rewards (n, T) float64)."""
    pos, rew = np.asarray(positions), np.asarray(rewards, np.float64)
    check_rollout_shapes(pos.shape, rew.shape, count)
    if pos.dtype.kind == "f" and not np.all(np.isfinite(pos)):
        raise ValueError("rollout: the positions must be finite (row, column) cells")
    pos = np.rint(pos).astype(np.int32) if pos.dtype.kind == "f" else pos.astype(np.int32)
    if pos.shape[1] == rew.shape[1]:
        pos = np.concatenate([np.broadcast_to(np.asarray(start, np.int32), (count, 1, 2)), pos], axis=1)
    if np.any(pos < 0) or np.any(pos[..., 0] >= shape[0]) or np.any(pos[..., 1] >= shape[1]):
        raise ValueError(f"rollout: every position must be a (row, column) cell of the {shape[0]}×{shape[1]} grid")
    return pos, rew
