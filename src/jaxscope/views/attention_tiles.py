"""The numbers and pictures behind ``AttentionView``: checking what ``attention(params, tokens)``
returned, token names, and the layers x heads mosaic of heatmaps as one PNG.

>>> w = np.full((1, 2, 3, 4, 4), 0.25)          # 1 sequence, 2 layers, 3 heads, 4 x 4 weights
>>> attention_weights([w[:, 0], w[:, 1]], 1, 4).shape
(1, 2, 3, 4, 4)
>>> layout = MosaicLayout(layers=2, heads=3, length=4)
>>> layout.shape, layout.tile_at(5.5, 1.0), layout.tile_at(4.5, 1.0)   # (rows, columns); a click on a gap
((9, 14), (0, 1), None)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .png import LUT

EXPECTED = ("attention(params, tokens) must return the attention weights of the N sequences: an array "
            "(N, layers, heads, T, T), or a list with one (N, heads, T, T) array per layer")
GAP_COLOUR = 255        # white between the tiles


def attention_weights(out: Any, n: int, length: int) -> np.ndarray:
    """What ``attention(params, tokens (n, length))`` returned, as float64 (n, layers, heads, length, length),
    or a ValueError saying what was expected.

    >>> attention_weights(np.ones((2, 3, 3)), 2, 3)
    Traceback (most recent call last):
    ValueError: AttentionView: attention(params, tokens) must return the attention weights of the N sequences: an array (N, layers, heads, T, T), or a list with one (N, heads, T, T) array per layer; for N = 2 sequences of T = 3 tokens it returned shape (2, 3, 3)
    """
    if isinstance(out, (list, tuple)):
        if not out:
            raise ValueError(f"AttentionView: {EXPECTED}; it returned an empty list")
        layers = [np.asarray(layer, dtype=np.float64) for layer in out]
        shapes = [layer.shape for layer in layers]
        if any(len(s) != 4 or s[0] != n or s[2:] != (length, length) for s in shapes) or len(set(shapes)) != 1:
            raise ValueError(f"AttentionView: {EXPECTED}; for N = {n} sequences of T = {length} tokens it "
                             f"returned a list of shapes {shapes}")
        weights = np.stack(layers, axis=1)
    else:
        weights = np.asarray(out, dtype=np.float64)
        if weights.ndim != 5 or weights.shape[0] != n or weights.shape[3:] != (length, length):
            raise ValueError(f"AttentionView: {EXPECTED}; for N = {n} sequences of T = {length} tokens it "
                             f"returned shape {weights.shape}")
    if weights.shape[1] < 1 or weights.shape[2] < 1:
        raise ValueError(f"AttentionView: {EXPECTED}; it returned shape {weights.shape} (no layer or no head)")
    return weights


def token_sequences(sequences: Any) -> np.ndarray:
    """Token ids (N, T) as int64, or a ValueError naming ``sequences``.

    >>> token_sequences([[1, 2], [3, 4]]).dtype, token_sequences(np.array([[0.0, 2.0]])).tolist()
    (dtype('int64'), [[0, 2]])
    """
    array = np.asarray(sequences)
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"sequences must be token ids of shape (N sequences, T tokens); got shape {array.shape}")
    if array.dtype.kind not in "iuf" or (array.dtype.kind == "f" and not np.all(array == np.round(array))):
        raise ValueError(f"sequences must be integer token ids; got {array.dtype} values")
    if array.min() < 0:
        raise ValueError(f"sequences must be token ids >= 0; got {int(array.min())}")
    return array.astype(np.int64)


def token_namer(tokens: Any) -> Callable[[int], str]:
    """``id -> name`` from None (the ids themselves), a list of names (index = id) or a function.

    >>> token_namer(None)(3), token_namer(["a", "b"])(1), token_namer(lambda t: "<" + str(t) + ">")(2)
    ('3', 'b', '<2>')
    """
    if tokens is None:
        return str
    if callable(tokens):
        return lambda t: str(tokens(t))
    if isinstance(tokens, (str, bytes)) or not hasattr(tokens, "__len__"):
        raise ValueError(f"tokens must be a list of token names (index = token id) or a function id -> name; "
                         f"got {type(tokens).__name__}")
    names = [str(name) for name in tokens]
    return names.__getitem__


def token_names(sequences: np.ndarray, tokens: Any) -> list[list[str]]:
    """The name of every token of every sequence, or a ValueError when ``tokens`` names too few ids.

    >>> token_names(np.array([[0, 2]]), ["x", "y", "?"])
    [['x', '?']]
    """
    if tokens is not None and not callable(tokens):
        token_namer(tokens)        # checks the type
        if int(sequences.max()) >= len(tokens):
            raise ValueError(f"tokens names {len(tokens)} token ids, but the sequences hold id {int(sequences.max())}")
    name = token_namer(tokens)
    try:
        return [[name(int(t)) for t in row] for row in sequences]
    except Exception as error:
        raise ValueError(f"tokens must map every token id to a name; it failed with {type(error).__name__}: "
                         f"{error}") from None


@dataclass(frozen=True)
class MosaicLayout:
    """Where the tiles of ``layers`` rows x ``heads`` columns of (length x length) heatmaps sit in
    the mosaic (pixels, ``gap`` between tiles; default about an eighth of a tile)."""

    layers: int
    heads: int
    length: int
    gap: int = -1

    @property
    def spacing(self) -> int:
        return self.gap if self.gap >= 0 else max(1, self.length // 8)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the mosaic in pixels."""
        step = self.length + self.spacing
        return self.layers * step - self.spacing, self.heads * step - self.spacing

    def origin(self, layer: int, head: int) -> tuple[int, int]:
        """(row, column) of the tile's top-left pixel."""
        step = self.length + self.spacing
        return layer * step, head * step

    def tile_at(self, column: float, row: float) -> tuple[int, int] | None:
        """(layer, head) of the tile under the mosaic point (column, row) in pixels from the top left;
        None on a gap or outside."""
        step = self.length + self.spacing
        head, x = divmod(float(column), step)
        layer, y = divmod(float(row), step)
        if not (0 <= head < self.heads and 0 <= layer < self.layers) or x >= self.length or y >= self.length:
            return None
        return int(layer), int(head)


