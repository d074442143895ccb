"""What every neuron of a small dense network computes over its input range (1-D or 2-D input):
the diagram's thumbnails, as in TensorFlow Playground, from the user's own forward function.

>>> import jax.numpy as jnp, numpy as np
>>> from jaxscope.inspect import architecture
>>> params = [[np.ones((2, 3), np.float32), np.zeros(3, np.float32)], [np.ones((3, 1), np.float32), np.zeros(1, np.float32)]]
>>> maps = NeuronMaps(architecture(params), Forward(params, apply=lambda p, x: jnp.tanh(x @ p[0][0]) @ p[1][0]), params, points=4)
>>> grid, columns = maps(params)
>>> grid["shape"], [(layer, values.shape) for layer, values in columns]
([4, 4], [(-1, (16, 2)), (0, (16, 3)), (1, (16, 1))])
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .forward import Forward
from .probe import activation_names, dense_columns
from .tree import canonical_path

DRAWN_NEURONS = 64          # the diagram draws larger columns as strips, without thumbnails
POINTS = {1: 64, 2: 32}     # grid points per axis
ELEMENTWISE = {"dense", "activation", "dropout"}


def input_grid(ranges: Sequence[tuple[float, float]], points: int) -> np.ndarray:
    """(G, d) float32 inputs: G = points on a line (d = 1) or points x points rows top to bottom
    from the largest y, columns left to right (d = 2), as docs/protocol.md's activations message."""
    if len(ranges) == 1:
        (x0, x1), = ranges
        return np.linspace(x0, x1, points, dtype=np.float32)[:, None]
    (x0, x1), (y0, y1) = ranges
    xs = np.linspace(x0, x1, points, dtype=np.float32)
    ys = np.linspace(y1, y0, points, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def check_range(input_range: Any, dims: int) -> list[tuple[float, float]]:
    """`input_range` as one (lo, hi) per input: a pair is used for every input."""
    if input_range is None:
        return [(-1.0, 1.0)] * dims
    try:
        pairs = np.asarray(input_range, dtype=float)
    except (TypeError, ValueError):
        pairs = None
    if pairs is not None and pairs.shape == (2,):
        pairs = np.tile(pairs, (dims, 1))
    if pairs is None or pairs.shape != (dims, 2) or not np.all(np.isfinite(pairs)) or np.any(pairs[:, 1] <= pairs[:, 0]):
        raise ValueError(f"input_range must be (lo, hi) with lo < hi, or one such pair per input ({dims}); got {input_range!r}")
    return [(float(lo), float(hi)) for lo, hi in pairs]


def unavailable_reason(spec) -> str:
    """Why `spec` gets no thumbnails ('' when it can)."""
    if spec.mode == "blocks":
        return "drawn as blocks"
    if not spec.drawable:
        return "no diagram"
    dense = [layer for layer in spec.layers if layer.kind == "dense"]
    if not dense or any(layer.kind not in ELEMENTWISE for layer in spec.layers):
        return "thumbnails are drawn for dense networks"
    n_in = dense[0].input_shape[-1] if dense[0].input_shape else None
    if n_in not in (1, 2):
        return f"thumbnails need a 1-D or 2-D input; this network takes {n_in}"
    if any(layer.output_shape and math.prod(d or 0 for d in layer.output_shape) > DRAWN_NEURONS for layer in dense):
        return f"thumbnails are drawn for layers of at most {DRAWN_NEURONS} neurons"
    return ""


def dense_kernels(spec, forward: Forward, model_or_params: Any) -> tuple[list[tuple[int, int]], str]:
    """[(layer number, index of its kernel among the leaves `forward.apply` receives)] for the dense
    layers of `spec`, in order, and '' (or why not, with an empty list)."""
    index = forward.leaf_index(forward.tree(model_or_params))
    kernels = []
    for k, layer in enumerate(spec.layers):
        if layer.kind != "dense":
            continue
        path = next((p for p, shape in layer.params.items() if len(shape) == 2), None)
        if path is None or canonical_path(path) not in index:
            return [], f"the kernel of {layer.name} is not among the parameters apply receives"
        kernels.append((k, index[canonical_path(path)]))
    return kernels, ""


class NeuronMaps:
    """`maps(model_or_params) -> (grid, [(layer, values (G, n))])`; layer -1 is the input column."""

    def __init__(self, spec, forward: Forward, model_or_params: Any, *, input_range: Any = None,
                 points: int | None = None) -> None:
        self.reason = unavailable_reason(spec) or forward.reason
        self.available = not self.reason
        if not self.available:
            return
        self._forward = forward
        self._dense = [k for k, layer in enumerate(spec.layers) if layer.kind == "dense"]
        dims = spec.layers[self._dense[0]].input_shape[-1]
        self.ranges = check_range(input_range, dims)
        self.points = int(points or POINTS[dims])
        self.x = input_grid(self.ranges, self.points)
        self.grid = {"shape": [self.points] * dims, "range": [list(r) for r in self.ranges]}
        self._kernels, reason = dense_kernels(spec, forward, model_or_params)
        if reason:
            self.disable(reason)
            return
        self._sizes = [spec.layers[self._dense[0]].input_shape[-1]] + [
            math.prod(spec.layers[k].output_shape) for k in self._dense]

    def activations(self, model_or_params: Any) -> dict:
        """{dense layer: activation name} as the forward applies them (traced, not compiled)."""
        return activation_names(self._forward.apply, self._forward.tree(model_or_params), self._kernels, self.x)

    def disable(self, reason: str) -> None:
        self.available, self.reason = False, reason

    def __call__(self, model_or_params: Any) -> tuple[dict, list]:
        values = dense_columns(self._forward.apply, self._forward.tree(model_or_params), self._kernels, self.x)
        layers = [-1] + self._dense
        columns = []
        for layer, size, column in zip(layers, self._sizes, values):
            if column is not None and column.shape == (len(self.x), size):
                columns.append((layer, np.ascontiguousarray(column, dtype="<f4")))
        return self.grid, columns
