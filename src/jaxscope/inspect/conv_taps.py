"""The outputs of a forward's conv layers, read by replaying its jaxpr (for ``ActivationGrid``).

``apply(params, x)`` is traced to a jaxpr and replayed keeping, for each convolution of the input
with a parameter kernel (``lax.conv_general_dilated``: the course's NCHW convolutions, flax
``Conv`` / ``ConvTranspose``), the last value of the same shape computed from it (after its bias,
norm and activation). The convolution's own dimension numbers say which axes are the channels.

>>> import numpy as np, jax
>>> apply = lambda p, x: jax.nn.relu(jax.lax.conv_general_dilated(x, p["k"], (1, 1), "SAME"))
>>> taps = ConvTaps(apply, {"k": np.ones((2, 1, 3, 3), np.float32)}, np.ones((1, 1, 4, 4), np.float32))
>>> taps.layers
[((2, 4, 4), False)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import jax
import jax.extend.core as jax_core
import jax.numpy as jnp
import numpy as np

from .jaxpr_graph import inner_jaxpr

# Operations that move values around without changing the shape: not "the same feature map, changed".
_REARRANGE = {"transpose", "rev", "reshape", "gather", "scatter", "scatter-add", "scatter_add", "dynamic_slice",
              "dynamic_update_slice", "sort", "cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp",
              "dot_general", "conv_general_dilated", "select_and_scatter_add", "pad", "copy_p"}



@dataclass
class _Found:
    """A conv layer met while replaying: how its output is laid out and its latest value."""

    out_spec: tuple          # (batch axis, channel axis, spatial axes...) of the convolution's output
    transposed: bool
    value: Any


def _floating(value: Any) -> bool:
    return jnp.issubdtype(value.dtype, jnp.floating)


def _replay(jaxpr, consts, args, origins: list, tracks: list, found: list) -> tuple[list, list, list]:
    """Evaluate ``jaxpr`` on ``args``. ``origins[i]`` says whether argument i comes from the input
    ("x"), from the parameters only ("p") or from neither (None); ``tracks[i]`` is the conv layer
    whose output argument i holds, if any. A convolution of an "x" value with a "p" kernel opens
    a layer in ``found``; an operation on the newest layer's output that keeps its shape (bias,
    norm, activation) gives the layer's new output. Returns (outputs, their origins, their tracks)."""
    env, origin, track = {}, {}, {}

    def read(var):
        return var.val if isinstance(var, jax_core.Literal) else env[var]

    for var, value in zip(jaxpr.constvars, consts):
        env[var] = value
    for var, value, came, layer in zip(jaxpr.invars, args, origins, tracks):
        env[var] = value
        origin[var], track[var] = came, layer
    for eqn in jaxpr.eqns:
        values = [read(v) for v in eqn.invars]
        came = [None if isinstance(v, jax_core.Literal) else origin.get(v) for v in eqn.invars]
        layers = [None if isinstance(v, jax_core.Literal) else track.get(v) for v in eqn.invars]
        inner = inner_jaxpr(eqn)
        if inner is not None:
            results, out_origins, out_tracks = _replay(*inner, values, came, layers, found)
        else:
            outs = eqn.primitive.bind(*values, **eqn.params)
            results = list(outs) if eqn.primitive.multiple_results else [outs]
            source = "x" if "x" in came else ("p" if "p" in came else None)
            out_origins, out_tracks = [source] * len(results), [None] * len(results)
            name = eqn.primitive.name
            newest = len(found) - 1
            if name == "conv_general_dilated" and came[0] == "x" and came[1] == "p":
                params = eqn.params
                found.append(_Found(tuple(params["dimension_numbers"].out_spec),
                                    any(d > 1 for d in params.get("lhs_dilation") or ()), results[0]))
                out_tracks[0] = newest + 1
            elif (len(results) == 1 and newest >= 0 and newest in layers and name not in _REARRANGE
                  and not name.startswith("reduce_window") and results[0].shape == found[newest].value.shape
                  and _floating(results[0])):
                found[newest].value = results[0]
                out_tracks[0] = newest
        for var, value, came_from, layer in zip(eqn.outvars, results, out_origins, out_tracks):
            env[var] = value
            origin[var], track[var] = came_from, layer
    outvars = jaxpr.outvars
    return ([read(v) for v in outvars],
            [None if isinstance(v, jax_core.Literal) else origin.get(v) for v in outvars],
            [None if isinstance(v, jax_core.Literal) else track.get(v) for v in outvars])


def conv_outputs(apply, tree: Any, x) -> list[tuple[tuple, bool, Any]]:
    """Trace-time: each conv layer of ``apply(tree, x)`` as (out_spec, transposed, output value),
    in call order (see ``_replay``)."""
    flat, treedef = jax.tree_util.tree_flatten(tree)
    closed = jax.make_jaxpr(lambda leaves, inputs: apply(jax.tree_util.tree_unflatten(treedef, leaves), inputs))(flat, x)
    found: list[_Found] = []
    _replay(closed.jaxpr, closed.consts, [*flat, x], ["p"] * len(flat) + ["x"], [None] * (len(flat) + 1), found)
    return [(f.out_spec, f.transposed, f.value) for f in found]


def channels_first(value, out_spec: tuple):
    """A convolution's output as (batch, channels, *spatial)."""
    return jnp.transpose(value, out_spec)


class ConvTaps:
    """The conv layers of a forward, found by tracing once (``layers``: (shape per sample, transposed)),
    and ``maps(tree, x, keep)``: the outputs of the layers in ``keep`` ({layer: channels}) for the first
    sample of ``x`` as float64 arrays (channels, *spatial), compiled once, one device-to-host copy."""

    def __init__(self, apply, tree: Any, x) -> None:
        self._apply = apply
        found: list = []

        def discover(tree, x):
            found[:] = [(channels_first(v, spec).shape[1:], transposed)
                        for spec, transposed, v in conv_outputs(apply, tree, x)]
            return jnp.zeros(())

        jax.eval_shape(discover, tree, x)
        self.layers = list(found)
        self._compiled: dict = {}

    def maps(self, tree: Any, x, keep: dict[int, int]) -> list[np.ndarray]:
        key = tuple(sorted(keep.items()))
        run = self._compiled.get(key)
        if run is None:
            def joined(tree, x):
                outputs = conv_outputs(self._apply, tree, x)
                parts = [channels_first(outputs[k][2], outputs[k][0])[0, :n].astype(jnp.float32).ravel()
                         for k, n in key]
                return jnp.concatenate(parts)

            run = self._compiled[key] = jax.jit(joined)
        flat = np.asarray(run(tree, x), dtype=np.float64)
        shapes = [(n, *self.layers[k][0][1:]) for k, n in key]
        pieces = np.split(flat, np.cumsum([math.prod(s) for s in shapes])[:-1])
        by_layer = {k: piece.reshape(shape) for (k, _), piece, shape in zip(key, pieces, shapes)}
        return [by_layer[k] for k in keep]
