"""``ProbePanel``: a sequence model's response to inputs the user chooses, live while it trains.

Pick a preset (steps at several onset times, a pulse, a sine, constant offsets) or draw the input
with the mouse (bqplot's ``HandDraw``); the response redraws on every edit and at every redraw of
the training. The superposition check of the recurrent-network lecture: for the input a and a
second preset b, the response to a + b against the sum of the responses, both measured from the
response to zero input, r(a+b) - r(0) against [r(a) - r(0)] + [r(b) - r(0)], with the RMS of
their difference (0 for a linear or affine model).

>>> import numpy as np
>>> preset_inputs(6, 1.0)["step at t=2"].tolist()
[0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
>>> panel = ProbePanel(params={"w": 2.0}, apply=lambda p, x: p["w"] * x ** 2, length=3)
>>> data = panel.compute(panel.network.current(), probe=[1.0, 0.0, 0.0], second=[1.0, 1.0, 0.0])
>>> data["response"].tolist(), data["sum_response"].tolist(), data["sum_of_responses"].tolist()
([2.0, 0.0, 0.0], [8.0, 2.0, 0.0], [4.0, 2.0, 0.0])
>>> round(data["rms"], 4)
2.3094
"""

from __future__ import annotations

import html
from typing import Any

import bqplot
import ipywidgets
import numpy as np

from ..widgets.monitor import Monitor
from ..widgets.sync import SEND_LOCK, LockedStateMixin
from .base import View
from .figures import BLUE, GREEN, GREY, ORANGE, axes, figure, finite_range, padded, set_range
from .latent_scatter import refit
from .sequence_plot import channel_of, output_sequences, sequence_channels

DRAWN = "drawn by hand"      # the input menu's entry once the user drew over a preset
LENGTH = 60                  # time steps when neither the data nor length= say (the lecture's sequences)
FIGURE_SIZE = (380, 260)     # pixels: the input (drawing area) and the response, side by side


def preset_inputs(length: int, amplitude: float = 1.0) -> dict[str, np.ndarray]:
    """The default probe inputs of ``length`` steps, float64: steps at four onset times, a pulse, a sine,
    constant offsets of ±amplitude and ±amplitude/2, and zero.

    >>> list(preset_inputs(60))
    ['step at t=10', 'step at t=20', 'step at t=30', 'step at t=40', 'pulse at t=20', 'sine, period 15', \
'constant -1', 'constant -0.5', 'constant 0.5', 'constant 1', 'zero']
    """
    t = np.arange(length)
    presets: dict[str, np.ndarray] = {}
    for onset in sorted({max(1, round(length * f)) for f in (1 / 6, 1 / 3, 1 / 2, 2 / 3)}):
        presets[f"step at t={onset}"] = np.where(t >= onset, amplitude, 0.0)
    start, width = max(1, round(length / 3)), max(1, length // 20)
    presets[f"pulse at t={start}"] = np.where((t >= start) & (t < start + width), amplitude, 0.0)
    period = max(2.0, length / 4)
    presets[f"sine, period {period:.3g}"] = amplitude * np.sin(2 * np.pi * t / period)
    for level in (-1.0, -0.5, 0.5, 1.0):
        presets[f"constant {level * amplitude:.3g}"] = np.full(length, level * amplitude)
    presets["zero"] = np.zeros(length)
    return presets


def superposition(response: np.ndarray, second: np.ndarray, both: np.ndarray, zero: np.ndarray) -> dict:
    """The superposition check from the responses to a, b, a + b and zero input: ``sum_of_responses``
    r(a) + r(b) - r(0) (what r(a + b) is for a linear or affine model), ``rms`` of r(a + b) minus it,
    and ``relative_rms``: that over the RMS of r(a + b) - r(0) (NaN when that is 0).

    >>> check = superposition(np.array([1.0, 2.0]), np.array([3.0, 3.0]), np.array([4.0, 6.0]), np.array([0.0, 1.0]))
    >>> check["sum_of_responses"].tolist(), round(check["rms"], 4), round(check["relative_rms"], 4)
    ([4.0, 4.0], 1.4142, 0.3123)
    """
    summed = response + second - zero
    rms = float(np.sqrt(np.mean((both - summed) ** 2)))
    size = float(np.sqrt(np.mean((both - zero) ** 2)))
    return {"sum_of_responses": summed, "rms": rms, "relative_rms": rms / size if size > 0 else float("nan")}


def _amplitude(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"amplitude must be a number > 0; got {value!r}")
    return float(value)


def _input_shape(value: Any) -> tuple | None:
    if value is None:
        return None
    shape = tuple(value) if isinstance(value, (tuple, list)) else None
    if not shape or len(shape) > 2 or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape):
        raise ValueError(f"input_shape must be one sequence's shape, (time, features) or (time,); got {value!r}")
    return shape


