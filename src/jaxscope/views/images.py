"""Which axes of a batch are images, and one display channel of each.

>>> image_batch(np.zeros((4, 3, 50, 50)), 0).shape, image_batch(np.zeros((4, 32, 32, 1)), 0).shape
((4, 50, 50), (4, 32, 32))
>>> image_batch(np.zeros((4, 50)), 0) is None
True
"""

from __future__ import annotations

import numpy as np


def channels_first(shape: tuple) -> bool:
    """Whether an image of ``shape`` (3 axes) is (C, H, W): axis 0 is a channel count (<= 4) and the last
    axis is not, or is larger (tiny images: (1, 4, 4) is one 4x4 channel; (4, 4, 1) is channels last)."""
    return shape[0] <= 4 and (shape[2] > 4 or shape[0] < shape[2])


def image_batch(values: np.ndarray, channel: int = 0) -> np.ndarray | None:
    """(N, H, W) from (N, H, W), (N, C, H, W) with C <= 4 (channels first, as the course's Duffing
    images) or (N, H, W, C) (channels last, flax); None when the samples are not images."""
    values = np.asarray(values)
    if values.ndim == 3:
        return values
    if values.ndim != 4:
        return None
    first = channels_first(values.shape[1:])
    channels = values.shape[1] if first else values.shape[3]
    if not 0 <= channel < channels:
        raise ValueError(f"channel must be from 0 to {channels - 1} for images of shape {values.shape[1:]}; got {channel}")
    return values[:, channel] if first else values[..., channel]
