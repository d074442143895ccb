"""``Dashboard``: a trainer's control bar above its loss chart, network diagram and views, all fed
by the trainer's display loop (``monitor.py``)."""

from __future__ import annotations

from typing import Any, Callable

import ipywidgets

from .control_bar import ControlBar, check_scale
from .loss_chart import LossChart
from .monitor import Monitor
from .saved_output import SavedOutput, bundle_for, summary_text


def diagram_for(trainer: Any, monitor: Monitor):
    """A NetworkDiagram of the trainer's model, or None when no architecture can be derived."""
    try:
        from .network_diagram import NetworkDiagram

        data = trainer.data
        input_shape = data.input_shape
        small_input = input_shape is not None and len(input_shape) == 1 and input_shape[0] in (1, 2)
        diagram = NetworkDiagram(trainer.snapshot().model_or_params, input_shape=input_shape, apply=trainer.apply,
                                 input_range=data.input_range() if small_input else None, monitor=monitor)
    except Exception:  # no diagram is better than no dashboard; NetworkDiagram() says why
        return None
    if diagram.mode is None:   # not closed: a model closed while the page loads it logs an error there
        monitor.remove(diagram)
        return None
    return diagram


def edit_trainer(trainer: Any, diagram: Any, edit: dict, reply: Callable[[bool, str], None] | None) -> None:
    """Hand a diagram edit to the trainer's driver; answer the front end (``reply``) once it was
    applied, or, called from code (``reply`` None), wait for it and raise what refused it."""
    from ..inspect.edit import edited

    shown = trainer.rewind.shown_step
    if shown is not None:   # the diagram draws an earlier step: an edit would land on other weights than it shows
        message = (f"showing step {shown:,} (rewind): press Live to edit the current weights, or Continue from "
                   "here to edit and train on from this step")
        if reply is None:
            raise RuntimeError(message)
        reply(False, message)
        return
    layer = diagram.spec.layers[edit["layer"]].name
    what = f"weight [{edit['i']}→{edit['j']}]" if edit["param"] == "weight" else f"bias [{edit['i']}]"

    def answered(command) -> None:   # on the driver thread: the display loop sends the answer
        error = command.error
        diagram.monitor.post(lambda: reply(error is None, "" if error is None else str(error)))

    change, note = (lambda params: edited(params, diagram.spec, **edit)), f"set {layer} {what} = {edit['value']:.4g}"
    if reply is None:
        trainer.edit(change, note=note)
    else:
        trainer.edit(change, note=note, wait=False, on_done=answered)


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
    ``scale`` (0.5 to 3) draws it larger, e.g. 1.5 for a projector. Its notebook output also holds a
    text summary and a picture of the loss chart (``saved_output.py``) for renderers without widgets.

    >>> trainer.show(views=[scope.views.FunctionPlot(truth=np.sin)], scale=1.5)  # doctest: +SKIP
    """

    def __init__(self, trainer: Any, diagram: bool = True, views: Any = None, scale: float = 1.0,
                 **chart_options: Any) -> None:
        self._built = False
        scale = check_scale(scale)
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
        self.monitor = Monitor.of(trainer)
        self.loss_chart = LossChart(history=trainer.history, monitor=self.monitor, **chart_options)
        self.controls = ControlBar(trainer, scale=scale)
        self.diagram = diagram_for(trainer, self.monitor) if diagram else None
        if self.diagram is not None:
            self.diagram.edit_handler = lambda edit, reply: edit_trainer(trainer, self.diagram, edit, reply)
            self.diagram.editable = trainer.status not in ("running", "compiling")
        from .scrubber import Scrubber   # the rewind row under the chart; it closes with the chart

        self.scrubber = Scrubber(trainer, self.monitor, self.loss_chart)
        parts = [self.controls, self.loss_chart, self.scrubber] + ([self.diagram] if self.diagram is not None else [])
        self.member_picker = None
        if trainer.ensemble_size is not None:   # which member the diagram and views draw
            from .member_picker import MemberPicker

            self.member_picker = MemberPicker(trainer)
            parts.insert(3, self.member_picker)
        if self.views:
            row = ipywidgets.HBox(self.views, layout=ipywidgets.Layout(flex_flow="row wrap"))
            row.add_class("jaxscope-views")
            parts.append(row)
        super().__init__(parts)
        self.add_class("jaxscope-dashboard")
        self.saved_output = SavedOutput(self._repr_mimebundle_, self.monitor)
        self.monitor.add(self.saved_output)
        self._built = True

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The widget view, a text summary (``lesson 2 · done · step 5,000 · loss 3.2e-5``) and the loss chart as a PNG."""
        return bundle_for(super()._repr_mimebundle_(**kwargs), self.trainer)

    def __repr__(self) -> str:   # in a console too: "Dashboard(lesson 2 · done · step 5,000 · loss 3.2e-5)"
        return f"Dashboard({summary_text(self.trainer)})" if getattr(self, "_built", False) else "Dashboard()"

    def _ipython_display_(self) -> None:
        # Displayed with a display id, so the output can be replaced when training ends headless.
        from IPython.display import display

        self.saved_output.displayed = True
        display(self._repr_mimebundle_(), raw=True, display_id=self.saved_output.display_id)

    def close(self) -> None:
        """Close the widgets and views; a trainer that no dashboard shows any more stops at the next chunk."""
        if not getattr(self, "_built", False):  # refused its arguments: there is nothing to stop
            return
        self.trainer.pause(wait=False)
        self.monitor.remove(self.saved_output)
        for widget in (self.controls, self.loss_chart, self.diagram, self.member_picker, *self.views):
            if widget is not None:
                widget.close()
        super().close()
