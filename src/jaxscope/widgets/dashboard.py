"""``Dashboard``: a trainer's control bar above its loss chart, updated live while it trains."""

from __future__ import annotations

from typing import Any

import ipywidgets

from .control_bar import ControlBar
from .loss_chart import UPDATE_INTERVAL, LossChart
from .sync import SEND_LOCK
from .throttle import Throttle

DIAGRAM_INTERVAL = 0.1  # seconds: the diagram redraws at most 10 times a second


def diagram_for(trainer: Any):
    """A NetworkDiagram of the trainer's model, or None when no architecture can be derived."""
    try:
        from .network_diagram import NetworkDiagram

        input_shape = trainer._input_shape()
        small_input = input_shape is not None and len(input_shape) == 1 and input_shape[0] in (1, 2)
        diagram = NetworkDiagram(trainer._model_view(), input_shape=input_shape, apply=trainer.apply,
                                 input_range=trainer._input_range() if small_input else None)
    except Exception:  # no diagram is better than no dashboard; NetworkDiagram() says why
        return None
    return diagram if diagram.drawable else None


def edit_trainer(trainer: Any, diagram: Any, **edit: Any) -> None:
    """Apply a diagram edit to the trainer's parameters and say what the loss is now."""
    from ..inspect.edit import edited

    if trainer.status == "running":
        raise ValueError("pause training to edit weights")
    trainer.params = edited(trainer.params, diagram.spec, **edit)
    layer = diagram.spec.layers[edit["layer"]].name
    what = f"weight [{edit['i']}→{edit['j']}]" if edit["param"] == "weight" else f"bias [{edit['i']}]"
    trainer._note_edit(f"set {layer} {what} = {edit['value']:.4g}")


def check_views(views: Any) -> list:
    """``views`` as a list of jaxscope views, or a TypeError naming what else was given."""
    from ..views.base import View

    if views is None:
        return []
    if isinstance(views, View) or not isinstance(views, (list, tuple)):
        views = [views]
    for k, view in enumerate(views):
        if not isinstance(view, View):
            raise TypeError(f"views[{k}] must be a jaxscope view (scope.views.FunctionPlot(...), ParityPlot(...), ...); "
                            f"got {type(view).__name__}")
    return list(views)


class Dashboard(ipywidgets.VBox):
    """What ``trainer.show()`` returns: ``.controls``, ``.loss_chart``, when the architecture can be
    derived ``.diagram``, and ``.views`` (``trainer.show(views=[...])``), fed by the trainer.

    >>> trainer.show(views=[scope.views.FunctionPlot(truth=np.sin)])  # doctest: +SKIP
    """

    def __init__(self, trainer: Any, diagram: bool = True, views: Any = None, **chart_options: Any) -> None:
        self._built = False
        self.views = check_views(views)
        attached: list = []
        try:  # first the views, whose arguments are the likeliest to be refused: nothing else exists yet
            for view in self.views:
                view.attach(trainer)
                attached.append(view)
        except Exception:
            for view in attached:
                view.close()
            raise
        self.trainer = trainer
        self.controls = ControlBar(trainer)
        self.loss_chart = LossChart(history=trainer.history, **chart_options)
        self.loss_chart.on_ready = trainer._remember_comm_context
        self.diagram = diagram_for(trainer) if diagram else None
        if self.diagram is not None:
            self.diagram.edit_handler = lambda **edit: edit_trainer(trainer, self.diagram, **edit)
            self.diagram.editable = trainer.status != "running"
        self._diagram_step = -1
        self._diagram_throttle = Throttle(DIAGRAM_INTERVAL, self._publish_diagram, trailing=False)
        parts = [self.controls, self.loss_chart] + ([self.diagram] if self.diagram is not None else [])
        if self.views:
            row = ipywidgets.HBox(self.views, layout=ipywidgets.Layout(flex_flow="row wrap"))
            row.add_class("jaxscope-views")
            parts.append(row)
        super().__init__(parts)
        self.add_class("jaxscope-dashboard")
        # The trainer reports after every chunk (~50 ms) and on every status change, so a skipped
        # update is always followed by another: no trailing timer thread is needed.
        self._throttle = Throttle(UPDATE_INTERVAL, self._publish, trailing=False)
        trainer._subscribe(self._on_trainer_event)
        self._built = True

    def close(self) -> None:
        """Close the views; a trainer that no dashboard shows any more stops at the next chunk."""
        if not getattr(self, "_built", False):  # refused its arguments: there is nothing to stop
            return
        self.trainer._unsubscribe(self._on_trainer_event)
        self.trainer.pause(wait=False)
        self.controls.close()
        self.loss_chart.close()
        if self.diagram is not None:
            self.diagram.close()
        for view in self.views:
            view.close()
        super().close()

    def _publish(self) -> None:
        self._sync_best_step()
        self.loss_chart.publish()
        self.controls.refresh()

    def _sync_best_step(self) -> None:
        """With early stopping, the chart marks the step of the best validation loss."""
        best = self.trainer.best_step if self.trainer.early_stopping is not None else None
        value = -1 if best is None else best
        if self.loss_chart.best_step != value:
            with SEND_LOCK:
                self.loss_chart.best_step = value

    def _sync_editable(self) -> None:
        """Edit mode only while the trainer is not running."""
        editable = self.trainer.status != "running"
        if self.diagram is not None and self.diagram.editable != editable:
            with SEND_LOCK:
                self.diagram.editable = editable

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
            self._sync_best_step()
            self.loss_chart.publish(reset=True)
            self.controls.refresh()
            self._publish_diagram(force=True)
        else:  # status, learning rate, params: rare, always shown at once
            self._throttle.flush()
            self._sync_editable()
            self._publish_diagram(force=event == "params")
