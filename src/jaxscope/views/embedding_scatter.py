"""``EmbeddingScatter``: a 2-D embedding of fixed samples (t-SNE, or any ``update=`` that moves
points) drawn as dots coloured by label, live while training moves them; drag a rectangle over the
dots to see those samples (curves or images) beside the plot.

The embedding is read from the parameters, nothing runs the network: by default the trainer's
parameters are the (N, 2) array of points (``Trainer(state=..., update=..., params=lambda s: s["y"])``),
else ``embedding(params_or_state) -> (N, 2)`` (compiled with ``jax.jit``). Dot k is sample k.
Integer labels (at most 12 distinct values) are classes with a colour each and a legend; other
labels colour the dots on a continuous scale with a colour bar. The axes stay put while the points
move inside them and refit when they leave the frame or fill less than half of it.

>>> import numpy as np
>>> traces = np.zeros((3, 20), np.float32)
>>> view = EmbeddingScatter(params=np.array([[0, 1], [2, 3], [4, 5]], np.float32), samples=traces, labels=[0, 1, 1])
>>> view.compute(view.network.current())["xy"].tolist()
[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
>>> view.select([2, 1]); view.selection_label.value
'2 selected'
"""

from __future__ import annotations

import html
from typing import Any, Callable

import bqplot
import ipywidgets
import jax
import numpy as np

from .base import View
from .brushed_samples import Brushed, BrushedSamples, LockedScatter, fit_axes
from .figures import BLUE, GREEN, GREY, ORANGE, axes, colour_axis, figure

CLASS_COLOURS = [BLUE, ORANGE, GREEN, "#d62728", "#9467bd", "#8c564b", "#e377c2", GREY, "#bcbd22", "#17becf",
                 "#393b79", "#637939"]
MAX_CLASSES = len(CLASS_COLOURS)    # integer labels with more distinct values are coloured continuously


