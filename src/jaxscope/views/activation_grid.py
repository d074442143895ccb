"""``ActivationGrid``: the feature maps of a network's conv layers for one fixed input, tiled, live.

The layer outputs are read from the user's own forward (``apply(params, x)``; an nnx Module or
linen variables run themselves) by ``inspect.conv_taps``: each convolution of the input with a
parameter kernel, after its bias, norm and activation, with its channel axis from the
convolution's own dimension numbers, so channels-first and channels-last networks look the same:
one tile per channel.

>>> import numpy as np, jax, jax.numpy as jnp
>>> apply = lambda p, x: jax.nn.relu(jax.lax.conv_general_dilated(x, p["k"], (1, 1), "SAME"))
>>> kernel = np.zeros((2, 1, 3, 3), np.float32); kernel[0, 0, 1, 1] = 1; kernel[1, 0, 1, 1] = -1
>>> x = np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2) - 1.5
>>> grid = ActivationGrid(params={"k": kernel}, apply=apply, data=x)
>>> [layer.name for layer in grid.layers], grid.layers[0].shape
(['conv_0'], (2, 2, 2))
>>> grid.compute(grid.network.current())["maps"][0].tolist()      # relu(x) and relu(-x)
[[[0.0, 0.0], [0.5, 1.5]], [[1.5, 0.5], [0.0, 0.0]]]
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import ipywidgets
import numpy as np

from ..inspect.conv_taps import ConvTaps
from .base import View
from .images import channels_first as image_channels_first, image_batch
from .png import to_png
from .samples import take_samples, view_samples

TILE = 64               # pixels: a feature map's tile (its longer side)
INPUT_TILE = 96         # pixels: the input's tiles
SCALES = ("layer", "channel")


@dataclass(frozen=True)
class ConvLayer:
    """One conv layer as the view shows it: its number among the conv layers, its name (the
    diagram's, when the architecture could be read), its output per sample as (channels, *spatial),
    its activation (None: none recognised) and whether it is a transposed convolution."""

    number: int
    name: str
    shape: tuple
    activation: str | None = None
    transposed: bool = False

    @property
    def heading(self) -> str:
        """e.g. ``conv_0 · 4 channels · 32 × 32 · sigmoid``."""
        spatial = " × ".join(str(d) for d in self.shape[1:])
        parts = [self.name, f"{self.shape[0]} channel{'s' if self.shape[0] != 1 else ''}", spatial]
        return " · ".join(parts + ([self.activation] if self.activation else []))


def as_tiles(maps: np.ndarray) -> np.ndarray:
    """(channels, H, W) as they are; a 1-D convolution's (channels, L) as one (channels x L) image.

    >>> as_tiles(np.zeros((4, 8, 8))).shape, as_tiles(np.zeros((4, 10))).shape
    ((4, 8, 8), (1, 4, 10))
    """
    return maps[None] if maps.ndim == 2 else maps


def input_tiles(sample: np.ndarray) -> np.ndarray:
    """One input sample as (channels, H, W) images: (H, W), (C, H, W) or (H, W, C) images (channels
    first when the first axis is short, as ``images.image_batch`` reads them), a curve (L,) as one row.

    >>> input_tiles(np.zeros((3, 8, 8))).shape, input_tiles(np.zeros((8, 8, 1))).shape, input_tiles(np.zeros(5)).shape
    ((3, 8, 8), (1, 8, 8), (1, 1, 5))
    """
    sample = np.asarray(sample, dtype=np.float64)
    if sample.ndim == 1:
        return sample[None, None]
    if sample.ndim == 2:
        return sample[None]
    if sample.ndim == 3:
        first = image_channels_first(sample.shape)
        channels = sample.shape[0] if first else sample.shape[2]
        return np.stack([image_batch(sample[None], c)[0] for c in range(channels)])
    return sample.reshape(1, 1, -1)


def layer_range(maps: np.ndarray) -> tuple[float, float]:
    """(lo, hi) of the finite values of ``maps`` ((0, 1) when there are none).

    >>> layer_range(np.array([[0.5, -2.0], [np.nan, 1.0]]))
    (-2.0, 1.0)
    """
    finite = maps[np.isfinite(maps)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def _tile(width: int, height: int) -> ipywidgets.Image:
    image = ipywidgets.Image(format="png", layout=ipywidgets.Layout(width=f"{width}px", height=f"{height}px"))
    image.add_class("jaxscope-pixelated")
    image.add_class("jaxscope-activation-tile")
    return image


def _tile_size(shape: tuple, longest: int) -> tuple[int, int]:
    """(width, height) in pixels of a tile showing an image of ``shape`` (rows, columns)."""
    rows, columns = shape
    if columns >= rows:
        return longest, max(4, round(longest * rows / columns))
    return max(4, round(longest * columns / rows)), longest


def _fmt(value: float) -> str:
    return f"{value:.3g}"


class ActivationGrid(View):
    """The feature maps of conv layer(s) for one fixed input: a row per layer, a tile per channel.

    Args:
      layer: None (every conv layer, one row each), a conv layer's number (0 = the first conv layer,
        negative from the last) or name (as the diagram names it), or a list of them.
      sample: which of the fixed samples (validation, else training; or ``data``) to show.
      channels: at most this many channels per layer (the first ones).
      scale: ``"layer"``: the channels of a layer share one colour scale (its range in the row's
        heading); ``"channel"``: each tile spans its own range.
      data: inputs (an array, or a batch (x, y, ...)) instead of the trainer's samples.
      tile: the longer side of a feature-map tile, in pixels.
    """

    def __init__(self, trainer: Any = None, *, layer: Any = None, sample: int = 0, channels: int = 16,
                 scale: str = "layer", data: Any = None, tile: int = TILE, title: str = "feature maps",
                 **options: Any) -> None:
        chosen = layer if isinstance(layer, (list, tuple)) else ([] if layer is None else [layer])
        for entry in chosen:
            if isinstance(entry, bool) or not isinstance(entry, (int, str)):
                raise ValueError(f"layer must be None, a conv layer's number or name, or a list of them; got {layer!r}")
        if isinstance(layer, (list, tuple)) and not layer:
            raise ValueError("layer must name at least one conv layer; got an empty list")
        if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
            raise ValueError(f"sample must be the index of a sample (an integer >= 0); got {sample!r}")
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"channels must be an integer >= 1 (channels shown per layer); got {channels!r}")
        if scale not in SCALES:
            raise ValueError(f"scale must be 'layer' (one colour scale per layer) or 'channel' (one per tile); got {scale!r}")
        if isinstance(tile, bool) or not isinstance(tile, int) or not 16 <= tile <= 512:
            raise ValueError(f"tile must be a number of pixels from 16 to 512; got {tile!r}")
        self.layer_option, self.sample, self.channels, self.scale = layer, sample, channels, scale
        self.tile, self.title = tile, title
        self._data = data
        super().__init__(trainer, **options)

    # ---- set-up ---------------------------------------------------------------------------
    def _input(self, trainer: Any) -> np.ndarray:
        """The fixed input as a batch of one sample."""
        count = self.sample + 1
        if self._data is not None and not isinstance(self._data, (tuple, list, dict)) and not callable(self._data):
            x = np.asarray(self._data)
        elif self._data is not None:
            x = take_samples(self._data, count)[0]
        else:
            try:
                x = view_samples(trainer, None, count, "ActivationGrid")[0]
            except ValueError as error:
                if "a view needs batches" not in str(error):
                    raise
                raise ValueError(f"{error}; pass the inputs to ActivationGrid(data=x)") from None
        if x.ndim < 2:
            raise ValueError(f"ActivationGrid needs inputs (samples, ...) of images or curves; got shape {x.shape}")
        if len(x) <= self.sample:
            raise ValueError(f"sample must be from 0 to {len(x) - 1} ({len(x)} samples); got {self.sample}")
        return x[self.sample:self.sample + 1]

    def _names(self, current: Any) -> list[tuple[str, str | None]] | None:
        """(name, activation) of each conv layer from the network's architecture, in call order
        (None when it cannot be read or does not list the layers found)."""
        from ..inspect import architecture

        try:
            spec = architecture(current, input_shape=tuple(self.x.shape[1:]), apply=self.network.forward.apply,
                                module=self._options.get("module"))
        except Exception:  # names are a nicety; the layers come from the forward itself
            return None
        convs = [(layer.name, layer.activation) for layer in spec.layers if layer.kind in ("conv", "conv_transpose")]
        return convs if len(convs) == len(self._taps.layers) else None

    def _choose(self, layers: list[ConvLayer]) -> list[ConvLayer]:
        if self.layer_option is None:
            return list(layers)
        chosen = self.layer_option if isinstance(self.layer_option, (list, tuple)) else [self.layer_option]
        count, names = len(layers), ", ".join(layer.name for layer in layers)
        picked = []
        for entry in chosen:
            if isinstance(entry, str):
                match = [layer for layer in layers if layer.name == entry]
                if not match:
                    raise ValueError(f"layer {entry!r} is not a conv layer of this network; its conv layers are {names}")
                picked.append(match[0])
            elif -count <= entry < count:
                picked.append(layers[entry])
            else:
                raise ValueError(f"layer must be from 0 to {count - 1} (this network has {count} conv "
                                 f"layer{'s' if count != 1 else ''}: {names}) or a layer's name; got {entry}")
        return picked

    def _setup(self) -> None:
        forward = self.network.forward
        current = self.network.current()
        self.x = self._input(self.network.trainer)
        self._taps = ConvTaps(forward.apply, forward.tree(current), self.x)
        if not self._taps.layers:
            raise ValueError("ActivationGrid shows the feature maps of conv layers, but apply(params, x) convolves "
                             "the input with no parameter kernel (jax.lax.conv_general_dilated, flax Conv); "
                             "for dense layers see LatentScatter")
        names = self._names(current)
        layers = []
        for k, (shape, transposed) in enumerate(self._taps.layers):
            name, activation = names[k] if names else (f"conv_{k}", None)
            layers.append(ConvLayer(k, name, tuple(int(d) for d in shape), activation, transposed))
        self.all_layers = layers
        self.layers = self._choose(layers)
        for layer in self.layers:
            if len(layer.shape) > 3:
                raise ValueError(f"ActivationGrid shows 1-D and 2-D convolutions; {layer.name} has "
                                 f"{len(layer.shape) - 1} spatial axes")
        self._keep = {layer.number: min(self.channels, layer.shape[0]) for layer in self.layers}
        self.input_images = input_tiles(self.x[0])[:self.channels]
        first = self.compute(current)
        self._build_widgets(first)
        self.draw(first)

    def _build_widgets(self, first: dict) -> None:
        heading = ipywidgets.HTML(f"<b>{html.escape(self.title)}</b> · sample {self.sample}")
        heading.add_class("jaxscope-activation-heading")
        shape = " × ".join(str(d) for d in self.x.shape[1:])
        in_width, in_height = _tile_size(self.input_images.shape[1:], INPUT_TILE)
        self.input_tiles = [_tile(in_width, in_height) for _ in self.input_images]
        for tile, image in zip(self.input_tiles, self.input_images):
            tile.value = to_png(image, min_size=in_width)
        rows = [self._row(f"<b>input</b> · {shape}", self.input_tiles, "input")]
        self.headings, self.tiles = [], []
        for layer, maps in zip(self.layers, first["maps"]):
            tiles = as_tiles(maps)
            width, height = _tile_size(tiles.shape[1:], self.tile)
            self.tiles.append([_tile(width, height) for _ in tiles])
            label = ipywidgets.HTML()
            self.headings.append(label)
            rows.append(self._row(label, self.tiles[-1], "layer"))
        self.children = [heading, *rows]

    @staticmethod
    def _row(label: Any, tiles: list, kind: str) -> ipywidgets.VBox:
        if isinstance(label, str):
            label = ipywidgets.HTML(label)
        label.add_class("jaxscope-activation-label")
        box = ipywidgets.Box(tiles, layout=ipywidgets.Layout(display="flex", flex_flow="row wrap", grid_gap="4px",
                                                             max_width="640px"))
        box.add_class("jaxscope-activation-tiles")
        row = ipywidgets.VBox([label, box], layout=ipywidgets.Layout(margin="0 0 6px 0"))
        row.add_class(f"jaxscope-activation-{kind}")
        return row

    # ---- computing -------------------------------------------------------------------------
    def compute(self, model_or_params: Any) -> dict:
        """``maps``: per shown layer, its first channels as float64 (channels, *spatial) for the fixed
        input; ``ranges``: per layer the colour range of each tile ((lo, hi), shared or per channel)."""
        tree = self.network.forward.tree(model_or_params)
        maps = self._taps.maps(tree, self.x, self._keep)
        ranges = []
        for layer_maps in maps:
            tiles = as_tiles(layer_maps)
            if self.scale == "layer":
                ranges.append([layer_range(tiles)] * len(tiles))
            else:
                ranges.append([layer_range(t) for t in tiles])
        return {"maps": maps, "ranges": ranges}

    def _heading(self, layer: ConvLayer, ranges: list) -> str:
        shown = self._keep[layer.number]
        parts = [f"<b>{html.escape(layer.name)}</b>{html.escape(layer.heading[len(layer.name):])}"]
        if shown < layer.shape[0]:
            parts.append(f"first {shown} of {layer.shape[0]} channels")
        if self.scale == "layer":
            lo, hi = ranges[0]
            parts.append(f"range {_fmt(lo)} … {_fmt(hi)}")
        return " · ".join(parts)

    def draw(self, data: dict) -> None:
        for layer, label, tiles, maps, ranges in zip(self.layers, self.headings, self.tiles, data["maps"], data["ranges"]):
            text = self._heading(layer, ranges)
            if label.value != text:
                label.value = text
            width = int(tiles[0].layout.width[:-2])
            for tile, image, (lo, hi) in zip(tiles, as_tiles(maps), ranges):
                png = to_png(image, lo, hi, min_size=width)
                if tile.value != png:
                    tile.value = png
