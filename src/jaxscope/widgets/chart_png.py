"""The loss chart as a PNG drawn with numpy alone, for renderers without widgets (GitHub, nbconvert
without widget state): every charted series on a log-y axis over the steps, a light grid at each
decade and each quarter of the steps, in the chart's colours (``js/loss_chart/series_style.ts``).

Each series is first reduced per pixel column to its first, lowest, highest and last point (so a
100k-step history costs no more than a short one), then drawn as 2-px line segments.

>>> h = History(); h.extend("loss", np.arange(1, 101), np.geomspace(1.0, 1e-3, 100))
>>> picture = chart_pixels(h); picture.shape, picture.dtype
((240, 640, 3), dtype('uint8'))
>>> chart_png(h)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import numpy as np

from ..training.history import History
from ..views.png import rgb_png

WIDTH, HEIGHT = 640, 240
MARGIN = 6                                        # px of background around the plot area
NOT_CHARTED = ("learning_rate",)                  # as the live chart (loss_chart.py)
BACKGROUND = (255, 255, 255)
GRID = (230, 230, 230)
FRAME = (200, 200, 200)
LOSS_COLOR, VAL_LOSS_COLOR = "#1f77b4", "#ff7f0e"
METRIC_PALETTE = ("#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def series_colour(name: str, names: list[str]) -> tuple[int, int, int]:
    """The live chart's colour of ``name`` among ``names``: loss blue, val_loss orange, other
    metrics (and their ``val_`` twins) from the palette in order of first appearance."""
    if name in ("loss", "val_loss"):
        return _rgb(LOSS_COLOR if name == "loss" else VAL_LOSS_COLOR)
    base = lambda n: n[4:] if n.startswith("val_") else n   # noqa: E731
    metrics = list(dict.fromkeys(base(n) for n in names if base(n) != "loss"))
    index = metrics.index(base(name)) if base(name) in metrics else 0
    return _rgb(METRIC_PALETTE[index % len(METRIC_PALETTE)])


def charted(history: History) -> list[str]:
    """The series the chart shows, loss first, validation series after their training ones."""
    names = [n for n in history.names if n not in NOT_CHARTED and "#" not in n]   # an ensemble: its median lines
    return sorted(names, key=lambda n: (n != "loss", n.startswith("val_"), n))


def _per_column(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points reduced to first, lowest, highest, last of each pixel column, in drawing order."""
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
    ends = np.r_[starts[1:], len(x)] - 1
    columns = np.repeat(x[starts], 4)
    values = np.stack([y[starts], np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts), y[ends]], axis=1)
    return columns, values.ravel()


def _segments(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels on the straight segments between consecutive points (x, y in pixels)."""
    if len(x) == 1:
        return np.round(x).astype(int), np.round(y).astype(int)
    dx, dy = np.diff(x), np.diff(y)
    samples = np.maximum(np.ceil(np.maximum(np.abs(dx), np.abs(dy))), 1).astype(int) + 1
    segment = np.repeat(np.arange(len(dx)), samples)
    offsets = np.arange(samples.sum()) - np.repeat(np.cumsum(samples) - samples, samples)
    t = offsets / np.repeat(samples - 1, samples)
    return (np.round(x[segment] + t * dx[segment]).astype(int), np.round(y[segment] + t * dy[segment]).astype(int))


def chart_pixels(history: History, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """The chart as an RGB array (height, width, 3): grid, frame and every charted series."""
    picture = np.empty((height, width, 3), np.uint8)
    picture[:] = BACKGROUND
    left, right, top, bottom = MARGIN, width - 1 - MARGIN, MARGIN, height - 1 - MARGIN
    names = charted(history)
    data = {}
    for name in names:
        steps, values = history.tail(name, 0)
        keep = np.isfinite(values) & (values > 0)          # a log axis shows positive values only
        if keep.any():
            data[name] = (steps[keep].astype(np.float64), np.log10(values[keep].astype(np.float64)))
    if data:
        s0 = min(s[0] for s, _ in data.values())
        s1 = max(s[-1] for s, _ in data.values())
        lo = min(v.min() for _, v in data.values())
        hi = max(v.max() for _, v in data.values())
        pad = max(hi - lo, 0.1) * 0.05
        lo, hi = lo - pad, hi + pad
        to_x = lambda s: left + (s - s0) / max(s1 - s0, 1) * (right - left)          # noqa: E731
        to_y = lambda v: bottom - (v - lo) / (hi - lo) * (bottom - top)               # noqa: E731
        for decade in range(int(np.ceil(lo)), int(np.floor(hi)) + 1):
            picture[int(round(to_y(decade))), left:right + 1] = GRID
        for quarter in (0.25, 0.5, 0.75):
            picture[top:bottom + 1, int(round(left + quarter * (right - left)))] = GRID
    picture[[top, bottom], left:right + 1] = FRAME
    picture[top:bottom + 1, [left, right]] = FRAME
    for name, (steps, values) in data.items():
        columns, reduced = _per_column(np.round(to_x(steps)).astype(int), values)
        xs, ys = _segments(columns.astype(np.float64), to_y(reduced))
        colour = series_colour(name, names)
        for thick in (0, 1):                                                          # 2 px lines
            picture[np.clip(ys + thick, top, bottom), np.clip(xs, left, right)] = colour
    return picture


def chart_png(history: History, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """``chart_pixels`` as PNG bytes."""
    return rgb_png(chart_pixels(history, width, height))
