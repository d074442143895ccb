"""Freeze a generator into a fixed data set: "only 64 measured samples" (overfitting, lesson 3).

A generator ``data(key) -> (x, y, ...)`` gives fresh samples every step, so a network never sees
the same one twice and cannot overfit. Real measurements are few: ``fixed_sample`` draws ``n``
samples once and returns them as arrays, which the Trainer then serves in shuffled epochs.

>>> import jax, optax
>>> import jaxscope as scope
>>> from jaxscope.datasets.plane import plane_points
>>> from jaxscope.datasets.samples import fixed_sample
>>> xy, label = fixed_sample(plane_points("xor"), 64, jax.random.key(0))
>>> xy.shape, label.shape
((64, 2), (64, 1))
>>> trainer = scope.Trainer(params, loss, data=(xy, label), batch_size=16,  # doctest: +SKIP
...                         validation=plane_points("xor", 1024))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["fixed_sample"]


def _key(key: Any) -> jax.Array:
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return jax.random.key(int(key))
    if isinstance(key, jax.Array) and (jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
                                       or (key.dtype == jnp.uint32 and key.shape == (2,))):
        return key
    raise ValueError(f"key must be a jax random key (jax.random.key(0)) or an integer seed; got {key!r}")


def _arrays(batch: Any) -> tuple[jax.Array, ...]:
    """Check that ``batch`` is a tuple of arrays sharing a leading batch axis; return it as a tuple."""
    if not isinstance(batch, (tuple, list)) or not batch:
        raise ValueError("data must return a tuple of arrays (x, y, ...) with a leading batch axis; "
                         f"got {type(batch).__name__}")
    arrays = []
    for i, a in enumerate(batch):
        if not isinstance(a, (jax.Array, np.ndarray)) or a.ndim == 0:
            what = f"shape {a.shape}" if hasattr(a, "shape") else type(a).__name__
            raise ValueError(f"data must return arrays with a leading batch axis; item {i} is {what}")
        arrays.append(jnp.asarray(a))
    lengths = [a.shape[0] for a in arrays]
    if len(set(lengths)) != 1 or lengths[0] == 0:
        raise ValueError("data must return arrays sharing a non-empty leading batch axis; "
                         f"got leading lengths {lengths}")
    return tuple(arrays)


def fixed_sample(data: Callable[[jax.Array], Any], n: int, key: Any) -> tuple[jax.Array, ...]:
    """Exactly ``n`` samples from the generator ``data``, as a tuple of arrays (x, y, ...).

    Calls ``data(key)`` first, then ``data(jax.random.fold_in(key, i))`` for i = 1, 2, ... until
    ``n`` samples are collected, concatenates the batches along the leading axis and keeps the first
    ``n``. So ``fixed_sample(data, B, key)`` is exactly ``data(key)`` for a generator of batch size
    B, and the same key always gives the same samples. ``key`` may also be an integer seed.

    Pass the result as ``Trainer(..., data=fixed_sample(...), batch_size=16)``, or as
    ``validation=`` for a fixed validation set.

    >>> x, y = fixed_sample(lambda k: (jax.random.normal(k, (32, 3)), jnp.zeros((32, 1))), 70, 0)
    >>> x.shape, y.shape
    ((70, 3), (70, 1))
    """
    if not callable(data):
        raise TypeError(f"data must be a generator function data(key) -> (x, y, ...); got {type(data).__name__}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer (the number of samples); got {n!r}")
    key = _key(key)
    batches = [_arrays(data(key))]
    per_call = batches[0][0].shape[0]
    for i in range(1, -(-int(n) // per_call)):
        batches.append(_arrays(data(jax.random.fold_in(key, i))))
    if len(batches) == 1:
        return tuple(a[:n] for a in batches[0])
    return tuple(jnp.concatenate(parts, axis=0)[:n] for parts in zip(*batches))
