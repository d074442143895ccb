"""``ParityPlot``: predicted against true values, one panel per output, with the diagonal and R²,
on a fixed validation set, with a toggle to the training samples (overfitting shows as the
training points hugging the diagonal while the validation points do not).

>>> import jax.numpy as jnp, numpy as np
>>> x = np.linspace(0, 1, 8, dtype=np.float32)[:, None]
>>> plot = ParityPlot(params={"a": jnp.float32(1.0)}, apply=lambda p, x: p["a"] * x, data=(x, x[:, 0]))
>>> plot.compute(plot.network.current())["r2"].tolist()
[1.0]
"""

from __future__ import annotations

from typing import Any, Sequence

import bqplot
import ipywidgets
import numpy as np

from ..training.ensemble import QUANTILES
from ..widgets.sync import SEND_LOCK
from .base import View
from .figures import BLUE, GREY, ORANGE, axes, figure, finite_range, padded
from .samples import take_samples, trainer_samples

MAX_PANELS = 6


def r_squared(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Coefficient of determination per column, 1 - Σ(y - ŷ)² / Σ(y - ȳ)² (nan for a constant column)."""
    residual = np.sum((true - pred) ** 2, axis=0)
    total = np.sum((true - true.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0), np.nan)


def _columns(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(len(values), -1)


class ParityPlot(View):
    """Predicted vs true for each output (at most 6 panels), on ``samples`` fixed samples.

    Args:
      trainer: the Trainer to follow (its training data and validation data give the samples).
      data, validation: (x, y) arrays or generators, instead of (or overriding) the trainer's.
      names: one name per output, e.g. ``("ω0", "γ", "ε")``.
      show: ``"validation"`` (default when there is validation data) or ``"training"``.
    """

    def __init__(self, trainer: Any = None, *, data: Any = None, validation: Any = None,
                 names: Sequence[str] | None = None, samples: int = 256, show: str | None = None,
                 title: str = "predicted vs true", **options: Any) -> None:
        if show not in (None, "validation", "training"):
            raise ValueError(f"show must be 'validation' or 'training'; got {show!r}")
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
            raise ValueError(f"samples must be an integer >= 2; got {samples!r}")
        self.names = None if names is None else [str(n) for n in names]
        self.samples, self.title, self._show = samples, title, show
        self._given = {"training": data, "validation": validation}
        super().__init__(trainer, **options)

    def _setup(self) -> None:
        trainer = self.network.trainer
        self.sets: dict[str, tuple] = {}
        for which, given in self._given.items():
            if given is not None:
                self.sets[which] = take_samples(given, self.samples, argument="validation" if which == "validation" else "data")
            elif trainer is not None:
                found = trainer_samples(trainer, which, self.samples)
                if found is not None:
                    self.sets[which] = found
        if not self.sets:
            raise ValueError("ParityPlot needs samples: a trainer, or data=(x, y) / validation=(x, y)")
        if self._show is None:
            self._show = "validation" if "validation" in self.sets else "training"
        if self._show not in self.sets:
            raise ValueError(f"show={self._show!r} but there is no {self._show} data")
        first = self.compute(self.network.current())
        outputs = first["true"].shape[1]
        if self.names is not None and len(self.names) != outputs:
            raise ValueError(f"names has {len(self.names)} entries for {outputs} output(s)")
        self.names = self.names or ([""] if outputs == 1 else [f"output {k}" for k in range(outputs)])
        self.panels, self.bars = [], []
        for k in range(min(outputs, MAX_PANELS)):
            lo, hi = padded(*finite_range(*[s[1].reshape(len(s[1]), -1)[:, k] for s in self.sets.values()]))
            sx, sy = bqplot.LinearScale(min=lo, max=hi), bqplot.LinearScale(min=lo, max=hi)
            diagonal = bqplot.Lines(x=[lo, hi], y=[lo, hi], scales={"x": sx, "y": sy}, colors=[GREY],
                                    line_style="dashed")
            dots = bqplot.Scatter(x=first["true"][:, k], y=first["pred"][:, k], scales={"x": sx, "y": sy},
                                  colors=[self._colour()], default_size=14, opacities=[0.6])
            name = self.names[k]
            marks = [diagonal, dots]
            if getattr(trainer, "ensemble_size", None):   # error bars: the members' quartiles per sample
                marks.insert(1, bqplot.Lines(x=np.zeros((1, 2)), y=np.zeros((1, 2)), scales={"x": sx, "y": sy},
                                             colors=[GREY], stroke_width=1.5, opacities=[0.7]))
            fig = figure(marks, axes(sx, sy, f"true {name}".strip(), f"predicted {name}".strip()),
                         "", width=280, height=280)
            self.panels.append((fig, dots))
            self.bars.append(marks[1] if len(marks) == 3 else None)
        self.toggle = ipywidgets.ToggleButtons(options=[w for w in ("validation", "training") if w in self.sets],
                                               value=self._show, style={"button_width": "90px"})
        self.toggle.observe(self._on_toggle, "value")
        self.heading = ipywidgets.HTML()
        self.children = [ipywidgets.HBox([self.heading, self.toggle]),
                         ipywidgets.HBox([fig for fig, _ in self.panels])]
        self._caption(first)

    @property
    def show(self) -> str:
        """Which samples are shown: ``"validation"`` or ``"training"`` (settable)."""
        return self._show

    @show.setter
    def show(self, which: str) -> None:
        self.toggle.value = which

    def _on_toggle(self, change: dict) -> None:
        self._show = change["new"]
        with SEND_LOCK:
            for _, dots in self.panels:
                dots.colors = [self._colour()]
        self.refresh()

    def _colour(self) -> str:
        return BLUE if self._show == "validation" else ORANGE

    def compute(self, model_or_params: Any) -> dict:
        x, y = self.sets[self._show][:2]
        pred = _columns(self.network.predict(model_or_params, x))
        true = _columns(y)
        if pred.shape != true.shape:
            raise ValueError(f"ParityPlot: the network gives {pred.shape[1]} output(s) per sample but the targets "
                             f"have {true.shape[1]} (shapes {pred.shape} and {true.shape})")
        data = {"true": true, "pred": pred, "r2": r_squared(true, pred)}
        if self.members_tree is not None:    # an ensemble: each sample's members' quartiles
            every = self.network.predict_members(self.members_tree, x)
            every = every.reshape(len(every), len(x), -1)
            data["lo"], data["hi"] = np.quantile(every, QUANTILES, axis=0)
        return data

    def _caption(self, data: dict) -> None:
        parts = [f"{name or 'R²'}{' R²' if name else ''} {r:.3f}" for name, r in zip(self.names, data["r2"])]
        self.heading.value = (f"<b>{self.title}</b> · {self._show} ({len(data['true'])} samples) · "
                              + " · ".join(parts))

    def draw(self, data: dict) -> None:
        for k, (fig, dots) in enumerate(self.panels):
            with dots.hold_sync():
                dots.x = data["true"][:, k].astype(np.float32)
                dots.y = data["pred"][:, k].astype(np.float32)
            bars = self.bars[k] if k < len(getattr(self, "bars", [])) else None
            if bars is not None and "lo" in data:
                with bars.hold_sync():
                    bars.x = np.repeat(data["true"][:, k:k + 1], 2, axis=1).astype(np.float32)
                    bars.y = np.stack([data["lo"][:, k], data["hi"][:, k]], axis=1).astype(np.float32)
        self._caption(data)

    def _owned(self) -> list:
        return [fig for fig, _ in getattr(self, "panels", [])]
