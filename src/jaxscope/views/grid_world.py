"""``GridWorldView``: a grid world (walls, chests, start), the current policy as an arrow per cell (its
most likely action; length and opacity by that action's probability), and a few trajectories sampled
with the current policy, replayed in the browser as an animation (play / pause, step, speed), each with
its return. It follows training live: each redraw is one jitted call of your functions.

You give the world and two functions of the current parameters (or nnx model):

- ``policy(params) -> (H, W, 4)`` action probabilities per cell (up, right, down, left);
- ``rollout(params, key, n) -> (positions, rewards)``: n episodes with the current policy, positions
  (n, T, 2) the (row, column) after each move (or (n, T + 1, 2) with the start first), rewards (n, T).

The key is the same at every redraw (``seed=``), so the episodes differ between redraws only because
the policy changed.

>>> import jax, jax.numpy as jnp
>>> import jaxscope as scope
>>> world = scope.datasets.maze(layout=["#####", "#S.C#", "#####"], steps=3)
>>> def policy(p):                      # always "right"
...     return jnp.broadcast_to(jnp.array([0.0, 1.0, 0.0, 0.0]), (3, 5, 4))
>>> def rollout(p, key, n):
...     def move(state, _):
...         state, reward = world.step(state, 1)
...         return state, (state.position, reward)
...     _, (cells, rewards) = jax.lax.scan(move, world.reset(), None, length=world.steps)
...     return jnp.broadcast_to(cells, (n, 3, 2)), jnp.broadcast_to(rewards, (n, 3))
>>> view = GridWorldView(params={}, maze=world, policy=policy, rollout=rollout, trajectories=2)
>>> data = view.compute({})
>>> data["positions"][0].tolist(), data["returns"].tolist()
([[1, 1], [1, 2], [1, 3], [1, 3]], [9.0, 9.0])
"""

from __future__ import annotations

import html
from typing import Any, Callable

import ipywidgets
import jax
import numpy as np

from ..nnx_modules import is_nnx_module, merged_for_eval
from .base import View
from .grid_world_layout import (MAX_TRAJECTORIES, check_policy_shape, check_probabilities, check_rollout,
                                check_rollout_shapes, grid_layout)
from .grid_world_widget import GridWorldWidget


