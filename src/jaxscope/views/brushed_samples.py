"""Brushing, shared by the scatter views (``LatentScatter``, ``EmbeddingScatter``): drag a rectangle
over the points and the samples under it show beside the plot, as images, curves or a small table.

``BrushedSamples(x, y)`` builds the panel beside a scatter (a "<n> selected" line over the samples)
and ``brush(dots, sx, sy)`` links a scatter mark to it; ``select(indices)`` is what the brush does.
``fit_axes`` moves a scatter's axes only when the points leave the frame or shrink inside it.

>>> import numpy as np
>>> panel = BrushedSamples(np.arange(30.0).reshape(3, 10), np.arange(3.0))
>>> panel.select([2, 0]); panel.label.value, panel.curves.y.tolist()[0][:3]
('2 selected', [20.0, 21.0, 22.0])
"""

from __future__ import annotations

from typing import Any

import bqplot
import ipywidgets
import numpy as np

from ..widgets.sync import SEND_LOCK, LockedStateMixin
from .figures import BLUE, axes, figure, finite_range, padded, set_range
from .images import image_batch
from .png import to_png

SHOWN = 8           # samples drawn beside the plot, at most
HINT = "drag over points to see those samples"


def refit(shown_lo, shown_hi, lo: float, hi: float) -> bool:
    """Whether an axis showing [shown_lo, shown_hi] must change for data spanning [lo, hi]: when
    points fall outside it or fill less than half of it. Otherwise the axis stays put, so the
    points move, not the frame (and the browser redraws only the points).

    >>> refit(-1.0, 1.0, -0.9, 0.8), refit(-1.0, 1.0, -1.2, 0.5), refit(-1.0, 1.0, -0.3, 0.4)
    (False, True, True)
    """
    if shown_lo is None or shown_hi is None:
        return True
    return lo < shown_lo or hi > shown_hi or (hi - lo) < 0.5 * (shown_hi - shown_lo)


def fit_axes(fig: bqplot.Figure, scales: tuple, xy: np.ndarray) -> None:
    """Refit the x and y scales of ``fig`` (its first two axes) to the points ``xy`` (N, 2) where
    ``refit`` says so, with 5 % padding and round ticks."""
    for k, (scale, axis) in enumerate(zip(scales, fig.axes[:2])):
        lo, hi = finite_range(xy[:, k])
        if refit(scale.min, scale.max, lo, hi):
            set_range(scale, axis, *padded(lo, hi))


class LockedScatter(LockedStateMixin, bqplot.Scatter):
    """A Scatter whose front-end changes (the brush's selection) take the send lock."""


