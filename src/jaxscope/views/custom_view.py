"""``CustomView``: anything else, from a function of (params, step) that returns what to draw.

The function returns ``(x, y)`` for one series or ``{name: (x, y)}`` for several; each series is
a bqplot Lines (``mark="lines"``, optionally with markers) or Scatter (``mark="scatter"``) mark.
The lesson-1 chain: ``CustomView(lambda p, step: (np.arange(22), np.pad(p["heights"], 1)), marker="circle")``.

With ``mark="heatmap"`` it returns one 2-D array (rows x columns), drawn as an image with row 0 on
top, on a colour scale with a colour bar: an RBM's weights, ``CustomView(lambda p, step: p["W"].T,
mark="heatmap")``, blue below 0, white at 0, red above, symmetric around 0 by default.

>>> view = CustomView(lambda p, step: (np.arange(3), p * np.arange(3)), params=2.0)
>>> view.compute(2.0)["series"][""][1].tolist()
[0.0, 2.0, 4.0]
>>> image = CustomView(lambda p, step: p * np.array([[1, -2], [0, 1]]), params=1.0, mark="heatmap")
>>> image.compute(0.5)["color_range"]
(-1.0, 1.0)
"""

from __future__ import annotations

from typing import Any, Callable

import bqplot
import numpy as np

from .base import View
from .figures import BLUE, GREEN, GREY, ORANGE, axes, colour_axis, figure, finite_range, nice_ticks, padded
from .function_plot import _pair

COLOURS = [BLUE, ORANGE, GREEN, GREY, "#9467bd", "#8c564b"]
DIVERGING = ["#2166ac", "#f7f7f7", "#b2182b"]    # blue, white, red (ColorBrewer RdBu, negative blue)
COLOR_RANGES = ("symmetric", "data")
BAR_HEIGHT = 320    # bqplot draws a vertical colour bar 200 px shorter than the plot area (figure height - 75)


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


def _image(result: Any) -> np.ndarray:
    """The 2-D float64 array ``fn`` returned in heatmap mode, or a ValueError saying what it returned."""
    expected = "CustomView: with mark='heatmap' the function must return a 2-D array (rows × columns)"
    if isinstance(result, (tuple, dict)) or result is None:
        raise ValueError(f"{expected}; got {type(result).__name__}")
    try:
        image = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{expected} of numbers; got {type(result).__name__}") from None
    if image.ndim != 2:
        raise ValueError(f"{expected}; got {type(result).__name__} of shape {image.shape}")
    if min(image.shape) < 2:
        raise ValueError(f"CustomView: a heatmap needs at least 2 rows and 2 columns; got shape {image.shape}")
    return image


def colour_range(image: np.ndarray, how: str | tuple[float, float]) -> tuple[float, float]:
    """The colour scale's (lo, hi) for ``image``: fixed (a pair), ``"symmetric"`` (±max|value|, so 0
    is the middle colour) or ``"data"`` (its min and max); NaN and infinities are left out, and an
    empty range becomes (-1, 1) ("symmetric") or (v - 1, v + 1) ("data").

    >>> colour_range(np.array([[0.5, -2.0], [1.0, np.nan]]), "symmetric"), colour_range(np.ones((2, 2)), "data")
    ((-2.0, 2.0), (0.0, 2.0))
    """
    if not isinstance(how, str):
        return how
    lo, hi = finite_range(image)
    if how == "symmetric":
        top = max(abs(lo), abs(hi))
        return (-top, top) if top > 0 else (-1.0, 1.0)
    return (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)


def _colors(colors: Any) -> dict:
    """ColorScale options for ``colors``: a d3 scheme name ("viridis", "Greys") or a list of CSS colours, low to high."""
    if colors is None:
        return {"colors": list(DIVERGING)}
    if isinstance(colors, str):
        return {"scheme": colors}
    if isinstance(colors, (list, tuple)) and len(colors) >= 2 and all(isinstance(c, str) for c in colors):
        return {"colors": list(colors)}
    raise ValueError(f"colors must be a list of at least 2 CSS colours (low to high) or a colour scheme name; got {colors!r}")


def _color_range(value: Any) -> str | tuple[float, float]:
    if isinstance(value, str):
        if value not in COLOR_RANGES:
            raise ValueError(f"color_range must be 'symmetric', 'data' or (lo, hi); got {value!r}")
        return value
    return _pair(value, "color_range")


