"""Each dense layer's kernel in (n_in, n_out) orientation and its bias, for drawing edges.

>>> import numpy as np
>>> params = {"weights": [np.ones((3, 2))], "biases": [np.zeros(3)]}
>>> from jaxscope.inspect import architecture
>>> [w.shape for w, b in dense_weights(params, architecture(params))]
[(2, 3)]
"""

from __future__ import annotations

import numpy as np

from .tree import join_path


def leaves_by_path(model_or_params) -> dict:
    """{path string: array} for every leaf, with the same paths as `Architecture.tree`."""
    try:
        from flax import nnx

        from .from_nnx import variable_value

        if isinstance(model_or_params, nnx.Module):
            return {
                join_path(path): variable_value(leaf)
                for path, leaf in nnx.iter_graph(model_or_params)
                if isinstance(leaf, nnx.Param)
            }
    except ImportError:
        pass
    import jax

    return {join_path(path): leaf for path, leaf in jax.tree_util.tree_flatten_with_path(model_or_params)[0]}


def dense_weights(model_or_params, arch, leaves: dict | None = None) -> list:
    """[(kernel (n_in, n_out), bias (n_out,) or None)] as numpy arrays, one per dense layer
    (``leaves``: `leaves_by_path(model_or_params)` when the caller has it already)."""
    leaves = leaves_by_path(model_or_params) if leaves is None else leaves
    result = []
    for layer in arch.layers:
        if layer.kind != "dense":
            continue
        kernel = bias = None
        for path, shape in layer.params.items():
            value = np.asarray(leaves[path])
            if len(shape) >= 2 and kernel is None:
                kernel = value
            elif len(shape) == 1:
                bias = value
        if arch.orientation == "out_in":
            kernel = kernel.T
        result.append((kernel, bias))
    return result