class GridWorldView(View):
    """The grid world, the policy and replayed trajectories, live (module docstring).

    Args:
      trainer: the Trainer to follow (or leave it out and use it in ``trainer.show(views=[...])``).
      maze: the world (``scope.datasets.maze(...)``, or anything with ``walls``, ``start``, ``chests``);
        or give ``walls`` (H, W) booleans, ``start`` (row, column) and ``chests`` (K, 2) cells.
      policy: ``policy(params) -> (H, W, 4)`` action probabilities.
      rollout: ``rollout(params, key, n) -> (positions (n, T, 2), rewards (n, T))``.
      trajectories: how many episodes to sample and replay at each redraw, 1 to 12.
      seed: the key of the episodes (the same at every redraw).
      cell_size: pixels per cell; speed: replayed moves per second (the user can change it).
    """

    runs_network = False    # it runs policy and rollout, not apply

    def __init__(self, trainer: Any = None, *, maze: Any = None, policy: Callable | None = None,
                 rollout: Callable | None = None, walls: Any = None, start: Any = None, chests: Any = None,
                 trajectories: int = 4, seed: int = 0, cell_size: int = 40, speed: float = 12.0,
                 title: str = "grid world", **options: Any) -> None:
        if not callable(policy):
            raise ValueError("policy must be a function policy(params) -> (H, W, 4) action probabilities; "
                             f"got {type(policy).__name__}")
        if not callable(rollout):
            raise ValueError("rollout must be a function rollout(params, key, n) -> (positions (n, T, 2), rewards "
                             f"(n, T)); got {type(rollout).__name__}")
        if (isinstance(trajectories, bool) or not isinstance(trajectories, int)
                or not 1 <= trajectories <= MAX_TRAJECTORIES):
            raise ValueError(f"trajectories must be an integer from 1 to {MAX_TRAJECTORIES}; got {trajectories!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be an integer; got {seed!r}")
        if isinstance(cell_size, bool) or not isinstance(cell_size, int) or not 12 <= cell_size <= 96:
            raise ValueError(f"cell_size must be an integer from 12 to 96 (pixels); got {cell_size!r}")
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.5 <= speed <= 120:
            raise ValueError(f"speed must be a number from 0.5 to 120 (moves per second); got {speed!r}")
        self.layout_grid = grid_layout(maze, walls, start, chests)
        self.policy_fn, self.rollout_fn, self.trajectories = policy, rollout, trajectories
        self.seed, self.title = seed, str(title)
        self._key = jax.random.key(seed)
        self._run = None
        self.widget = GridWorldWidget(grid=self.layout_grid.trait(), title=self.title, cell_size=cell_size,
                                      speed=float(speed))
        super().__init__(trainer, **options)

    # ---- the compiled call ----------------------------------------------------------------------
    def _compile(self, model_or_params: Any) -> None:
        """``self._run(model_or_params)``: policy and rollout in one jitted call; the output shapes are
        checked by tracing (``jax.eval_shape``) before anything compiles."""
        policy, rollout, n = self.policy_fn, self.rollout_fn, self.trajectories
        if is_nnx_module(model_or_params):
            from flax import nnx
            graphdef = nnx.graphdef(model_or_params)

            def tree(model):
                return tuple(nnx.split(model, nnx.Param, ...)[1:])

            def run(state, key):
                model = merged_for_eval(graphdef, *state)
                return policy(model), *rollout(model, key, n)
        else:
            def tree(params):
                return params

            def run(params, key):
                return policy(params), *rollout(params, key, n)
        shapes = jax.eval_shape(run, tree(model_or_params), self._key)
        if len(shapes) != 3:
            raise ValueError(f"rollout(params, key, {n}) must return two arrays (positions, rewards); "
                             f"got {len(shapes) - 1}")
        check_policy_shape(shapes[0].shape, self.layout_grid.walls.shape)
        check_rollout_shapes(shapes[1].shape, shapes[2].shape, n)
        compiled = jax.jit(run)
        self._run = lambda m: compiled(tree(m), self._key)

    # ---- what to draw: pure, checked against numpy by the tests ----------------------------------
    def compute(self, model_or_params: Any) -> dict:
        """``probabilities`` (H, W, 4), ``positions`` (n, T + 1, 2) int32 from the start, ``rewards`` (n, T),
        ``returns`` (n,) and ``best_actions`` (H, W) (argmax; -1 on walls)."""
        if self._run is None:
            self._compile(model_or_params)
        probabilities, positions, rewards = (np.asarray(a) for a in self._run(model_or_params))
        probabilities = check_probabilities(probabilities, self.layout_grid.walls)
        positions, rewards = check_rollout(positions, rewards, self.trajectories, self.layout_grid.walls.shape,
                                           self.layout_grid.start)
        best = np.where(self.layout_grid.walls, -1, np.argmax(probabilities, axis=-1))
        return {"probabilities": probabilities, "positions": positions, "rewards": rewards,
                "returns": rewards.sum(axis=1), "best_actions": best}

    # ---- the widget -----------------------------------------------------------------------------
    def _setup(self) -> None:
        self.heading = ipywidgets.HTML()
        self.heading.add_class("jaxscope-grid-world-heading")
        self.children = [self.heading, self.widget]
        self.add_class("jaxscope-grid-world")

    def draw(self, data: dict) -> None:
        self.widget.show(data["probabilities"], data["positions"], data["rewards"], data["returns"], self.drawing_step)
        returns = data["returns"]
        self.heading.value = (f"<b>{html.escape(self.title)}</b> · {len(returns)} episodes with the current policy · "
                              f"mean return {np.mean(returns):+.1f}")

    def _owned(self) -> list:
        return [w for w in (getattr(self, "widget", None), getattr(self, "heading", None)) if w is not None]
