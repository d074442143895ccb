"""Record layer calls, activations, pooling, flattening and residual adds during an abstract
forward pass (inside `jax.eval_shape`), by temporarily patching the functions that do them.

Values are followed by identity: each traced array remembers the layer that produced it, so a
layer fed by an older output, or an add of two outputs, becomes a skip connection.

>>> recorder = Recorder()
>>> recorder.layers
[]
"""

from __future__ import annotations

import contextlib
import functools

import jax
import jax.numpy as jnp

from .spec import make_layer, replace

ACTIVATIONS = (
    "relu", "relu6", "tanh", "sigmoid", "gelu", "silu", "swish", "elu", "selu", "celu",
    "leaky_relu", "softplus", "softmax", "log_softmax", "hard_tanh", "mish",
)
POOLS = {"avg_pool": "avg", "max_pool": "max", "min_pool": "min"}


def tracer_class():
    try:
        from jax._src.core import Tracer
    except ImportError:  # private location moved: skip and reshape detection are off
        return None
    return Tracer


def sample_shape(x) -> tuple | None:
    shape = getattr(x, "shape", None)
    return None if shape is None else tuple(int(d) for d in shape[1:])


class Recorder:
    """Collects layers (in call order) and skips while patched functions run."""

    def __init__(self):
        self.layers = []
        self.skips = []
        self.producer = {}  # id(traced array) -> index of the layer that produced it (-1: input)
        self.alive = []  # keep traced arrays alive so their ids stay unique
        self.depth = 0  # >0 inside a recorded call: nested work is not recorded

    def mark(self, value, index: int) -> None:
        self.alive.append(value)
        self.producer[id(value)] = index

    def source(self, value):
        return self.producer.get(id(value))

    @contextlib.contextmanager
    def inside(self):
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def add_layer(self, x, out, **fields) -> None:
        index = len(self.layers)
        src = self.source(x)
        if src is not None and src != index - 1 and (src, index) not in self.skips:
            self.skips.append((src, index))
        self.layers.append(make_layer(input_shape=sample_shape(x), output_shape=sample_shape(out), **fields))
        self.mark(out, index)

    def layer_call(self, call, x, *args, name, kind, params, path, **kwargs):
        """Run one layer; record it with shapes if it is not nested in another recorded call."""
        if self.depth:
            return call(x, *args, **kwargs)
        with self.inside():
            out = call(x, *args, **kwargs)
        self.add_layer(x, out, name=name, kind=kind, params=params, path=path)
        return out

    def activation_call(self, name, fn, x, *args, **kwargs):
        if self.depth:
            return fn(x, *args, **kwargs)
        with self.inside():
            out = fn(x, *args, **kwargs)
        src = self.source(x)
        if src is not None and src >= 0 and self.layers[src].activation is None:
            self.layers[src] = replace(self.layers[src], activation=name)
            self.mark(out, src)
        else:
            self.add_layer(x, out, name=name, kind="activation", path="", activation=name)
        return out

    def pool_call(self, name, fn, x, *args, **kwargs):
        if self.depth:
            return fn(x, *args, **kwargs)
        with self.inside():
            out = fn(x, *args, **kwargs)
        self.add_layer(x, out, name=name, kind="pool", path="")
        return out

    def reshape_call(self, fn, x, *args, **kwargs):
        if self.depth or self.source(x) is None:
            return fn(x, *args, **kwargs)
        with self.inside():
            out = fn(x, *args, **kwargs)
        before, after = sample_shape(x), sample_shape(out)
        if before != after:
            kind = "flatten" if after is not None and len(after) == 1 and len(before) > 1 else "reshape"
            self.add_layer(x, out, name=kind, kind=kind, path="")
        else:
            self.mark(out, self.source(x))
        return out

    def add_call(self, add, left, right):
        out = add(left, right)
        if self.depth:
            return out
        sources = [s for s in (self.source(left), self.source(right)) if s is not None]
        if sources:
            self.mark(out, max(sources))
        if len(sources) == 2 and sources[0] != sources[1]:
            skip = (min(sources), len(self.layers))
            if skip not in self.skips:
                self.skips.append(skip)
        return out

    @contextlib.contextmanager
    def patched(self):
        """Patch activations, pooling, reshape and + for the duration of the block."""
        with contextlib.ExitStack() as stack:
            wrappers = {}  # id(original activation) -> its recording wrapper
            for module in activation_modules():
                for name in ACTIVATIONS:
                    fn = getattr(module, name, None)
                    if callable(fn):
                        wrapper = wrappers.setdefault(id(fn), functools.partial(self.activation_call, name, fn))
                        stack.enter_context(patch(module, name, wrapper))
            stack.enter_context(patch_sequential(wrappers))
            for module in pool_modules():
                for name in POOLS:
                    fn = getattr(module, name, None)
                    if callable(fn):
                        stack.enter_context(patch(module, name, functools.partial(self.pool_call, name, fn)))
            stack.enter_context(patch(jnp, "reshape", functools.partial(self.reshape_call, jnp.reshape)))
            tracer = tracer_class()
            if tracer is not None:
                reshape, add, radd = tracer.reshape, tracer.__add__, tracer.__radd__
                stack.enter_context(patch(tracer, "reshape", lambda x, *a, **k: self.reshape_call(reshape, x, *a, **k)))
                stack.enter_context(patch(tracer, "__add__", lambda x, y: self.add_call(add, x, y)))
                stack.enter_context(patch(tracer, "__radd__", lambda x, y: self.add_call(radd, x, y)))
            yield self


@contextlib.contextmanager
def patch(owner, name: str, value):
    original = owner.__dict__[name] if name in getattr(owner, "__dict__", {}) else getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


def patch_sequential(wrappers):
    """nnx.Sequential holds activation functions themselves (captured before patching):
    run it over a view of its layers where known activations are swapped for their wrappers."""
    from flax import nnx

    original = nnx.Sequential.__dict__["__call__"]

    class LayersView:
        def __init__(self, layers):
            self.layers = [wrappers.get(id(f), f) for f in layers]

    def __call__(self, *args, **kwargs):
        return original(LayersView(list(self.layers)), *args, **kwargs)

    return patch(nnx.Sequential, "__call__", __call__)


def activation_modules():
    import flax.linen as linen
    from flax import nnx

    return unique([jax.nn, jnp, nnx, linen, linen.activation])


def pool_modules():
    import flax.linen as linen
    from flax import nnx

    return unique([linen, linen.pooling, nnx])


def unique(modules):
    seen, result = set(), []
    for module in modules:
        if id(module) not in seen:
            seen.add(id(module))
            result.append(module)
    return result
