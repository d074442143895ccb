"""One weight or bias of a dense layer set by hand (the diagram's edit mode), as new parameters.

>>> import numpy as np
>>> from jaxscope.inspect import architecture
>>> params = {"weights": [np.zeros((3, 2))], "biases": [np.zeros(3)]}     # (n_out, n_in)
>>> new = edited(params, architecture(params), layer=0, param="weight", i=1, j=2, value=0.5)
>>> float(new["weights"][0][2, 1]), float(params["weights"][0][2, 1])
(0.5, 0.0)
"""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np

from .tree import canonical_path, leaf_indices


def edited(params: Any, arch, *, layer: int, param: str, i: int, j: int | None = None, value: float) -> Any:
    """A copy of `params` (a pytree, flax variables or an nnx State) with kernel[i, j] (input
    neuron i to output neuron j) or bias[i] of dense layer `layer` set to `value`."""
    if not isinstance(layer, int) or not 0 <= layer < len(arch.layers) or arch.layers[layer].kind != "dense":
        dense = [k for k, spec in enumerate(arch.layers) if spec.kind == "dense"]
        raise ValueError(f"layer must be the index of a dense layer {dense}; got {layer!r}")
    if param not in ("weight", "bias"):
        raise ValueError(f"param must be 'weight' or 'bias'; got {param!r}")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"value must be a finite number; got {value!r}")
    spec = arch.layers[layer]
    rank = 2 if param == "weight" else 1
    path = next((p for p, shape in spec.params.items() if len(shape) == rank), None)
    if path is None:
        raise ValueError(f"layer {spec.name} has no {param}")
    shape = spec.params[path]
    if param == "weight":
        n_in, n_out = (shape[1], shape[0]) if arch.orientation == "out_in" else shape
        if not (isinstance(i, int) and isinstance(j, int) and 0 <= i < n_in and 0 <= j < n_out):
            raise ValueError(f"i, j must index input neuron 0..{n_in - 1} and output neuron 0..{n_out - 1}; got {i!r}, {j!r}")
        where = (j, i) if arch.orientation == "out_in" else (i, j)
    else:
        if not (isinstance(i, int) and 0 <= i < shape[0]):
            raise ValueError(f"i must index output neuron 0..{shape[0] - 1}; got {i!r}")
        where = (i,)
    leaves, treedef = jax.tree_util.tree_flatten(params)
    index = leaf_indices(params).get(canonical_path(path))
    if index is None:
        raise ValueError(f"no parameter {path!r} in the parameters given")
    old = leaves[index]
    new = np.array(old, copy=True)
    new[where] = value
    leaves = list(leaves)
    leaves[index] = jax.numpy.asarray(new, dtype=old.dtype) if isinstance(old, jax.Array) else new.astype(np.asarray(old).dtype)
    return jax.tree_util.tree_unflatten(treedef, leaves)
