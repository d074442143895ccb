"""Shared bqplot building blocks, so every view looks the same (sizes, margins, colours)."""

from __future__ import annotations

import bqplot
import ipywidgets
import numpy as np

BLUE, ORANGE, GREY, GREEN = "#1f77b4", "#ff7f0e", "#888888", "#2ca02c"
MARGIN = {"top": 30, "bottom": 45, "left": 55, "right": 15}


def figure(marks: list, axes: list, title: str = "", width: int = 360, height: int = 300,
           interactions: object = None) -> bqplot.Figure:
    fig = bqplot.Figure(marks=marks, axes=axes, title=title, fig_margin=dict(MARGIN),
                        animation_duration=0, interaction=interactions,
                        layout=ipywidgets.Layout(width=f"{width}px", height=f"{height}px"))
    fig.title_style = {"font-size": "13px"}
    return fig


def axes(x_scale, y_scale, x_label: str = "", y_label: str = "") -> list:
    return [bqplot.Axis(scale=x_scale, label=x_label, num_ticks=5),
            bqplot.Axis(scale=y_scale, label=y_label, orientation="vertical", num_ticks=5, label_offset="40px")]


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
