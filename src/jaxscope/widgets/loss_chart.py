"""``LossChart``: a live loss curve; only new points cross the wire, as binary buffers."""

from __future__ import annotations

from typing import Any, Callable

import anywidget
import traitlets

from ..training.history import History
from . import protocol
from .bundle import bundle
from .sync import SEND_LOCK, LockedStateMixin, reject_unknown
from .throttle import Throttle

UPDATE_INTERVAL = 0.05  # seconds: at most ~20 messages per second per chart
NOT_CHARTED = ("learning_rate",)


class LossChart(LockedStateMixin, anywidget.AnyWidget):
    """A canvas loss chart: train, validation and metric series, log/linear, smoothing, zoom.

    >>> chart = LossChart()                       # doctest: +SKIP
    >>> for step in range(1, 101): chart.add(step, loss=1 / step)
    >>> chart                                      # shows it; a Trainer's dashboard feeds its own
    """

    _esm = bundle("loss_chart.js")
    _css = bundle("jaxscope.css")

    log_y = traitlets.Bool(True).tag(sync=True)
    smoothing = traitlets.Float(0.6, min=0.0, max=0.999).tag(sync=True)
    height = traitlets.Int(280, min=80).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    best_step = traitlets.Int(-1).tag(sync=True)

    def __init__(self, history: History | None = None, **kwargs: Any) -> None:
        reject_unknown(LossChart, kwargs)
        super().__init__(**kwargs)
        self.history = History() if history is None else history
        self._sent: dict[str, int] = {}
        self.messages_sent = 0
        self.on_ready: Callable[[], None] | None = None
        self._throttle = Throttle(UPDATE_INTERVAL, self.publish)
        self.on_msg(self._on_message)

    def add(self, step: int, **values: float) -> None:
        """Record one point per named series (``loss=``, ``val_loss=``, ...) and update the chart."""
        for name, value in values.items():
            self.history.extend(name, [step], [value])
        self.request_update()

    def request_update(self) -> None:
        """Send what is new, now or at the end of the current throttling interval."""
        self._throttle.request()

    def _series(self) -> list[str]:
        names = [n for n in self.history.names if n not in NOT_CHARTED]
        return sorted(names, key=lambda n: (n != "loss", n.startswith("val_"), n))

    def publish(self, reset: bool = False) -> None:
        """Send every point not yet sent (all of them with ``reset``), in one message."""
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
                return
            content, buffers = protocol.points_message(series, reset)
            self.send(content, buffers)
            self.messages_sent += 1

    def _on_message(self, _widget: Any, content: Any, _buffers: list) -> None:
        if protocol.message_kind(content) == "ready":  # a view rendered (late, or after a reload)
            self.publish(reset=True)
            if self.on_ready is not None:
                self.on_ready()
