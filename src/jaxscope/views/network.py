"""The network a view runs: where its current parameters come from and a compiled forward.

A view follows a Trainer (its parameters after every refresh, its ``apply``; an nnx Module runs
itself) or stands alone on parameters given to ``view.update(params)`` with an ``apply=``.

>>> import jax.numpy as jnp, numpy as np
>>> net = Network(params={"w": jnp.ones((2, 1))}, apply=lambda p, x: x @ p["w"])
>>> net.predict(net.current(), np.ones((3, 2), np.float32)).tolist()
[[2.0], [2.0], [2.0]]
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import numpy as np

from ..inspect.forward import Forward


class Network:
    """``current()`` -> the model or parameters now; ``predict(that, x)`` -> numpy outputs (N, ...)."""

    def __init__(self, trainer: Any = None, *, params: Any = None, apply: Callable | None = None,
                 module: Any = None, view: str = "this view", forward: bool = True) -> None:
        self.trainer = trainer
        if trainer is not None:
            self._params = None
            source = trainer.snapshot().model_or_params
            apply = apply if apply is not None else trainer.apply
        else:
            if params is None:
                raise ValueError(f"{view} needs a trainer (view = {view}(trainer, ...) or trainer.show(views=[...])) "
                                 "or params= with apply=")
            self._params = params
            source = params
        self.forward = Forward(source, apply=apply, module=module)
        if not forward:       # a view that only reads the parameters (CustomView)
            return
        if self.forward.apply is None:
            raise ValueError(f"{view} runs the network: pass apply=lambda params, x: ... (the network on a batch x) "
                             "to the Trainer or to the view")
        self._compiled = jax.jit(self.forward.apply)

    def current(self) -> Any:
        """The trainer's model/parameters now, or the last ones given to ``set``."""
        return self.trainer.snapshot().model_or_params if self.trainer is not None else self._params

    def set(self, params: Any) -> None:
        self._params = params

    def step(self) -> int:
        return self.trainer.current_step if self.trainer is not None else 0

    def predict_members(self, members_tree: Any, x: Any) -> np.ndarray:
        """An ensemble's outputs on ``x``, one row per member (members stacked as ``Snapshot.members_tree``)."""
        if getattr(self, "_members", None) is None:
            apply = self.forward.apply
            self._members = jax.jit(jax.vmap(lambda tree, x: _first(apply(tree, x)), in_axes=(0, None)))
        return np.asarray(self._members(members_tree, x), dtype=np.float64)

    def predict(self, model_or_params: Any, x: Any) -> np.ndarray:
        """The network's outputs on the batch ``x`` as a float64 numpy array (one device-to-host copy)."""
        out = self._compiled(self.forward.tree(model_or_params), x)
        if isinstance(out, (tuple, list)):
            out = out[0]
        return np.asarray(out, dtype=np.float64)


def _first(out: Any) -> Any:
    """A model's outputs (the first of several it returns)."""
    return out[0] if isinstance(out, (tuple, list)) else out
