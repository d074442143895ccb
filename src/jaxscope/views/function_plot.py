"""``FunctionPlot``: a 1-D network's output against the true function, live, with the interval
the training data covers shaded, so what it does outside (extrapolation) is visible.

>>> import jax.numpy as jnp, numpy as np
>>> plot = FunctionPlot(params={"a": jnp.float32(2.0)}, apply=lambda p, x: p["a"] * x,
...                     truth=np.sin, x_range=(-1, 1), train_range=(-0.5, 0.5), points=5)
>>> plot.compute(plot.network.current())["y"].round(2).tolist()
[-2.0, -1.0, 0.0, 1.0, 2.0]
"""

from __future__ import annotations

from typing import Any, Callable

import bqplot
import numpy as np

from ..training.ensemble import QUANTILES
from .base import View
from .figures import BLUE, GREY, axes, figure, finite_range, padded
from .samples import trainer_samples


def _pair(value: Any, name: str) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be (lo, hi); got {value!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be (lo, hi) with lo < hi; got {value!r}")
    return lo, hi


def evaluate_truth(truth: Callable, x: np.ndarray) -> np.ndarray:
    """``truth`` on the grid ``x`` (N,), called on (N,) and, if that fails, on (N, 1)."""
    try:
        y = np.asarray(truth(x), dtype=np.float64)
    except Exception:
        y = np.asarray(truth(x[:, None]), dtype=np.float64)
    if y.size != x.size:
        raise ValueError(f"truth must map the {x.size} grid points to {x.size} values; got shape {y.shape}")
    return y.reshape(x.shape)


class FunctionPlot(View):
    """The network's output number ``output`` over ``x_range`` (default: the training inputs' span
    widened by half of it on each side) against ``truth`` (a function of x), with a batch of
    training samples as dots and the training interval shaded.

    Args:
      trainer: the Trainer to follow (or leave it out and use it in ``trainer.show(views=[...])``).
      truth: optional ``truth(x)`` on an array of x values (numpy or jax).
      x_range, train_range: (lo, hi); ``train_range`` defaults to the span of the training inputs.
      output: which output of the network to plot (for several outputs).
      points: grid points.
    """

    def __init__(self, trainer: Any = None, *, truth: Callable | None = None, x_range: Any = None,
                 train_range: Any = None, output: int = 0, points: int = 400, samples: int = 200,
                 title: str = "network vs truth", **options: Any) -> None:
        if truth is not None and not callable(truth):
            raise ValueError(f"truth must be a function of x; got {type(truth).__name__}")
        if isinstance(output, bool) or not isinstance(output, int) or output < 0:
            raise ValueError(f"output must be an index >= 0; got {output!r}")
        if isinstance(points, bool) or not isinstance(points, int) or points < 2:
            raise ValueError(f"points must be an integer >= 2; got {points!r}")
        self.truth_fn, self.output, self.points, self.samples, self.title = truth, output, points, samples, title
        self.x_range, self.train_range = _pair(x_range, "x_range"), _pair(train_range, "train_range")
        super().__init__(trainer, **options)

    def _setup(self) -> None:
        trainer = self.network.trainer
        data = trainer_samples(trainer, "training", self.samples) if trainer is not None else None
        if data is not None and data[0].reshape(len(data[0]), -1).shape[1] != 1:
            raise ValueError(f"FunctionPlot shows networks of one input; the data's inputs have shape {data[0].shape[1:]}")
        if self.train_range is None and data is not None:
            arrays = trainer.data.arrays  # a fixed data set: all of its inputs, not only the dots
            inputs = np.asarray(arrays[0]) if arrays is not None else data[0]
            self.train_range = (float(inputs.min()), float(inputs.max()))
        if self.x_range is None:
            if self.train_range is None:
                raise ValueError("FunctionPlot needs x_range=(lo, hi) when it follows no trainer")
            lo, hi = self.train_range
            self.x_range = (lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo))
        self.x = np.linspace(*self.x_range, self.points, dtype=np.float32)
        self.truth = None if self.truth_fn is None else evaluate_truth(self.truth_fn, self.x.astype(np.float64))
        first = self.compute(self.network.current())["y"]
        shown = [a for a in (self.truth, None if data is None else data[1]) if a is not None] or [first]
        y_lo, y_hi = padded(*finite_range(*shown), fraction=0.25)

        sx, sy = bqplot.LinearScale(min=self.x_range[0], max=self.x_range[1]), bqplot.LinearScale(min=y_lo, max=y_hi)
        scales = {"x": sx, "y": sy}
        marks = []
        if self.train_range is not None:
            lo, hi = self.train_range
            self.band = bqplot.Lines(x=[lo, hi], y=[[y_lo, y_lo], [y_hi, y_hi]], fill="between",
                                     fill_colors=[GREY], fill_opacities=[0.12], colors=[GREY, GREY],
                                     opacities=[0.0, 0.0], scales=scales, labels=["training range"])
            marks.append(self.band)
        if data is not None and data[1].reshape(len(data[1]), -1).shape[1] > self.output:
            self.dots = bqplot.Scatter(x=data[0].ravel(), y=data[1].reshape(len(data[1]), -1)[:, self.output],
                                       scales=scales, colors=[GREY], default_size=12, opacities=[0.5])
            marks.append(self.dots)
        if self.truth is not None:
            self.truth_line = bqplot.Lines(x=self.x, y=self.truth, scales=scales, colors=[GREY],
                                           line_style="dashed", stroke_width=2, labels=["truth"])
            marks.append(self.truth_line)
        if getattr(trainer, "ensemble_size", None):   # the members' spread around the focus member's line
            self.spread = bqplot.Lines(x=self.x, y=[first, first], scales=scales, fill="between", fill_colors=[BLUE],
                                       fill_opacities=[0.2], opacities=[0.0, 0.0], colors=[BLUE, BLUE],
                                       labels=["members 25-75 %"])
            marks.append(self.spread)
        self.line = bqplot.Lines(x=self.x, y=first, scales=scales, colors=[BLUE], stroke_width=2.5,
                                 labels=["network"])
        marks.append(self.line)
        self.figure = figure(marks, axes(sx, sy, "x", "y"), self.title, width=420)
        self.children = [self.figure]

    def compute(self, model_or_params: Any) -> dict:
        out = self.network.predict(model_or_params, self.x[:, None])
        out = out.reshape(len(self.x), -1)
        if out.shape[1] <= self.output:
            raise ValueError(f"output={self.output} but the network has {out.shape[1]} output(s)")
        data = {"x": self.x, "y": out[:, self.output]}
        if self.members_tree is not None:    # an ensemble: the band between the members' quartiles
            every = self.network.predict_members(self.members_tree, self.x[:, None])
            every = every.reshape(len(every), len(self.x), -1)[:, :, self.output]
            data["lo"], data["hi"] = np.quantile(every, QUANTILES, axis=0)
        return data

    def draw(self, data: dict) -> None:
        if "lo" in data and hasattr(self, "spread"):
            self.spread.y = np.stack([data["lo"], data["hi"]])
        self.line.y = data["y"]

    def _owned(self) -> list:
        return [self.figure] if hasattr(self, "figure") else []
