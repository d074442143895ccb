"""What a widget keeps in widget state when training stops, so a notebook saved with widget state
(nbclient's ``store_widget_state``, JupyterLab's "save widget state", nbconvert HTML, jupyter-book)
still shows the picture without a kernel.

The kept picture is the widget's last frame as the messages a live page got, in one synced trait
``snapshot``: ``{"messages": [content, ...], "counts": [buffers per message, ...], "buffers": [bytes, ...]}``.
Buffers stay binary (ipywidgets puts them in the state as base64, never JSON numbers). The buffers are
one flat list so every buffer path is ``["snapshot", "buffers", i]``: a later, shorter snapshot leaves
no path that points into a part of the state that is gone. The front end replays the messages only
while it has no live data (js/shared/saved_state.ts).

>>> steps, values = np.arange(1, 100_001), np.linspace(1.0, 0.0, 100_000, dtype=np.float32)
>>> kept_steps, kept_values = decimate(steps, values, buckets=1000)
>>> len(kept_steps) <= 2000, int(kept_steps[0]), int(kept_steps[-1])
(True, 1, 100000)
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

BUCKETS = 1000    # per series: at most 2 * BUCKETS points kept (first, last, each run's min and max)
EMPTY = {"messages": [], "counts": [], "buffers": []}


def decimate(steps: np.ndarray, values: np.ndarray, buckets: int = BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """At most ``2 * buckets`` points of a series: all of them when that many or fewer, else the first
    and the last point (so the saved chart spans the whole run and ends at the step training stopped
    on) and, for each run of ``ceil((n - 2) / (buckets - 1))`` consecutive points between them, the
    first point holding its smallest and the first holding its largest value (in step order; once
    when they are the same point), so spikes and dips survive. Non-finite values: +inf and -inf count
    as largest and smallest; a run of NaNs only keeps its first point (NaN), so a divergence stays
    visible."""
    steps, values = np.asarray(steps), np.asarray(values, dtype=np.float32)
    n = len(values)
    if n <= 2 * buckets:
        return steps, values
    inner = values[1:-1]
    size = -(-len(inner) // (buckets - 1))
    rows = -(-len(inner) // size)
    padded = np.full(rows * size, np.nan, dtype=np.float32)
    padded[:len(inner)] = inner
    grid = padded.reshape(rows, size)
    nan = np.isnan(grid)
    lowest = np.where(nan, np.inf, grid).argmin(axis=1)      # ties: the first; padding comes last
    highest = np.where(nan, -np.inf, grid).argmax(axis=1)
    start = 1 + np.arange(rows) * size
    first, second = np.minimum(lowest, highest), np.maximum(lowest, highest)
    keep = np.stack([start + first, start + second], axis=1).ravel()
    keep = keep[np.r_[True, keep[1:] != keep[:-1]]]          # a run whose min and max are one point
    keep = np.r_[0, keep, n - 1]
    return steps[keep], values[keep]


def snapshot(messages: Iterable[tuple[dict, list]]) -> dict:
    """The ``snapshot`` trait's value from (content, buffers) messages, in the order to replay them."""
    kept = {"messages": [], "counts": [], "buffers": []}
    for content, buffers in messages:
        kept["messages"].append(content)
        kept["counts"].append(len(buffers))
        kept["buffers"].extend(bytes(b) for b in buffers)
    return kept


def replayed(kept: dict) -> list[tuple[dict, list]]:
    """Inverse of ``snapshot`` (for tests and tools): the (content, buffers) messages."""
    out, at = [], 0
    for content, count in zip(kept["messages"], kept["counts"]):
        out.append((content, list(kept["buffers"][at:at + count])))
        at += count
    return out


def stopped(snap) -> bool:
    """Whether a trainer's snapshot shows training stopped or paused (the time to keep the picture)."""
    return snap is not None and snap.status not in ("running", "compiling")
