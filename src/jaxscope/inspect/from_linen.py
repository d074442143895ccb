"""Architecture of flax.linen variables: from the parameters alone (order and kinds from the
names flax gives, `Dense_0`, `Conv_1`, ...) or, with the Module and an input shape, in call
order from an intercepted abstract forward pass.

>>> import numpy as np
>>> variables = {"params": {"Dense_0": {"kernel": np.zeros((2, 3)), "bias": np.zeros(3)}}}
>>> [layer.path for layer in linen_layers(variables)]
['params.Dense_0']
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import jax
import jax.numpy as jnp

from .spec import Architecture, make_layer
from .trace import Recorder
from .tree import join_path, leaf_shape, param_tree

NAME_KINDS = [
    ("ConvTranspose", "conv_transpose"), ("ConvLocal", "conv"), ("Conv", "conv"),
    ("DenseGeneral", "dense"), ("Dense", "dense"), ("Einsum", "dense"),
    ("BatchNorm", "norm"), ("LayerNorm", "norm"), ("GroupNorm", "norm"), ("RMSNorm", "norm"),
    ("InstanceNorm", "norm"), ("Embed", "embed"), ("Dropout", "dropout"),
]
LAYER_LEAVES = {"kernel", "bias", "scale", "embedding"}
SUFFIX = re.compile(r"^(.*)_(\d+)$")


def is_linen_variables(params) -> bool:
    """True for `{'params': {...}}` or a params dict holding flax-style layer dicts."""
    if not isinstance(params, Mapping):
        return False
    if isinstance(params.get("params"), Mapping):
        return True
    return any(isinstance(v, Mapping) and LAYER_LEAVES & set(v) for v in params.values())


def kind_from(name: str, leaves: Mapping) -> str:
    for prefix, kind in NAME_KINDS:
        if name.startswith(prefix):
            return kind
    kernel = leaves.get("kernel")
    if kernel is not None:
        return "dense" if len(leaf_shape(kernel)) == 2 else "conv"
    if "embedding" in leaves:
        return "embed"
    if "scale" in leaves:
        return "norm"
    return "other"


def ordered(keys):
    """Dict order, except that names of one type (`Dense_2`, `Dense_10`) follow their number,
    since flattening a pytree sorts keys alphabetically."""
    keys = list(keys)
    groups = {}
    for k in keys:
        match = SUFFIX.match(str(k))
        if match:
            groups.setdefault(match.group(1), []).append(k)
    slots = {prefix: iter(sorted(names, key=lambda n: int(SUFFIX.match(str(n)).group(2)))) for prefix, names in groups.items()}
    result = []
    for k in keys:
        match = SUFFIX.match(str(k))
        result.append(next(slots[match.group(1)]) if match else k)
    return result


def layer_dicts(tree: Mapping, prefix: tuple):
    """[(path parts, name, {leaf name: array})] of the layer dicts, depth first, in order."""
    found = []
    for key in ordered(tree):
        value = tree[key]
        if not isinstance(value, Mapping):
            continue
        leaves = {k: v for k, v in value.items() if not isinstance(v, Mapping)}
        if leaves:
            found.append((prefix + (key,), str(key), leaves))
        found += layer_dicts({k: v for k, v in value.items() if isinstance(v, Mapping)}, prefix + (key,))
    return found


def linen_layers(variables, *, activations=None):
    """Layers from the parameters alone; a flatten is inserted between a conv and a dense."""
    params, prefix = (variables["params"], ("params",)) if "params" in variables else (variables, ())
    layers, previous = [], None
    found = layer_dicts(params, prefix)
    weighted = [i for i, (_, name, leaves) in enumerate(found) if "kernel" in leaves]
    for index, (path, name, leaves) in enumerate(found):
        kind = kind_from(name, leaves)
        shapes = {join_path(path + (k,)): leaf_shape(v) for k, v in leaves.items()}
        kernel = leaf_shape(leaves["kernel"]) if "kernel" in leaves else None
        input_shape = output_shape = None
        if kind == "dense" and kernel is not None and len(kernel) == 2:
            input_shape, output_shape = (kernel[0],), (kernel[1],)
            if previous in ("conv", "conv_transpose", "pool"):
                layers.append(make_layer("flatten", "flatten", None, input_shape))
        elif kind == "norm" and layers and layers[-1].output_shape is not None:
            input_shape = output_shape = layers[-1].output_shape
        activation = None
        if activations is not None and index in weighted:
            position = weighted.index(index)
            activation = (
                (activations if position < len(weighted) - 1 else None)
                if isinstance(activations, str)
                else (activations[position] if position < len(activations) else None)
            )
        layers.append(make_layer(name, kind, input_shape, output_shape, shapes, activation, join_path(path)))
        previous = kind
    return layers


def linen_architecture(variables, module, *, input_shape) -> Architecture:
    """Trace `module.apply(variables, x)` abstractly, recording each layer as it is called."""
    import flax.linen as nn

    if input_shape is None:
        raise ValueError("module= needs input_shape= (one sample, without the batch axis) to trace the forward pass")
    recorder = Recorder()
    kinds = [(getattr(nn, name, None), kind) for name, kind in NAME_KINDS]

    def interceptor(next_fun, args, kwargs, context):
        module_ = context.module
        kind = next((k for cls, k in kinds if cls is not None and isinstance(module_, cls)), None)
        if context.method_name != "__call__" or kind is None or not args:
            return next_fun(*args, **kwargs)
        path = ("params", *module_.path)
        own = module_.variables.get("params", {})
        params = {join_path(path + (k,)): leaf_shape(v) for k, v in own.items() if not isinstance(v, Mapping)}
        return recorder.layer_call(
            lambda x, *a, **k: next_fun(x, *a, **k), *args,
            name=str(module_.name), kind=kind, params=params, path=join_path(path), **kwargs,
        )

    def forward(variables, x):
        recorder.mark(x, -1)
        # mutable and a dropout key let BatchNorm and Dropout run in training mode too
        return module.apply(variables, x, mutable=True, rngs={"dropout": jax.random.key(0)})

    x = jax.ShapeDtypeStruct((2, *tuple(input_shape)), jnp.float32)
    with nn.intercept_methods(interceptor), recorder.patched():
        jax.eval_shape(forward, variables, x)
    tree = param_tree(variables)
    return Architecture(
        layers=tuple(recorder.layers),
        skips=tuple(recorder.skips),
        total_params=count_params(tree),
        drawable=bool(recorder.layers),
        reason="" if recorder.layers else "the forward pass called no recognised layer",
        tree=tree,
    )


def count_params(tree) -> int:
    """Elements under `params` (batch statistics are not parameters), or all when there is none."""
    params = [e for e in tree if e.path == "params" or e.path.startswith(("params.", "params["))]
    return sum(e.count for e in (params or tree))
