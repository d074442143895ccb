"""``LatentGrid``: a decoder's images over a grid of points of a 2-D latent space, tiled into one
picture with the latent coordinates on its axes (the classic picture of a VAE's latent manifold), live.

``decode(params, z)`` maps latent points z (n, 2) to images (n, H, W), (n, C, H, W) or (n, H, W, C)
(or flat (n, H·W) with ``image_shape=(H, W)``). The grid spans ``extent`` (default ±3 on both
axes, the bulk of a VAE's standard normal prior) or, with ``extent="data"`` and ``encode=``, the
range of the encoded samples, followed while it trains (a plain autoencoder's latent space
drifts). ``decode`` and ``encode`` are compiled with ``jax.jit``. Tile (i, j) shows the image
decoded at (z₁ = x_j, z₂ = y_i), z₂ decreasing from the top row down, as on the axes.

>>> import jax.numpy as jnp
>>> view = LatentGrid(params={}, decode=lambda p, z: jnp.broadcast_to(z[:, :1, None], (len(z), 2, 2)), grid=3,
...                   extent=((0, 2), (0, 2)))
>>> data = view.compute(view.network.current())
>>> data["images"].shape, data["mosaic"][0].tolist()          # 3 x 3 tiles of 2 x 2 pixels
((9, 2, 2), [0.0, 0.0, 1.0, 1.0, 2.0, 2.0])
>>> data["z"][:3].tolist()                                     # the top row: z₂ = 2
[[0.0, 2.0], [1.0, 2.0], [2.0, 2.0]]
"""

from __future__ import annotations

from typing import Any, Callable

import bqplot
import ipywidgets
import jax
import numpy as np

from .base import View
from .figures import MARGIN, axes, figure, finite_range, nice_ticks, padded
from .function_plot import _pair
from .images import image_batch
from .latent_scatter import refit
from .picture import Picture
from .png import to_png
from .samples import take_samples, view_samples

SIZE = 420              # pixels: the figure's width
MARGINS = (MARGIN["left"] + MARGIN["right"], MARGIN["top"] + MARGIN["bottom"])


