"""Fixed sample sets for views: the same inputs at every refresh, so what moves is the network.

>>> import numpy as np
>>> x, y = take_samples((np.arange(10.0)[:, None], np.arange(10.0)), 4)
>>> x.shape, y.tolist()
((4, 1), [0.0, 1.0, 2.0, 3.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..training.samples import take_samples

__all__ = ["take_samples", "trainer_samples", "view_samples"]


def trainer_samples(trainer: Any, which: str, count: int) -> tuple[np.ndarray, ...] | None:
    """A fixed set from the trainer's training data (``which="training"``) or validation data
    (None when it has none): its arrays, or batches of its generator at a fixed key."""
    return trainer.data.sample(count, which)


def view_samples(trainer: Any, data: Any, count: int, view: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) for a view: ``data`` when given, else the trainer's validation samples, else its training ones."""
    if data is not None:
        return take_samples(data, count)[:2]
    found = None if trainer is None else (trainer_samples(trainer, "validation", count)
                                          or trainer_samples(trainer, "training", count))
    if found is None:
        raise ValueError(f"{view} needs samples: a trainer, or data=(x, y)")
    return found[0], found[1]