def index_ticks(count: int) -> np.ndarray:
    """Round row or column numbers from 0 to ``count - 1`` to label an image's axis.

    >>> index_ticks(2).tolist(), index_ticks(20).tolist()
    ([0.0, 1.0], [0.0, 5.0, 10.0, 15.0])
    """
    ticks = nice_ticks(-0.5, count - 0.5)[2]
    return ticks[ticks == np.round(ticks)] + 0.0


def _size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 2000:
        raise ValueError(f"{name} must be a number of pixels from 100 to 2000; got {value!r}")
    return value


class CustomView(View):
    """Draws ``fn(params, step)`` (see the module docstring).

    Lines and scatter: ``x_range`` / ``y_range`` fix the axes (default: the first result's range,
    padded). ``styles={name: {...}}`` gives a series bqplot options of its own, e.g.
    ``{"relaxed": {"colors": ["#888"], "line_style": "dashed"}}``; series are drawn in the order the
    function returns them, later ones on top.

    Heatmap (``mark="heatmap"``): ``fn`` returns a 2-D array, at least 2 x 2, drawn as a bqplot
    ``HeatMap`` (one canvas image, cheaper to redraw than ``GridHeatMap``'s SVG cell per value), cell
    (i, j) centred on column j, row i, row 0 on top. ``colors``: a list of CSS colours from low to high
    (default blue, white, red) or a d3 scheme name such as ``"viridis"``; ``color_range``:
    ``"symmetric"`` (default: ±the largest |value| drawn now, so 0 stays white), ``"data"`` (the
    current min to max) or a fixed ``(lo, hi)`` (the middle colour at its midpoint); the first two
    follow every redraw. ``color_label`` names the colour bar; ``color_bar=False`` leaves it out (e.g.
    for black-and-white pictures). bqplot draws the bar 200 px shorter than the plot, so it needs
    ``height`` >= 320 (default 360). Arrays of another shape on later redraws resize the axes.

    ``width`` / ``height``: the figure's size in pixels (default 420 x 300, heatmaps 420 x 360).
    """

    runs_network = False

    def __init__(self, fn: Callable, trainer: Any = None, *, mark: str = "lines", marker: str | None = None,
                 x_range: Any = None, y_range: Any = None, x_label: str = "", y_label: str = "",
                 title: str = "", styles: dict | None = None, colors: Any = None, color_range: Any = None,
                 color_label: str = "", color_bar: bool = True, width: int = 420, height: int | None = None,
                 **options: Any) -> None:
        if not callable(fn):
            raise ValueError(f"fn must be a function fn(params, step) -> (x, y); got {type(fn).__name__}")
        if mark not in ("lines", "scatter", "heatmap"):
            raise ValueError(f"mark must be 'lines', 'scatter' or 'heatmap'; got {mark!r}")
        given = {"marker": marker, "x_range": x_range, "y_range": y_range, "styles": styles}
        if mark != "heatmap":
            given = {"colors": colors, "color_range": color_range, "color_label": color_label or None,
                     "color_bar": None if color_bar is True else color_bar}
        refused = [name for name, value in given.items() if value is not None]
        if refused:
            which = "lines and scatter marks" if mark == "heatmap" else "mark='heatmap'"
            raise ValueError(f"{', '.join(f'{n}=' for n in refused)} apply to {which}, not to mark={mark!r}")
        if styles is not None and not (isinstance(styles, dict) and all(isinstance(v, dict) for v in styles.values())):
            raise ValueError("styles must be {series name: {bqplot option: value}}; "
                             f"got {type(styles).__name__}")
        self.fn, self.mark, self.marker, self.styles = fn, mark, marker, dict(styles or {})
        self.x_range, self.y_range = _pair(x_range, "x_range"), _pair(y_range, "y_range")
        self.color_options = _colors(colors) if mark == "heatmap" else {}
        self.color_range = _color_range("symmetric" if color_range is None else color_range)
        self.labels, self.title, self.color_label = (x_label, y_label), title, color_label
        height = (360 if mark == "heatmap" else 300) if height is None else height
        self.size = (_size(width, "width"), _size(height, "height"))
        if not isinstance(color_bar, bool):
            raise ValueError(f"color_bar must be True or False; got {color_bar!r}")
        if mark == "heatmap" and color_bar and height < BAR_HEIGHT:
            raise ValueError(f"a colour bar needs height >= {BAR_HEIGHT} (bqplot draws it 200 px shorter than the "
                             f"plot); got height={height}: pass a larger height or color_bar=False")
        self.color_bar = color_bar
        super().__init__(trainer, **options)

    # ---- what to draw: pure, checked against numpy by the tests ------------------------------
    def compute(self, model_or_params: Any) -> dict:
        result = self.fn(model_or_params, self.drawing_step)
        if self.mark != "heatmap":
            return {"series": _series(result)}
        image = _image(result)
        return {"image": image, "color_range": colour_range(image, self.color_range)}

    # ---- the marks ----------------------------------------------------------------------------
    def _setup(self) -> None:
        first = self.compute(self.network.current())
        if self.mark == "heatmap":
            self._setup_image(first)
        else:
            self._setup_series(first["series"])
        self.children = [self.figure]

    def _setup_series(self, first: dict) -> None:
        xs = np.concatenate([x for x, _ in first.values()])
        ys = np.concatenate([y for _, y in first.values()])
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
        self.figure = figure(list(self.marks.values()), axes(sx, sy, *self.labels), self.title, *self.size)

    def _setup_image(self, first: dict) -> None:
        rows, columns = first["image"].shape
        lo, hi = first["color_range"]
        sx = bqplot.LinearScale(min=-0.5, max=columns - 0.5)
        sy = bqplot.LinearScale(min=-0.5, max=rows - 0.5, reverse=True)     # row 0 on top, as an image
        sc = bqplot.ColorScale(min=lo, max=hi, **self.color_options)
        self.heatmap = bqplot.HeatMap(x=np.arange(columns, dtype=np.float32), y=np.arange(rows, dtype=np.float32),
                                      color=first["image"].astype(np.float32), scales={"x": sx, "y": sy, "color": sc})
        self.marks = {"": self.heatmap}
        self.image_axes = axes(sx, sy, *self.labels)
        self.image_axes[0].tick_values, self.image_axes[1].tick_values = index_ticks(columns), index_ticks(rows)
        if self.color_bar:
            self.image_axes.append(colour_axis(sc, self.color_label))
        self.figure = figure([self.heatmap], self.image_axes, self.title, *self.size)
        self.figure.padding_x = self.figure.padding_y = 0.0    # the image fills the plot area

    def draw(self, data: dict) -> None:
        if self.mark == "heatmap":
            self._draw_image(data["image"], data["color_range"])
            return
        for name, (x, y) in data["series"].items():
            mark = self.marks.get(name)
            if mark is None:
                raise ValueError(f"CustomView: the function returned a new series {name!r}; it must return "
                                 f"the same names every time ({sorted(self.marks)})")
            with mark.hold_sync():
                mark.x, mark.y = x.astype(np.float32), y.astype(np.float32)

    def _draw_image(self, image: np.ndarray, color_range: tuple[float, float]) -> None:
        x_axis, y_axis = self.image_axes[:2]
        rows, columns = image.shape
        if (rows, columns) != (len(self.heatmap.y), len(self.heatmap.x)):
            for axis, count in ((x_axis, columns), (y_axis, rows)):
                axis.tick_values = index_ticks(count)
                with axis.scale.hold_sync():
                    axis.scale.min, axis.scale.max = -0.5, count - 0.5
        scale = self.heatmap.scales["color"]
        if (scale.min, scale.max) != color_range:
            if self.color_bar:      # first: bqplot's colour bar reads its ticks when the domain changes, only then
                self.image_axes[2].tick_values = nice_ticks(*color_range, 3)[2]
            with scale.hold_sync():
                scale.min, scale.max = color_range
        with self.heatmap.hold_sync():      # a new shape's x, y and colours reach the browser together
            if (rows, columns) != (len(self.heatmap.y), len(self.heatmap.x)):
                self.heatmap.x = np.arange(columns, dtype=np.float32)
                self.heatmap.y = np.arange(rows, dtype=np.float32)
            self.heatmap.color = image.astype(np.float32)

    def _owned(self) -> list:
        return [self.figure] if hasattr(self, "figure") else []