class BrushedSamples:
    """The panel beside a scatter: ``label`` ("3 selected") over the selected samples of ``x``.

    Images (N, H, W[, C]) or (N, C, H, W) show as up to ``SHOWN`` thumbnails (``thumbs``); samples of
    4 numbers or more as curves (``curves``, against ``sample_x``, named ``sample_label``); fewer
    numbers as a table of x and ``y`` (``table``). ``beside`` is the widget to put next to the plot.
    """

    def __init__(self, x: np.ndarray, y: Any = None, *, sample_x: Any = None,
                 sample_label: str = "input index") -> None:
        self.x = np.asarray(x)
        self.y = np.zeros((len(self.x), 0)) if y is None else np.asarray(y)
        self.sample_x, self.sample_label = sample_x, sample_label
        self.selected: list[int] = []
        self.thumbs: list[ipywidgets.Image] = []
        self.images = self.curves = self.table = self.curve_figure = None
        self.label = ipywidgets.HTML(HINT)
        self.label.add_class("jaxscope-selection")
        self.panel = self._panel()
        self.beside = ipywidgets.VBox([self.label, self.panel], layout=ipywidgets.Layout(width="300px"))

    def _panel(self) -> ipywidgets.Widget:
        images = image_batch(self.x, 0) if self.x.ndim >= 3 else None
        if images is not None:
            self.thumbs = [ipywidgets.Image(format="png", layout=ipywidgets.Layout(width="64px", height="64px"))
                           for _ in range(SHOWN)]
            for t in self.thumbs:
                t.add_class("jaxscope-pixelated")
                t.layout.display = "none"
            self.images = images
            return ipywidgets.GridBox(self.thumbs, layout=ipywidgets.Layout(grid_template_columns="64px " * 4))
        flat = self.x.reshape(len(self.x), -1)
        if flat.shape[1] < 4:      # a few numbers per sample: list them
            self.table = ipywidgets.HTML()
            return self.table
        sy = bqplot.LinearScale(min=float(np.min(flat)), max=float(np.max(flat)))
        xs = np.arange(flat.shape[1]) if self.sample_x is None else np.asarray(self.sample_x, dtype=np.float64).ravel()
        if xs.shape != (flat.shape[1],):
            raise ValueError(f"sample_x must give one x value per input ({flat.shape[1]}); got shape {xs.shape}")
        sx = bqplot.LinearScale(min=float(xs.min()), max=float(xs.max()))
        self.curves = bqplot.Lines(x=xs, y=flat[:1], scales={"x": sx, "y": sy},
                                   colors=[BLUE], visible=False, stroke_width=1.5)
        self.curve_figure = figure([self.curves], axes(sx, sy, self.sample_label, "input"), "", width=300, height=240)
        return self.curve_figure

    def brush(self, dots: bqplot.Scatter, sx: bqplot.Scale, sy: bqplot.Scale) -> bqplot.interacts.BrushSelector:
        """A rectangle brush over ``dots`` (the figure's ``interaction``) whose selection shows here."""
        dots.observe(lambda change: self.select(change["new"]), "selected")
        return bqplot.interacts.BrushSelector(x_scale=sx, y_scale=sy, marks=[dots], color="orange")

    def select(self, indices: Any) -> None:
        """Show the samples ``indices`` (what the brush does); None or [] shows none."""
        self.selected = [int(i) for i in np.ravel(np.asarray(indices if indices is not None else [], dtype=int))]
        shown = self.selected[:SHOWN]
        with SEND_LOCK:
            self.label.value = (f"{len(self.selected)} selected" +
                                (f" · showing {SHOWN}" if len(self.selected) > SHOWN else ""))
            if self.images is not None:
                for k, thumb in enumerate(self.thumbs):
                    if k < len(shown):
                        thumb.value = to_png(self.images[shown[k]], min_size=64)
                        thumb.layout.display = None
                    else:
                        thumb.layout.display = "none"
            elif self.curves is None:
                x, y = self.x.reshape(len(self.x), -1), self.y.reshape(len(self.y), -1)
                rows = "".join(f"<tr><td>{i}</td><td>{np.array2string(x[i], precision=3)}</td>"
                               f"<td>{np.array2string(y[i], precision=3)}</td></tr>" for i in shown)
                self.table.value = f"<table><tr><th>#</th><th>x</th><th>y</th></tr>{rows}</table>" if shown else ""
            else:
                flat = self.x.reshape(len(self.x), -1)
                with self.curves.hold_sync():
                    if shown:
                        self.curves.y = flat[shown].astype(np.float32)
                    self.curves.visible = bool(shown)

    def owned(self) -> list:
        """The widgets this panel made that a closing view closes."""
        return [w for w in (self.curve_figure,) if w is not None]


class Brushed:
    """What a view with a brushed scatter (``self.figure``, ``self.brushed``: a BrushedSamples)
    offers: the selection, ``select`` from code, and the widgets to close with it."""

    @property
    def selected(self) -> list[int]:
        """The indices of the samples selected (by the brush or ``select``)."""
        return self.brushed.selected

    def select(self, indices: Any) -> None:
        """Show the samples ``indices`` (what the brush does)."""
        self.brushed.select(indices)

    def _owned(self) -> list:
        return [w for w in (getattr(self, "figure", None),) if w is not None] + (
            self.brushed.owned() if hasattr(self, "brushed") else [])
