"""The per-sample input shape of an nnx Module, from the input size its layers declare.

`nnx.Linear(2, 8)` declares `in_features=2`. The layers are tried in the order the module
declares them (attribute order, depth first), since the first one declared is usually the first
one called; a candidate is accepted when the forward pass traces with it. An `nnx.Conv` declares
its channels but not the image size, so common square sizes are tried, and one is accepted only
when a dense layer after a flatten pins it (a fully convolutional network fits any size).

>>> from flax import nnx
>>> model = nnx.Sequential(nnx.Linear(2, 8, rngs=nnx.Rngs(0)), nnx.tanh, nnx.Linear(8, 1, rngs=nnx.Rngs(1)))
>>> [shape for _, shape in candidates(model)]
[(2,), (8,)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Callable, Iterator

SIDES = (28, 32, 64, 50, 16, 8, 14, 27, 100, 224, 12, 10, 20, 24, 48, 96, 128)


def declared_layers(node, seen=None) -> Iterator:
    """Linear and Conv layers under `node`, in the order their attributes were assigned."""
    from flax import nnx

    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, (nnx.Linear, nnx.Conv)):
        yield node
    elif isinstance(node, Sequence) and not isinstance(node, str):
        for item in node:
            yield from declared_layers(item, seen)
    elif isinstance(node, Mapping):
        for item in node.values():
            yield from declared_layers(item, seen)
    elif isinstance(node, nnx.Module):
        for name, item in vars(node).items():
            if not name.startswith("_"):
                yield from declared_layers(item, seen)


def candidates(model) -> Iterator[tuple[bool, tuple]]:
    """(is a conv, per-sample input shape) to try, first declared layer first, without repeats."""
    from flax import nnx

    tried = set()
    for layer in declared_layers(model):
        if isinstance(layer, nnx.Conv):
            rank = len(layer.kernel_size)
            shapes = [(side,) * rank + (layer.in_features,) for side in SIDES]
        else:
            shapes = [(layer.in_features,)]
        for shape in shapes:
            if shape not in tried:
                tried.add(shape)
                yield isinstance(layer, nnx.Conv), shape


def pinned(arch) -> bool:
    """True when a dense layer reads a flattened image, so the image size was the only one that fits."""
    kinds = [layer.kind for layer in arch.layers]
    return "flatten" in kinds and "dense" in kinds[kinds.index("flatten"):]


def infer_input_shape(model, read: Callable):
    """`read(shape)` for the first candidate shape that traces; ValueError naming input_shape if none."""
    for is_conv, shape in candidates(model):
        try:
            arch = read(shape)
        except Exception:  # the shapes do not fit this candidate: try the next
            continue
        if arch.drawable and (not is_conv or pinned(arch)):
            return arch
    raise ValueError(
        f"cannot tell the input shape of this {type(model).__name__}: no nnx.Linear or nnx.Conv "
        "declared in it fixes the input size; pass input_shape= (the shape of one sample, without "
        "the batch axis), e.g. architecture(model, input_shape=(50,))"
    )
