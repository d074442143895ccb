"""The optimizer and its live learning rate, changed between chunks without recompiling.

Two mechanisms, both traced values so a change never recompiles:
- *injected*: the optimizer was built with ``optax.inject_hyperparams`` (a float ``optimizer=``
  becomes ``inject_hyperparams(adam)``); its state holds ``learning_rate``, set directly.
- *scaled*: any other transformation whose learning rate can be read off it (``optax.adam(1e-3)``,
  ``sgd``, ``adamw``...): updates are multiplied by ``new / original`` inside the step, exact for
  every optax alias whose update is proportional to the learning rate.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
import optax
from optax import tree_utils


def resolve(optimizer: Any) -> optax.GradientTransformation:
    """A float means adam at that rate; anything else must be an optax transformation."""
    if isinstance(optimizer, (float, int, np.floating)) and not isinstance(optimizer, bool):
        if not optimizer > 0:
            raise ValueError(f"optimizer: a learning rate must be positive; got {optimizer}")
        return optax.inject_hyperparams(optax.adam)(learning_rate=float(optimizer))
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError("optimizer must be an optax GradientTransformation (e.g. optax.adam(1e-3)) "
                        f"or a float learning rate for adam; got {type(optimizer).__name__}")
    return optimizer


def _scale_factors(fn: Any, depth: int = 0, seen: set | None = None) -> list[float]:
    """Constant factors of every ``optax.scale`` inside a transformation's update closures."""
    seen = set() if seen is None else seen
    if depth > 8 or id(fn) in seen:
        return []
    seen.add(id(fn))
    if isinstance(fn, (tuple, list)):
        return [f for item in fn for f in _scale_factors(item, depth + 1, seen)]
    if hasattr(fn, "update") and hasattr(fn, "init"):
        return _scale_factors(fn.update, depth + 1, seen)
    cells = getattr(fn, "__closure__", None) or ()
    if getattr(fn, "__qualname__", "") == "scale.<locals>.update_fn":
        return [float(c.cell_contents) for c in cells if isinstance(c.cell_contents, (float, int))]
    return [f for c in cells for f in _scale_factors(c.cell_contents, depth + 1, seen)]


class LearningRate:
    """Reads and sets the learning rate of one optimizer state; see the module docstring."""

    def __init__(self, optimizer: optax.GradientTransformation, opt_state: Any) -> None:
        injected = tree_utils.tree_get(opt_state, "learning_rate", default=None)
        self.base: float | None = None
        if injected is not None and np.ndim(injected) == 0:
            self.mode = "injected"
            self.base = float(f"{float(injected):.7g}")  # the float32 state holds 0.01 as 0.0099999998
        else:
            negative = [-f for f in _scale_factors(optimizer) if f < 0]
            self.mode = "scaled" if len(negative) == 1 else "unknown"
            self.base = negative[0] if len(negative) == 1 else None
        self.value = self.base

    def check(self, value: Any) -> float:
        if self.mode == "unknown":
            raise ValueError("learning_rate: this optimizer's learning rate cannot be read or changed; "
                             "build it with optax.inject_hyperparams(optax.adam)(learning_rate=...) "
                             "or pass optimizer=<float> for adam")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"learning_rate must be a positive number; got {value!r}") from None
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"learning_rate must be a positive finite number; got {value}")
        return value

    def scale(self) -> np.float32:
        """The factor the step multiplies updates by (1 unless mode is *scaled*)."""
        if self.mode == "scaled":
            return np.float32(self.value / self.base)  # numpy: no eager jax dispatch per chunk
        return np.float32(1.0)

    def apply_to_state(self, opt_state: Any) -> Any:
        """The optimizer state carrying the current rate (mode *injected*)."""
        if self.mode != "injected":
            return opt_state
        current = tree_utils.tree_get(opt_state, "learning_rate")
        return tree_utils.tree_set(opt_state, learning_rate=jnp.asarray(self.value, jnp.asarray(current).dtype))
