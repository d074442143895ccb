"""``OutputMap2D``: a network of two inputs, its output over the input plane as a heatmap, with
the training points on top and, optionally, a thumbnail of the target function.

>>> import jax.numpy as jnp
>>> view = OutputMap2D(params={}, apply=lambda p, x: x[:, :1] + 2 * x[:, 1:], x_range=(0, 1), y_range=(0, 1), resolution=3)
>>> view.compute(view.network.current())["z"].tolist()
[[0.0, 0.5, 1.0], [1.0, 1.5, 2.0], [2.0, 2.5, 3.0]]
"""

from __future__ import annotations

from typing import Any, Callable

import bqplot
import ipywidgets
import numpy as np

from .base import View
from .figures import axes, colour_axis, figure
from .function_plot import _pair
from .png import to_png
from .samples import take_samples, trainer_samples


class OutputMap2D(View):
    """Output number ``output`` over [x_range] x [y_range] (default: the training inputs' span) on
    a ``resolution`` x ``resolution`` grid; ``z[i, j]`` is at (x_j, y_i), y increasing with i.

    Args:
      target: optional ``target(x, y)`` (arrays) drawn as a thumbnail beside the map.
      points: how many training samples to draw on top (coloured by their target for ``output``,
        on the map's colour scale; by their first target when there is no such column).
    """

    def __init__(self, trainer: Any = None, *, x_range: Any = None, y_range: Any = None, resolution: int = 48,
                 output: int = 0, target: Callable | None = None, data: Any = None, points: int = 200,
                 color_range: Any = None, title: str = "network output", **options: Any) -> None:
        if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= 256:
            raise ValueError(f"resolution must be an integer from 2 to 256; got {resolution!r}")
        if isinstance(output, bool) or not isinstance(output, int) or output < 0:
            raise ValueError(f"output must be an index >= 0; got {output!r}")
        if target is not None and not callable(target):
            raise ValueError(f"target must be a function target(x, y); got {type(target).__name__}")
        self.x_range, self.y_range = _pair(x_range, "x_range"), _pair(y_range, "y_range")
        self.color_range = _pair(color_range, "color_range")
        self.resolution, self.output, self.target, self.points, self.title = resolution, output, target, points, title
        self._data = data
        super().__init__(trainer, **options)

    def _setup(self) -> None:
        trainer = self.network.trainer
        data = None
        if self._data is not None:
            data = take_samples(self._data, self.points)
        elif trainer is not None:
            data = trainer_samples(trainer, "training", self.points)
        if data is not None and data[0].reshape(len(data[0]), -1).shape[1] != 2:
            raise ValueError(f"OutputMap2D shows networks of two inputs; the data's inputs have shape {data[0].shape[1:]}")
        if self.x_range is None or self.y_range is None:
            if trainer is None:
                raise ValueError("OutputMap2D needs x_range= and y_range= when it follows no trainer")
            (x0, x1), (y0, y1) = trainer.data.input_range()
            self.x_range = self.x_range or (x0, x1)
            self.y_range = self.y_range or (y0, y1)
        self.xs = np.linspace(*self.x_range, self.resolution, dtype=np.float32)
        self.ys = np.linspace(*self.y_range, self.resolution, dtype=np.float32)
        gx, gy = np.meshgrid(self.xs, self.ys)
        self.grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
        first = self.compute(self.network.current())

        sx = bqplot.LinearScale(min=self.x_range[0], max=self.x_range[1])
        sy = bqplot.LinearScale(min=self.y_range[0], max=self.y_range[1])
        lo, hi = self.color_range or (None, None)
        sc = bqplot.ColorScale(scheme="RdBu", min=lo, max=hi)
        self.heatmap = bqplot.HeatMap(x=self.xs, y=self.ys, color=first["z"].astype(np.float32),
                                      scales={"x": sx, "y": sy, "color": sc})
        marks = [self.heatmap]
        if data is not None:
            targets = data[1].reshape(len(data[1]), -1)
            label = targets[:, self.output if self.output < targets.shape[1] else 0]
            self.dots = bqplot.Scatter(x=data[0][:, 0], y=data[0][:, 1], color=label.astype(np.float32),
                                       scales={"x": sx, "y": sy, "color": sc}, stroke="black",
                                       default_size=18, stroke_width=0.6)
            marks.append(self.dots)
        self.figure = figure(marks, [*axes(sx, sy, "x₁", "x₂"), colour_axis(sc, "output")], self.title,
                             width=390, height=320)
        children = [self.figure]
        if self.target is not None:
            z = np.asarray(self.target(gx.astype(np.float64), gy.astype(np.float64)), dtype=np.float64)
            if z.shape != gx.shape:
                raise ValueError(f"target(x, y) must return an array of the grid's shape {gx.shape}; got {z.shape}")
            self.target_image = ipywidgets.Image(value=to_png(z[::-1], min_size=96), format="png",
                                                 layout=ipywidgets.Layout(width="96px", height="96px"))
            self.target_image.add_class("jaxscope-pixelated")
            children.append(ipywidgets.VBox([ipywidgets.HTML("target"), self.target_image]))
        self.children = [ipywidgets.HBox(children)]

    def compute(self, model_or_params: Any) -> dict:
        out = self.network.predict(model_or_params, self.grid).reshape(len(self.grid), -1)
        if out.shape[1] <= self.output:
            raise ValueError(f"output={self.output} but the network has {out.shape[1]} output(s)")
        return {"x": self.xs, "y": self.ys, "z": out[:, self.output].reshape(len(self.ys), len(self.xs))}

    def draw(self, data: dict) -> None:
        self.heatmap.color = data["z"].astype(np.float32)

    def _owned(self) -> list:
        return [self.figure] if hasattr(self, "figure") else []
