"""``Dashboard``: a trainer's control bar above its loss chart, updated live while it trains."""

from __future__ import annotations

from typing import Any

import ipywidgets

from .control_bar import ControlBar
from .loss_chart import UPDATE_INTERVAL, LossChart
from .throttle import Throttle

DIAGRAM_INTERVAL = 0.1  # seconds: the diagram redraws at most 10 times a second


def diagram_for(trainer: Any):
    """A NetworkDiagram of the trainer's model, or None when no architecture can be derived."""
    try:
        from .network_diagram import NetworkDiagram

        diagram = NetworkDiagram(trainer._model_view(), input_shape=trainer._input_shape())
    except Exception:  # no diagram is better than no dashboard; NetworkDiagram() says why
        return None
    return diagram if diagram.drawable else None


class Dashboard(ipywidgets.VBox):
    """What ``trainer.show()`` returns: ``.controls``, ``.loss_chart`` and, when the
    architecture can be derived, ``.diagram``, fed by the trainer.

    >>> trainer.show()  # doctest: +SKIP
    """

    def __init__(self, trainer: Any, diagram: bool = True, **chart_options: Any) -> None:
        self.trainer = trainer
        self.controls = ControlBar(trainer)
        self.loss_chart = LossChart(history=trainer.history, **chart_options)
        self.loss_chart.on_ready = trainer._remember_comm_context
        self.diagram = diagram_for(trainer) if diagram else None
        self._diagram_step = -1
        self._diagram_throttle = Throttle(DIAGRAM_INTERVAL, self._publish_diagram, trailing=False)
        views = [self.controls, self.loss_chart] + ([self.diagram] if self.diagram is not None else [])
        super().__init__(views)
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
        if self.diagram is not None:
            self.diagram.close()
        super().close()

    def _publish(self) -> None:
        self.loss_chart.publish()
        self.controls.refresh()

    def _publish_diagram(self, force: bool = False) -> None:
        """Send the weights when they changed since the diagram last got them (<= 10 Hz)."""
        if self.diagram is None:
            return
        step = self.trainer.current_step
        if step != self._diagram_step or force:
            self._diagram_step = step
            self.diagram.update(self.trainer._model_view(), force=True)

    def _on_trainer_event(self, event: str) -> None:
        if event == "progress":
            self._throttle.request()
            self._diagram_throttle.request()
        elif event == "reset":
            self.loss_chart.publish(reset=True)
            self.controls.refresh()
            self._publish_diagram(force=True)
        else:  # status, learning rate, params: rare, always shown at once
            self._throttle.flush()
            self._publish_diagram(force=event == "params")
