"""Colours for the values a ``GraphView`` shows on nodes and edges: a value range, and each value as a
CSS colour computed here (so the page shows exactly the colours the tests check).

>>> value_range(np.array([0.5, 2.0])), value_range(np.array([-1.0, 0.5]))
((0.0, 2.0), (-1.0, 1.0))
>>> colours(np.array([-1.0, 0.0, 1.0, np.nan]), (-1.0, 1.0))
['#2166ac', '#f7f7f7', '#b2182b', '#888888']
"""

from __future__ import annotations

import numpy as np

SEQUENTIAL = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
              "#fde725")                                 # viridis, low to high
DIVERGING = ("#2166ac", "#f7f7f7", "#b2182b")            # blue, white, red: negative, 0, positive
MISSING = "#888888"                                      # NaN or infinite values


def value_range(values: np.ndarray) -> tuple[float, float]:
    """The colour range for ``values``: (0, max) when none is negative, (min, 0) when none is positive,
    else symmetric ±max|value| (0 in the middle); NaN left out, an empty range widened to (0, 1) or ±1."""
    finite = np.asarray(values, np.float64)
    finite = finite[np.isfinite(finite)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    if lo >= 0:
        return (0.0, hi) if hi > 0 else (0.0, 1.0)
    if hi <= 0:
        return lo, 0.0
    top = max(-lo, hi)
    return -top, top


def palette(lo: float, hi: float) -> tuple[str, ...]:
    """Diverging colours for a range around 0, else sequential ones."""
    return DIVERGING if lo < 0 < hi else SEQUENTIAL


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)], np.float64)


def colours(values: np.ndarray, span: tuple[float, float]) -> list[str]:
    """Each value as '#rrggbb' on ``palette(*span)``, linear in the value, clipped to ``span``.

    >>> colours(np.array([0.0, 0.5, 9.0]), (0.0, 1.0))
    ['#440154', '#22908c', '#fde725']
    """
    lo, hi = span
    stops = np.array([_rgb(c) for c in palette(lo, hi)])
    values = np.asarray(values, np.float64).ravel()
    t = np.clip((values - lo) / (hi - lo), 0.0, 1.0) * (len(stops) - 1)
    t = np.where(np.isfinite(t), t, 0.0)
    below = np.minimum(np.floor(t).astype(int), len(stops) - 2)
    mixed = stops[below] + (t - below)[:, None] * (stops[below + 1] - stops[below])
    out = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in np.rint(mixed).astype(int)]
    return [c if np.isfinite(v) else MISSING for c, v in zip(out, values)]


def gradient_css(span: tuple[float, float]) -> str:
    """A CSS gradient of the palette for ``span``, for a colour bar."""
    return f"linear-gradient(to right, {', '.join(palette(*span))})"
