"""The user's loss, normalised to ``(loss, {metric: value})`` and checked before compiling."""

from __future__ import annotations

import inspect
from typing import Any, Callable

import jax
import jax.numpy as jnp


KEY_NAMES = ("key", "rng", "rng_key", "prng_key")


def takes_key(loss: Callable) -> bool:
    """Whether ``loss`` is ``loss(params, batch, key)``: a third positional parameter without a
    default, or one named like a key (``key``, ``rng``); ``loss(p, b, decay=1e-4)`` gets no key."""
    try:
        parameters = list(inspect.signature(loss).parameters.values())
    except (TypeError, ValueError):  # a builtin or C callable: the two-argument form
        return False
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in parameters if p.kind in kinds]
    if len(positional) < 3:
        return False
    third = positional[2]
    return third.default is inspect.Parameter.empty or third.name in KEY_NAMES


def normalised(loss: Callable) -> Callable[[Any, Any, jax.Array], tuple[jax.Array, dict]]:
    """``loss(p, batch)`` or ``loss(p, batch, key)`` returning a scalar or ``(scalar, {name: scalar})``
    -> always ``pair(p, batch, key) -> (scalar, {name: scalar})``; ``pair.takes_key`` says which form."""
    if not callable(loss):
        raise TypeError(f"loss must be a callable loss(params_or_module, batch) -> scalar; "
                        f"got {type(loss).__name__}")
    with_key = takes_key(loss)

    def pair(p, batch, key):
        out = loss(p, batch, key) if with_key else loss(p, batch)
        if isinstance(out, tuple):
            if len(out) != 2 or not isinstance(out[1], dict):
                raise ValueError("loss must return a scalar or (scalar, {name: scalar}); "
                                 f"got a tuple of {len(out)} items")
            value, metrics = out
        else:
            value, metrics = out, {}
        return jnp.asarray(value), {str(k): jnp.asarray(v) for k, v in metrics.items()}

    pair.takes_key = with_key
    return pair


def check_shapes(value: Any, metrics: dict, where: str) -> list[str]:
    """Raise unless the loss and every metric are real scalars; return the metric names."""
    if getattr(value, "shape", None) != ():
        raise ValueError(f"loss must return a scalar{where}; got shape {getattr(value, 'shape', None)}. "
                         "Average over the batch, e.g. jnp.mean((y_pred - y) ** 2)")
    if not jnp.issubdtype(value.dtype, jnp.floating):
        raise ValueError(f"loss must return a floating-point scalar{where}; got dtype {value.dtype}")
    for name, m in metrics.items():
        if getattr(m, "shape", None) != ():
            raise ValueError(f"loss metric {name!r} must be a scalar{where}; got shape {m.shape}")
        if name == "loss" or name.startswith("val_") or name == "learning_rate":
            raise ValueError(f"loss metric name {name!r} is reserved; choose another name")
    return sorted(metrics)


def check_loss(loss: Callable, adapter: Any, trainable: Any, rest: Any, source: Any, validation: Any,
               key: jax.Array) -> tuple[str, ...]:
    """Trace the loss with abstract values (no compilation) to check what it returns, on the data
    and on the validation data; the metric names it declares."""
    def abstract_loss(source, where):
        def fn(p, r, k):
            batch, _ = source.next(source.init_state(), k, jnp.int32(0))
            return loss(adapter.view(p, r, k), batch, k)
        try:
            value, metrics = jax.eval_shape(fn, trainable, rest, key)
        except Exception as e:  # the user's own error, with a note saying where it came from
            e.add_note(f"jaxscope: raised while tracing loss(params, batch){where} to check its output")
            raise
        return check_shapes(value, metrics, where)

    names = abstract_loss(source, "")
    if validation is not None:
        val = abstract_loss(validation, " on the validation data")
        if val != names:
            raise ValueError(f"validation: the loss returns metrics {val} on it but {names} on data")
    return tuple(names)
