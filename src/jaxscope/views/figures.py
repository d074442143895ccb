"""Shared bqplot building blocks, so every view looks the same (sizes, margins, colours)."""

from __future__ import annotations

import bqplot
import ipywidgets
import numpy as np

BLUE, ORANGE, GREY, GREEN = "#1f77b4", "#ff7f0e", "#888888", "#2ca02c"
MARGIN = {"top": 30, "bottom": 45, "left": 55, "right": 15}


def figure(marks: list, axes: list, title: str = "", width: int = 360, height: int = 300,
           interactions: object = None) -> bqplot.Figure:
    margin = dict(MARGIN)
    if any(isinstance(axis, bqplot.ColorAxis) for axis in axes):
        margin["right"] = 70          # room for the colour bar and its ticks
    fig = bqplot.Figure(marks=marks, axes=axes, title=title, fig_margin=margin,
                        animation_duration=0, interaction=interactions,
                        layout=ipywidgets.Layout(width=f"{width}px", height=f"{height}px"))
    fig.title_style = {"font-size": "13px"}
    return fig


def axes(x_scale, y_scale, x_label: str = "", y_label: str = "") -> list:
    """An x and a y axis; ticks at round values when the scale's range is fixed (see ``set_range``)."""
    made = [bqplot.Axis(scale=x_scale, label=x_label, tick_format=".4~g"),
            bqplot.Axis(scale=y_scale, label=y_label, side="left", label_offset="40px", tick_format=".4~g")]
    for axis in made:
        if axis.scale.min is not None and axis.scale.max is not None:
            axis.tick_values = nice_ticks(axis.scale.min, axis.scale.max)[2]
    return made


def colour_axis(scale, label: str = "") -> bqplot.ColorAxis:
    """A colour bar on the right for a ColorScale (after the x and y axes in ``figure.axes``);
    ticks at round values when the scale's range is fixed."""
    bar = bqplot.ColorAxis(scale=scale, side="right", label=label, tick_format=".3~g", num_ticks=3)
    if scale.min is not None and scale.max is not None:
        bar.tick_values = nice_ticks(scale.min, scale.max, 3)[2]
    return bar


def nice_ticks(lo: float, hi: float, count: int = 5) -> tuple[float, float, np.ndarray]:
    """(lo, hi) and tick values at a round step (1, 2, 2.5 or 5 x 10^k) giving about ``count``
    ticks, all inside [lo, hi].

    >>> nice_ticks(-1.1, 1.1)[2].tolist()
    [-1.0, -0.5, 0.0, 0.5, 1.0]
    """
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return lo, hi, np.array([lo, hi])
    raw = (hi - lo) / max(count - 1, 1)
    power = 10.0 ** np.floor(np.log10(raw))
    best = None
    for step in (m * power for m in (0.5, 1, 2, 2.5, 5, 10)):
        first = np.ceil(lo / step - 1e-9)
        ticks = np.arange(first, np.floor(hi / step + 1e-9) + 1) * step
        if best is None or abs(len(ticks) - count) < abs(len(best) - count):
            best = ticks
    return lo, hi, best + 0.0


def set_range(scale, axis, lo: float, hi: float) -> None:
    """Fix a scale's domain and put its axis's ticks at round values."""
    with scale.hold_sync():
        scale.min, scale.max = float(lo), float(hi)
    axis.tick_values = nice_ticks(lo, hi)[2]


def padded(lo: float, hi: float, fraction: float = 0.05) -> tuple[float, float]:
    """(lo, hi) widened by ``fraction`` of the span (by 1 when the span is empty or not finite)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return -1.0, 1.0
    pad = fraction * (hi - lo) if hi > lo else 1.0
    return float(lo - pad), float(hi + pad)


def finite_range(*arrays: np.ndarray) -> tuple[float, float]:
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if values.size else (-1.0, 1.0)
