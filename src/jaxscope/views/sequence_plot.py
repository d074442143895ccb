"""``SequencePlot``: a sequence model on a few fixed test sequences, one small panel each: the input
(grey), the target (dashed) and the prediction (orange) over time, with the MSE in the heading.

Sequence models map inputs (batch, time, features) to outputs (batch, time, outputs) (an LSTM scanned
over time, a causal convolution); inputs or targets of shape (batch, time) count as one feature.

>>> import numpy as np
>>> x = np.arange(8, dtype=np.float32).reshape(2, 4, 1)         # 2 sequences of 4 steps
>>> plot = SequencePlot(params={"w": 0.5}, apply=lambda p, x: p["w"] * x, data=(x, x))
>>> data = plot.compute(plot.network.current())
>>> data["prediction"].tolist(), round(data["mse"], 4)
([[0.0, 0.5, 1.0, 1.5], [2.0, 2.5, 3.0, 3.5]], 4.375)
"""

from __future__ import annotations

import html
from typing import Any

import bqplot
import ipywidgets
import numpy as np

from .base import View
from .figures import BLUE, GREY, ORANGE, axes, figure, finite_range, padded
from .samples import take_samples, trainer_samples

MAX_PANELS = 12
PANEL_SIZE = (250, 190)      # pixels: small panels, several to a row


def sequence_channels(value: Any) -> tuple[int, int]:
    """``channels=`` as (input channel, output channel): one index for both, or a pair.

    >>> sequence_channels(0), sequence_channels((2, 1))
    ((0, 0), (2, 1))
    """
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        first, second = pair
    except (TypeError, ValueError):
        first = second = None
    if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in (first, second)):
        raise ValueError("channels must be a feature index >= 0 (the same for inputs and outputs) or "
                         f"(input index, output index); got {value!r}")
    return first, second


