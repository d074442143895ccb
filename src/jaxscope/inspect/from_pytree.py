"""Architectures of the course's plain pytrees: P1 `{'weights', 'biases'}`, P2 `[[W, b], ...]`
and the lesson-3 CNN dict `{'conv_kernels', 'conv_biases', 'dense'}`.

>>> import numpy as np
>>> params = {"weights": [np.zeros((30, 1)), np.zeros((1, 30))], "biases": [np.zeros(30), np.zeros(1)]}
>>> [layer.output_shape for layer in pytree_layers(params)[0]]
[(30,), (1,)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .chain import io_dims, orient_chain
from .spec import make_layer

WEIGHT_KEYS = ("weights", "Weights", "W")
BIAS_KEYS = ("biases", "Biases", "b")


class NotAChain(Exception):
    """The pytree is not one of the known layouts; the message says why."""


def is_matrix(x) -> bool:
    return len(getattr(x, "shape", (0, 0, 0))) == 2


def is_vector(x) -> bool:
    return len(getattr(x, "shape", ())) == 1


def find_key(mapping: Mapping, names) -> str | None:
    return next((k for k in names if k in mapping), None)


def dense_entries(params, prefix: str = ""):
    """[(kernel, bias|None, kernel_path, bias_path|None), ...] for a P1 dict or a P2 list."""
    if isinstance(params, Mapping):
        wkey = find_key(params, WEIGHT_KEYS)
        if wkey is None or not isinstance(params[wkey], Sequence):
            raise NotAChain(f"a dict without a list of weight matrices (keys {sorted(map(str, params))})")
        bkey = find_key(params, BIAS_KEYS)
        weights = list(params[wkey])
        biases = list(params[bkey]) if bkey is not None else [None] * len(weights)
        if not weights or not all(is_matrix(w) for w in weights) or len(biases) != len(weights):
            raise NotAChain(f"{prefix}{wkey!s} is not a list of 2-D weight matrices with matching biases")
        return [
            (w, b, f"{prefix}{wkey}[{k}]", None if b is None else f"{prefix}{bkey}[{k}]")
            for k, (w, b) in enumerate(zip(weights, biases))
        ]
    if isinstance(params, Sequence) and not isinstance(params, str) and params:
        entries = []
        for k, item in enumerate(params):
            if is_matrix(item):
                entries.append((item, None, f"{prefix}[{k}]", None))
            elif isinstance(item, Sequence) and 1 <= len(item) <= 2 and is_matrix(item[0]):
                bias = item[1] if len(item) == 2 and is_vector(item[1]) else None
                entries.append((item[0], bias, f"{prefix}[{k}][0]", None if bias is None else f"{prefix}[{k}][1]"))
            else:
                raise NotAChain(f"item {prefix}[{k}] is neither a weight matrix nor a [W, b] pair")
        return entries
    raise NotAChain(describe(params))


def describe(params) -> str:
    shape = getattr(params, "shape", None)
    if shape is not None:
        return f"the parameters are a single array of shape {tuple(shape)}"
    if isinstance(params, Mapping):
        return f"a dict with keys {sorted(map(str, params))} and no list of weight matrices"
    return f"parameters of type {type(params).__name__}"


def activation_for(activations, index: int, count: int) -> str | None:
    """A string names the activation of every weighted layer but the last; a list names each."""
    if activations is None:
        return None
    if isinstance(activations, str):
        return activations if index < count - 1 else None
    return activations[index] if index < len(activations) else None


def dense_layers(entries, orientation, start: int, total: int, activations, first_input=None):
    kernels = [e[0] for e in entries]
    orientation = orient_chain(kernels, [e[1] for e in entries], orientation, first_input)
    layers = []
    for k, (kernel, bias, kernel_path, bias_path) in enumerate(entries):
        n_in, n_out = io_dims(kernel.shape, orientation)
        params = {kernel_path: kernel.shape}
        if bias is not None:
            params[bias_path] = bias.shape
        path = kernel_path[:-3] if kernel_path.endswith("][0]") else kernel_path
        layers.append(make_layer(
            f"dense_{k}", "dense", (n_in,), (n_out,), params,
            activation_for(activations, start + k, total), path,
        ))
    return layers, orientation


def conv_out(size: int, kernel: int, stride: int, padding: str) -> int:
    if padding == "SAME":
        return -(-size // stride)
    return (size - kernel) // stride + 1


def conv_shapes(input_shape, kernels, strides, paddings):
    """Per-layer (C, H, W) output shapes of an NCHW/OIHW conv stack."""
    shapes, (h, w) = [], input_shape[1:]
    for kernel, stride, padding in zip(kernels, strides, paddings):
        kh, kw = kernel.shape[2:]
        h, w = conv_out(h, kh, stride, padding), conv_out(w, kw, stride, padding)
        shapes.append((int(kernel.shape[0]), h, w))
    return shapes


def per_layer(value, count: int):
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value] * count


def guess_conv_shapes(input_shape, kernels, flat_size, conv_strides, padding):
    """Conv output shapes, trying the course's stride 2 VALID and stride 1 SAME/VALID when the
    stride or padding is not given; the flatten size the dense part expects must match."""
    if input_shape is None or len(input_shape) != 3:
        return None
    count = len(kernels)
    stride_options = [per_layer(conv_strides, count)] if conv_strides is not None else [[2] * count, [1] * count]
    padding_options = [per_layer(padding, count)] if padding is not None else [["VALID"] * count, ["SAME"] * count]
    for strides in stride_options:
        for paddings in padding_options:
            shapes = conv_shapes(input_shape, kernels, strides, [p.upper() for p in paddings])
            if flat_size is None or shapes[-1][0] * shapes[-1][1] * shapes[-1][2] == flat_size:
                return shapes
    return None


def cnn_layers(params, input_shape, orientation, activations, conv_strides=None, padding=None):
    kernels = list(params["conv_kernels"])
    if not kernels or not all(len(getattr(k, "shape", ())) == 4 for k in kernels):
        raise NotAChain("conv_kernels is not a list of 4-D (O, I, K, K) kernels")
    biases = list(params.get("conv_biases", [None] * len(kernels)))
    entries = dense_entries(params["dense"], prefix="dense.") if "dense" in params else []
    total = len(kernels) + len(entries)
    layers = []
    orientation_known = None
    flat_size = None
    if entries:
        orientation_known = orient_chain([e[0] for e in entries], [e[1] for e in entries], orientation)
        flat_size = io_dims(entries[0][0].shape, orientation_known)[0]
    shapes = guess_conv_shapes(input_shape, kernels, flat_size, conv_strides, padding)
    current = tuple(input_shape) if shapes is not None else None
    for k, (kernel, bias) in enumerate(zip(kernels, biases)):
        out = shapes[k] if shapes is not None else None
        layer_params = {f"conv_kernels[{k}]": kernel.shape}
        if bias is not None:
            layer_params[f"conv_biases[{k}]"] = bias.shape
        layers.append(make_layer(
            f"conv_{k}", "conv", current, out, layer_params,
            activation_for(activations, k, total), f"conv_kernels[{k}]",
        ))
        current = out
    if entries:
        layers.append(make_layer("flatten", "flatten", current, (flat_size,)))
        dense, _ = dense_layers(entries, orientation_known, len(kernels), total, activations)
        layers += dense
    return layers, orientation_known or "out_in"


def pytree_layers(params, *, input_shape=None, orientation=None, activations=None, conv_strides=None, padding=None):
    """(layers, dense orientation) of a course-style pytree; NotAChain when not recognized."""
    if isinstance(params, Mapping) and "conv_kernels" in params:
        return cnn_layers(params, input_shape, orientation, activations, conv_strides, padding)
    entries = dense_entries(params)
    first_input = input_shape[0] if input_shape is not None and len(input_shape) == 1 else None
    return dense_layers(entries, orientation, 0, len(entries), activations, first_input)
