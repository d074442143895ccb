"""``AttentionView``: the attention weights of every head of every layer of a transformer for a
chosen test sequence, as a grid of small heatmaps (a row per layer, a column per head), live;
click a head to enlarge it with the sequence's tokens on its axes (click it again to close it).

The user says how to get the weights: ``attention(params, tokens) -> weights`` on a batch of
token sequences (N, T), returning an array (N, layers, heads, T, T) or a list with one
(N, heads, T, T) array per layer; ``weights[n, l, h, i, j]`` is how much position i (the query)
attends to position j (the key) in head h of layer l, each row summing to 1 (after a softmax). An
nnx model is passed as the model. ``attention`` is compiled with ``jax.jit`` and runs once per redraw
on the fixed sequences.

The grid is one PNG in a bqplot figure; a click on it reaches the kernel as the image mark's click,
with its coordinates, which say the head. Measured for 2 x 4 heads of 30 x 30 in Chromium (main-thread
time per redraw, this project's shared 2-core machine): about 30 ms for the PNG against about 300 ms
for eight bqplot GridHeatMaps (7,200 SVG cells restyled); the kernel spends about 6 ms making the PNG
against 1 ms for the heatmaps' arrays.

>>> import jax, jax.numpy as jnp, numpy as np
>>> def uniform(params, tokens):          # every position attends to every one alike: (N, 1 layer, 2 heads, T, T)
...     n, t = tokens.shape
...     return jnp.full((n, 1, 2, t, t), 1.0 / t) * params["scale"]
>>> view = AttentionView(params={"scale": 1.0}, attention=uniform, sequences=np.array([[0, 1, 1, 2]]),
...                      tokens=["a", "b", "?"])
>>> data = view.compute(view.network.current())
>>> data["weights"].shape, data["row_sums"][0, 0, 0].tolist()
((1, 1, 2, 4, 4), [1.0, 1.0, 1.0, 1.0])
>>> view.select(0, 1); view.enlarged_figure.title, view.enlarged_axes[0].tick_labels
('layer 1 · head 2', {'0': 'a', '1': 'b', '2': 'b', '3': '?'})
"""

from __future__ import annotations

import html
from typing import Any, Callable

import bqplot
import ipywidgets
import jax
import numpy as np

from ..widgets.sync import SEND_LOCK
from .attention_tiles import (MosaicLayout, attention_weights, heatmap_rgb, mosaic_rgb, pixel_scale, token_names,
                              token_sequences)
from .base import View
from .png import rgb_png
from .figures import colour_axis
from .picture import Picture
from .samples import take_samples, view_samples

GRID_WIDTH = 440        # pixels: the grid figure's plot area, at most
ENLARGED = 340          # pixels: the enlarged heatmap's plot area
GRID_MARGIN = {"top": 10, "bottom": 24, "left": 56, "right": 10}
ENLARGED_MARGIN = {"top": 30, "bottom": 60, "left": 60, "right": 70}


def _figure(marks: list, axes: list, width: int, height: int, margin: dict, css: str) -> bqplot.Figure:
    figure = bqplot.Figure(marks=marks, axes=axes, fig_margin=margin, animation_duration=0,
                           padding_x=0.0, padding_y=0.0,
                           layout=ipywidgets.Layout(width=f"{width}px", height=f"{height}px"))
    figure.title_style = {"font-size": "13px"}
    figure.add_class(css)
    return figure


