"""Architecture of a `flax.nnx.Module`, in call order, by tracing one abstract forward pass.

>>> from flax import nnx
>>> model = nnx.Linear(2, 3, rngs=nnx.Rngs(0))
>>> [layer.kind for layer in nnx_architecture(model, input_shape=(2,)).layers]
['dense']
"""

from __future__ import annotations

import contextlib
import functools
import math

import jax
import jax.numpy as jnp

from .spec import Architecture, ParamEntry
from .trace import Recorder, patch
from .tree import join_path

BATCH = 2  # a batch axis of 2 keeps batch-dependent reshapes distinguishable


def layer_kinds():
    from flax import nnx

    return [
        (getattr(nnx, "ConvTranspose", None), "conv_transpose"),
        (nnx.Conv, "conv"),
        (nnx.Linear, "dense"),
        (getattr(nnx, "LinearGeneral", None), "dense"),
        (getattr(nnx, "Einsum", None), "dense"),
        (nnx.BatchNorm, "norm"),
        (nnx.LayerNorm, "norm"),
        (getattr(nnx, "GroupNorm", None), "norm"),
        (getattr(nnx, "RMSNorm", None), "norm"),
        (nnx.Dropout, "dropout"),
        (nnx.Embed, "embed"),
    ]


def kind_of(module) -> str | None:
    return next((kind for cls, kind in layer_kinds() if cls is not None and isinstance(module, cls)), None)


def param_leaves(node, prefix=()):
    """[(path parts, shape)] of every nnx.Param under `node`, in flax's graph order."""
    from flax import nnx

    return [
        (prefix + tuple(path), tuple(int(d) for d in variable_value(leaf).shape))
        for path, leaf in nnx.iter_graph(node)
        if isinstance(leaf, nnx.Param)
    ]


def variable_value(variable):
    return variable.get_value() if hasattr(variable, "get_value") else variable.value


def input_struct(input_shape):
    if isinstance(input_shape, jax.ShapeDtypeStruct):
        return jax.ShapeDtypeStruct((BATCH, *input_shape.shape), input_shape.dtype)
    return jax.ShapeDtypeStruct((BATCH, *tuple(input_shape)), jnp.float32)


def nnx_architecture(model, *, input_shape) -> Architecture:
    """Trace `model` on a batch of abstract inputs of per-sample `input_shape`.

    `input_shape` may be a jax.ShapeDtypeStruct for non-float inputs (e.g. token ids for Embed).
    """
    from flax import nnx

    if input_shape is None:
        raise ValueError(
            "an nnx Module needs input_shape= (the shape of one sample, without the batch axis) "
            "to trace its forward pass, e.g. architecture(model, input_shape=(50,))"
        )
    leaves = param_leaves(model)
    tree = tuple(ParamEntry(join_path(path), shape, math.prod(shape)) for path, shape in leaves)
    graphdef, state = nnx.split(model)
    recorder = Recorder()
    paths = {}

    def on_call(original, module, x, *args, **kwargs):
        kind = kind_of(module)
        prefix = paths.get(id(module))
        if kind is None or prefix is None:
            return original(module, x, *args, **kwargs)
        params = {join_path(path): shape for path, shape in param_leaves(module, prefix)}
        return recorder.layer_call(
            functools.partial(original, module), x, *args,
            name=join_path(prefix) or type(module).__name__, kind=kind, params=params,
            path=join_path(prefix), **kwargs,
        )

    def forward(state, x):
        copy = nnx.merge(graphdef, state)
        paths.update({id(node): tuple(path) for path, node in nnx.iter_graph(copy) if isinstance(node, nnx.Module)})
        recorder.mark(x, -1)
        return copy(x)

    with contextlib.ExitStack() as stack:
        for cls in {cls for cls, _ in layer_kinds() if cls is not None and "__call__" in cls.__dict__}:
            original = cls.__dict__["__call__"]
            stack.enter_context(patch(cls, "__call__", _method(on_call, original)))
        stack.enter_context(recorder.patched())
        jax.eval_shape(forward, state, input_struct(input_shape))

    return Architecture(
        layers=tuple(recorder.layers),
        skips=tuple(recorder.skips),
        total_params=sum(entry.count for entry in tree),
        drawable=bool(recorder.layers),
        reason="" if recorder.layers else "the forward pass called no recognised layer",
        tree=tree,
    )


def _method(on_call, original):
    def __call__(self, x, *args, **kwargs):
        return on_call(original, self, x, *args, **kwargs)

    return __call__

