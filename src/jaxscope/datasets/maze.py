"""The maze of the reinforcement-learning lecture: a deterministic grid world in pure jax.

An agent walks a maze of walls on a small grid (9 × 9 to 11 × 11 in the lecture) from a fixed start.
Each step it moves up, right, down or left. Moving onto a chest pays ``chest_reward`` (+10) and
removes the chest; moving into a wall (or off the grid) leaves the agent where it is and costs
``wall_penalty`` (-1). An episode lasts ``steps`` moves (80-100 in the lecture).

``reset()`` and ``step(state, action)`` are pure jax functions (jit, vmap and ``lax.scan`` them);
``best_return`` is the exact best possible return of an episode, by dynamic programming over
(position, chests still there) backwards in time (the environment is deterministic).

>>> import jax, jax.numpy as jnp
>>> from jaxscope.datasets.maze import maze
>>> world = maze(layout=["#####",
...                      "#S.C#",
...                      "#####"], steps=4)
>>> state = world.reset()
>>> state, reward = world.step(state, 1)          # right
>>> state, reward = world.step(state, 1)          # right, onto the chest
>>> state.position.tolist(), float(reward), state.chests.tolist()
([1, 3], 10.0, [False])
>>> state, reward = world.step(state, 0)          # up: a wall
>>> float(reward), world.best_return               # two steps right, then two wasted moves (no bump needed)
(-1.0, 10.0)
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import count as _count

__all__ = ["ACTIONS", "MOVES", "Maze", "MazeState", "maze"]

ACTIONS = ("up", "right", "down", "left")
MOVES = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)], dtype=np.int32)   # (row, column) per action
WALL, FLOOR, START, CHEST = "#", ".", "S", "C"
MAX_CHESTS = 12          # the exact optimum walks 2^chests sets of chests


class MazeState(NamedTuple):
    """Where the agent is, ``position`` (row, column) int32, and which chests are still there,
    ``chests`` (K,) bool. Batched states (vmap) carry a leading batch axis on both."""

    position: jax.Array
    chests: jax.Array


def _layout_text(walls: np.ndarray, start: tuple[int, int], chests: np.ndarray) -> list[str]:
    rows = [[WALL if w else FLOOR for w in row] for row in walls]
    rows[start[0]][start[1]] = START
    for r, c in chests:
        rows[r][c] = CHEST
    return ["".join(row) for row in rows]


class Maze:
    """A maze: ``walls`` (H, W) bool, ``start`` (row, column), ``chests`` (K, 2) int, episodes of
    ``steps`` moves. Make one with ``maze(...)``."""

    actions = ACTIONS

    def __init__(self, walls: np.ndarray, start: tuple[int, int], chests: np.ndarray, steps: int,
                 chest_reward: float = 10.0, wall_penalty: float = -1.0) -> None:
        self.walls = np.asarray(walls, dtype=bool)
        self.start = (int(start[0]), int(start[1]))
        self.chests = np.asarray(chests, dtype=np.int32).reshape(-1, 2)
        self.steps = int(steps)
        self.chest_reward = float(chest_reward)
        self.wall_penalty = float(wall_penalty)
        # padded by a ring of walls, so that leaving the grid is bumping into a wall
        self._blocked = jnp.asarray(np.pad(self.walls, 1, constant_values=True))
        self._chests = jnp.asarray(self.chests)
        self._moves = jnp.asarray(MOVES)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the grid."""
        return self.walls.shape

    def __repr__(self) -> str:
        rows, cols = self.shape
        return (f"<Maze {rows}×{cols}, {len(self.chests)} chests, {self.steps} steps, "
                f"best return {self.best_return:g}>")

    def __str__(self) -> str:
        return "\n".join(_layout_text(self.walls, self.start, self.chests))

    # ---- the environment: pure jax --------------------------------------------------------------
    def reset(self) -> MazeState:
        """The state at the start of an episode: the agent at ``start``, every chest there."""
        return MazeState(jnp.asarray(self.start, jnp.int32), jnp.ones(len(self.chests), bool))

    def step(self, state: MazeState, action) -> tuple[MazeState, jax.Array]:
        """Move by ``action`` (0 up, 1 right, 2 down, 3 left): (next state, reward float32)."""
        target = state.position + self._moves[action]
        blocked = self._blocked[target[0] + 1, target[1] + 1]
        position = jnp.where(blocked, state.position, target)
        found = state.chests & jnp.all(self._chests == position, axis=-1)
        reward = self.chest_reward * jnp.sum(found) + self.wall_penalty * blocked
        return MazeState(position, state.chests & ~found), reward.astype(jnp.float32)

    # ---- the best possible return: dynamic programming -------------------------------------------
    @cached_property
    def best_return(self) -> float:
        """The largest return any sequence of ``steps`` actions gets from the start (exact)."""
        return float(self.best_values(self.steps)[self._state_index(self.start, (1 << len(self.chests)) - 1)])

    def _state_index(self, position: tuple[int, int], mask: int) -> int:
        return self._cell_index[position] * (1 << len(self.chests)) + mask

    @cached_property
    def _cell_index(self) -> dict[tuple[int, int], int]:
        cells = [tuple(int(v) for v in cell) for cell in np.argwhere(~self.walls)]
        return {cell: i for i, cell in enumerate(cells)}

    def _transitions(self) -> tuple[np.ndarray, np.ndarray]:
        """For every (free cell, chests-still-there mask) state and action: the next state's index
        and the reward, as (S, 4) arrays."""
        cells = list(self._cell_index)
        masks = 1 << len(self.chests)
        chest_at = {tuple(int(v) for v in c): k for k, c in enumerate(self.chests)}
        rows, cols = self.shape
        nxt = np.zeros((len(cells) * masks, 4), np.int64)
        reward = np.zeros((len(cells) * masks, 4), np.float64)
        mask = np.arange(masks)
        for i, (r, c) in enumerate(cells):
            for a, (dr, dc) in enumerate(MOVES):
                target = (r + int(dr), c + int(dc))
                inside = 0 <= target[0] < rows and 0 <= target[1] < cols
                if not inside or self.walls[target]:
                    nxt[i * masks + mask, a] = i * masks + mask
                    reward[i * masks + mask, a] = self.wall_penalty
                    continue
                j = self._cell_index[target]
                k = chest_at.get(target)
                if k is None:
                    nxt[i * masks + mask, a] = j * masks + mask
                else:
                    there = (mask >> k) & 1
                    nxt[i * masks + mask, a] = j * masks + (mask & ~(1 << k))
                    reward[i * masks + mask, a] = self.chest_reward * there
        return nxt, reward

    def best_values(self, steps: int) -> np.ndarray:
        """The best return over ``steps`` remaining moves from every (cell, mask) state, (S,)."""
        nxt, reward = self._transitions()
        value = np.zeros(len(nxt))
        for _ in range(steps):
            value = np.max(reward + value[nxt], axis=1)
        return value


