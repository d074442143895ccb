"""Fixed sample sets for views: the same inputs at every refresh, so what moves is the network.

>>> import numpy as np
>>> x, y = take_samples((np.arange(10.0)[:, None], np.arange(10.0)), 4)
>>> x.shape, y.tolist()
((4, 1), [0.0, 1.0, 2.0, 3.0])
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

MAX_CALLS = 64      # a generator is called at most this often to fill a sample set


def _as_tuple(batch: Any, argument: str) -> tuple[np.ndarray, ...]:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ValueError(f"{argument}: a view needs batches (x, y, ...) of inputs and targets; "
                         f"got {type(batch).__name__}")
    arrays = tuple(np.asarray(a) for a in batch)
    if any(a.ndim == 0 for a in arrays) or len({len(a) for a in arrays}) != 1:
        raise ValueError(f"{argument}: x and y must share a leading sample axis; "
                         f"got shapes {[a.shape for a in arrays]}")
    return arrays


def take_samples(data: Any, count: int, key: Any = None, argument: str = "data") -> tuple[np.ndarray, ...]:
    """Up to ``count`` samples (x, y, ...) from a tuple of arrays (the first ``count``) or from a
    generator ``key -> batch`` (called with keys split from ``key`` until there are enough)."""
    if callable(data):
        key = jax.random.key(1234) if key is None else key
        parts: list[tuple[np.ndarray, ...]] = []
        have = 0
        for k in jax.random.split(key, MAX_CALLS):
            batch = _as_tuple(data(k), argument)
            parts.append(batch)
            have += len(batch[0])
            if have >= count:
                break
        arrays = tuple(np.concatenate(columns) for columns in zip(*parts))
    else:
        arrays = _as_tuple(data, argument)
    return tuple(a[:count] for a in arrays)


def trainer_samples(trainer: Any, which: str, count: int) -> tuple[np.ndarray, ...] | None:
    """A fixed set from the trainer's training data (``which="training"``) or validation data
    (None when it has none): its arrays, or batches of its generator at a fixed key."""
    source = trainer._source if which == "training" else trainer._validation
    if source is None:
        return None
    data = source.arrays if hasattr(source, "arrays") else source.fn
    return take_samples(data, count, jax.random.key(4321 if which == "training" else 8765), which)


def view_samples(trainer: Any, data: Any, count: int, view: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) for a view: ``data`` when given, else the trainer's validation samples, else its training ones."""
    if data is not None:
        return take_samples(data, count)[:2]
    found = None if trainer is None else (trainer_samples(trainer, "validation", count)
                                          or trainer_samples(trainer, "training", count))
    if found is None:
        raise ValueError(f"{view} needs samples: a trainer, or data=(x, y)")
    return found[0], found[1]
