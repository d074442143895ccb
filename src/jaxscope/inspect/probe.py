"""What every neuron of a dense network computes over a grid of inputs (the diagram's thumbnails).

The network's own forward function is traced to a jaxpr and re-played with one change: the
operand that each dense kernel multiplies, i.e. the activations entering that layer, is kept.
So the values are exactly those of the user's model (any activation, any layout, vmapped or
batched), with no knowledge of how it was written.

>>> import numpy as np, jax.numpy as jnp
>>> params = [[np.ones((2, 3), np.float32), np.zeros(3, np.float32)], [np.ones((3, 1), np.float32), np.zeros(1, np.float32)]]
>>> apply = lambda p, x: jnp.tanh(x @ p[0][0] + p[0][1]) @ p[1][0] + p[1][1]
>>> columns = dense_columns(apply, params, [(0, 0), (1, 2)], np.array([[0.5, 0.0]], np.float32))
>>> [c.shape for c in columns]   # input, hidden, output: (points, neurons)
[(1, 2), (1, 3), (1, 1)]
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .activations import call_activation
from .jaxpr_graph import inner_jaxpr as _inner

# Operations that only re-arrange a kernel: their output is still "the kernel of layer k".
_KERNEL_VIEWS = {"transpose", "convert_element_type", "reshape", "copy", "copy_p", "squeeze",
                 "expand_dims", "broadcast_in_dim"}
# Elementwise primitives that read as an activation when they take a dense layer's output (after
# its bias); named calls are recognised by activations.call_activation.
_ACTIVATION_PRIMITIVES = {"tanh": "tanh", "logistic": "sigmoid", "sin": "sin", "exp": "exp", "abs": "abs"}
# Operations that carry a dense layer's output on towards its activation (the bias, a reshape).
_PRE_ACTIVATION = {"add", "sub", "reshape", "convert_element_type", "broadcast_in_dim", "transpose",
                   "squeeze", "expand_dims", "copy", "copy_p"}


def _is_zero(var, value) -> bool:
    try:
        return bool(np.all(np.asarray(var.val if hasattr(var, "val") else value) == 0))
    except Exception:  # a tracer: not a constant
        return False


def _as_points(value, contracted: int):
    """The operand of a kernel product as (points, n_in): the contracted axis last, the rest flattened."""
    value = jnp.moveaxis(value, contracted, -1)
    return value.reshape(-1, value.shape[-1])


def _replay(jaxpr, consts, args, tags: dict, kept: dict, names: dict | None = None, pre: dict | None = None):
    """Evaluate `jaxpr`; `tags` maps variables holding a dense kernel to its layer number, and
    `kept[layer]` receives the first operand that layer's kernel multiplies. `names[layer]` gets
    the activation applied to that layer's output, when one is recognised (`pre` tracks the
    variables holding a layer's output before its activation)."""
    env = {}
    names = {} if names is None else names
    pre = {} if pre is None else pre

    def read(var):
        return var.val if hasattr(var, "val") else env[var]

    for var, value in zip(jaxpr.constvars, consts):
        env[var] = value
    for var, value in zip(jaxpr.invars, args):
        env[var] = value
    for eqn in jaxpr.eqns:
        values = [read(v) for v in eqn.invars]
        layers = [tags.get(v) if not hasattr(v, "val") else None for v in eqn.invars]
        name = eqn.primitive.name
        inner = _inner(eqn)
        if name == "dot_general" and sum(layer is not None for layer in layers) == 1:
            side = 0 if layers[1] is not None else 1
            layer = layers[1 - side]
            (contract, _), (batch, _) = eqn.params["dimension_numbers"][0], eqn.params["dimension_numbers"][1]
            if side == 1:
                contract, batch = eqn.params["dimension_numbers"][0][1], eqn.params["dimension_numbers"][1][1]
            if layer not in kept and len(contract) == 1 and not batch:
                kept[layer] = _as_points(values[side], contract[0])
            outs = eqn.primitive.bind(*values, **eqn.params)
            pre[eqn.outvars[0]] = layer
        elif inner is not None:
            inner_jaxpr, inner_consts = inner
            inner_tags = {v: layer for v, layer in zip(inner_jaxpr.invars, layers) if layer is not None}
            outputs = {pre[v] for v in eqn.invars if not hasattr(v, "val") and v in pre}
            label = call_activation(eqn)
            if len(outputs) == 1 and label is not None:
                names.setdefault(outputs.pop(), label)
                outs = _replay(inner_jaxpr, inner_consts, values, inner_tags, kept, names, {})
            else:
                inner_pre = {v: pre[o] for v, o in zip(inner_jaxpr.invars, eqn.invars) if not hasattr(o, "val") and o in pre}
                outs = _replay(inner_jaxpr, inner_consts, values, inner_tags, kept, names, inner_pre)
                for var, out in zip(eqn.outvars, inner_jaxpr.outvars):
                    if not hasattr(out, "val") and out in inner_pre:
                        pre[var] = inner_pre[out]
            outs = outs if eqn.primitive.multiple_results else outs[0]
        else:
            outs = eqn.primitive.bind(*values, **eqn.params)
            outputs = [pre[v] for v in eqn.invars if not hasattr(v, "val") and v in pre]
            if outputs:
                if name in _PRE_ACTIVATION:
                    pre[eqn.outvars[0]] = outputs[0]
                elif name in _ACTIVATION_PRIMITIVES and len(eqn.invars) == 1:
                    names.setdefault(outputs[0], _ACTIVATION_PRIMITIVES[name])
                elif name == "max" and len(eqn.invars) == 2 and any(_is_zero(v, x) for v, x in zip(eqn.invars, values)):
                    names.setdefault(outputs[0], "relu")
        results = outs if eqn.primitive.multiple_results else [outs]
        for var, value in zip(eqn.outvars, results):
            env[var] = value
        if name in _KERNEL_VIEWS and layers and layers[0] is not None:
            tags[eqn.outvars[0]] = layers[0]
    return [read(v) for v in jaxpr.outvars]


