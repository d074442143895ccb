"""The lecture's maze in pure jax: walls block and cost -1, chests pay +10 once, the functions vmap and
scan, a generated maze is connected and fixed by its seed, and the dynamic-programming optimum equals
a brute-force search over every action sequence of a small maze."""

from __future__ import annotations

import collections
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.datasets.maze import MOVES, maze

UP, RIGHT, DOWN, LEFT = range(4)
SMALL = ["#######",
         "#S..C.#",
         "#.#.#.#",
         "#C..#C#",
         "#######"]


def walk(world, actions):
    """(cells after each move, rewards) of one episode, one jax step at a time."""
    state, cells, rewards = world.reset(), [], []
    for a in actions:
        state, reward = world.step(state, a)
        cells.append(tuple(state.position.tolist()))
        rewards.append(float(reward))
    return cells, rewards, state


def test_a_wall_blocks_the_move_and_costs_one():
    world = maze(layout=SMALL, steps=5)
    cells, rewards, _ = walk(world, [UP, LEFT, RIGHT, DOWN, DOWN])
    # (0,1) and (1,0) are walls; right to (1,2); down from (1,2) is a wall (2,2)
    assert cells == [(1, 1), (1, 1), (1, 2), (1, 2), (1, 2)]
    assert rewards == [-1.0, -1.0, 0.0, -1.0, -1.0]


def test_leaving_a_grid_without_border_walls_is_bumping_into_a_wall():
    world = maze(layout=["S.C"], steps=3)
    cells, rewards, _ = walk(world, [UP, LEFT, DOWN])
    assert cells == [(0, 0)] * 3 and rewards == [-1.0] * 3


def test_a_chest_pays_ten_once_and_is_removed():
    world = maze(layout=SMALL, steps=8)
    cells, rewards, state = walk(world, [RIGHT, RIGHT, RIGHT, LEFT, RIGHT, RIGHT])
    assert cells == [(1, 2), (1, 3), (1, 4), (1, 3), (1, 4), (1, 5)]
    assert rewards == [0.0, 0.0, 10.0, 0.0, 0.0, 0.0]
    assert world.chests.tolist() == [[1, 4], [3, 1], [3, 5]]
    assert state.chests.tolist() == [False, True, True]


def test_step_vmaps_over_a_batch_of_states_and_actions():
    world = maze(layout=SMALL, steps=4)
    states = jax.tree.map(lambda x: jnp.stack([x] * 4), world.reset())
    nxt, rewards = jax.jit(jax.vmap(world.step))(states, jnp.arange(4))
    assert nxt.position.tolist() == [[1, 1], [1, 2], [2, 1], [1, 1]]
    assert rewards.tolist() == [-1.0, 0.0, 0.0, -1.0]
    assert nxt.chests.shape == (4, 3) and rewards.dtype == jnp.float32


def returns_of_every_sequence(world):
    """Brute force: the return of each of the 4^T action sequences, in jax (vmap over a scan)."""
    sequences = jnp.asarray(list(itertools.product(range(4), repeat=world.steps)))

    def episode(actions):
        def move(state, a):
            state, reward = world.step(state, a)
            return state, reward
        return jnp.sum(jax.lax.scan(move, world.reset(), actions)[1])

    return np.asarray(jax.jit(jax.vmap(episode))(sequences))


@pytest.mark.parametrize("layout, steps, best", [
    (SMALL, 3, 10.0),            # the chest three moves to the right
    (SMALL, 6, 20.0),            # down-left chest, back, ... two chests fit in six moves
    (SMALL, 7, 20.0),
    (["S#C", "..."], 4, 10.0),   # round the wall: down, right, right, up
    (["S#C", "..."], 3, 0.0),    # too far: no chest, and no need to bump
    (["S"], 2, -2.0),            # a single cell: every move bumps
])
def test_the_dynamic_programming_optimum_is_the_brute_force_optimum(layout, steps, best):
    world = maze(layout=layout, steps=steps)
    returns = returns_of_every_sequence(world)
    assert world.best_return == returns.max() == best


def test_a_generated_maze_is_bordered_connected_and_fixed_by_its_seed():
    world = maze(size=11, chests=6, steps=80, seed=3)
    walls = world.walls
    assert walls.shape == (11, 11) and world.shape == (11, 11) and world.start == (1, 1)
    assert walls[0].all() and walls[-1].all() and walls[:, 0].all() and walls[:, -1].all()
    assert len(world.chests) == 6 and len({tuple(c) for c in world.chests.tolist()}) == 6
    assert not walls[tuple(world.chests.T)].any() and (1, 1) not in {tuple(c) for c in world.chests.tolist()}
    # every free cell is reachable from the start
    seen, queue = {(1, 1)}, collections.deque([(1, 1)])
    while queue:
        r, c = queue.popleft()
        for dr, dc in MOVES:
            cell = (r + int(dr), c + int(dc))
            if not walls[cell] and cell not in seen:
                seen.add(cell)
                queue.append(cell)
    assert len(seen) == int((~walls).sum())
    again = maze(size=11, chests=6, steps=80, seed=3)
    assert np.array_equal(again.walls, walls) and np.array_equal(again.chests, world.chests)
    assert not np.array_equal(maze(size=11, chests=6, seed=4).walls, walls)
    assert world.best_return == 60.0        # all six chests fit in 80 moves
    assert str(world).splitlines()[1].startswith("#S")


def test_the_default_maze_is_the_lectures_size():
    world = scope.datasets.maze()
    assert world.shape == (11, 11) and len(world.chests) == 5 and world.steps == 80
    assert repr(world) == "<Maze 11×11, 5 chests, 80 steps, best return 50>"


@pytest.mark.parametrize("kwargs, message", [
    ({"size": 10}, r"size must be an odd integer from 5 to 21 \(a generated maze\); got 10"),
    ({"size": 3}, r"size must be an integer >= 5; got 3"),
    ({"steps": 0}, r"steps must be a positive integer; got 0"),
    ({"chests": 13, "size": 21}, r"a maze holds at most 12 chests"),
    ({"loops": 1.5}, r"loops must be a number from 0 to 1; got 1.5"),
    ({"layout": ["S.x"]}, r"layout: unknown character\(s\) \['x'\]"),
    ({"layout": ["S..", ".."]}, r"layout must be rows of equal length"),
    ({"layout": ["S.S"]}, r"layout needs exactly one start 'S'; found 2"),
    ({"layout": ["..C"]}, r"layout needs exactly one start 'S'; found 0"),
    ({"wall_penalty": float("nan")}, r"wall_penalty must be a finite number; got nan"),
])
def test_bad_arguments_are_refused_with_what_was_expected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        maze(**kwargs)


def test_the_module_docstring_examples_run():
    import doctest
    import importlib

    # importlib: the package's attribute `maze` is the factory, which shadows the module
    result = doctest.testmod(importlib.import_module("jaxscope.datasets.maze"), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