def _parse_layout(layout) -> tuple[np.ndarray, tuple[int, int], np.ndarray]:
    if isinstance(layout, str):
        layout = layout.strip().splitlines()
    try:
        rows = [str(row) for row in layout]
    except TypeError:
        rows = []
    if not rows or len({len(r) for r in rows}) != 1 or not rows[0]:
        raise ValueError("layout must be rows of equal length (a list of strings or one string with a row per line) "
                         f"using '#' wall, '.' floor, 'S' start, 'C' chest; got {layout!r}")
    unknown = sorted(set("".join(rows)) - {WALL, FLOOR, START, CHEST})
    if unknown:
        raise ValueError(f"layout: unknown character(s) {unknown}; use '#' wall, '.' floor, 'S' start, 'C' chest")
    grid = np.array([list(r) for r in rows])
    starts = np.argwhere(grid == START)
    if len(starts) != 1:
        raise ValueError(f"layout needs exactly one start 'S'; found {len(starts)}")
    chests = np.argwhere(grid == CHEST).astype(np.int32)
    return grid == WALL, tuple(int(v) for v in starts[0]), chests


def _carve(size: int, loops: float, rng: np.random.Generator) -> np.ndarray:
    """A maze of walls on a size × size grid (odd size): a random spanning tree of the cells at odd
    coordinates (depth-first), then a fraction ``loops`` of the remaining inner walls knocked down."""
    walls = np.ones((size, size), bool)
    cells = size // 2
    walls[1, 1] = False
    stack, seen = [(0, 0)], {(0, 0)}
    while stack:
        r, c = stack[-1]
        options = [(r + dr, c + dc) for dr, dc in ((-1, 0), (0, 1), (1, 0), (0, -1))
                   if 0 <= r + dr < cells and 0 <= c + dc < cells and (r + dr, c + dc) not in seen]
        if not options:
            stack.pop()
            continue
        nr, nc = options[rng.integers(len(options))]
        walls[2 * nr + 1, 2 * nc + 1] = False
        walls[r + nr + 1, c + nc + 1] = False          # the wall between the two cells
        seen.add((nr, nc))
        stack.append((nr, nc))
    inner = [(r, c) for r in range(1, size - 1) for c in range(1, size - 1)
             if walls[r, c] and (r % 2) != (c % 2)]       # walls between two cells
    for k in rng.permutation(len(inner))[:int(round(loops * len(inner)))]:
        walls[inner[k]] = False
    return walls


