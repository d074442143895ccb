"""Each conv layer's kernel as (O, I, KH, KW), whatever the storage, for drawing kernel images.

The course stores conv kernels OIHW (`conv_kernels[k]`, for `lax.conv_general_dilated`); flax
stores `kernel` as (KH, KW, I, O) (and (KW, I, O) for 1-D convolutions).

>>> import numpy as np
>>> from jaxscope.inspect import architecture
>>> params = {"conv_kernels": [np.zeros((4, 1, 3, 3))], "conv_biases": [np.zeros(4)],
...           "dense": {"weights": [np.zeros((2, 36))], "biases": [np.zeros(2)]}}
>>> [(k, w.shape) for k, w, b in conv_kernels(params, architecture(params, input_shape=(1, 8, 8)))]
[(0, (4, 1, 3, 3))]
"""

from __future__ import annotations

import numpy as np

from .dense import leaves_by_path


def as_oihw(kernel: np.ndarray, path: str) -> np.ndarray | None:
    """`kernel` as (O, I, KH, KW) float32, from flax HWIO / WIO (a path ending in `kernel`) or OIHW."""
    if path.endswith("kernel"):
        if kernel.ndim == 4:
            return kernel.transpose(3, 2, 0, 1)
        if kernel.ndim == 3:
            return kernel.transpose(2, 1, 0)[:, :, None, :]
        return None
    return kernel if kernel.ndim == 4 else None


def conv_kernels(model_or_params, arch, leaves: dict | None = None) -> list:
    """[(layer index, kernel (O, I, KH, KW) float32, bias (O,) or None)] for each conv layer
    (``leaves``: `leaves_by_path(model_or_params)` when the caller has it already)."""
    leaves = leaves_by_path(model_or_params) if leaves is None else leaves
    result = []
    for k, layer in enumerate(arch.layers):
        if layer.kind != "conv":
            continue
        kernel = bias = None
        for path, shape in layer.params.items():
            if len(shape) >= 3 and kernel is None:
                kernel = as_oihw(np.asarray(leaves[path], dtype=np.float32), path)
            elif len(shape) == 1:
                bias = np.asarray(leaves[path], dtype=np.float32)
        if kernel is not None:
            result.append((k, kernel, bias if bias is not None and len(bias) == kernel.shape[0] else None))
    return result
