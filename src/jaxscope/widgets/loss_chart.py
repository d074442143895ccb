"""``LossChart``: a live loss curve; only new points cross the wire, as binary buffers.

One history, or several runs compared (``show_runs``: each series name prefixed by its run key,
``r1:loss``); an ensemble's history (``loss#lo``, ``loss#hi``, ``loss#<i>``, ``diverged#<i>``) is
drawn as a median, a band and member lines (docs/protocol.md, "Series names")."""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

from ..training import Event
from ..training.history import History
from . import protocol, saved_state
from .bundle import bundle
from .monitor import Fed, Monitor
from .sync import SEND_LOCK, LockedStateMixin, reject_unknown

FRAME_INTERVAL = 0.05  # seconds: at most ~20 messages per second per chart
NOT_CHARTED = ("learning_rate",)


def metric_of(name: str) -> str:
    """The metric a history series belongs to: ``loss#lo`` and ``loss#3`` are the loss's.

    >>> metric_of("val_loss#hi"), metric_of("learning_rate#2"), metric_of("loss")
    ('val_loss', 'learning_rate', 'loss')
    """
    return name.split(protocol.PART_SEPARATOR, 1)[0]


def chart_order(names: list[str]) -> list[str]:
    """The charted series of one history: the loss first, validation series after, no learning rate.

    >>> chart_order(["learning_rate", "val_loss", "loss#lo", "loss", "acc"])
    ['loss', 'loss#lo', 'acc', 'val_loss']
    """
    charted = [n for n in names if metric_of(n) not in NOT_CHARTED]
    return sorted(charted, key=lambda n: (metric_of(n) != "loss", n.startswith("val_"), metric_of(n), n))


class LossChart(Fed, LockedStateMixin, anywidget.AnyWidget):
    """A canvas loss chart: train, validation and metric series, log/linear, smoothing, zoom.

    >>> chart = LossChart()                       # doctest: +SKIP
    >>> for step in range(1, 101): chart.add(step, loss=1 / step)     # doctest: +SKIP
    >>> chart              # shows it; a Trainer's dashboard feeds its own   # doctest: +SKIP

    ``monitor``: the display loop that paces it (a trainer's, in a dashboard); by default its own.
    """

    _esm = bundle("loss_chart.js")
    _css = bundle("jaxscope.css")

    log_y = traitlets.Bool(True).tag(sync=True)
    smoothing = traitlets.Float(0.6, min=0.0, max=0.999).tag(sync=True)
    height = traitlets.Int(280, min=80).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    best_step = traitlets.Int(-1).tag(sync=True)
    snapshot = traitlets.Dict(saved_state.EMPTY).tag(sync=True)   # the picture kept in widget state
    runs = traitlets.List(traitlets.Dict()).tag(sync=True)   # compared runs {key, label, color, visible}; the page toggles visible
    marked_step = traitlets.Int(-1).tag(sync=True)           # a dashed "step N" line (the rewind scrubber's); -1 none

    def __init__(self, history: History | None = None, monitor: Monitor | None = None, **kwargs: Any) -> None:
        reject_unknown(LossChart, kwargs)
        super().__init__(**kwargs)
        self.history = History() if history is None else history
        self._runs: dict[str, History] = {}   # run key -> history, when comparing runs
        self._sent: dict[str, int] = {}
        self.messages_sent = 0
        self.monitor = Monitor() if monitor is None else monitor
        self.monitor.add(self, pacer=self, interval=FRAME_INTERVAL)

    def add(self, step: int, **values: float) -> None:
        """Record one point per named series (``loss=``, ``val_loss=``, ...) and update the chart."""
        for name, value in values.items():
            self.history.extend(name, [step], [value])
        self.request_update()

    def request_update(self) -> None:
        """Send what is new at the next frame (at most every ``FRAME_INTERVAL``)."""
        self.monitor.request(self)

    def show_runs(self, runs: list[tuple[dict, History]]) -> None:
        """Chart several runs instead of ``history``: ``(entry, history)`` per run, the entry a dict
        ``{"key", "label", "color", "visible"}`` (``widgets/compare.py`` builds them); the page then
        gets every run's series again, named ``<key>:<series>``."""
        for entry, _ in runs:
            if set(entry) != {"key", "label", "color", "visible"} or protocol.RUN_SEPARATOR in str(entry["key"]):
                raise ValueError(f"runs: expected {{'key', 'label', 'color', 'visible'}} with a key without "
                                 f"{protocol.RUN_SEPARATOR!r}; got {entry!r}")
        with SEND_LOCK:
            self._runs = {entry["key"]: history for entry, history in runs}
            self.runs = [dict(entry) for entry, _ in runs]
        self.monitor.request(self, urgent=True, full=True)

    def _sources(self) -> list[tuple[str, History]]:
        """(prefix of its series' wire names, history) for each history charted."""
        if not self._runs:
            return [("", self.history)]
        return [(key + protocol.RUN_SEPARATOR, history) for key, history in self._runs.items()]

    def _series(self) -> list[tuple[str, History, str]]:
        """(wire name, history, series name) of every charted series, run by run."""
        return [(prefix + name, history, name) for prefix, history in self._sources()
                for name in chart_order(history.names)]

    def publish(self, reset: bool = False) -> bool:
        """Send every point not yet sent (all of them with ``reset``), in one message; False when
        there was nothing to send."""
        with SEND_LOCK:
            if reset:
                self._sent = {}
            series = []
            for wire, history, name in self._series():
                start = self._sent.get(wire, 0)
                if history.count(name) < start:  # the history was cleared under us
                    return self.publish(reset=True)
                steps, values = history.tail(name, start)
                if len(steps) or reset:
                    series.append((wire, steps, values))
                self._sent[wire] = start + len(steps)
            if not series and not reset:
                return False
            content, buffers = protocol.points_message(series, reset)
            self.send(content, buffers)
            self.messages_sent += 1
            return True

    # ---- fed by the display loop ----------------------------------------------------------
    def frame(self, snap: Any, full: bool) -> bool:
        self._mark_best(snap)
        return self.publish(reset=full)

    def on_event(self, event: Event, snap: Any) -> None:
        if event is Event.RESET:          # an empty history: shown at once
            self._mark_best(snap)
            self.publish(reset=True)
            self.keep_picture()
        elif event is Event.STATUS and saved_state.stopped(snap):
            self._mark_best(snap)
            self.keep_picture()

    def keep_picture(self) -> None:
        """Store every series, decimated (at most ``2 * saved_state.BUCKETS`` points each, min and max
        per bucket), in the ``snapshot`` trait, so a notebook saved with widget state shows the chart
        without a kernel. A trainer's chart does it whenever training stops or pauses (never while it
        runs); call it yourself after feeding a standalone chart with ``add``."""
        series = [(wire, *saved_state.decimate(*history.tail(name, 0))) for wire, history, name in self._series()]
        kept = saved_state.snapshot([protocol.points_message(series, reset=True)])
        with SEND_LOCK:
            self.snapshot = kept

    def _mark_best(self, snap: Any) -> None:
        """With early stopping, the chart marks the step of the best validation loss."""
        if snap is None:
            return
        best = snap.best_step if snap.early_stopping is not None else None
        value = -1 if best is None else best
        if self.best_step != value:
            with SEND_LOCK:
                self.best_step = value

