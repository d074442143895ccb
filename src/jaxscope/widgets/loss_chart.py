"""``LossChart``: a live loss curve; only new points cross the wire, as binary buffers."""

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


class LossChart(Fed, LockedStateMixin, anywidget.AnyWidget):
    """A canvas loss chart: train, validation and metric series, log/linear, smoothing, zoom.

    >>> chart = LossChart()                       # doctest: +SKIP
    >>> for step in range(1, 101): chart.add(step, loss=1 / step)
    >>> chart                                      # shows it; a Trainer's dashboard feeds its own

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

    def __init__(self, history: History | None = None, monitor: Monitor | None = None, **kwargs: Any) -> None:
        reject_unknown(LossChart, kwargs)
        super().__init__(**kwargs)
        self.history = History() if history is None else history
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

    def _series(self) -> list[str]:
        names = [n for n in self.history.names if n not in NOT_CHARTED]
        return sorted(names, key=lambda n: (n != "loss", n.startswith("val_"), n))

    def publish(self, reset: bool = False) -> bool:
        """Send every point not yet sent (all of them with ``reset``), in one message; False when
        there was nothing to send."""
        with SEND_LOCK:
            if reset:
                self._sent = {}
            series = []
            for name in self._series():
                start = self._sent.get(name, 0)
                if self.history.count(name) < start:  # the history was cleared under us
                    return self.publish(reset=True)
                steps, values = self.history.tail(name, start)
                if len(steps) or reset:
                    series.append((name, steps, values))
                self._sent[name] = start + len(steps)
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
        series = [(name, *saved_state.decimate(*self.history.tail(name, 0))) for name in self._series()]
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

