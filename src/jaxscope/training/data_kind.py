"""Which path a ``data=`` value takes: traced inside the compiled chunk, or fed from the host.

The trap this module exists for: ``data=lambda key: make_batch_with_numpy()`` traces without
error, but its numpy batch becomes a constant of the compiled chunk and the network would train on
that one batch forever. A data function whose outputs do not depend on its key (read off its
jaxpr), or that jax cannot trace at all, is therefore called on the host for every batch instead.

>>> import jax, numpy as np
>>> callable_kind(lambda key: jax.random.normal(key, (4,)))[0]
'generated'
>>> callable_kind(lambda key: np.random.normal(size=4))
('host_keyed', 'its output does not depend on its key (numpy or fixed values inside)')
>>> callable_kind(lambda: np.zeros(3))[0]
'host_function'
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import jax
from jax.extend.core import Literal

ON_POLICY_NAMES = ("params", "parameters", "model", "policy", "module")

# Errors that mean "this function needs concrete values" (numpy on a traced key, Python control
# flow on it...): such a function runs on the host, where it gets a concrete key.
TRACE_ERRORS = tuple(getattr(jax.errors, name) for name in (
    "ConcretizationTypeError", "TracerArrayConversionError", "TracerBoolConversionError",
    "TracerIntegerConversionError") if hasattr(jax.errors, name))


def required_positional(fn: Callable) -> list[str] | None:
    """Names of ``fn``'s positional parameters without a default (None: no signature to read)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in parameters if p.kind in kinds and p.default is inspect.Parameter.empty]


def depends_on_inputs(closed: Any) -> list[bool]:
    """Per output of a closed jaxpr: whether it depends on any input, or comes from a callback (an
    ``io_callback`` reading a sensor is fresh at every call). An equation with a dependent input
    makes all its outputs dependent: conservative for sub-jaxprs."""
    jaxpr = closed.jaxpr
    dependent = set(map(id, jaxpr.invars))
    for eqn in jaxpr.eqns:
        if eqn.effects or "callback" in eqn.primitive.name or \
                any(id(v) in dependent for v in eqn.invars if not isinstance(v, Literal)):
            dependent.update(id(v) for v in eqn.outvars)
    return [not isinstance(v, Literal) and id(v) in dependent for v in jaxpr.outvars]


def callable_kind(fn: Callable, key: jax.Array | None = None) -> tuple[str, str]:
    """``(kind, reason)`` for a data callable: ``generated`` (traced in the compiled chunk),
    ``host_keyed`` (``data(key)`` called on the host per batch), ``host_function`` (``data()``),
    or ``on_policy`` (``data(params)`` / ``data(params, key)``: the parameters of the step it feeds)."""
    names = required_positional(fn)
    if names == []:
        return "host_function", "a function of no arguments, called on the host for every batch"
    if names and names[0] in ON_POLICY_NAMES:
        if len(names) > 2:
            raise TypeError(f"data: an on-policy function takes (params) or (params, key); got ({', '.join(names)})")
        return "on_policy", "takes the current parameters: called step by step with the parameters of the step it feeds"
    if names is not None and len(names) > 1:
        raise TypeError(f"data must be a function key -> batch, () -> batch or params -> batch; "
                        f"got a function of ({', '.join(names)})")
    key = jax.random.key(0) if key is None else key
    try:
        closed = jax.make_jaxpr(fn)(key)
    except TRACE_ERRORS as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return "host_keyed", f"jax cannot trace it ({type(error).__name__}: {first_line[:120]})"
    except TypeError as error:
        if "positional argument" in str(error):
            raise TypeError(f"data must be a function key -> batch, () -> batch or params -> batch; "
                            f"calling data(key) failed: {error}") from None
        raise
    if not closed.jaxpr.outvars:
        raise ValueError("data(key) returned nothing (no arrays); return a batch such as (x, y)")
    if not any(depends_on_inputs(closed)):
        return "host_keyed", "its output does not depend on its key (numpy or fixed values inside)"
    return "generated", "traced: generated inside the compiled chunk from a fresh key every step"


def is_host_iterable(data: Any) -> bool:
    """A Python iterable of batches (a generator, an iterator, a DataLoader, a list of batches),
    as opposed to arrays: a tuple / dict / namedtuple of arrays, or a list of plain arrays (x, y, ...)."""
    if isinstance(data, (tuple, dict)) or hasattr(data, "shape") or isinstance(data, (str, bytes)):
        return False
    if isinstance(data, list):
        return bool(data) and not all(hasattr(item, "shape") for item in data)
    return hasattr(data, "__iter__") or hasattr(data, "__next__")


def is_one_shot(data: Any) -> bool:
    """An iterator (``iter(data) is data``: a generator, ``iter(list)``) runs once; anything else
    (a list, a DataLoader) starts a new epoch when iterated again."""
    return hasattr(data, "__next__") or iter(data) is data