def capture(apply: Callable, params: Any, kernels: Sequence[tuple[int, int]], x, names: dict | None = None) -> list:
    """Trace-time body of `dense_columns`: [input of layer 0, ..., input of the last, output];
    `names` receives {layer: activation name} for the layers whose activation was recognised."""
    flat, treedef = jax.tree_util.tree_flatten(params)
    closed = jax.make_jaxpr(lambda leaves, inputs: apply(jax.tree_util.tree_unflatten(treedef, leaves), inputs))(flat, x)
    tags = {closed.jaxpr.invars[leaf]: layer for layer, leaf in kernels}
    kept: dict = {}
    out = _replay(closed.jaxpr, closed.consts, [*flat, x], tags, kept, names)
    points = x.shape[0]
    output = out[0].reshape(points, -1) if out and out[0].size % points == 0 else None
    layers = [layer for layer, _ in kernels]
    return [kept.get(layer) for layer in layers] + [output]


def dense_columns(apply: Callable, params: Any, kernels: Sequence[tuple[int, int]], x) -> list:
    """Each dense layer's input activations and the network output at the points `x` (G, d), as
    numpy arrays (G, n) (None where a layer's input could not be found).

    `kernels` lists (layer number, index of that layer's kernel among the flattened leaves of
    `params`) in call order. Compiles once per shape; see `jax.jit`. The columns come back side
    by side in one array: one device-to-host copy.
    """
    run, widths, _ = _jitted(apply, tuple(kernels))
    joined = np.asarray(run(params, x))
    found = [w for w in widths if w is not None]
    parts = iter(np.split(joined, np.cumsum(found)[:-1], axis=1)) if found else iter(())
    return [None if w is None else next(parts) for w in widths]


_CACHE: dict = {}


def activation_names(apply: Callable, params: Any, kernels: Sequence[tuple[int, int]], x) -> dict:
    """{dense layer: activation name} as `apply` applies them, e.g. {0: 'tanh', 1: 'tanh'} for the
    course's MLP; found by tracing (no compilation)."""
    run, widths, names = _jitted(apply, tuple(kernels))
    if not widths:
        jax.eval_shape(run, params, x)
    return dict(names)


def _jitted(apply: Callable, kernels: tuple) -> tuple[Callable, list, dict]:
    """The compiled capture and, once it has been traced, each column's width (None: not found)
    and the activations recognised."""
    key = (id(apply), kernels)
    entry = _CACHE.get(key)
    if entry is None or entry[0] is not apply:
        widths: list = []
        names: dict = {}

        def joined(params, x):
            names.clear()
            columns = capture(apply, params, kernels, x, names)
            widths[:] = [None if c is None else c.shape[1] for c in columns]
            found = [c.astype(jnp.float32) for c in columns if c is not None]
            return jnp.concatenate(found, axis=1) if found else jnp.zeros((x.shape[0], 0), jnp.float32)

        entry = (apply, jax.jit(joined), widths, names)
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = entry
    return entry[1], entry[2], entry[3]
