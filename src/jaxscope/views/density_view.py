"""``DensityView``: a generative model of 2-D points, live: the data (grey dots, fixed), the model's
samples (orange dots), its log-density as a picture over a grid (normalizing flows, anything with a
likelihood) and, for diffusion models, the paths a few samples take through the reverse process, from
noise to the data (green lines).

You give the model as functions of the current parameters (or nnx model) and a jax random key:
``sample(params, key, n) -> (n, 2)``, ``log_density(params, xy (m, 2)) -> (m,)`` and
``paths(params, key, n) -> (steps, n, 2)`` (any of them). Without ``sample``, the samples are the
paths' last step (one reverse process makes both; the first ``path_samples`` of them are drawn as
lines). They run in one compiled call per redraw, always with the same key: the random numbers behind
the samples and the paths never change, so the dots and lines move only because the model does (a
flow's samples slide smoothly into the moons as it learns).

The log-density picture's colours span its top ``depth`` nats: from the largest value on the grid
(yellow) down to that minus ``depth`` (dark violet); lower values are clipped to the darkest colour
(``color_range=(lo, hi)`` fixes the range instead). The heading states the range drawn and the mean
log-likelihood of the data points under the model, in nats per sample.

>>> import jax, jax.numpy as jnp, numpy as np
>>> gauss = lambda p, xy: -0.5 * jnp.sum((xy - p) ** 2, axis=1) - jnp.log(2 * jnp.pi)   # N(p, 1)
>>> view = DensityView(params=jnp.zeros(2), log_density=gauss, data=np.zeros((3, 2)), extent=(-1, 1), grid=3)
>>> data = view.compute(jnp.zeros(2))
>>> (data["log_density"] + np.log(2 * np.pi)).round(6).tolist()[0]      # the top row: y = 1
[-1.0, -0.5, -1.0]
>>> data["color_range"] == (data["log_density"].max() - 8.0, data["log_density"].max())
True
"""

from __future__ import annotations

import html
from typing import Any, Callable

import bqplot
import ipywidgets
import jax
import jax.numpy as jnp
import numpy as np

from .base import View
from .figures import GREEN, GREY, ORANGE, axes, figure, nice_ticks
from .function_plot import _pair
from .latent_grid import latent_points, picture_extent
from .picture import Picture
from .png import to_png

SIZE = 420               # pixels: the figure's width
DEPTH = 8.0              # nats of log-density the colours span by default
MAX_POINTS = 5000        # data points and model samples, at most (SVG dots)
MAX_PATHS = 64


def _count(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}; got {value!r}")
    return int(value)


def _function(value: Any, name: str, signature: str) -> Callable | None:
    if value is not None and not callable(value):
        raise ValueError(f"{name} must be a function {signature}; got {type(value).__name__}")
    return value


def density_extent(value: Any) -> tuple | None:
    """``extent=`` as ((x lo, x hi), (y lo, y hi)): a pair of pairs, or one (lo, hi) for both axes (None: from
    the data).

    >>> density_extent((-2, 2)), density_extent(((0, 1), (-3, 3)))
    (((-2.0, 2.0), (-2.0, 2.0)), ((0.0, 1.0), (-3.0, 3.0)))
    """
    if value is None:
        return None
    message = f"extent must be ((x lo, x hi), (y lo, y hi)) or one (lo, hi) for both axes; got {value!r}"
    try:
        pairs = list(value)
        single = len(pairs) == 2 and all(np.ndim(v) == 0 for v in pairs)
        first, second = (value, value) if single else pairs
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if single:
        return (_pair(value, "extent"),) * 2
    return _pair(first, "extent (x)"), _pair(second, "extent (y)")


def data_extent(points: np.ndarray, fraction: float = 0.1) -> tuple:
    """The data's range on each axis widened by ``fraction`` of the larger span on both sides.

    >>> data_extent(np.array([[0.0, 0.0], [2.0, 1.0]]))
    ((-0.2, 2.2), (-0.2, 1.2))
    """
    finite = points[np.all(np.isfinite(points), axis=1)]
    if not len(finite):
        return (-1.0, 1.0), (-1.0, 1.0)
    lo, hi = finite.min(axis=0), finite.max(axis=0)
    pad = fraction * max(float(np.max(hi - lo)), 1e-6)
    return tuple((float(a - pad), float(b + pad)) for a, b in zip(lo, hi))


