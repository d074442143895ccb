"""Architecture of a plain parameter pytree together with its forward `apply(params, x)`.

The course's pytrees (`{'weights': [...], 'biases': [...]}`, `[[W, b], ...]`, the lesson-3 CNN
dict) say little by themselves: which axis of W is the input, which activation follows. The jaxpr
of `apply` says it all: a kernel's contracted axis gives the orientation, the bias is the leaf
added to that kernel's product, and the activations are read where they are applied. Layers are
named `dense_0`, `conv_0`, ... and located by their kernel's path, as from the parameters alone.

>>> import numpy as np, jax.numpy as jnp
>>> params = {"weights": [np.ones((30, 1)), np.ones((1, 30))], "biases": [np.zeros(30), np.zeros(1)]}
>>> apply = lambda p, x: jnp.tanh(x @ p["weights"][0].T + p["biases"][0]) @ p["weights"][1].T + p["biases"][1]
>>> arch = apply_architecture(params, apply, input_shape=(1,))
>>> [(layer.name, layer.output_shape, layer.activation) for layer in arch.layers], arch.orientation
([('dense_0', (30,), 'tanh'), ('dense_1', (1,), None)], 'out_in')
"""

from __future__ import annotations

from typing import Any, Callable

import jax

from .blocks import traced_blocks
from .spec import Architecture, from_structure
from .structure import Leaf, read_structure
from .traced import trace
from .tree import join_path, leaf_shape, param_tree


def name_by_kind(kind: str, number: int, kernel: Leaf | None) -> tuple[str, str]:
    """(`dense_0`, `weights[0]`): numbered by kind; a `[W, b]` pair is located by the pair."""
    path = kernel.path if kernel is not None else ""
    return f"{kind}_{number}", path[:-3] if path.endswith("][0]") else path


def apply_architecture(params: Any, apply: Callable, *, input_shape) -> Architecture:
    """The layers `apply(params, x)` runs, traced on abstract batches of per-sample `input_shape`."""
    flat, treedef = jax.tree_util.tree_flatten_with_path(params)
    leaves = [Leaf(join_path(path), leaf_shape(value) or ()) for path, value in flat]

    def forward(values, x):
        return apply(jax.tree_util.tree_unflatten(treedef, values), x)

    structure = read_structure(trace(forward, [value for _, value in flat], input_shape), leaves,
                               name_unowned=name_by_kind)
    tree = param_tree(params)
    arch = from_structure(structure, tree, sum(entry.count for entry in tree),
                          "apply(params, x) multiplies the input by no parameter", structure.orientation)
    return traced_blocks(arch, structure, leaves, params)
