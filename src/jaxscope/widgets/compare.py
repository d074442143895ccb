"""``scope.compare(t1, t2, ...)``: several runs on one loss chart, one colour per run, a legend naming
what differs (``compare_legend.py``), and each run's own control bar.

The chart has its own display loop (``Monitor()``); each trainer's watcher only asks it for a frame
(a lock and a notify on the training thread). Runs may be live or finished: a finished run shows
its whole history at once.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets

from ..training import Event, Trainer
from .compare_legend import run_labels
from .control_bar import ControlBar
from .loss_chart import LossChart

# matplotlib's tab10: one colour per run, in the order runs were added.
RUN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
              "#bcbd22", "#17becf")
CHART_OPTIONS = ("log_y", "smoothing", "height", "title")
STOPPED = ("idle", "paused", "done", "diverged", "error")


def check_trainer(trainer: Any, where: str, present: list) -> Any:
    """``trainer`` when it is a ``scope.Trainer`` not compared yet, else a TypeError / ValueError naming ``where``."""
    if not isinstance(trainer, Trainer):
        raise TypeError(f"{where} must be a scope.Trainer; got {type(trainer).__name__}")
    if any(trainer is other for other in present):
        raise ValueError(f"{where}: this trainer is compared already ({trainer!r})")
    return trainer


class Comparison(ipywidgets.VBox):
    """What ``scope.compare`` returns: ``.chart`` (a ``LossChart`` of every run, ``r1:loss``...),
    ``.trainers`` and ``.controls`` (one ``ControlBar`` per run, under the chart). Click a run in the
    legend to hide or show it; ``add(trainer)`` compares one more.

    >>> comparison = scope.compare(slow, fast)   # doctest: +SKIP
    >>> comparison.add(fastest)                  # doctest: +SKIP
    """

    def __init__(self, trainers: tuple, **chart_options: Any) -> None:
        unknown = sorted(set(chart_options) - set(CHART_OPTIONS))
        if unknown:
            raise TypeError(f"compare(): unexpected argument(s) {unknown}; accepted: trainers, then {list(CHART_OPTIONS)}")
        if not trainers:
            raise ValueError("compare() needs at least one trainer: scope.compare(t1, t2, ...)")
        checked: list = []
        for k, trainer in enumerate(trainers):
            checked.append(check_trainer(trainer, f"compare(): argument {k + 1}", checked))
        self._built = False
        self.chart = LossChart(**chart_options)
        self.trainers: list = []
        self.controls: list[ControlBar] = []
        self._keys: list[str] = []
        self._names: list[ipywidgets.HTML] = []
        self._unwatch: list = []
        self._added = 0
        self._rows = ipywidgets.VBox()
        super().__init__([self.chart, self._rows])
        self.add_class("jaxscope-comparison")
        self._built = True
        for trainer in checked:
            self._attach(trainer)
        self._relabel()

    def add(self, trainer: Any) -> "Comparison":
        """Compare one more run (live or finished); the labels are worked out again."""
        self._attach(check_trainer(trainer, "add(trainer)", self.trainers))
        self._relabel()
        return self

    @property
    def labels(self) -> list[str]:
        """The legend's label of each run, in order."""
        return [run["label"] for run in self.chart.runs]

    def _attach(self, trainer: Any) -> None:
        self._added += 1
        key = f"r{self._added}"
        bar = ControlBar(trainer)
        name = ipywidgets.HTML()
        row = ipywidgets.HBox([name, bar])
        row.add_class("jaxscope-compare-run")
        self.trainers.append(trainer)
        self.controls.append(bar)
        self._keys.append(key)
        self._names.append(name)
        self._unwatch.append(trainer.watch(lambda event, t=trainer: self._on_event(t, event)))
        self._rows.children = (*self._rows.children, row)

    def _relabel(self) -> None:
        """Label every run by what differs, keep each run's visibility, and chart them all."""
        shown = {run["key"]: run["visible"] for run in self.chart.runs}
        labels = run_labels(self.trainers)
        entries = []
        for key, label, trainer, name in zip(self._keys, labels, self.trainers, self._names):
            color = RUN_COLORS[(int(key[1:]) - 1) % len(RUN_COLORS)]
            entries.append(({"key": key, "label": label, "color": color, "visible": shown.get(key, True)},
                            trainer.history))
            name.value = (f'<span class="jaxscope-run-name" data-run="{key}"><span class="jaxscope-run-swatch" '
                          f'style="background:{color}"></span>{html.escape(label)}</span>')
        self.chart.show_runs(entries)
        if all(t.status in STOPPED for t in self.trainers):
            self.chart.monitor.post(self.chart.keep_picture)

    def _on_event(self, trainer: Any, event: Event) -> None:
        # On the trainer's driver thread: only ask the chart's display loop for a frame.
        monitor = self.chart.monitor
        stopped = event is Event.STATUS and trainer.status in STOPPED
        monitor.request(self.chart, urgent=event is not Event.STEPS, full=event is Event.RESET)
        if stopped or event is Event.RESET:
            monitor.post(self.chart.keep_picture)

    def __repr__(self) -> str:
        if not getattr(self, "_built", False):
            return "Comparison()"
        runs = ", ".join(f"{label} · {t.status} · step {t.current_step:,}" for label, t in zip(self.labels, self.trainers))
        return f"Comparison({runs})"

    def close(self) -> None:
        """Stop watching the trainers and close the chart and control bars (the trainers keep training)."""
        if not getattr(self, "_built", False):
            return
        for unwatch in self._unwatch:
            unwatch()
        self._unwatch = []
        for widget in (self.chart, *self.controls, *self._names):
            widget.close()
        super().close()


def compare(*trainers: Any, **chart_options: Any) -> Comparison:
    """Several runs on one loss chart, live or finished: one colour per run, a legend naming what
    differs between them (click an entry to hide or show that run), the hover read-out of every run
    at a step, and each run's controls below. ``chart_options``: ``log_y``, ``smoothing``,
    ``height``, ``title``.

    >>> slow = scope.Trainer(params, loss, data, optimizer=1e-3)   # doctest: +SKIP
    >>> fast = scope.Trainer(params, loss, data, optimizer=1e-2)   # doctest: +SKIP
    >>> scope.compare(slow, fast)   # legend: "lr 1e-3", "lr 0.01"   # doctest: +SKIP
    """
    return Comparison(trainers, **chart_options)
