"""``MemberPicker``: which member of an ensemble the diagram and views draw (``trainer.focus``).

A dropdown "member 0 … member N-1" (a diverged member is marked so); views that show the spread
(FunctionPlot's band, ParityPlot's error bars) draw every member around the one picked.

>>> trainer = scope.Trainer(params=init, loss=loss, data=data, ensemble=8)    # doctest: +SKIP
>>> trainer.show()            # the dashboard holds one: dashboard.member_picker   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import ipywidgets

from ..training import Event
from .monitor import Monitor
from .sync import SEND_LOCK


def member_options(size: int, diverged: dict[int, int]) -> list[tuple[str, int]]:
    """The dropdown's entries.

    >>> member_options(3, {1: 120})
    [('member 0', 0), ('member 1 (diverged at step 121)', 1), ('member 2', 2)]
    """
    return [(f"member {i}" + (f" (diverged at step {diverged[i] + 1:,})" if i in diverged else ""), i)
            for i in range(size)]


class MemberPicker(ipywidgets.HBox):
    """The focus dropdown of an ensemble ``trainer``; it follows member divergence."""

    def __init__(self, trainer: Any) -> None:
        if trainer.ensemble_size is None:
            raise ValueError("MemberPicker shows the members of an ensemble: Trainer(..., ensemble=N)")
        self.trainer = trainer
        self._diverged = dict(trainer.diverged_members)
        self.dropdown = ipywidgets.Dropdown(options=member_options(trainer.ensemble_size, self._diverged),
                                            value=trainer.focus, description="draw",
                                            layout=ipywidgets.Layout(width="260px"))
        self.dropdown.observe(self._picked, "value")
        note = ipywidgets.HTML(f"<span class='jaxscope-members-note'>{trainer.ensemble_size} members train "
                               "together; the chart shows their median and 25-75 % band</span>")
        super().__init__([self.dropdown, note])
        self.add_class("jaxscope-member-picker")
        self._unwatch = trainer.watch(self._on_event)

    def _picked(self, change: dict) -> None:
        if change["new"] is not None and change["new"] != self.trainer.focus:
            self.trainer.focus = change["new"]

    def _on_event(self, event: Event) -> None:
        # on the training thread: only a dict comparison unless a member diverged since
        if event is Event.STATUS or event is Event.RESET:
            diverged = self.trainer.diverged_members
            if diverged != self._diverged:
                self._diverged = diverged
                Monitor.of(self.trainer).post(self._relabel)   # sent from the display loop, not from here

    def _relabel(self) -> None:
        with SEND_LOCK:
            self.dropdown.options = member_options(self.trainer.ensemble_size, self._diverged)
            self.dropdown.value = self.trainer.focus

    def close(self) -> None:
        self._unwatch()
        super().close()