class _DrawnLines(LockedStateMixin, bqplot.Lines):
    """The input line the user draws on: its front-end ``y`` changes take the send lock."""


class ProbePanel(View):
    """The response of a sequence model to a probe input (see the module docstring).

    Args:
      trainer: the Trainer to follow (or leave it out and use it in ``trainer.show(views=[...])``).
      length: time steps of the probe (default: the data's; a recurrent model can be probed on longer ones).
      presets: ``{name: values}`` of inputs to choose from, each ``length`` numbers or a function of
        the time steps ``t`` (0 … length-1); default :func:`preset_inputs`.
      probe, second: the names of the presets the input a and the superposition's b start from.
      channels: the input feature the probe drives (the others stay 0) and the output feature shown:
        one index for both, or (input index, output index).
      amplitude: the presets' height (default: the largest |input| of a few training sequences, else 1).
      input_shape: one input sequence's shape, (time, features) or (time,), when there is no trainer
        (default (60, 1)); with a trainer its data's.
      superposition: start with the superposition check shown.
    """

    def __init__(self, trainer: Any = None, *, length: int | None = None, presets: dict | None = None,
                 probe: str | None = None, second: str | None = None, channels: Any = 0, amplitude: Any = None,
                 input_shape: Any = None, superposition: bool = False, title: str = "probe response",
                 **options: Any) -> None:
        if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 2):
            raise ValueError(f"length must be an integer >= 2 (time steps); got {length!r}")
        if presets is not None and (not isinstance(presets, dict) or not presets):
            raise ValueError(f"presets must be a non-empty dict {{name: values}}; got {type(presets).__name__}")
        if not isinstance(superposition, bool):
            raise ValueError(f"superposition must be True or False; got {superposition!r}")
        self.length, self._presets, self.title = length, presets, title
        self._names = (probe, second)
        self.channels, self._amplitude = sequence_channels(channels), _amplitude(amplitude)
        self._input_shape, self._superposition = _input_shape(input_shape), superposition
        self._last: dict | None = None
        super().__init__(trainer, **options)

    # ---- set-up ---------------------------------------------------------------------------
    def _setup(self) -> None:
        trainer = self.network.trainer
        shape = self._input_shape
        if shape is None and trainer is not None:
            shape = trainer.data.input_shape
            if shape is not None and len(shape) not in (1, 2):
                raise ValueError(f"ProbePanel probes sequence models: inputs of shape (batch, time, features) or "
                                 f"(batch, time); the data's inputs have shape (batch, {', '.join(map(str, shape))})")
        shape = shape or (LENGTH, 1)
        self.length = self.length or shape[0]
        self.features = shape[1] if len(shape) == 2 else None      # None: inputs (batch, time), no feature axis
        if self.channels[0] >= (self.features or 1):
            raise ValueError(f"ProbePanel: channels asks for input channel {self.channels[0]} but the inputs have "
                             f"{self.features or 1} channel(s) (channels=(input index, output index))")
        # the height of the built-in presets; the user's own presets need no sample of the data
        self.amplitude = self._amplitude or (1.0 if self._presets is not None else self._data_amplitude(trainer))
        self.t = np.arange(self.length, dtype=np.float32)
        self.presets = self._checked_presets()
        names = list(self.presets)
        probe, second = self._names
        probe = names[0] if probe is None else probe
        second = (names[1] if len(names) > 1 else names[0]) if second is None else second
        for argument, name in (("probe", probe), ("second", second)):
            if name not in self.presets:
                raise ValueError(f"{argument}={name!r} is not a preset; the presets are {names}")
        self.probe, self.second = self.presets[probe], self.presets[second]
        self._build_widgets(self.compute(self.network.current()), probe, second)

    def _data_amplitude(self, trainer: Any) -> float:
        """The largest |input| of the probed channel over a few training sequences (1 without them)."""
        try:
            found = None if trainer is None else trainer.data.sample(16)
        except (TypeError, ValueError):     # data that views cannot sample: the default height
            found = None
        if found is None:
            return 1.0
        x = np.asarray(found[0], dtype=np.float64)
        x = x[..., self.channels[0]] if x.ndim == 3 and x.shape[2] > self.channels[0] else x
        top = float(np.max(np.abs(x[np.isfinite(x)]), initial=0.0))
        return float(f"{top:.2g}") if top > 0 else 1.0

    def _checked_presets(self) -> dict[str, np.ndarray]:
        if self._presets is None:
            return preset_inputs(self.length, self.amplitude)
        presets = {}
        for name, values in self._presets.items():
            if not isinstance(name, str) or name == DRAWN:
                raise ValueError(f"preset names must be strings other than {DRAWN!r}; got {name!r}")
            if callable(values):
                values = values(self.t.astype(np.float64))
            values = np.asarray(values, dtype=np.float64)
            if values.shape != (self.length,) or not np.all(np.isfinite(values)):
                raise ValueError(f"preset {name!r} must give {self.length} finite numbers (one per time step); "
                                 f"got shape {values.shape}")
            presets[name] = values
        return presets

    def _build_widgets(self, first: dict, probe: str, second: str) -> None:
        lo, hi = padded(*finite_range(*self.presets.values()), fraction=0.25)
        sx = bqplot.LinearScale(min=0.0, max=float(self.t[-1]))
        sy = bqplot.LinearScale(min=lo, max=hi)
        scales = {"x": sx, "y": sy}
        self.second_line = bqplot.Lines(x=self.t, y=self.second.astype(np.float32), scales=scales, colors=[GREY],
                                        line_style="dashed", stroke_width=2, labels=["b"], visible=False)
        self.drawn = _DrawnLines(x=self.t, y=self.probe.astype(np.float32), scales=scales, colors=[BLUE],
                                 stroke_width=2.5, labels=["input"])
        self.hand_draw = bqplot.interacts.HandDraw(lines=self.drawn, line_index=0)
        self.input_figure = figure([self.second_line, self.drawn], axes(sx, sy, "time step", "input"),
                                   "input: draw with the mouse", *FIGURE_SIZE, interactions=self.hand_draw)
        self.input_figure.add_class("jaxscope-probe-input")

        shown = (first["response"], first["zero_response"])
        r_lo, r_hi = padded(*finite_range(*shown), fraction=0.15)
        rx, self.response_scale = bqplot.LinearScale(min=0.0, max=float(self.t[-1])), bqplot.LinearScale(min=r_lo, max=r_hi)
        scales = {"x": rx, "y": self.response_scale}
        self.baseline = bqplot.Lines(x=self.t, y=first["zero_response"].astype(np.float32), scales=scales,
                                     colors=[GREY], line_style="dashed", stroke_width=1.5, labels=["zero input"])
        self.response_line = bqplot.Lines(x=self.t, y=first["response"].astype(np.float32), scales=scales,
                                          colors=[ORANGE], stroke_width=2.5, labels=["response"])
        self.sum_response = bqplot.Lines(x=self.t, y=first["sum_response"].astype(np.float32), scales=scales,
                                         colors=[BLUE], stroke_width=2.5, labels=["r(a+b)"], visible=False)
        self.sum_of_responses = bqplot.Lines(x=self.t, y=first["sum_of_responses"].astype(np.float32), scales=scales,
                                             colors=[GREEN], line_style="dashed", stroke_width=2.5,
                                             labels=["r(a)+r(b)-r(0)"], visible=False)
        self.response_axes = axes(rx, self.response_scale, "time step", "response")
        self.response_figure = figure([self.baseline, self.response_line, self.sum_response, self.sum_of_responses],
                                      self.response_axes, "response", *FIGURE_SIZE)
        self.response_figure.add_class("jaxscope-probe-response")

        self.preset = ipywidgets.Dropdown(options=[*self.presets, DRAWN], value=probe, description="input a",
                                          layout=ipywidgets.Layout(width="230px"))
        self.preset.add_class("jaxscope-probe-preset")
        self.second_preset = ipywidgets.Dropdown(options=list(self.presets), value=second, description="b",
                                                 layout=ipywidgets.Layout(width="230px"))
        self.second_preset.add_class("jaxscope-probe-second")
        self.superposition = ipywidgets.ToggleButton(value=self._superposition, description="superposition",
                                                     tooltip="response to a + b against the sum of the responses")
        self.superposition.add_class("jaxscope-probe-superposition")
        self.readout = ipywidgets.HTML()
        self.readout.add_class("jaxscope-probe-readout")
        self.drawn.observe(self._on_drawn, "y")
        self.preset.observe(self._on_preset, "value")
        self.second_preset.observe(self._on_second, "value")
        self.superposition.observe(self._on_mode, "value")
        self.children = [self.readout, ipywidgets.HBox([self.preset, self.second_preset, self.superposition]),
                         ipywidgets.HBox([self.input_figure, self.response_figure],
                                         layout=ipywidgets.Layout(flex_flow="row wrap"))]
        self.add_class("jaxscope-probe-panel")

    # ---- a standalone panel has a display loop of its own, for the edits ------------------------
    def _build(self) -> None:
        super()._build()
        if self.trainer is None and self.monitor is None:
            self.monitor = Monitor()
            self.monitor.add(self, pacer=self._ack, interval=self.interval)

    def attach(self, trainer: Any) -> "ProbePanel":
        if self.trainer is None and self.monitor is not None:     # it stood alone so far
            self.monitor.remove(self)
            self.monitor = None
        return super().attach(trainer)

    def frame(self, snap: Any, full: bool) -> bool:
        if snap is None:        # its own loop: an edit of the input asked for it
            self._redraw(self.network.current(), None)
            return True
        return super().frame(snap, full)

    # ---- the inputs ----------------------------------------------------------------------------
    def _values(self, values: Any, argument: str) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (self.length,) or not np.all(np.isfinite(values)):
            raise ValueError(f"ProbePanel: {argument} must be {self.length} finite numbers (one per time step); "
                             f"got shape {values.shape}")
        return values

    def set_input(self, values: Any) -> None:
        """Make ``values`` (``length`` numbers) the input a, as drawing it with the mouse does."""
        values = self._values(values, "the input")
        with SEND_LOCK:
            self.drawn.y = values.astype(np.float32)

    def _on_drawn(self, change: dict) -> None:
        """The input line changed: drawn in the front end (HandDraw sends the lines' y, (1, T)) or set here."""
        try:
            y = np.asarray(change["new"], dtype=np.float64)
            y = self._values(y[self.hand_draw.line_index] if y.ndim == 2 else y, "the drawn input")
        except (TypeError, ValueError) as error:
            self._show_problem(str(error))
            return
        self.probe = y
        self._show_problem("")
        with SEND_LOCK:
            name = self.preset.value
            if name != DRAWN and not np.allclose(y, self.presets[name], rtol=1e-6, atol=1e-6):
                self.preset.value = DRAWN
        self._redraw_soon()

    def _on_preset(self, change: dict) -> None:
        if change["new"] != DRAWN:
            with SEND_LOCK:
                self.drawn.y = self.presets[change["new"]].astype(np.float32)     # -> _on_drawn

    def _on_second(self, change: dict) -> None:
        self.second = self.presets[change["new"]]
        with SEND_LOCK:
            self.second_line.y = self.second.astype(np.float32)
        self._redraw_soon()

    def _on_mode(self, change: dict) -> None:
        with SEND_LOCK:
            self._show_mode()

    def _redraw_soon(self) -> None:
        """An input changed: the display loop recomputes the responses at once (never on this thread:
        it may be a comm handler's)."""
        if self.monitor is not None:
            self.monitor.request(self, urgent=True, full=True)

    # ---- what to draw: pure, checked against numpy by the tests --------------------------------
    def compute(self, model_or_params: Any, probe: Any = None, second: Any = None) -> dict:
        """The responses (output channel, float64 (T,)) to the input a (``probe``, default the one shown),
        b (``second``), a + b and zero input, and the superposition check (see :func:`superposition`)."""
        a = self.probe if probe is None else self._values(probe, "probe")
        b = self.second if second is None else self._values(second, "second")
        batch = np.zeros((4, self.length, self.features or 1), np.float32)
        for k, values in enumerate((a, b, a + b)):
            batch[k, :, self.channels[0]] = values
        if self.features is None:
            batch = batch[:, :, 0]
        out = output_sequences(self.network.predict(model_or_params, batch), batch.shape, "ProbePanel")
        response, second_response, sum_response, zero_response = channel_of(out, self.channels[1], "output",
                                                                             "ProbePanel")
        return {"t": self.t, "input": a, "second": b, "response": response, "second_response": second_response,
                "sum_response": sum_response, "zero_response": zero_response,
                **superposition(response, second_response, sum_response, zero_response)}

    def draw(self, data: dict) -> None:
        self._last = data
        for mark, name in ((self.response_line, "response"), (self.baseline, "zero_response"),
                           (self.sum_response, "sum_response"), (self.sum_of_responses, "sum_of_responses")):
            mark.y = data[name].astype(np.float32)
        self._show_mode()

    def _show_mode(self) -> None:
        """Show the response (and zero-input baseline), or the superposition check; the readout says what."""
        data, on = self._last, self.superposition.value
        if data is None:        # not drawn yet: the first refresh follows the set-up
            return
        self.second_line.visible = self.sum_response.visible = self.sum_of_responses.visible = on
        self.response_line.visible = self.baseline.visible = not on
        self.second_preset.layout.display = None if on else "none"
        shown = (data["sum_response"], data["sum_of_responses"]) if on else (data["response"], data["zero_response"])
        lo, hi = finite_range(*shown)
        if refit(self.response_scale.min, self.response_scale.max, lo, hi):
            set_range(self.response_scale, self.response_axes[1], *padded(lo, hi, fraction=0.15))
        self.response_figure.title = "r(a+b) and r(a)+r(b)-r(0)" if on else "response"
        parts = [f"<b>{html.escape(self.title)}</b>", f"a: {html.escape(self.preset.value)}"]
        if on:
            relative = "" if not np.isfinite(data["relative_rms"]) else f" ({100 * data['relative_rms']:.3g} % of the response)"
            parts += [f"b: {html.escape(self.second_preset.value)}", f"RMS difference {data['rms']:.3g}{relative}"]
        if self.trainer is not None:
            parts.append(f"step {self.drawing_step}")
        self.readout.value = " · ".join(parts)

    def _owned(self) -> list:
        return [w for w in (getattr(self, "input_figure", None), getattr(self, "response_figure", None)) if w is not None]

