"""Architecture of flax.linen variables: from the parameters alone (order and kinds from the
names flax gives, `Dense_0`, `Conv_1`, ...) or, with the Module and an input shape, in call
order from the jaxpr of `module.apply(variables, x)`. Parameters belong to the module path they
are stored under; operations without parameters (a Dropout) belong to the module named by the
scope flax.linen records for each call (`Model/Dropout_0`).

>>> import numpy as np
>>> variables = {"params": {"Dense_0": {"kernel": np.zeros((2, 3)), "bias": np.zeros(3)}}}
>>> [layer.path for layer in linen_layers(variables)]
['params.Dense_0']
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import jax

from .blocks import traced_blocks
from .spec import Architecture, from_structure, make_layer
from .structure import Leaf, Owner, read_structure
from .traced import trace
from .tree import join_path, leaf_shape, param_tree, raw_key

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


def linen_owners(variables) -> dict:
    """{module path: Owner} for every module holding variables; the kind comes from its name."""
    owners: dict = {}
    for path, leaf in jax.tree_util.tree_flatten_with_path(variables)[0]:
        keys = tuple(raw_key(k) for k in path)
        if len(keys) < 3:
            continue
        collection, module, name = keys[0], keys[1:-1], keys[-1]
        owner = owners.setdefault(module, {"params": {}, "leaves": {}})
        owner["leaves"][name] = leaf
        if collection == "params":
            owner["params"][join_path(keys)] = leaf_shape(leaf)
    return {
        module: Owner(str(module[-1]), join_path(("params", *module)), kind_of_owner(str(module[-1]), found["leaves"]),
                      found["params"])
        for module, found in owners.items()
    }


def kind_of_owner(name: str, leaves: Mapping) -> str | None:
    kind = kind_from(name, leaves)
    return None if kind == "other" else kind


def scope_resolver(module, owners: dict):
    """`resolve(scope)`: the module an operation ran in, from flax's name scope `Top/Block_0/Dense_0`
    (flax.linen wraps module methods in `jax.named_scope`). Modules without variables (Dropout_0)
    are added to `owners` when their name says their kind."""
    top = type(module).__name__

    def resolve(scope: str):
        parts = scope.split("/")
        if top not in parts:
            return None
        parts = tuple(parts[parts.index(top) + 1:])
        for n in range(len(parts), 0, -1):
            key = parts[:n]
            if key not in owners and kind_of_owner(key[-1], {}) is not None:
                owners[key] = Owner(key[-1], join_path(("params", *key)), kind_of_owner(key[-1], {}), {})
            if key in owners:
                return key if owners[key].kind is not None else None
        return None

    return resolve


def linen_architecture(variables, module, *, input_shape) -> Architecture:
    """Trace `module.apply(variables, x)` and read its layers; see the module docstring."""
    if input_shape is None:
        raise ValueError("module= needs input_shape= (one sample, without the batch axis) to trace the forward pass")
    flat, treedef = jax.tree_util.tree_flatten_with_path(variables)
    owners = linen_owners(variables)
    leaves = [
        Leaf(join_path(path), leaf_shape(value) or (), tuple(raw_key(k) for k in path)[1:-1],
             raw_key(path[0]) == "params")
        for path, value in flat
    ]
    rngs = {"dropout": jax.random.key(0)}

    def forward(values, x):
        # mutable and a dropout key let BatchNorm and Dropout run in training mode too
        tree = jax.tree_util.tree_unflatten(treedef, values)
        return module.apply(tree, x, mutable=True, rngs=rngs)[0]

    traced = trace(forward, [value for _, value in flat], input_shape)
    structure = read_structure(traced, leaves, owners, scope_resolver(module, owners))
    tree = param_tree(variables)
    arch = from_structure(structure, tree, count_params(tree), "the forward pass called no recognised layer")
    return traced_blocks(arch, structure, leaves, variables)


def count_params(tree) -> int:
    """Elements under `params` (batch statistics are not parameters), or all when there is none."""
    params = [e for e in tree if e.path == "params" or e.path.startswith(("params.", "params["))]
    return sum(e.count for e in (params or tree))
