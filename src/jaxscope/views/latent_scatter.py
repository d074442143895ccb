"""``LatentScatter``: a layer's activations for a fixed sample set as points in the plane (the two
units when the layer has two, else a PCA projection), coloured by a label or a physical parameter.
Drag a rectangle (brush) over points to see those samples (curves or images) beside the plot.

>>> import jax.numpy as jnp, numpy as np
>>> x = np.eye(3, dtype=np.float32)
>>> view = LatentScatter(params={}, apply=lambda p, x: x, encode=lambda p, x: x[:, :2] * 2, data=(x, np.arange(3.0)))
>>> view.compute(view.network.current())["xy"].tolist()
[[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]]
>>> view.select([1, 2]); view.selection_label.value
'2 selected'
"""

from __future__ import annotations

import math
from typing import Any, Callable

import bqplot
import ipywidgets
import jax
import numpy as np

from ..inspect.probe import dense_columns
from .base import View
from .brushed_samples import Brushed, SHOWN, BrushedSamples, LockedScatter, fit_axes, refit
from .figures import axes, colour_axis, figure
from .projection import project
from .samples import view_samples

__all__ = ["SHOWN", "LatentScatter", "refit"]


def _one_hot(y: np.ndarray) -> bool:
    return y.ndim == 2 and y.shape[1] > 1 and bool(np.all((y == 0) | (y == 1))) and bool(np.all(y.sum(axis=1) == 1))


