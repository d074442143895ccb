"""Derive a plain, JSON-able architecture spec from a model, for the network diagram.

>>> import numpy as np
>>> import jaxscope.inspect as inspect
>>> params = {"weights": [np.zeros((30, 1)), np.zeros((1, 30))], "biases": [np.zeros(30), np.zeros(1)]}
>>> arch = inspect.architecture(params)
>>> [(layer.kind, layer.input_shape, layer.output_shape) for layer in arch.layers], arch.total_params
([('dense', (1,), (30,)), ('dense', (30,), (1,))], 91)
"""

from __future__ import annotations

from .dense import dense_weights
from .spec import Architecture, Layer, ParamEntry
from .tree import param_tree

__all__ = ["Architecture", "Layer", "ParamEntry", "architecture", "dense_weights"]


def is_nnx_module(obj) -> bool:
    try:
        from flax import nnx
    except ImportError:
        return False
    return isinstance(obj, nnx.Module)


def architecture(
    model_or_params,
    *,
    input_shape=None,
    orientation=None,
    module=None,
    activations=None,
    conv_strides=None,
    padding=None,
) -> Architecture:
    """The layers of a model, in order, with per-sample shapes and parameter counts.

    Accepts an nnx Module (traced; needs `input_shape`), flax.linen variables (optionally with
    the linen `module` and `input_shape` for call order), or the course's pytrees:
    `{'weights': [W (n_out, n_in)], 'biases': [b]}`, `[[W (n_in, n_out), b], ...]` and
    `{'conv_kernels', 'conv_biases', 'dense'}` (NCHW, `input_shape=(C, H, W)`). Dense
    orientation is inferred from how shapes chain; `orientation='out_in'|'in_out'` settles
    ambiguous (all square) chains. `activations` names the activation of course pytrees: a
    string for every weighted layer but the last, or a list with one entry per weighted layer.
    `conv_strides` and `padding` ('VALID'/'SAME') describe a course CNN; when omitted the
    course's stride 2 VALID (then stride 1) is tried against the size the dense part expects.
    Anything else gives `drawable=False`, a `reason` and the full parameter `tree`.
    """
    from .from_linen import count_params, is_linen_variables, linen_architecture, linen_layers
    from .from_nnx import nnx_architecture
    from .from_pytree import NotAChain, pytree_layers

    if is_nnx_module(model_or_params):
        return nnx_architecture(model_or_params, input_shape=input_shape)
    tree = param_tree(model_or_params)
    if module is not None:
        variables = model_or_params if "params" in model_or_params else {"params": model_or_params}
        return linen_architecture(variables, module, input_shape=input_shape)
    if is_linen_variables(model_or_params):
        layers = linen_layers(model_or_params, activations=activations)
        return Architecture(tuple(layers), (), count_params(tree), True, "", tree)
    try:
        layers, found_orientation = pytree_layers(
            model_or_params, input_shape=input_shape, orientation=orientation,
            activations=activations, conv_strides=conv_strides, padding=padding,
        )
    except NotAChain as why:
        return Architecture(
            (), (), sum(e.count for e in tree), False,
            f"no chain of weight matrices found: {why}; expected {{'weights': [...], 'biases': [...]}}, "
            "[[W, b], ...], a conv_kernels dict, flax.linen variables or an nnx Module",
            tree,
        )
    return Architecture(tuple(layers), (), sum(e.count for e in tree), True, "", tree, found_orientation)