def as_sequences(values: Any, what: str, view: str) -> np.ndarray:
    """``values`` (N, T, F) or (N, T) as float64 (N, T, F), or an error that says a sequence is needed."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 2:
        return values[:, :, None]
    if values.ndim != 3:
        raise ValueError(f"{view} shows sequences: {what} of shape (batch, time, features) or (batch, time); "
                         f"got {what} of shape {values.shape}"
                         + (" (no time axis)" if values.ndim < 2 else ""))
    return values


def output_sequences(out: Any, inputs_shape: tuple, view: str) -> np.ndarray:
    """The network's outputs for inputs of ``inputs_shape`` (N, T, ...) as (N, T, outputs), or an error
    saying a sequence model must keep the batch and time axes."""
    out = np.asarray(out, dtype=np.float64)
    batch, length = inputs_shape[:2]
    if out.ndim == 2 and out.shape == (batch, length):
        return out[:, :, None]
    if out.ndim != 3 or out.shape[:2] != (batch, length):
        raise ValueError(f"{view}: the network maps inputs of shape {tuple(inputs_shape)} to outputs of shape "
                         f"{out.shape}; a sequence model gives (batch, time, outputs) with the inputs' {length} "
                         "time steps")
    return out


def channel_of(values: np.ndarray, channel: int, what: str, view: str) -> np.ndarray:
    """Feature ``channel`` of (N, T, F) sequences as (N, T), or an error naming how many there are."""
    if channel >= values.shape[2]:
        raise ValueError(f"{view}: channels asks for {what} channel {channel} but the {what}s have "
                         f"{values.shape[2]} channel(s) (channels=(input index, output index))")
    return values[:, :, channel]


def mean_squared_error(target: np.ndarray, prediction: np.ndarray) -> float:
    """Mean of (prediction - target)² over every sequence and time step, NaN targets left out.

    >>> mean_squared_error(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]]))
    0.5
    """
    squared = (np.asarray(prediction, np.float64) - np.asarray(target, np.float64)) ** 2
    squared = squared[np.isfinite(squared)]
    return float(squared.mean()) if squared.size else float("nan")


LEGEND = (f'<span style="color:{GREY}">━ input</span> &nbsp; <span style="color:{BLUE}">╌ target</span> &nbsp; '
          f'<span style="color:{ORANGE}">━ prediction</span>')


class SequencePlot(View):
    """``samples`` fixed sequences (the trainer's validation data, else its training data, or
    ``data=(x, y)``), each in a small panel: input, target and the network's prediction over time.

    Args:
      trainer: the Trainer to follow (or leave it out and use it in ``trainer.show(views=[...])``).
      samples: how many sequences (panels), 1 to 12.
      channels: which feature to draw when inputs or outputs have several per time step: one index
        for both, or (input index, output index); the heading names them then.
      data: (x, y) arrays or a generator ``key -> (x, y)`` instead of the trainer's samples.
      shared_y: one y range for every panel (default), else each panel its own (from its input
        and target).
    """

    def __init__(self, trainer: Any = None, *, samples: int = 4, channels: Any = 0, data: Any = None,
                 shared_y: bool = True, title: str = "sequences", **options: Any) -> None:
        if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= MAX_PANELS:
            raise ValueError(f"samples must be an integer from 1 to {MAX_PANELS}; got {samples!r}")
        if not isinstance(shared_y, bool):
            raise ValueError(f"shared_y must be True or False; got {shared_y!r}")
        self.samples, self.channels, self.shared_y, self.title = samples, sequence_channels(channels), shared_y, title
        self._data = data
        super().__init__(trainer, **options)

    # ---- the fixed sequences ------------------------------------------------------------------
    def _samples(self) -> tuple[np.ndarray, np.ndarray, str]:
        trainer = self.network.trainer
        if self._data is not None:
            return (*take_samples(self._data, self.samples)[:2], "data")
        for which in ("validation", "training"):
            found = None if trainer is None else trainer_samples(trainer, which, self.samples)
            if found is not None:
                return found[0], found[1], which
        raise ValueError("SequencePlot needs sequences: a trainer, or data=(x, y)")

    def _setup(self) -> None:
        self.x, self.y, self.source = self._samples()
        inputs = as_sequences(self.x, "inputs", "SequencePlot")
        targets = np.asarray(self.y, dtype=np.float64)
        if targets.ndim not in (2, 3) or targets.shape[:2] != inputs.shape[:2]:
            raise ValueError(f"SequencePlot: the targets have shape {targets.shape}, not the inputs' (batch, time) "
                             f"{inputs.shape[:2]}: a sequence model's targets are (batch, time, outputs) or (batch, time)")
        self.inputs = channel_of(inputs, self.channels[0], "input", "SequencePlot")
        self.targets_all = as_sequences(targets, "targets", "SequencePlot")
        self.targets = channel_of(self.targets_all, self.channels[1], "output", "SequencePlot")
        self.input_channels = inputs.shape[2]
        self.t = np.arange(inputs.shape[1], dtype=np.float32)
        first = self.compute(self.network.current())

        self.panels = []
        shared = padded(*finite_range(self.inputs, self.targets), fraction=0.15)
        for k in range(len(self.inputs)):
            lo, hi = shared if self.shared_y else padded(*finite_range(self.inputs[k], self.targets[k]), fraction=0.15)
            sx = bqplot.LinearScale(min=0.0, max=float(max(self.t[-1], 1.0)))
            sy = bqplot.LinearScale(min=lo, max=hi)
            scales = {"x": sx, "y": sy}
            marks = [bqplot.Lines(x=self.t, y=self.inputs[k].astype(np.float32), scales=scales, colors=[GREY],
                                  stroke_width=1.5, labels=["input"]),
                     bqplot.Lines(x=self.t, y=self.targets[k].astype(np.float32), scales=scales, colors=[BLUE],
                                  line_style="dashed", stroke_width=2, labels=["target"]),
                     bqplot.Lines(x=self.t, y=first["prediction"][k].astype(np.float32), scales=scales,
                                  colors=[ORANGE], stroke_width=2, labels=["prediction"])]
            fig = figure(marks, axes(sx, sy, "time step", ""), f"sequence {k}", *PANEL_SIZE)
            fig.add_class("jaxscope-sequence-panel")
            self.panels.append((fig, *marks))
        self.heading = ipywidgets.HTML()
        self.heading.add_class("jaxscope-sequence-heading")
        self.legend = ipywidgets.HTML(LEGEND)
        self.legend.add_class("jaxscope-sequence-legend")
        row = ipywidgets.HBox([fig for fig, *_ in self.panels], layout=ipywidgets.Layout(flex_flow="row wrap"))
        self.children = [ipywidgets.HBox([self.heading, self.legend], layout=ipywidgets.Layout(
                             justify_content="space-between")), row]
        self.add_class("jaxscope-sequence-plot")
        self._caption(first)

    # ---- what to draw: pure, checked against numpy by the tests --------------------------------
    def compute(self, model_or_params: Any) -> dict:
        """The prediction for the fixed sequences: ``t`` (T,), ``input``, ``target``, ``prediction``
        (N, T) of the chosen channels, and ``mse`` of the prediction over them."""
        out = output_sequences(self.network.predict(model_or_params, self.x), self.x.shape, "SequencePlot")
        if out.shape[2] != self.targets_all.shape[2]:
            raise ValueError(f"SequencePlot: the network gives {out.shape[2]} output(s) per time step but the targets "
                             f"have {self.targets_all.shape[2]} (shapes {out.shape} and {self.targets_all.shape})")
        prediction = channel_of(out, self.channels[1], "output", "SequencePlot")
        return {"t": self.t, "input": self.inputs, "target": self.targets, "prediction": prediction,
                "mse": mean_squared_error(self.targets, prediction)}

    def _caption(self, data: dict) -> None:
        count = len(data["prediction"])
        parts = [f"<b>{html.escape(self.title)}</b>", f"{self.source} ({count} sequence{'s' * (count != 1)})",
                 f"MSE {data['mse']:.4g}"]
        if self.input_channels > 1 or self.targets_all.shape[2] > 1:
            parts.append(f"input channel {self.channels[0]} of {self.input_channels}, "
                         f"output channel {self.channels[1]} of {self.targets_all.shape[2]}")
        self.heading.value = " · ".join(parts)

    def draw(self, data: dict) -> None:
        for k, (_, _, _, prediction) in enumerate(self.panels):
            prediction.y = data["prediction"][k].astype(np.float32)
        self._caption(data)

    def _owned(self) -> list:
        return [fig for fig, *_ in getattr(self, "panels", [])]