class LatentScatter(Brushed, View):
    """Activations of dense layer ``layer`` (0 = the first layer's output; default: the narrowest
    hidden layer, e.g. an autoencoder's bottleneck, the last of equally narrow ones), or
    ``encode(params, x) -> (N, d)``.

    Args:
      color: how to colour the points: None (the first target column, or the class of one-hot
        targets), an integer (that target column), an array (N,) or a function ``color(x, y)``.
      color_label: the colour's name for the caption (e.g. ``"ω0"``).
      data: (x, y) arrays or a generator instead of the trainer's validation (else training) data.
      sample_x, sample_label: for 1-D samples (curves), the x value of each input and its name,
        for the selected-samples plot (e.g. the drive frequencies of the Duffing curves).
    """

    def __init__(self, trainer: Any = None, *, layer: int | None = None, encode: Callable | None = None,
                 data: Any = None, samples: int = 256, color: Any = None, color_label: str = "",
                 sample_x: Any = None, sample_label: str = "input index", title: str = "latent space",
                 **options: Any) -> None:
        if encode is not None and not callable(encode):
            raise ValueError(f"encode must be a function encode(params, x) -> (N, d); got {type(encode).__name__}")
        if layer is not None and (isinstance(layer, bool) or not isinstance(layer, int)):
            raise ValueError(f"layer must be the number of a dense layer (0 = first); got {layer!r}")
        if encode is not None and layer is not None:
            raise ValueError("pass layer= or encode=, not both")
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 3:
            raise ValueError(f"samples must be an integer >= 3; got {samples!r}")
        self.layer, self.encode, self.samples = layer, encode, samples
        self.color_option, self.color_label, self.title = color, color_label, title
        self._data = data
        self.sample_x, self.sample_label = sample_x, sample_label
        self._components = None
        super().__init__(trainer, **options)

    # ---- set-up ---------------------------------------------------------------------------
    def _setup(self) -> None:
        trainer = self.network.trainer
        self.x, self.y = view_samples(trainer, self._data, self.samples, "LatentScatter")
        self.colour = self._colours()
        if self.encode is None:
            self._find_layer(trainer)
        else:
            self._encode = jax.jit(self.encode)
        first = self.compute(self.network.current())

        self.sx, self.sy = bqplot.LinearScale(), bqplot.LinearScale()
        finite = self.colour[np.isfinite(self.colour)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        sc = bqplot.ColorScale(scheme="viridis", min=low, max=high if high > low else low + 1.0)
        self.dots = LockedScatter(x=first["xy"][:, 0], y=first["xy"][:, 1], color=self.colour.astype(np.float32),
                                  scales={"x": self.sx, "y": self.sy, "color": sc}, default_size=16,
                                  unselected_style={"opacity": 0.35},
                                  selected_style={"stroke": "black", "stroke-width": 1})
        self.brushed = BrushedSamples(self.x, self.y, sample_x=self.sample_x, sample_label=self.sample_label)
        self.brush = self.brushed.brush(self.dots, self.sx, self.sy)
        frame = [*axes(self.sx, self.sy, *first["labels"]), colour_axis(sc, self.color_label)]
        self.figure = figure([self.dots], frame, self._heading(), width=400, height=340, interactions=self.brush)
        # the panel's widgets under the names this view has always had
        self.selection_label, self.beside = self.brushed.label, self.brushed.beside
        self.curves, self._thumbs, self._table = self.brushed.curves, self.brushed.thumbs, self.brushed.table
        self.children = [ipywidgets.HBox([self.figure, self.beside])]
        self.draw(first)

    def _colours(self) -> np.ndarray:
        option, y = self.color_option, np.asarray(self.y)
        columns = y.reshape(len(y), -1) if y.ndim <= 2 else None
        if option is None:
            if columns is None:
                return np.zeros(len(y))
            return np.argmax(columns, axis=1).astype(np.float64) if _one_hot(columns) else columns[:, 0].astype(np.float64)
        if isinstance(option, int) and not isinstance(option, bool):
            if columns is None or not 0 <= option < columns.shape[1]:
                raise ValueError(f"color={option} names a target column, but the targets have shape {y.shape}")
            return columns[:, option].astype(np.float64)
        values = option(self.x, self.y) if callable(option) else option
        values = np.asarray(values, dtype=np.float64).ravel()
        if values.shape != (len(self.x),):
            raise ValueError(f"color must give one value per sample ({len(self.x)}); got shape {values.shape}")
        return values

    def _find_layer(self, trainer: Any) -> None:
        from ..inspect import architecture
        from ..inspect.neuron_maps import dense_kernels

        current = self.network.current()
        input_shape = trainer.data.input_shape if trainer is not None else tuple(self.x.shape[1:])
        spec = architecture(current, input_shape=input_shape)
        self._kernels, reason = dense_kernels(spec, self.network.forward, current)
        if reason or not self._kernels:
            raise ValueError(f"LatentScatter(layer=...) reads dense layers: {reason or 'this network has none'}; "
                             "pass encode=lambda params, x: ... instead")
        widths = [math.prod(spec.layers[k].output_shape) for k, _ in self._kernels]
        if self.layer is None:
            hidden = widths[:-1] or widths
            narrowest = min(hidden)                # the narrowest hidden layer, the last of equals:
            self.layer = max(k for k, w in enumerate(hidden) if w == narrowest)   # the deepest code
        if not 0 <= self.layer < len(widths):
            raise ValueError(f"layer must be from 0 to {len(widths) - 1} (this network has {len(widths)} dense layers); "
                             f"got {self.layer}")
        self._kernels = tuple(self._kernels)

    # ---- computing -------------------------------------------------------------------------
    def latent(self, model_or_params: Any) -> np.ndarray:
        """The chosen layer's activations (N, d) for the fixed samples."""
        if self.encode is not None:
            out = self._encode(model_or_params, self.x)
            return np.asarray(out, dtype=np.float64).reshape(len(self.x), -1)
        tree = self.network.forward.tree(model_or_params)
        columns = dense_columns(self.network.forward.apply, tree, list(self._kernels), self.x)
        values = columns[self.layer + 1]
        if values is None:
            raise ValueError(f"LatentScatter: the activations of layer {self.layer} could not be found in the forward")
        return np.asarray(values, dtype=np.float64)

    def compute(self, model_or_params: Any) -> dict:
        xy, labels, self._components = project(self.latent(model_or_params), self._components)
        return {"xy": xy, "labels": labels}

    def _heading(self) -> str:
        what = f"layer {self.layer}" if self.encode is None else "encode(params, x)"
        colour = f" · colour: {self.color_label}" if self.color_label else ""
        return f"{self.title} ({what}){colour}"

    def draw(self, data: dict) -> None:
        xy = data["xy"]
        with self.dots.hold_sync():
            self.dots.x, self.dots.y = xy[:, 0].astype(np.float32), xy[:, 1].astype(np.float32)
        fit_axes(self.figure, (self.sx, self.sy), xy)
        for axis, label in zip(self.figure.axes, data["labels"]):
            if axis.label != label:
                axis.label = label
