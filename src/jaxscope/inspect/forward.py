"""How to run a model on a batch of inputs, from what a diagram is given.

An nnx Module runs itself (in evaluation mode, from its parameter and other state); flax.linen
variables run through their `module`; any other pytree needs the user's `apply(params, x)`.
`tree(model_or_params)` is what the compiled forward takes as its first argument.

>>> import jax.numpy as jnp
>>> forward = Forward({"w": jnp.ones((2, 1))}, apply=lambda p, x: x @ p["w"])
>>> forward.apply(forward.tree({"w": jnp.ones((2, 1))}), jnp.ones((3, 2))).shape
(3, 1)
"""

from __future__ import annotations

from typing import Any, Callable

from ..nnx_modules import merged_for_eval
from .tree import leaf_indices


def _nnx():
    try:
        from flax import nnx
    except ImportError:
        return None
    return nnx


class Forward:
    """`apply(tree, x)` for a model, or `apply is None` with `reason` when none is known."""

    def __init__(self, model_or_params: Any, *, apply: Callable | None = None, module: Any = None) -> None:
        nnx = _nnx()
        self.is_nnx = nnx is not None and isinstance(model_or_params, nnx.Module)
        self.reason = ""
        if apply is not None and not callable(apply):
            raise TypeError(f"apply must be a function apply(params, x) -> outputs; got {type(apply).__name__}")
        if self.is_nnx:
            graphdef = nnx.graphdef(model_or_params)

            def run_module(tree, x):
                return merged_for_eval(graphdef, *tree)(x)

            self.apply = run_module
        elif apply is not None:
            self.apply = apply
        elif module is not None:
            self.apply = lambda variables, x: module.apply(
                variables if "params" in variables else {"params": variables}, x)
        else:
            self.apply = None
            self.reason = "pass apply=lambda params, x: ... (the network on a batch x) to see what each neuron computes"

    def tree(self, model_or_params: Any) -> Any:
        """What `apply` takes: (parameters, other state) of an nnx Module, else the parameters."""
        if self.is_nnx:
            nnx = _nnx()
            _, params, rest = nnx.split(model_or_params, nnx.Param, ...)
            return (params, rest)
        return model_or_params

    def leaf_index(self, tree: Any) -> dict[str, int]:
        """{canonical parameter path: index among the leaves of `tree`}."""
        return leaf_indices(tree[0] if self.is_nnx else tree)