def log_density_range(image: np.ndarray, depth: float, fixed: tuple | None = None) -> tuple[float, float]:
    """(lo, hi) of the colours: ``fixed``, else (max - depth, max) over the finite values ((-1, 0) if none).

    >>> log_density_range(np.array([[-1.0, -np.inf], [-20.0, -3.0]]), 8.0)
    (-9.0, -1.0)
    """
    if fixed is not None:
        return fixed
    finite = image[np.isfinite(image)]
    top = float(finite.max()) if finite.size else 0.0
    return top - depth, top


def data_points(data: Any, count: int) -> np.ndarray:
    """``count`` fixed 2-D points (float64) from an array (N, 2) (its first ``count`` rows) or a sampler
    ``data(key) -> (batch, 2)`` (or a tuple with the points first), called with fixed keys."""
    expected = ("data must be points of shape (N, 2) or a sampler data(key) -> (batch, 2) "
                "(a tuple from it: the points first)")
    if callable(data):
        parts, have = [], 0
        for key in jax.random.split(jax.random.key(1234), 64):
            batch = data(key)
            batch = batch[0] if isinstance(batch, (tuple, list)) else batch
            batch = np.asarray(batch, dtype=np.float64)
            if batch.ndim != 2 or batch.shape[1] != 2 or not len(batch):
                raise ValueError(f"{expected}; the sampler returned shape {batch.shape}")
            parts.append(batch)
            have += len(batch)
            if have >= count:
                break
        return np.concatenate(parts)[:count]
    try:
        points = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{expected}; got {type(data).__name__}") from None
    if points.ndim != 2 or points.shape[1] != 2 or not len(points):
        raise ValueError(f"{expected}; got shape {points.shape}")
    return points[:count]


