"""Derive a plain, JSON-able architecture spec from a model, for the network diagram.

Models with a forward pass (an nnx Module, linen variables with their `module`, a pytree with
its `apply`) are traced with `jax.make_jaxpr` and their layers read off the jaxpr (traced.py,
structure.py): nothing in jax or flax is replaced while tracing, so other threads are unaffected.
Course pytrees without `apply` are read from their shapes alone (from_pytree.py).

>>> import numpy as np
>>> import jaxscope.inspect as inspect
>>> params = {"weights": [np.zeros((30, 1)), np.zeros((1, 30))], "biases": [np.zeros(30), np.zeros(1)]}
>>> arch = inspect.architecture(params)
>>> [(layer.kind, layer.input_shape, layer.output_shape) for layer in arch.layers], arch.total_params
([('dense', (1,), (30,)), ('dense', (30,), (1,))], 91)
"""

from __future__ import annotations

from .blocks import as_blocks, split_path
from .dense import dense_weights
from .spec import Architecture, Layer, ParamEntry, replace
from .tree import param_tree
from ..nnx_modules import is_nnx_module  # re-exported: inspect's callers use it

__all__ = ["Architecture", "Layer", "ParamEntry", "architecture", "dense_weights"]

BLOCKS_NOTE = ("drawn as blocks: the parameters are no chain of dense or conv layers "
               "(give the forward pass, apply=, to draw its layers)")




def architecture(
    model_or_params,
    *,
    input_shape=None,
    orientation=None,
    module=None,
    activations=None,
    conv_strides=None,
    padding=None,
    apply=None,
) -> Architecture:
    """The layers of a model, in order, with per-sample shapes and parameter counts.

    Accepts an nnx Module (traced; `input_shape` defaults to the input size its first layer
    declares, e.g. `nnx.Linear(2, 8)` -> (2,)), flax.linen variables (optionally with the linen
    `module` and `input_shape` for call order), a pytree with its forward `apply(params, x)`
    (traced; `input_shape` defaults to the first dense layer's input), or the course's pytrees:
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
    if apply is not None and not is_linen_variables(model_or_params):
        return traced_pytree(model_or_params, apply, input_shape, orientation, activations)
    if is_linen_variables(model_or_params):
        layers = linen_layers(model_or_params, activations=activations)
        return Architecture(tuple(layers), (), count_params(tree), True, "", tree)
    try:
        layers, found_orientation = pytree_layers(
            model_or_params, input_shape=input_shape, orientation=orientation,
            activations=activations, conv_strides=conv_strides, padding=padding,
        )
    except NotAChain as why:
        arch = Architecture(
            (), (), sum(e.count for e in tree), False,
            f"no chain of weight matrices found: {why}; expected {{'weights': [...], 'biases': [...]}}, "
            "[[W, b], ...], a conv_kernels dict, flax.linen variables or an nnx Module",
            tree,
        )
        # modules (nested groups of arrays) are drawn as blocks; a flat set of arrays is no network
        if any(len(split_path(entry.path)) >= 2 for entry in tree):
            return as_blocks(arch, model_or_params, BLOCKS_NOTE)
        return arch
    return Architecture(tuple(layers), (), sum(e.count for e in tree), True, "", tree, found_orientation)


def traced_pytree(params, apply, input_shape, orientation, activations) -> Architecture:
    """`apply_architecture`, with the input shape of the parameters' dense chain by default and
    the activations / orientation given by the caller checked against or laid over the trace."""
    from .from_apply import apply_architecture
    from .from_pytree import NotAChain, activation_for, pytree_layers

    if input_shape is None:
        try:
            first = pytree_layers(params, orientation=orientation)[0][0]
        except (NotAChain, ValueError, IndexError):
            first = None
        if first is None or first.kind != "dense" or first.input_shape is None:
            raise ValueError("apply= needs input_shape= (one sample, without the batch axis) when the "
                             "parameters are not a chain of dense layers, e.g. input_shape=(3, 50, 50)")
        input_shape = first.input_shape
    arch = apply_architecture(params, apply, input_shape=input_shape)
    if orientation is not None and orientation != arch.orientation:
        raise ValueError(f"orientation={orientation!r} does not fit apply, which uses the kernels "
                         f"as {arch.orientation!r}")
    if activations is not None:
        weighted = [k for k, layer in enumerate(arch.layers) if layer.kind in ("dense", "conv")]
        layers = list(arch.layers)
        for position, k in enumerate(weighted):
            layers[k] = replace(layers[k], activation=activation_for(activations, position, len(weighted)))
        arch = replace(arch, layers=tuple(layers))
    return arch