def _classes(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(the distinct values, each label's index among them) when the labels are a few integers."""
    if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
        return None
    values, codes = np.unique(labels, return_inverse=True)
    return (values, codes) if len(values) <= MAX_CLASSES else None


class EmbeddingScatter(Brushed, View):
    """The points of a 2-D embedding of ``samples``, coloured by ``labels``, with brushing.

    Args:
      embedding: ``embedding(params_or_state) -> (N, 2)``; default: the parameters themselves.
      samples: the N raw samples (N, ...): curves (N, points), images, or a few numbers each, shown
        beside the plot when brushed.
      labels: one number per sample (N,), or None (one colour).
      label_names: names of the classes, in the order of their sorted values (e.g. ``["0 peaks",
        "1 peak", "2 peaks"]``); default: the values.
      color_label: what the labels are (e.g. ``"peaks"``), in the legend or on the colour bar.
      sample_x, sample_label: for curves, the x value of each point and its name (e.g. a grid).
    """

    runs_network = False    # it reads the parameters; nothing runs the network

    def __init__(self, trainer: Any = None, *, embedding: Callable | None = None, samples: Any = None,
                 labels: Any = None, label_names: Any = None, color_label: str = "", sample_x: Any = None,
                 sample_label: str = "input index", title: str = "embedding", **options: Any) -> None:
        if embedding is not None and not callable(embedding):
            raise ValueError("embedding must be a function embedding(params_or_state) -> (N, 2) points; "
                             f"got {type(embedding).__name__}")
        if samples is None:
            raise ValueError("EmbeddingScatter needs samples=: the N raw samples (N, ...) the points stand for, "
                             "shown beside the plot when brushed")
        self.x = np.asarray(samples)
        if self.x.ndim < 1 or len(self.x) < 2 or not np.issubdtype(self.x.dtype, np.number):
            raise ValueError(f"samples must be an array of at least 2 numeric samples (N, ...); "
                             f"got shape {self.x.shape} of {self.x.dtype}")
        n = len(self.x)
        self.labels = None if labels is None else np.asarray(labels, dtype=np.float64)
        if self.labels is not None:
            if self.labels.shape not in ((n,), (n, 1)):
                raise ValueError(f"labels must give one number per sample ({n},); got shape {self.labels.shape}")
            self.labels = self.labels.reshape(n)
        self.classes = None if self.labels is None else _classes(self.labels)
        self.label_names = self._names(label_names)
        self.embedding, self.color_label, self.title = embedding, str(color_label), str(title)
        self.sample_x, self.sample_label = sample_x, sample_label
        self._embed = None if embedding is None else jax.jit(embedding)
        super().__init__(trainer, **options)

    def _names(self, names: Any) -> list[str] | None:
        if self.classes is None:
            if names is not None:
                raise ValueError("label_names names classes: the labels must be integers with at most "
                                 f"{MAX_CLASSES} distinct values")
            return None
        values = self.classes[0]
        if names is None:
            return [f"{v:g}" for v in values]
        if isinstance(names, dict):
            names = [names.get(v, names.get(int(v), f"{v:g}")) for v in values]
        if isinstance(names, str) or not hasattr(names, "__len__") or len(names) != len(values):
            raise ValueError(f"label_names must give one name per class ({len(values)}: "
                             f"{', '.join(f'{v:g}' for v in values)}); got {names!r}")
        names = [str(n) for n in names]
        return names

    # ---- set-up ---------------------------------------------------------------------------
    def _setup(self) -> None:
        current = self.network.current()
        self._check(current)
        first = self.compute(current)
        n = len(self.x)
        # no extra padding for the dots' size: the frame is exactly the range fit_axes sets
        self.sx, self.sy = bqplot.LinearScale(allow_padding=False), bqplot.LinearScale(allow_padding=False)
        frame = axes(self.sx, self.sy, "embedding 1", "embedding 2")
        style = dict(default_size=16 if n <= 500 else 8, unselected_style={"opacity": 0.35},
                     selected_style={"stroke": "black", "stroke-width": 1})
        scales = {"x": self.sx, "y": self.sy}
        if self.labels is None:
            self.dots = LockedScatter(x=first["xy"][:, 0], y=first["xy"][:, 1], colors=[BLUE], scales=scales,
                                      **style)
        elif self.classes is not None:
            count = len(self.classes[0])
            scale = bqplot.OrdinalColorScale(domain=list(range(count)), colors=CLASS_COLOURS[:count])
            self.dots = LockedScatter(x=first["xy"][:, 0], y=first["xy"][:, 1],
                                      color=self.classes[1].astype(np.float32), scales={**scales, "color": scale},
                                      **style)
        else:
            finite = self.labels[np.isfinite(self.labels)]
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            scale = bqplot.ColorScale(scheme="viridis", min=low, max=high if high > low else low + 1.0)
            self.dots = LockedScatter(x=first["xy"][:, 0], y=first["xy"][:, 1],
                                      color=self.labels.astype(np.float32), scales={**scales, "color": scale},
                                      **style)
            frame.append(colour_axis(scale, self.color_label))
        self.brushed = BrushedSamples(self.x, None if self.labels is None else self.labels[:, None],
                                      sample_x=self.sample_x, sample_label=self.sample_label)
        self.brush = self.brushed.brush(self.dots, self.sx, self.sy)
        self.figure = figure([self.dots], frame, self._heading(0), width=400, height=360, interactions=self.brush)
        self.figure.add_class("jaxscope-embedding")
        self.legend = ipywidgets.HTML(self._legend())
        self.legend.add_class("jaxscope-legend")
        self.selection_label, self.beside = self.brushed.label, self.brushed.beside
        self.curves = self.brushed.curves
        self.children = [ipywidgets.HBox([ipywidgets.VBox([self.figure, self.legend]), self.beside])]
        self.draw(first)

    def _check(self, current: Any) -> None:
        """The embedding is (N, 2), N the number of samples: checked on shapes, before anything compiles."""
        n = len(self.x)
        if self._embed is None:
            leaves = jax.tree.leaves(current)
            shape = np.shape(leaves[0]) if len(leaves) == 1 else None
            if shape != (n, 2):
                got = f"shape {shape}" if shape is not None else f"a {type(current).__name__} of {len(leaves)} arrays"
                raise ValueError(f"EmbeddingScatter shows the parameters as {n} points ({n}, 2) (one per sample), "
                                 f"but they are {got}; pass embedding=lambda state: ... or params=lambda state: ... "
                                 "to the Trainer")
            return
        try:
            out = jax.eval_shape(self.embedding, current)
        except Exception as e:
            e.add_note("jaxscope: raised while tracing EmbeddingScatter's embedding(params_or_state)")
            raise
        if getattr(out, "shape", None) != (n, 2):
            raise ValueError(f"embedding must return ({n}, 2) points (one per sample); "
                             f"got {getattr(out, 'shape', type(out).__name__)}")

    def _legend(self) -> str:
        if self.classes is None:
            return ""
        title = f"{html.escape(self.color_label)}: " if self.color_label else ""
        items = " ".join(f'<span style="color: {colour}">●</span> {html.escape(name)}'
                         for colour, name in zip(CLASS_COLOURS, self.label_names))
        return title + items

    def _heading(self, step: int) -> str:
        return f"{self.title} · {len(self.x)} points · step {step}"

    # ---- computing -------------------------------------------------------------------------
    def compute(self, params_or_state: Any) -> dict:
        """{"xy": the (N, 2) points, float64}."""
        points = params_or_state if self._embed is None else self._embed(params_or_state)
        if self._embed is None and not hasattr(points, "shape"):
            points = jax.tree.leaves(points)[0]
        xy = np.asarray(points, dtype=np.float64)
        if xy.shape != (len(self.x), 2):
            raise ValueError(f"the embedding has shape {xy.shape}; ({len(self.x)}, 2) points were expected")
        return {"xy": xy}

    def draw(self, data: dict) -> None:
        xy = data["xy"]
        with self.dots.hold_sync():
            self.dots.x, self.dots.y = xy[:, 0].astype(np.float32), xy[:, 1].astype(np.float32)
        fit_axes(self.figure, (self.sx, self.sy), xy)
        heading = self._heading(self.drawing_step)
        if self.figure.title != heading:
            self.figure.title = heading
