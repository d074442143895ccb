"""``CustomView``: anything else, from a function of (params, step) that returns what to draw.

The function returns ``(x, y)`` for one series or ``{name: (x, y)}`` for several; each series is
a bqplot Lines (``mark="lines"``, optionally with markers) or Scatter (``mark="scatter"``) mark.
The lesson-1 chain: ``CustomView(lambda p, step: (np.arange(22), np.pad(p["heights"], 1)), marker="circle")``.

>>> view = CustomView(lambda p, step: (np.arange(3), p * np.arange(3)), params=2.0)
>>> view.compute(2.0)["series"][""][1].tolist()
[0.0, 2.0, 4.0]
"""

from __future__ import annotations

from typing import Any, Callable

import bqplot
import numpy as np

from .base import View
from .figures import BLUE, GREEN, GREY, ORANGE, axes, figure
from .function_plot import _pair

COLOURS = [BLUE, ORANGE, GREEN, GREY, "#9467bd", "#8c564b"]


def _series(result: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    items = result.items() if isinstance(result, dict) else [("", result)]
    out = {}
    for name, pair in items:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError("CustomView: the function must return (x, y) or {name: (x, y)}; "
                             f"got {type(pair).__name__} for {name or 'the series'}")
        x, y = (np.asarray(a, dtype=np.float64).ravel() for a in pair)
        if x.shape != y.shape:
            raise ValueError(f"CustomView: x and y of {name or 'the series'} differ in length ({x.size} and {y.size})")
        out[str(name)] = (x, y)
    return out


class CustomView(View):
    """Draws ``fn(params, step)`` (see the module docstring); ``x_range`` / ``y_range`` fix the axes
    (default: the first result's range, padded). ``styles={name: {...}}`` gives a series bqplot
    options of its own, e.g. ``{"relaxed": {"colors": ["#888"], "line_style": "dashed"}}``; series
    are drawn in the order the function returns them, later ones on top."""

    runs_network = False

    def __init__(self, fn: Callable, trainer: Any = None, *, mark: str = "lines", marker: str | None = None,
                 x_range: Any = None, y_range: Any = None, x_label: str = "", y_label: str = "",
                 title: str = "", styles: dict | None = None, **options: Any) -> None:
        if not callable(fn):
            raise ValueError(f"fn must be a function fn(params, step) -> (x, y); got {type(fn).__name__}")
        if mark not in ("lines", "scatter"):
            raise ValueError(f"mark must be 'lines' or 'scatter'; got {mark!r}")
        if styles is not None and not (isinstance(styles, dict) and all(isinstance(v, dict) for v in styles.values())):
            raise ValueError("styles must be {series name: {bqplot option: value}}; "
                             f"got {type(styles).__name__}")
        self.fn, self.mark, self.marker, self.styles = fn, mark, marker, dict(styles or {})
        self.x_range, self.y_range = _pair(x_range, "x_range"), _pair(y_range, "y_range")
        self.labels, self.title = (x_label, y_label), title
        super().__init__(trainer, **options)

    def _setup(self) -> None:
        first = self.compute(self.network.current())["series"]
        xs = np.concatenate([x for x, _ in first.values()])
        ys = np.concatenate([y for _, y in first.values()])
        from .figures import finite_range, padded
        x_range = self.x_range or padded(*finite_range(xs))
        y_range = self.y_range or padded(*finite_range(ys), fraction=0.15)
        sx, sy = bqplot.LinearScale(min=x_range[0], max=x_range[1]), bqplot.LinearScale(min=y_range[0], max=y_range[1])
        unknown = sorted(set(self.styles) - set(first))
        if unknown:
            raise ValueError(f"styles names series {unknown} that the function does not return ({sorted(first)})")
        self.marks = {}
        for k, (name, (x, y)) in enumerate(first.items()):
            common = {"x": x, "y": y, "scales": {"x": sx, "y": sy}, "colors": [COLOURS[k % len(COLOURS)]],
                      "labels": [name], "display_legend": bool(name) and len(first) > 1}
            if self.mark == "lines":
                options = {**common, "stroke_width": 2, "marker": self.marker, **self.styles.get(name, {})}
                mark = bqplot.Lines(**options)
            else:
                mark = bqplot.Scatter(**{**common, "default_size": 20, **self.styles.get(name, {})})
            self.marks[name] = mark
        self.figure = figure(list(self.marks.values()), axes(sx, sy, *self.labels), self.title, width=420)
        self.children = [self.figure]

    def compute(self, model_or_params: Any) -> dict:
        step = self.drawing_step
        return {"series": _series(self.fn(model_or_params, step))}

    def draw(self, data: dict) -> None:
        for name, (x, y) in data["series"].items():
            mark = self.marks.get(name)
            if mark is None:
                raise ValueError(f"CustomView: the function returned a new series {name!r}; it must return "
                                 f"the same names every time ({sorted(self.marks)})")
            with mark.hold_sync():
                mark.x, mark.y = x.astype(np.float32), y.astype(np.float32)

    def _owned(self) -> list:
        return [self.figure] if hasattr(self, "figure") else []
