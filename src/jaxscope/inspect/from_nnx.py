"""Architecture of a `flax.nnx.Module`, in call order, from the jaxpr of its forward pass.

The module is split into (graphdef, state) and `nnx.merge` turns that into a pure function of the
state's leaves, which is traced (traced.py) and read (structure.py). Each leaf belongs to the
innermost module holding it (`hidden1.kernel` to `hidden1`, a Dropout's random key to that
Dropout), which names the layer and, by its class, gives its kind. Nothing in flax or jax is
changed while tracing.

>>> from flax import nnx
>>> model = nnx.Linear(2, 3, rngs=nnx.Rngs(0))
>>> [(layer.kind, layer.input_shape) for layer in nnx_architecture(model, input_shape=(2,)).layers]
[('dense', (2,))]
"""

from __future__ import annotations

import math

import jax

from .blocks import traced_blocks
from .nnx_input import infer_input_shape
from .spec import Architecture, ParamEntry, from_structure
from .structure import Leaf, Owner, read_structure
from .traced import trace
from .tree import join_path, raw_key


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


def owner_of(path: tuple, modules: dict) -> tuple:
    """The innermost module (a path in `modules`) holding the leaf at `path`."""
    return next(path[:n] for n in range(len(path) - 1, -1, -1) if path[:n] in modules)


def nnx_owners(model) -> tuple[dict, dict]:
    """({module path: Owner}, {leaf path: Variable}) for every module and variable of `model`."""
    from flax import nnx

    nodes = list(nnx.iter_graph(model))
    modules = {tuple(path): node for path, node in nodes if isinstance(node, nnx.Module)}
    variables = {tuple(path): node for path, node in nodes if isinstance(node, nnx.Variable)}
    params: dict = {}
    for path, variable in variables.items():
        if isinstance(variable, nnx.Param):
            params.setdefault(owner_of(path, modules), {})[join_path(path)] = tuple(variable_value(variable).shape)
    owners = {
        path: Owner(join_path(path) or type(module).__name__, join_path(path), kind_of(module), params.get(path, {}),
                    type(module).__name__)
        for path, module in modules.items()
    }
    return owners, variables


def nnx_architecture(model, *, input_shape=None) -> Architecture:
    """Trace `model` on abstract batches of per-sample `input_shape` (inferred from the first
    layer's declared input size when None; a jax.ShapeDtypeStruct for non-float inputs)."""
    from flax import nnx

    tree = tuple(ParamEntry(join_path(path), shape, math.prod(shape)) for path, shape in param_leaves(model))
    graphdef, state = nnx.split(model)
    flat, treedef = jax.tree_util.tree_flatten_with_path(state)
    owners, variables = nnx_owners(model)
    modules = set(owners)
    leaves = []
    for keys, value in flat:
        path = tuple(raw_key(k) for k in keys)
        path = path[:-1] if path and path[-1] == "value" else path  # the Variable's own value
        leaves.append(Leaf(join_path(path), tuple(getattr(value, "shape", ())), owner_of(path, modules),
                           isinstance(variables.get(path), nnx.Param)))

    def forward(values, x):
        return nnx.merge(graphdef, jax.tree_util.tree_unflatten(treedef, values))(x)

    def read(shape):
        structure = read_structure(trace(forward, [value for _, value in flat], shape), leaves, owners)
        arch = from_structure(structure, tree, sum(entry.count for entry in tree),
                              "the forward pass called no recognised layer")
        return traced_blocks(arch, structure, leaves, model)

    if input_shape is None:
        return infer_input_shape(model, read)
    return read(input_shape)