class AttentionView(View):
    """The attention weights of every layer and head for one of a few fixed token sequences (module docstring).

    Args:
      attention: ``attention(params, tokens (N, T)) -> (N, layers, heads, T, T)`` or a list of
        (N, heads, T, T) per layer.
      sequences: token ids (N, T), or a batch (tokens, targets, ...), or a generator ``key -> batch``;
        default: the trainer's validation samples, else its training ones.
      samples: how many sequences to keep (the first ones); a menu picks the one shown.
      sequence: which of them is shown first.
      tokens: the token names: a list (index = token id) or a function ``id -> name``; default: the ids.
      head: ``(layer, head)`` to enlarge from the start (0-based); default none.
      color_range: (lo, hi) of the colour scale; default (0, 1), a weight's whole range.
    """

    runs_network = False    # it runs attention, not apply

    def __init__(self, trainer: Any = None, *, attention: Callable, sequences: Any = None, samples: int = 4,
                 sequence: int = 0, tokens: Any = None, head: Any = None, color_range: Any = (0.0, 1.0),
                 title: str = "attention", **options: Any) -> None:
        if not callable(attention):
            raise ValueError(f"attention must be a function attention(params, tokens) -> weights; got "
                             f"{type(attention).__name__}")
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise ValueError(f"samples must be an integer >= 1 (sequences kept); got {samples!r}")
        if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence < samples:
            raise ValueError(f"sequence must be the index of a kept sequence, from 0 to {samples - 1}; got {sequence!r}")
        if tokens is not None and not callable(tokens) and (isinstance(tokens, (str, bytes))
                                                            or not hasattr(tokens, "__len__")):
            raise ValueError(f"tokens must be a list of token names (index = token id) or a function id -> name; "
                             f"got {type(tokens).__name__}")
        if head is not None and (not isinstance(head, (tuple, list)) or len(head) != 2
                                 or not all(isinstance(v, int) and not isinstance(v, bool) for v in head)):
            raise ValueError(f"head must be (layer, head), two integers from 0; got {head!r}")
        try:
            lo, hi = (float(v) for v in color_range)
        except (TypeError, ValueError):
            lo = hi = float("nan")
        if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
            raise ValueError(f"color_range must be (lo, hi) with lo < hi; got {color_range!r}")
        self.attention, self.samples, self.sequence, self.tokens = attention, samples, sequence, tokens
        self.color_range, self.title = (lo, hi), title
        self.selected: tuple[int, int] | None = None if head is None else (head[0], head[1])
        self._given = sequences
        self._attention = jax.jit(attention)
        self._data: dict | None = None
        super().__init__(trainer, **options)

    # ---- set-up ---------------------------------------------------------------------------------
    def _sequences(self) -> np.ndarray:
        given = self._given
        if given is None:
            try:
                found = view_samples(self.network.trainer, None, self.samples, "AttentionView")[0]
            except ValueError as error:
                raise ValueError(f"{error}; pass the token sequences to AttentionView(sequences=tokens)") from None
        elif isinstance(given, (tuple, list, dict)) or callable(given):
            found = take_samples(given, self.samples, argument="sequences")[0]
        else:
            found = given
        return token_sequences(found)[:self.samples]

    def _setup(self) -> None:
        self.sequences = self._sequences()
        n, length = self.sequences.shape
        if self.sequence >= n:
            raise ValueError(f"sequence must be from 0 to {n - 1} ({n} sequences); got {self.sequence}")
        self.names = token_names(self.sequences, self.tokens)
        first = self.compute(self.network.current())
        _, layers, heads, _, _ = first["weights"].shape
        if self.selected is not None and not (0 <= self.selected[0] < layers and 0 <= self.selected[1] < heads):
            raise ValueError(f"head must be (layer, head) with layer from 0 to {layers - 1} and head from 0 to "
                             f"{heads - 1}; got {self.selected}")
        self.layers, self.heads, self.length = layers, heads, length
        self.mosaic = MosaicLayout(layers, heads, length)
        self._build_grid()
        self._build_enlarged()
        self.heading = ipywidgets.HTML()
        self.heading.add_class("jaxscope-attention-heading")
        self.tokens_line = ipywidgets.HTML()
        self.tokens_line.add_class("jaxscope-attention-tokens")
        self.menu = ipywidgets.Dropdown(options=[(self._label(k), k) for k in range(n)], value=self.sequence,
                                        layout=ipywidgets.Layout(width="max-content", max_width="440px",
                                                                 display=None if n > 1 else "none"))
        self.menu.add_class("jaxscope-attention-sequence")
        self.menu.observe(lambda change: self.show_sequence(change["new"]), names="value")
        # the enlarged head joins the grid when a head is clicked (a hidden bqplot figure would draw at size 0)
        self.panels = ipywidgets.HBox([self.grid_figure], layout=ipywidgets.Layout(align_items="flex-start",
                                                                                     flex_flow="row wrap"))
        self.panels.add_class("jaxscope-attention-panels")
        self.children = [self.heading, self.menu, self.tokens_line, self.panels]
        # hidden until a head is clicked; a picture from the start, so the page never shows an empty image
        self.enlarged_picture.show(self.head_png(first["weights"][self.sequence, 0, 0]))
        self.draw(first)

    def _label(self, k: int) -> str:
        names = self.names[k]
        shown = " ".join(names) if len(names) <= 16 else " ".join(names[:12]) + " … " + " ".join(names[-3:])
        return f"sequence {k}: {shown}"

    def _build_grid(self) -> None:
        rows, columns = self.mosaic.shape
        self.grid_scale = pixel_scale(columns, GRID_WIDTH // 2)
        width = min(GRID_WIDTH, columns * max(1, GRID_WIDTH // columns))
        height = round(width * rows / columns)
        sx = bqplot.LinearScale(min=0.0, max=float(columns))
        sy = bqplot.LinearScale(min=-float(rows), max=0.0)
        half = self.length // 2
        x_ticks = [self.mosaic.origin(0, h)[1] + half for h in range(self.heads)]
        y_ticks = [-(self.mosaic.origin(l, 0)[0] + half) for l in range(self.layers)]
        self.grid_axes = [
            bqplot.Axis(scale=sx, tick_values=np.array(x_ticks, np.float64), grid_lines="none",
                        tick_labels={str(v): f"head {h + 1}" for h, v in enumerate(x_ticks)}),
            bqplot.Axis(scale=sy, side="left", tick_values=np.array(y_ticks, np.float64),
                        grid_lines="none", tick_labels={str(v): f"layer {l + 1}" for l, v in enumerate(y_ticks)})]
        self.grid_picture = Picture(scales={"x": sx, "y": sy}, x=np.array([0.0, columns]),
                                    y=np.array([-float(rows), 0.0]))
        self.grid_picture.mark.on_element_click(self._on_grid_click)
        self.outline = bqplot.Lines(x=np.zeros(5), y=np.zeros(5), scales={"x": sx, "y": sy}, colors=["#ff3b30"],
                                    stroke_width=2.5, visible=False)
        margin = GRID_MARGIN
        self.grid_figure = _figure([self.grid_picture.mark, self.outline], self.grid_axes,
                                   width + margin["left"] + margin["right"], height + margin["top"] + margin["bottom"],
                                   margin, "jaxscope-attention-grid")

    def _build_enlarged(self) -> None:
        t = self.length
        sx = bqplot.LinearScale(min=-0.5, max=t - 0.5)
        sy = bqplot.LinearScale(min=-(t - 0.5), max=0.5)
        self.colour_scale = bqplot.ColorScale(min=self.color_range[0], max=self.color_range[1], scheme="viridis")
        positions = np.arange(t, dtype=np.float64)
        self.enlarged_axes = [
            bqplot.Axis(scale=sx, tick_values=positions, grid_lines="none", label="attends to (key)",
                        tick_style={"font-size": "10px"}, label_offset="40px"),
            bqplot.Axis(scale=sy, side="left", tick_values=-positions, grid_lines="none",
                        label="query", tick_style={"font-size": "10px"}, label_offset="40px"),
            colour_axis(self.colour_scale, "weight")]
        self.enlarged_picture = Picture(scales={"x": sx, "y": sy}, x=np.array([-0.5, t - 0.5]),
                                        y=np.array([-(t - 0.5), 0.5]))
        # the colour bar needs a mark on its scale: an invisible one
        self._bar_mark = bqplot.Scatter(x=np.zeros(1), y=np.zeros(1), color=np.zeros(1), visible=False,
                                        scales={"x": sx, "y": sy, "color": self.colour_scale})
        m = ENLARGED_MARGIN
        self.enlarged_figure = _figure([self.enlarged_picture.mark, self._bar_mark], self.enlarged_axes,
                                       ENLARGED + m["left"] + m["right"], ENLARGED + m["top"] + m["bottom"], m,
                                       "jaxscope-attention-enlarged")
        self._shown_labels: int | None = None

    # ---- computing: pure, what the tests check ----------------------------------------------------
    def compute(self, model_or_params: Any) -> dict:
        """``weights`` (N, layers, heads, T, T) float64 of the fixed sequences and ``row_sums``
        (N, layers, heads, T): each query's total weight (1 after a softmax)."""
        n, length = self.sequences.shape
        weights = attention_weights(self._attention(model_or_params, self.sequences), n, length)
        return {"weights": weights, "row_sums": weights.sum(axis=-1)}

    # ---- drawing --------------------------------------------------------------------------------
    def grid_png(self, weights: np.ndarray) -> bytes:
        """The layers x heads mosaic of one sequence's weights (layers, heads, T, T) as the grid's PNG."""
        return rgb_png(mosaic_rgb(weights, self.mosaic, *self.color_range), self.grid_scale)

    def head_png(self, weights: np.ndarray) -> bytes:
        """One head's weights (T, T) as the enlarged PNG."""
        return rgb_png(heatmap_rgb(weights, *self.color_range), pixel_scale(self.length, ENLARGED))

    def heading_text(self) -> str:
        n = len(self.sequences)
        parts = [f"<b>{html.escape(self.title)}</b>", f"sequence {self.sequence}" + (f" of {n}" if n > 1 else ""),
                 f"{self.layers} layer{'s' if self.layers != 1 else ''} × {self.heads} head"
                 f"{'s' if self.heads != 1 else ''}"]
        if self.trainer is not None:
            parts.append(f"step {self.drawing_step}")
        parts.append("click a head to enlarge it" if self.selected is None else
                     f"enlarged: layer {self.selected[0] + 1} · head {self.selected[1] + 1} (click it to close)")
        return " · ".join(parts)

    def draw(self, data: dict) -> None:
        self._data = data
        self._show()

    def _show(self) -> None:
        """Draw the shown sequence's grid, the enlarged head (if any) and the headings from the last data."""
        if self._data is None:
            return
        weights = self._data["weights"][self.sequence]
        self.grid_picture.show(self.grid_png(weights))
        text = self.heading_text()
        if self.heading.value != text:
            self.heading.value = text
        tokens = " ".join(f"<span title='position {i}'>{html.escape(name)}</span>"
                          for i, name in enumerate(self.names[self.sequence]))
        if self.tokens_line.value != tokens:
            self.tokens_line.value = f"<code>{tokens}</code>"
        if self.selected is None:
            self.outline.visible = False
            if self.panels.children != (self.grid_figure,):
                self.panels.children = (self.grid_figure,)
            return
        layer, head = self.selected
        row, column = self.mosaic.origin(layer, head)
        t = self.length
        with self.outline.hold_sync():
            self.outline.x = np.array([column, column + t, column + t, column, column], np.float64)
            self.outline.y = -np.array([row, row, row + t, row + t, row], np.float64)
            self.outline.visible = True
        if self._shown_labels != self.sequence:
            labels = {str(i): name for i, name in enumerate(self.names[self.sequence])}
            self.enlarged_axes[0].tick_labels = labels
            self.enlarged_axes[1].tick_labels = {str(-i): name for i, name in enumerate(self.names[self.sequence])}
            self._shown_labels = self.sequence
        self.enlarged_figure.title = f"layer {layer + 1} · head {head + 1}"
        self.enlarged_picture.show(self.head_png(weights[layer, head]))
        if self.panels.children != (self.grid_figure, self.enlarged_figure):
            self.panels.children = (self.grid_figure, self.enlarged_figure)

    # ---- interaction ----------------------------------------------------------------------------
    def select(self, layer: int | None, head: int | None = None) -> None:
        """Enlarge head ``head`` of layer ``layer`` (0-based; what a click on its tile does); ``select(None)``
        closes the enlarged heatmap."""
        with SEND_LOCK:
            if layer is None:
                self.selected = None
            else:
                if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (layer, head)) \
                        or not (0 <= layer < self.layers and 0 <= head < self.heads):
                    raise ValueError(f"select takes a layer from 0 to {self.layers - 1} and a head from 0 to "
                                     f"{self.heads - 1}; got {layer!r}, {head!r}")
                self.selected = (int(layer), int(head))
            self._show()

    def show_sequence(self, k: int) -> None:
        """Show the attention of sequence ``k`` of the fixed ones (what the menu does)."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < len(self.sequences):
            raise ValueError(f"the sequence must be from 0 to {len(self.sequences) - 1}; got {k!r}")
        with SEND_LOCK:
            self.sequence = int(k)
            if self.menu.value != self.sequence:
                self.menu.value = self.sequence
            self._show()

    def _on_grid_click(self, _mark: Any, event: dict) -> None:
        data = event.get("data") or {}
        try:
            tile = self.mosaic.tile_at(float(data["click_x"]), -float(data["click_y"]))
        except (KeyError, TypeError, ValueError):
            return
        if tile is None:
            return
        if tile == self.selected:
            self.select(None)
        else:
            self.select(*tile)

    def _owned(self) -> list:
        made = []
        for name in ("grid_picture", "enlarged_picture"):
            if hasattr(self, name):
                made += getattr(self, name).widgets()
        for name in ("outline", "_bar_mark", "grid_figure", "enlarged_figure", "heading", "tokens_line", "menu",
                     "colour_scale", "panels"):
            if hasattr(self, name):
                made.append(getattr(self, name))
        return made