def colour_indices(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Values mapped from [lo, hi] to 0 … 255 (uint8; NaN as lo).

    >>> colour_indices(np.array([0.0, 0.5, 1.0, np.nan]), 0.0, 1.0).tolist()
    [0, 128, 255, 0]
    """
    scaled = (np.nan_to_num(np.asarray(values, np.float64), nan=lo) - lo) / (hi - lo if hi > lo else 1.0)
    return np.clip(np.round(scaled * 255), 0, 255).astype(np.uint8)


def mosaic_rgb(weights: np.ndarray, layout: MosaicLayout, lo: float, hi: float) -> np.ndarray:
    """(layers, heads, T, T) weights as one viridis RGB picture (rows, columns, 3) uint8, white gaps.

    >>> rgb = mosaic_rgb(np.ones((1, 2, 2, 2)), MosaicLayout(1, 2, 2), 0.0, 1.0)
    >>> rgb.shape, rgb[0, 2].tolist(), rgb[0, 0].tolist()
    ((2, 5, 3), [255, 255, 255], [253, 231, 37])
    """
    rows, columns = layout.shape
    picture = np.full((rows, columns, 3), GAP_COLOUR, dtype=np.uint8)
    indices = colour_indices(weights, lo, hi)
    t = layout.length
    for layer in range(layout.layers):
        for head in range(layout.heads):
            r, c = layout.origin(layer, head)
            picture[r:r + t, c:c + t] = LUT[indices[layer, head]]
    return picture


def heatmap_rgb(weights: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """One (T, T) heatmap as a viridis RGB picture (T, T, 3) uint8."""
    return LUT[colour_indices(weights, lo, hi)]


def pixel_scale(pixels: int, target: int) -> int:
    """The integer factor that makes ``pixels`` at least ``target`` wide (at least 1).

    >>> pixel_scale(132, 400), pixel_scale(500, 400)
    (4, 1)
    """
    return max(1, -(-target // max(pixels, 1)))