def _spread(free: list, count: int, rng: np.random.Generator, apart: int = 3) -> list:
    """``count`` cells of ``free`` in random order, each at least ``apart`` moves (Manhattan) from the
    ones chosen before it where possible."""
    order = [free[k] for k in rng.permutation(len(free))]
    chosen = []
    for cell in order:
        if len(chosen) < count and all(abs(cell[0] - r) + abs(cell[1] - c) >= apart for r, c in chosen):
            chosen.append(cell)
    chosen += [cell for cell in order if cell not in chosen][:count - len(chosen)]
    return chosen


def maze(size: int = 11, chests: int = 5, steps: int = 80, *, seed: int = 0, loops: float = 0.6,
         layout=None, chest_reward: float = 10.0, wall_penalty: float = -1.0) -> Maze:
    """A maze with a start at the top left and ``chests`` chests, fixed by ``seed``, or drawn in
    ``layout`` ('#' wall, '.' floor, 'S' start, 'C' chest; rows of equal length).

    Args:
      size: rows and columns of a generated maze, odd, 5 to 21 (the lecture's 9 to 11).
      chests: how many chests a generated maze holds (0 to 12), on free cells away from the start.
      steps: moves per episode.
      seed: which generated maze.
      loops: the fraction of the inner walls of a perfect maze knocked down, 0 to 1 (more ways round).

    >>> world = maze(seed=0)
    >>> world.shape, len(world.chests), world.steps, world.best_return
    ((11, 11), 5, 80, 50.0)
    """
    steps = _count(steps, "steps")
    if layout is not None:
        walls, start, chest_cells = _parse_layout(layout)
    else:
        size = _count(size, "size", minimum=5)
        if size % 2 == 0 or size > 21:
            raise ValueError(f"size must be an odd integer from 5 to 21 (a generated maze); got {size}")
        chests = _count(chests, "chests", minimum=0)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"seed must be an integer; got {seed!r}")
        if isinstance(loops, bool) or not isinstance(loops, (int, float)) or not 0 <= loops <= 1:
            raise ValueError(f"loops must be a number from 0 to 1; got {loops!r}")
        rng = np.random.default_rng(int(seed))
        walls = _carve(size, float(loops), rng)
        start = (1, 1)
        free = [tuple(cell) for cell in np.argwhere(~walls) if abs(cell[0] - 1) + abs(cell[1] - 1) >= size // 2]
        if chests > len(free):
            raise ValueError(f"chests: only {len(free)} free cells lie far enough from the start; got {chests}")
        chest_cells = np.array(sorted(_spread(free, chests, rng)), np.int32).reshape(-1, 2)
    if len(chest_cells) > MAX_CHESTS:
        raise ValueError(f"a maze holds at most {MAX_CHESTS} chests (the exact optimum walks every set of "
                         f"chests); got {len(chest_cells)}")
    for name, value in (("chest_reward", chest_reward), ("wall_penalty", wall_penalty)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number; got {value!r}")
    return Maze(walls, start, chest_cells, steps, chest_reward, wall_penalty)
