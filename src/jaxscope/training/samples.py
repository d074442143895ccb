"""Draw a fixed set of samples from data: the first ``count`` of arrays, or batches of a generator
``key -> batch`` at a given key (the one home of this idea: views and ``trainer.data`` use it).

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


def as_sample_tuple(batch: Any, argument: str) -> tuple[np.ndarray, ...]:
    """``batch`` as numpy arrays (x, y, ...) sharing a leading sample axis, or a ValueError naming ``argument``."""
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ValueError(f"{argument}: a view needs batches (x, y, ...) of inputs and targets; "
                         f"got {type(batch).__name__}")
    arrays = tuple(np.asarray(a) for a in batch)
    if any(a.ndim == 0 for a in arrays) or len({len(a) for a in arrays}) != 1:
        raise ValueError(f"{argument}: x and y must share a leading sample axis; "
                         f"got shapes {[a.shape for a in arrays]}")
    return arrays


def take_samples(data: Any, count: int | None, key: Any = None, argument: str = "data") -> tuple[np.ndarray, ...]:
    """Up to ``count`` samples (x, y, ...) from a tuple of arrays (the first ``count``; None: all) or
    from a generator ``key -> batch`` (called with keys split from ``key`` until there are enough)."""
    if callable(data):
        key = jax.random.key(1234) if key is None else key
        parts: list[tuple[np.ndarray, ...]] = []
        have = 0
        for k in jax.random.split(key, MAX_CALLS):
            batch = as_sample_tuple(data(k), argument)
            parts.append(batch)
            have += len(batch[0])
            if count is None or have >= count:
                break
        arrays = tuple(np.concatenate(columns) for columns in zip(*parts))
    else:
        arrays = as_sample_tuple(data, argument)
    return arrays if count is None else tuple(a[:count] for a in arrays)
