"""``Dashboard``: a trainer's control bar above its loss chart, updated live while it trains."""

from __future__ import annotations

from typing import Any

import ipywidgets

from .control_bar import ControlBar
from .loss_chart import UPDATE_INTERVAL, LossChart
from .throttle import Throttle


class Dashboard(ipywidgets.VBox):
    """What ``trainer.show()`` returns: ``.controls`` and ``.loss_chart``, fed by the trainer.

    >>> trainer.show()  # doctest: +SKIP
    """

    def __init__(self, trainer: Any, **chart_options: Any) -> None:
        self.trainer = trainer
        self.controls = ControlBar(trainer)
        self.loss_chart = LossChart(history=trainer.history, **chart_options)
        self.loss_chart.on_ready = trainer._remember_comm_context
        super().__init__([self.controls, self.loss_chart])
        self.add_class("jaxscope-dashboard")
        # The trainer reports after every chunk (~50 ms) and on every status change, so a skipped
        # update is always followed by another: no trailing timer thread is needed.
        self._throttle = Throttle(UPDATE_INTERVAL, self._publish, trailing=False)
        trainer._subscribe(self._on_trainer_event)

    def close(self) -> None:
        """Close the views; a trainer that no dashboard shows any more stops at the next chunk."""
        self.trainer._unsubscribe(self._on_trainer_event)
        self.trainer.pause(wait=False)
        self.controls.close()
        self.loss_chart.close()
        super().close()

    def _publish(self) -> None:
        self.loss_chart.publish()
        self.controls.refresh()

    def _on_trainer_event(self, event: str) -> None:
        if event == "progress":
            self._throttle.request()
        elif event == "reset":
            self.loss_chart.publish(reset=True)
            self.controls.refresh()
        else:  # status, learning rate, params: rare, always shown at once
            self._throttle.flush()
