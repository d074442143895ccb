"""``ControlBar``: Start / Pause / Step / Reset, the learning rate and the status of one trainer."""

from __future__ import annotations

import threading
from typing import Any

import anywidget
import traitlets

from . import protocol
from .bundle import bundle
from .sync import SEND_LOCK, LockedStateMixin


class ControlBar(LockedStateMixin, anywidget.AnyWidget):
    """The buttons and read-outs of a ``Trainer``; clicks only queue work for the trainer.

    >>> ControlBar(trainer)  # doctest: +SKIP
    """

    _esm = bundle("control_bar.js")
    _css = bundle("jaxscope.css")

    status = traitlets.Unicode("idle").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    steps_per_second = traitlets.Float(0.0).tag(sync=True)
    learning_rate = traitlets.Float(None, allow_none=True).tag(sync=True)
    step_size = traitlets.Int(10, min=1).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    early_stopping = traitlets.Int(-1).tag(sync=True)  # patience; 0 off; -1 no validation data

    def __init__(self, trainer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trainer = trainer
        self.on_msg(self._on_message)
        self.refresh()

    def refresh(self) -> None:
        """Copy the trainer's status into the traits (one sync message)."""
        t = self.trainer
        with SEND_LOCK, self.hold_sync():
            self.status = t.status
            self.step = t.current_step
            self.steps_per_second = float(t.steps_per_second) if t.status == "running" else 0.0
            self.learning_rate = t.learning_rate
            self.message = t.message
            self.title = t.name
            self.early_stopping = -1 if t._validation is None else (t.early_stopping or 0)

    def _on_message(self, _widget: Any, content: Any, _buffers: list) -> None:
        # Runs in a comm handler (maybe on a subshell thread): remember this context for the
        # worker, then only hand the command to the trainer.
        kind = protocol.message_kind(content)
        if kind is None:
            return
        self.trainer._remember_comm_context()
        try:
            if kind == "ready":  # say where it was handled: the view retries until a subshell answers
                on_main = threading.current_thread() is threading.main_thread()
                with SEND_LOCK:
                    self.send({"v": protocol.VERSION, "kind": "ready_ack", "shell": "main" if on_main else "subshell"})
            elif kind == "command":
                self._command(content.get("action"))
            elif kind == "set" and content.get("name") == "learning_rate":
                self.trainer.learning_rate = content.get("value")
            elif kind == "set" and content.get("name") == "early_stopping":
                self.trainer.early_stopping = content.get("value") or None
                self.trainer._notify("status")
            elif kind == "poll":  # a front end that missed pushes from the worker thread asks
                self.trainer._notify("poll")
        except Exception as e:  # never print from here: the error goes on screen
            with SEND_LOCK:
                self.message = f"{type(e).__name__}: {e}"

    def _command(self, action: Any) -> None:
        t = self.trainer
        if action == "start":
            t.start()
        elif action == "pause":
            t.pause(wait=False)
        elif action == "step":
            t.step(self.step_size)
        elif action == "reset":
            t.reset()
