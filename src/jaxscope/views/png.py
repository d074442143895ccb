"""Small images as PNG bytes for ``ipywidgets.Image`` (no imaging library needed).

>>> png = to_png(np.zeros((2, 3)))
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", len(png) > 40
(True, True)
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

# viridis at 9 stops (matplotlib's), interpolated to 256 colours
_VIRIDIS = np.array([[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
                     [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]], dtype=np.float64)
_STOPS = np.linspace(0.0, 1.0, len(_VIRIDIS))
LUT = np.stack([np.interp(np.linspace(0, 1, 256), _STOPS, _VIRIDIS[:, c]) for c in range(3)], axis=1).astype(np.uint8)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def to_png(image: np.ndarray, lo: float | None = None, hi: float | None = None, min_size: int = 0) -> bytes:
    """A 2-D array as a viridis PNG, values mapped from [lo, hi] (default: the image's own range);
    pixels repeated (nearest neighbour) until the image is at least ``min_size`` wide, so browsers
    show sharp pixels instead of smoothing them."""
    values = np.asarray(image, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"to_png takes a 2-D image; got shape {values.shape}")
    if min_size and values.shape[1] < min_size:
        factor = -(-min_size // max(values.shape[1], 1))
        values = np.repeat(np.repeat(values, factor, axis=0), factor, axis=1)
    finite = values[np.isfinite(values)]
    lo = float(finite.min()) if lo is None and finite.size else (0.0 if lo is None else lo)
    hi = float(finite.max()) if hi is None and finite.size else (1.0 if hi is None else hi)
    scaled = (np.nan_to_num(values, nan=lo) - lo) / (hi - lo if hi > lo else 1.0)
    index = np.clip(np.round(scaled * 255), 0, 255).astype(np.uint8)
    return rgb_png(LUT[index])                                 # (H, W, 3)


def rgb_png(picture: np.ndarray, scale: int = 1) -> bytes:
    """An RGB uint8 array (height, width, 3) as PNG bytes, each pixel repeated ``scale`` x ``scale``
    times (sharp in any browser).

    >>> rgb_png(np.zeros((2, 3, 3), np.uint8), 2)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    if scale > 1:
        picture = np.repeat(np.repeat(picture, scale, axis=0), scale, axis=1)
    height, width, _ = picture.shape
    raw = np.concatenate([np.zeros((height, 1), np.uint8), picture.reshape(height, width * 3)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
            + _chunk(b"IEND", b""))
