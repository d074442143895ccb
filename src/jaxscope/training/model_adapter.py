"""One adapter per model style, so the engine sees (trainable, rest) pytrees either way.

A course-style pytree trains as it is; an ``nnx.Module`` is split once into its graph, its
``nnx.Param`` state (trained) and everything else (batch statistics, RNG counters), and merged
back inside the compiled function so the user's loss receives a real module.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from ..nnx_modules import is_nnx_module, merged_for_eval


def _copy_leaves(tree):
    """Fresh device arrays: the trainer never aliases what the caller holds."""
    return jax.tree.map(lambda a: jax.numpy.array(a, copy=True), tree)


def _rebuilt(tree):
    return jax.tree.map(lambda a: a, tree)


class PytreeAdapter:
    """Params are any pytree of arrays; the loss receives them unchanged."""

    kind = "pytree"

    def __init__(self, params: Any) -> None:
        leaves = jax.tree.leaves(params)
        if not leaves or not all(isinstance(x, (jax.Array, np.ndarray, np.generic, float, int)) for x in leaves):
            raise ValueError(
                "params must be a pytree of arrays (e.g. {'weights': [W, ...], 'biases': [b, ...]}) "
                f"or a flax.nnx.Module; got {type(params).__name__} with leaves "
                f"{[type(x).__name__ for x in leaves[:5]]}"
            )
        if not any(np.issubdtype(np.asarray(x).dtype, np.inexact) for x in leaves):
            raise ValueError("params must contain at least one floating-point array to train")
        self._initial = _copy_leaves(params)

    def initial(self) -> tuple[Any, Any]:
        return _copy_leaves(self._initial), ()

    def view(self, trainable: Any, rest: Any, key: Any = None) -> Any:
        return trainable

    def eval_view(self, trainable: Any, rest: Any) -> Any:
        return trainable

    def rest_after(self, view: Any, rest: Any) -> Any:
        return rest

    def user_params(self, trainable: Any, rest: Any) -> Any:
        return trainable


class NnxAdapter:
    """An ``nnx.Module``: trains its ``nnx.Param`` state; the loss receives a merged module."""

    kind = "nnx"

    def __init__(self, module: Any) -> None:
        from flax import nnx

        self._nnx = nnx
        self.graphdef, params, rest = nnx.split(module, nnx.Param, ...)
        if not jax.tree.leaves(params):
            raise ValueError("params: the nnx.Module has no nnx.Param to train")
        self._initial = (_copy_leaves(params), _copy_leaves(rest))

    def initial(self) -> tuple[Any, Any]:
        return _copy_leaves(self._initial[0]), _copy_leaves(self._initial[1])

    def view(self, trainable: Any, rest: Any, key: Any = None) -> Any:
        # Rebuild the state's Variables in the current trace: nnx refuses to mutate (batch
        # statistics) a Variable created at an outer trace level (the chunk's loop).
        return self._nnx.merge(self.graphdef, *_rebuilt((trainable, rest)))

    def eval_view(self, trainable: Any, rest: Any) -> Any:
        """The module in evaluation mode (dropout off, running batch statistics)."""
        return merged_for_eval(self.graphdef, *_rebuilt((trainable, rest)))

    def rest_after(self, view: Any, rest: Any) -> Any:
        """Non-parameter state (batch stats, RNG counts) after the loss ran on the module."""
        _, _, new_rest = self._nnx.split(view, self._nnx.Param, ...)
        return new_rest

    def user_params(self, trainable: Any, rest: Any) -> Any:
        return trainable

    def module(self, trainable: Any, rest: Any) -> Any:
        return self._nnx.merge(self.graphdef, trainable, rest)


def adapter_for(params: Any, module: Any = None):
    """The adapter for ``params``: an nnx.Module, linen variables with their ``module``, or a pytree of arrays."""
    if module is not None:
        from .linen_adapter import LinenAdapter

        return LinenAdapter(params, module)
    if params is None:
        raise ValueError("params is required: a pytree of arrays or a flax.nnx.Module")
    if all(hasattr(params, name) for name in ("apply_fn", "tx", "params", "opt_state")):
        raise TypeError("params is a flax TrainState: use scope.Trainer.from_train_state(state, loss=..., data=...) "
                        "(trainer.train_state() gives it back trained)")
    if is_nnx_module(params):
        return NnxAdapter(params)
    return PytreeAdapter(params)