class DensityView(View):
    """Data, model samples, log-density and reverse-process paths of a 2-D generative model (module docstring).

    Args:
      sample: ``sample(params, key, n) -> (n, 2)`` model samples; an nnx model is passed as the model.
      log_density: ``log_density(params, xy (m, 2)) -> (m,)`` in nats, drawn over the grid.
      paths: ``paths(params, key, n) -> (steps, n, 2)``: n samples at every step of their making
        (a diffusion model's reverse process), drawn as lines from the first step to the last; without
        ``sample``, called once with n = ``samples``: the samples are its last step.
      data: the data as points (N, 2) or a sampler ``data(key) -> (batch, 2)`` (its first ``samples``
        points at fixed keys), drawn in grey.
      extent: ((x lo, x hi), (y lo, y hi)) of the plot and the grid, or one (lo, hi) for both
        (default: the data's range widened by 10 % of its larger span).
      grid: grid points per axis of the log-density picture (3 to 256).
      samples: data points shown and model samples drawn (1 to 5000); ``path_samples``: paths (1 to 64).
      depth: nats of log-density the colours span below the grid's maximum (default 8);
        ``color_range=(lo, hi)``: fixed colours instead.
      seed: the seed of the one fixed key behind the samples and paths.
    """

    runs_network = False    # it runs sample / log_density / paths, not apply

    def __init__(self, trainer: Any = None, *, sample: Callable | None = None, log_density: Callable | None = None,
                 paths: Callable | None = None, data: Any = None, extent: Any = None, grid: int = 64,
                 samples: int = 500, path_samples: int = 8, depth: float = DEPTH, color_range: Any = None,
                 seed: int = 0, title: str = "density", **options: Any) -> None:
        self.sample = _function(sample, "sample", "sample(params, key, n) -> (n, 2)")
        self.log_density = _function(log_density, "log_density", "log_density(params, xy) -> (m,)")
        self.paths = _function(paths, "paths", "paths(params, key, n) -> (steps, n, 2)")
        if sample is None and log_density is None and paths is None:
            raise ValueError("DensityView needs sample=lambda params, key, n: ... (n, 2) model samples, "
                             "log_density=lambda params, xy: ... (m,) or paths=lambda params, key, n: ... "
                             "(steps, n, 2)")
        if data is None:
            raise ValueError("DensityView needs data=: the data points (N, 2) or a sampler data(key) -> (batch, 2)")
        if not callable(data):
            data_points(data, 1)        # the shape, before anything compiles
        self.extent = density_extent(extent)
        self.grid = _count(grid, "grid", 3, 256)
        self.samples = _count(samples, "samples", 1, MAX_POINTS)
        self.path_samples = _count(path_samples, "path_samples", 1, MAX_PATHS)
        if paths is not None and sample is None and self.path_samples > self.samples:
            raise ValueError(f"path_samples ({path_samples}) must not exceed samples ({samples}): without sample=, "
                             "the samples are the paths' last step and the first path_samples paths are drawn")
        if isinstance(depth, bool) or not isinstance(depth, (int, float)) or not 0 < depth < np.inf:
            raise ValueError(f"depth must be a positive number of nats; got {depth!r}")
        self.depth = float(depth)
        self.color_range = _pair(color_range, "color_range")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be an integer >= 0; got {seed!r}")
        self.seed, self.title = int(seed), title
        self._data = data
        self._evaluate = jax.jit(self._model_outputs)
        super().__init__(trainer, **options)

    # ---- computing: pure, what the tests check ----------------------------------------------
    def _model_outputs(self, model_or_params: Any, key: jax.Array, grid: jax.Array, data: jax.Array) -> tuple:
        """(samples, log-density on the grid, on the data, paths): one compiled call, None where not asked."""
        k_sample, k_paths = jax.random.split(key)
        samples = paths = on_grid = on_data = None
        if self.sample is not None:
            samples = self.sample(model_or_params, k_sample, self.samples)
        if self.paths is not None and self.sample is None:      # the samples are the paths' last step
            every = self.paths(model_or_params, k_paths, self.samples)
            samples, paths = every[-1], every[:, :self.path_samples]
        elif self.paths is not None:
            paths = self.paths(model_or_params, k_paths, self.path_samples)
        if self.log_density is not None:
            both = self.log_density(model_or_params, jnp.concatenate([grid, data]))
            on_grid, on_data = both[:len(grid)], both[len(grid):]
        return samples, on_grid, on_data, paths

    def _check_shapes(self, model_or_params: Any) -> None:
        """The functions' output shapes, traced (not compiled): a clear error before any compilation."""
        grid, data = self._grid_points, self._data32
        samples, on_grid, _, paths = jax.eval_shape(self._model_outputs, model_or_params, self._key, grid, data)
        if self.sample is None and paths is not None:
            every = jax.eval_shape(lambda p, key: self.paths(p, key, self.samples), model_or_params, self._key)
            if len(every.shape) != 3 or every.shape[1:] != (self.samples, 2) or every.shape[0] < 1:
                raise ValueError(f"DensityView: paths(params, key, n) must return (steps, n, 2); for "
                                 f"n = {self.samples} it returned shape {tuple(every.shape)}")
        if samples is not None and tuple(samples.shape) != (self.samples, 2):
            raise ValueError(f"DensityView: sample(params, key, n) must return (n, 2) points; for n = {self.samples} "
                             f"it returned shape {tuple(samples.shape)}")
        if on_grid is not None:
            m = len(grid) + len(data)
            given = jax.eval_shape(self.log_density, model_or_params, jax.ShapeDtypeStruct((m, 2), np.float32))
            if tuple(given.shape) != (m,):
                raise ValueError(f"DensityView: log_density(params, xy) must return one value per point, shape (m,); "
                                 f"for xy of shape ({m}, 2) it returned shape {tuple(given.shape)}")
        if paths is not None and (len(paths.shape) != 3 or paths.shape[1:] != (self.path_samples, 2)
                                  or paths.shape[0] < 1):
            raise ValueError(f"DensityView: paths(params, key, n) must return (steps, n, 2); for "
                             f"n = {self.path_samples} it returned shape {tuple(paths.shape)}")

    def compute(self, model_or_params: Any) -> dict:
        """``data`` (N, 2) the fixed data points; ``samples`` (n, 2) model samples; ``log_density``
        (grid, grid) on the grid points ``xy`` (row by row from the top: ``x`` left to right, ``y``
        top to bottom) with its ``color_range``; ``data_log_likelihood`` its mean over the data points;
        ``paths`` (path_samples, steps, 2) one row per path. Missing functions give None."""
        samples, on_grid, on_data, paths = self._evaluate(model_or_params, self._key, self._grid_points, self._data32)
        image = None if on_grid is None else np.asarray(on_grid, np.float64).reshape(self.grid, self.grid)
        return {
            "data": self.data, "xy": self._grid_points, "x": self._xs, "y": self._ys, "extent": self.shown_extent,
            "samples": None if samples is None else np.asarray(samples, np.float64),
            "log_density": image,
            "color_range": None if image is None else log_density_range(image, self.depth, self.color_range),
            "data_log_likelihood": None if on_data is None else float(np.mean(np.asarray(on_data, np.float64))),
            "paths": None if paths is None else np.asarray(paths, np.float64).transpose(1, 0, 2),
        }

    def heading(self, data: dict) -> str:
        """The line above the plot: what is drawn, the colours' range and the data's mean log-likelihood."""
        parts = [f"<b>{html.escape(self.title)}</b>", f'<span style="color:{GREY}">● data</span>']
        if data["samples"] is not None:
            parts.append(f'<span style="color:{ORANGE}">● model samples</span>')
        if data["paths"] is not None:
            parts.append(f'<span style="color:{GREEN}">━ paths</span>')
        if data["log_density"] is not None:
            lo, hi = data["color_range"]
            parts.append(f"log-density {lo:.3g} to {hi:.3g} (lower clipped)")
            parts.append(f"data log-likelihood {data['data_log_likelihood']:.3f} nats/sample")
        return " · ".join(parts)

    # ---- the picture -------------------------------------------------------------------------
    def _setup(self) -> None:
        self.data = data_points(self._data, self.samples)
        self._data32 = self.data.astype(np.float32)
        self.shown_extent = self.extent or data_extent(self.data)
        self._grid_points, self._xs, self._ys = latent_points(self.shown_extent, self.grid)
        self._key = jax.random.key(self.seed)
        current = self.network.current()
        self._check_shapes(current)
        first = self.compute(current)

        (x0, x1), (y0, y1) = picture_extent(self.shown_extent, self.grid)
        self.sx, self.sy = bqplot.LinearScale(min=x0, max=x1), bqplot.LinearScale(min=y0, max=y1)
        scales = {"x": self.sx, "y": self.sy}
        marks = []
        self._picture = self.image_mark = None
        if first["log_density"] is not None:
            self._picture = Picture(scales=scales, x=np.array([x0, x1]), y=np.array([y0, y1]))
            self.image_mark = self._picture.mark
            marks.append(self.image_mark)
        points = self.data.astype(np.float32)
        self.data_dots = bqplot.Scatter(x=points[:, 0], y=points[:, 1], scales=scales, colors=[GREY],
                                        default_size=14, opacities=[0.9], stroke="black", stroke_width=0.4)
        marks.append(self.data_dots)
        self.path_lines = None
        if first["paths"] is not None:
            self.path_lines = bqplot.Lines(x=np.zeros((1, 2), np.float32), y=np.zeros((1, 2), np.float32),
                                           scales=scales, colors=[GREEN], stroke_width=1.5, opacities=[0.9])
            marks.append(self.path_lines)
        self.sample_dots = None
        if first["samples"] is not None:
            self.sample_dots = bqplot.Scatter(x=np.zeros(1, np.float32), y=np.zeros(1, np.float32), scales=scales,
                                              colors=[ORANGE], default_size=14, opacities=[0.9], stroke="black",
                                              stroke_width=0.4)
            marks.append(self.sample_dots)
        frame = axes(self.sx, self.sy, "x₁", "x₂")
        for axis, (lo, hi) in zip(frame, self.shown_extent):
            axis.tick_values = nice_ticks(lo, hi)[2]
        margins = (55 + 15, 30 + 45)
        ratio = (y1 - y0) / (x1 - x0)
        height = int(np.clip(round((SIZE - margins[0]) * ratio) + margins[1], 200, 800))
        self.figure = figure(marks, frame, "", width=SIZE, height=height)
        self.figure.padding_x = self.figure.padding_y = 0.0
        self.figure.add_class("jaxscope-density")
        for mark, name in ((self.image_mark, "log-density"), (self.data_dots, "data"),
                           (self.sample_dots, "samples"), (self.path_lines, "paths")):
            if mark is not None:
                mark.labels = [name]
        self.heading_html = ipywidgets.HTML()
        self.heading_html.add_class("jaxscope-density-heading")
        self.add_class("jaxscope-density-view")
        self.children = [self.heading_html, self.figure]
        self.draw(first)

    def draw(self, data: dict) -> None:
        if data["samples"] is not None:
            samples = data["samples"].astype(np.float32)
            with self.sample_dots.hold_sync():
                self.sample_dots.x, self.sample_dots.y = samples[:, 0], samples[:, 1]
        if data["paths"] is not None:
            paths = data["paths"].astype(np.float32)
            with self.path_lines.hold_sync():
                self.path_lines.x, self.path_lines.y = paths[:, :, 0], paths[:, :, 1]
        heading = self.heading(data)
        if self.heading_html.value != heading:
            self.heading_html.value = heading
        if data["log_density"] is not None:
            # one pixel per grid point (cheap to encode and send); the browser smooths it when scaling it up
            self._picture.show(to_png(data["log_density"], *data["color_range"]))

    @property
    def picture(self) -> ipywidgets.Image | None:
        """The log-density picture shown now (None without ``log_density``)."""
        return None if self._picture is None else self._picture.image

    def _owned(self) -> list:
        picture = self._picture.widgets() if getattr(self, "_picture", None) is not None else []
        return [getattr(self, name) for name in ("figure", "heading_html") if getattr(self, name, None) is not None] + picture
