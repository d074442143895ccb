"""The optimizer and its live learning rate, changed between chunks without recompiling.

Two mechanisms, both traced values so a change never recompiles:
- *injected*: the optimizer was built with ``optax.inject_hyperparams`` (a float ``optimizer=``
  becomes ``inject_hyperparams(adam)``); its state holds ``learning_rate``, set directly.
- *scaled*: any other transformation whose learning rate can be read off the jaxpr of its update
  (``optax.adam(1e-3)``, ``sgd``, ``adamw``, ``lion``, a ``chain`` ending in one...; see
  `traced_learning_rate`): updates are multiplied by ``new / original`` inside the step, exact
  for every optax alias whose update is proportional to the learning rate.

A schedule has no constant rate to read: its mode is *unknown* and the rate cannot be changed.

>>> rate = LearningRate(optax.adam(1e-3), optax.adam(1e-3).init({"w": jnp.zeros(2)}))
>>> rate.mode, rate.base
('scaled', 0.001)
>>> rate.value = 2e-3
>>> float(rate.scale())
2.0
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from optax import tree_utils

from ..inspect.jaxpr_graph import Const, flatten


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


# A probe with a vector and a matrix leaf: enough for optimizers that treat matrices specially.
PROBE = {"bias": jax.ShapeDtypeStruct((2,), jnp.float32), "kernel": jax.ShapeDtypeStruct((2, 3), jnp.float32)}
VIEWS = {"convert_element_type", "copy", "copy_p"}


def traced_learning_rate(optimizer: optax.GradientTransformation) -> float | None:
    """The learning rate a transformation's update applies, read off its jaxpr, or None.

    optax ends every learning-rate-driven update with ``updates * -learning_rate`` (``sgd``,
    ``adam``, ``adamw``, ``rmsprop``, ``lion``, a ``chain`` ending in one of them): traced on a
    small abstract probe, that is a multiplication by a constant scalar. A schedule multiplies by
    a traced value instead, so it gives None, as does a positive factor (no descent).

    >>> traced_learning_rate(optax.adam(1e-3)), traced_learning_rate(optax.sgd(optax.linear_schedule(1.0, 0.1, 10)))
    (0.001, None)
    """
    try:
        state = jax.eval_shape(optimizer.init, PROBE)
        closed = jax.make_jaxpr(lambda g, s, p: optimizer.update(g, s, p)[0])(PROBE, state, PROBE)
    except Exception:  # an optimizer that cannot run on the probe (e.g. a mask for other params)
        return None
    graph = flatten(closed)
    factors = {final_factor(graph, value) for value in graph.outputs}
    if len(factors) != 1:
        return None
    factor = factors.pop()
    if factor is None or not factor < 0:
        return None
    return float(f"{-factor:.7g}")  # the float32 literal holds 1e-3 as 0.0010000000474974513


def final_factor(graph, value) -> float | None:
    """The product of the constant scalars `value` was multiplied by last (None: not a product)."""
    product, found = 1.0, False
    while (op := graph.producer(value)) is not None:
        if op.primitive in VIEWS:
            value = op.inputs[0]
            continue
        scalars = [v for v in op.inputs if isinstance(v, Const) and np.ndim(v.value) == 0]
        if op.primitive != "mul" or len(scalars) != 1 or len(op.inputs) != 2:
            break
        product *= float(np.asarray(scalars[0].value))
        value = next(v for v in op.inputs if v is not scalars[0])
        found = True
    return product if found else None


class LearningRate:
    """Reads and sets the learning rate of one optimizer state; see the module docstring."""

    def __init__(self, optimizer: optax.GradientTransformation, opt_state: Any) -> None:
        injected = tree_utils.tree_get(opt_state, "learning_rate", default=None)
        self.base: float | None = None
        if injected is not None and np.ndim(injected) == 0:
            self.mode = "injected"
            self.base = float(f"{float(injected):.7g}")  # the float32 state holds 0.01 as 0.0099999998
        else:
            self.base = traced_learning_rate(optimizer)
            self.mode = "unknown" if self.base is None else "scaled"
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

    def scale(self, value: float | None = None) -> np.float32:
        """The factor the step multiplies updates by at rate ``value`` (the current one when None): 1
        unless mode is *scaled*."""
        if self.mode == "scaled":
            return np.float32((self.value if value is None else value) / self.base)  # numpy: no eager jax dispatch
        return np.float32(1.0)

    def apply_to_state(self, opt_state: Any, value: float | None = None) -> Any:
        """The optimizer state carrying rate ``value`` (the current one when None; mode *injected*)."""
        if self.mode != "injected":
            return opt_state
        current = tree_utils.tree_get(opt_state, "learning_rate")
        current = jnp.asarray(current)   # an ensemble's state holds one rate per member: all get the new one
        value = self.value if value is None else value
        return tree_utils.tree_set(opt_state, learning_rate=jnp.full(current.shape, value, current.dtype))
