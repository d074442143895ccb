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


def check_arrays(arrays: Any, argument: str) -> Any:
    """``arrays`` — a tuple (x, y, ...), a dict ``{"image": x, "label": y}``, a namedtuple or any nesting
    of them — when every array has a leading sample axis of one common, non-zero length (a list comes
    back as a tuple); else an error naming ``argument`` and the offending entry (the one check of array
    data: data, validation, views)."""
    if not isinstance(arrays, (tuple, list, dict)) or not jax.tree.leaves(arrays):
        raise TypeError(f"{argument} must be a callable key -> batch or a tuple of arrays (x, y, ...) "
                        f"(or a dict of arrays); got {type(arrays).__name__}")
    lengths = []
    for path, a in jax.tree_util.tree_flatten_with_path(arrays)[0]:
        shape = np.shape(a)
        if not shape:
            raise ValueError(f"{argument}{jax.tree_util.keystr(path)} must be an array with a leading sample axis; "
                             "got a scalar")
        lengths.append(shape[0])
    if len(set(lengths)) != 1:
        raise ValueError(f"{argument}: all arrays must hold the same number of samples (leading axis); "
                         f"got lengths {lengths}")
    if lengths[0] == 0:
        raise ValueError(f"{argument}: the arrays hold no samples")
    return tuple(arrays) if type(arrays) is list else arrays


def as_sample_tuple(batch: Any, argument: str) -> tuple[np.ndarray, ...]:
    """``batch`` as numpy arrays (x, y, ...) sharing a leading sample axis, or an error naming ``argument``."""
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ValueError(f"{argument}: a view needs batches (x, y, ...) of inputs and targets; "
                         f"got {type(batch).__name__}")
    return tuple(np.asarray(a) for a in check_arrays(batch, argument))


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