def latent_points(extent: tuple, grid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(z (grid², 2) float32 row by row from the top, x values (grid,), y values (grid,) top to bottom).

    >>> z, xs, ys = latent_points(((-1, 1), (0, 1)), 2)
    >>> z.tolist(), ys.tolist()
    ([[-1.0, 1.0], [1.0, 1.0], [-1.0, 0.0], [1.0, 0.0]], [1.0, 0.0])
    """
    (x0, x1), (y0, y1) = extent
    xs = np.linspace(x0, x1, grid)
    ys = np.linspace(y1, y0, grid)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32), xs, ys


def mosaic(images: np.ndarray, grid: int) -> np.ndarray:
    """grid² images (grid², H, W), row by row, as one (grid·H, grid·W) picture.

    >>> mosaic(np.arange(4.0).reshape(4, 1, 1), 2).tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    """
    n, h, w = images.shape
    return images.reshape(grid, grid, h, w).transpose(0, 2, 1, 3).reshape(grid * h, grid * w)


def picture_extent(extent: tuple, grid: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """The latent box the tiled picture covers: each tile centred on its grid point.

    >>> picture_extent(((-1.0, 1.0), (0.0, 4.0)), 3)
    ((-1.5, 1.5), (-1.0, 5.0))
    """
    return tuple((lo - (hi - lo) / (grid - 1) / 2, hi + (hi - lo) / (grid - 1) / 2) for lo, hi in extent)


def _extent(value: Any) -> Any:
    if isinstance(value, str):
        if value != "data":
            raise ValueError(f"extent must be ((z1 lo, z1 hi), (z2 lo, z2 hi)), one (lo, hi) for both, or 'data'; "
                             f"got {value!r}")
        return value
    try:
        pairs = list(value)
        if len(pairs) == 2 and all(np.ndim(v) == 0 for v in pairs):
            pairs = [pairs, pairs]
        first, second = pairs
    except (TypeError, ValueError):
        raise ValueError(f"extent must be ((z1 lo, z1 hi), (z2 lo, z2 hi)), one (lo, hi) for both, or 'data'; "
                         f"got {value!r}") from None
    return _pair(first, "extent (z1)"), _pair(second, "extent (z2)")


class LatentGrid(View):
    """``decode(params, z)`` over a ``grid`` x ``grid`` lattice of a 2-D latent space (module docstring).

    Args:
      decode: ``decode(params, z (n, 2)) -> images``; an nnx model is passed as the model.
      extent: ((z₁ lo, z₁ hi), (z₂ lo, z₂ hi)) of the grid's outer points, one (lo, hi) for both, or
        ``"data"``: the range of ``encode(params, x)`` over the fixed samples, padded 5 %; kept while
        the samples stay inside it and fill at least half of it, so the picture does not jitter.
      encode: ``encode(params, x) -> (N, 2)`` latent points (a VAE's means), for ``extent="data"``.
      data: (x, y) or inputs x to encode, instead of the trainer's validation (else training) samples.
      samples: how many samples to encode for ``extent="data"``.
      channel: which channel of multi-channel images to show.
      image_shape: (H, W) of flat decoder outputs (n, H·W).
      color_range: (lo, hi) of the colour scale; default: the decoded images' range at each redraw.
    """

    runs_network = False    # it runs decode (and encode), not apply

    def __init__(self, trainer: Any = None, *, decode: Callable, extent: Any = ((-3.0, 3.0), (-3.0, 3.0)),
                 grid: int = 8, encode: Callable | None = None, data: Any = None, samples: int = 256,
                 channel: int = 0, image_shape: Any = None, color_range: Any = None,
                 title: str = "decoded latent space", **options: Any) -> None:
        if not callable(decode):
            raise ValueError(f"decode must be a function decode(params, z) -> images; got {type(decode).__name__}")
        if encode is not None and not callable(encode):
            raise ValueError(f"encode must be a function encode(params, x) -> (N, 2); got {type(encode).__name__}")
        self.extent = _extent(extent)
        if self.extent == "data" and encode is None:
            raise ValueError("extent='data' needs encode=lambda params, x: ... (the latent points of the samples)")
        if isinstance(grid, bool) or not isinstance(grid, int) or not 2 <= grid <= 32:
            raise ValueError(f"grid must be an integer from 2 to 32 (points per axis); got {grid!r}")
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise ValueError(f"samples must be an integer >= 1; got {samples!r}")
        if isinstance(channel, bool) or not isinstance(channel, int) or channel < 0:
            raise ValueError(f"channel must be a channel index >= 0; got {channel!r}")
        if image_shape is not None:
            try:
                shape = tuple(int(d) for d in image_shape)
            except (TypeError, ValueError):
                shape = ()
            if len(shape) != 2 or min(shape) < 1:
                raise ValueError(f"image_shape must be (height, width) of flat decoder outputs; got {image_shape!r}")
            image_shape = shape
        self.decode, self.encode, self.grid, self.samples = decode, encode, grid, samples
        self.channel, self.image_shape, self.title = channel, image_shape, title
        self.color_range = _pair(color_range, "color_range")
        self._data = data
        self._held = None           # the extent drawn, with extent="data"
        self._decode, self._encode = jax.jit(decode), None if encode is None else jax.jit(encode)
        super().__init__(trainer, **options)

    # ---- computing: pure, what the tests check ----------------------------------------------
    def encoded_range(self, model_or_params: Any) -> tuple:
        """(lo, hi) of the encoded samples on each latent axis."""
        z = np.asarray(self._encode(model_or_params, self.x), dtype=np.float64)
        if z.ndim != 2 or z.shape != (len(self.x), 2):
            raise ValueError(f"LatentGrid: encode must return the latent points (N, 2) of N = {len(self.x)} samples; "
                             f"got shape {z.shape}")
        return tuple(finite_range(z[:, k]) for k in range(2))

    def images(self, z: np.ndarray, decoded: Any) -> np.ndarray:
        """The decoder's output for the points ``z`` as (n, H, W) float64 images, or an error saying what it returned."""
        out = np.asarray(decoded, dtype=np.float64)
        n = len(z)
        expected = ("decode(params, z) must return one image per latent point: (n, H, W), (n, C, H, W) or "
                    "(n, H, W, C)" + ("" if self.image_shape else ", or flat (n, H·W) with image_shape=(H, W)"))
        if out.ndim == 0 or out.shape[0] != n:
            raise ValueError(f"LatentGrid: {expected} for n = {n} points; got shape {out.shape}")
        if self.image_shape is not None and out.ndim == 2:
            if out.shape[1] != self.image_shape[0] * self.image_shape[1]:
                raise ValueError(f"LatentGrid: decode returned {out.shape[1]} values per point, which is not "
                                 f"image_shape {self.image_shape}")
            return out.reshape(n, *self.image_shape)
        images = image_batch(out, self.channel)
        if images is None:
            raise ValueError(f"LatentGrid: {expected} for n = {n} points; got shape {out.shape}")
        return images

    def _follow(self, found: tuple) -> tuple:
        """The extent to draw for the encoded range ``found``: the one drawn so far while the samples
        stay inside it and fill at least half of it (so the picture does not jitter), else ``found``
        padded by 5 %."""
        held = self._held
        if held is None or any(refit(lo, hi, *new) for (lo, hi), new in zip(held, found)):
            self._held = held = tuple(padded(*new) for new in found)
        return held

    def compute(self, model_or_params: Any) -> dict:
        """``z`` (grid², 2) the latent points row by row from the top, ``images`` (grid², H, W),
        ``mosaic`` the tiled picture, ``extent`` of the grid points and ``color_range``."""
        extent = self._follow(self.encoded_range(model_or_params)) if self.extent == "data" else self.extent
        z, xs, ys = latent_points(extent, self.grid)
        images = self.images(z, self._decode(model_or_params, z))
        picture = mosaic(images, self.grid)
        lo, hi = self.color_range or finite_range(picture)
        return {"z": z, "x": xs, "y": ys, "images": images, "mosaic": picture, "extent": extent,
                "color_range": (lo, hi if hi > lo else lo + 1.0)}

    # ---- the picture -------------------------------------------------------------------------
    def _setup(self) -> None:
        if self.extent == "data":
            trainer = self.network.trainer
            if self._data is not None and not isinstance(self._data, (tuple, list, dict)) and not callable(self._data):
                self.x = np.asarray(self._data)[:self.samples]
            elif self._data is not None:
                self.x = take_samples(self._data, self.samples)[0]
            else:
                self.x = view_samples(trainer, None, self.samples, "LatentGrid")[0]
        first = self.compute(self.network.current())
        self.sx, self.sy = bqplot.LinearScale(), bqplot.LinearScale()
        self._picture = Picture(scales={"x": self.sx, "y": self.sy})
        self.image_mark = self._picture.mark
        self.grid_axes = axes(self.sx, self.sy, "z₁", "z₂")
        rows, columns = first["mosaic"].shape          # the plot area takes the picture's shape
        height = int(np.clip(round((SIZE - MARGINS[0]) * rows / columns) + MARGINS[1], 200, 800))
        self.figure = figure([self.image_mark], self.grid_axes, f"{self.title} ({self.grid} × {self.grid})",
                             width=SIZE, height=height)
        self.figure.padding_x = self.figure.padding_y = 0.0      # the picture fills the plot area
        self.figure.add_class("jaxscope-latent-grid")
        self._shown_extent = None
        self.children = [self.figure]
        self.draw(first)

    def draw(self, data: dict) -> None:
        extent = data["extent"]
        if extent != self._shown_extent:
            (x0, x1), (y0, y1) = picture_extent(extent, self.grid)
            for scale, axis, lo, hi in ((self.sx, self.grid_axes[0], x0, x1), (self.sy, self.grid_axes[1], y0, y1)):
                axis.tick_values = nice_ticks(lo, hi)[2]
                with scale.hold_sync():
                    scale.min, scale.max = float(lo), float(hi)
            with self.image_mark.hold_sync():
                self.image_mark.x, self.image_mark.y = np.array([x0, x1]), np.array([y0, y1])
            self._shown_extent = extent
        self._picture.show(to_png(data["mosaic"], *data["color_range"], min_size=SIZE))

    @property
    def picture(self) -> ipywidgets.Image:
        """The picture shown now."""
        return self._picture.image

    def _owned(self) -> list:
        return ([self.figure] if hasattr(self, "figure") else []) + (
            self._picture.widgets() if hasattr(self, "_picture") else [])
