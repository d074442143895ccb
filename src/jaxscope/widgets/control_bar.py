"""``ControlBar``: Start / Pause / Step / Reset, the learning rate and the status of one trainer."""

from __future__ import annotations

import threading
from typing import Any

import anywidget
import traitlets

from ..training import Event
from . import protocol
from .bundle import bundle
from .monitor import Fed, Monitor
from .sync import SEND_LOCK, LockedStateMixin

FRAME_INTERVAL = 0.05   # seconds: the step counter and speed at most ~20 times a second
SCALES = (0.5, 3.0)     # the sizes the dashboard may be drawn at (1.5: a projector)


def check_scale(scale: Any) -> float:
    """``scale`` as a float in ``SCALES``, or a ValueError naming it."""
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not SCALES[0] <= scale <= SCALES[1]:
        raise ValueError(f"scale must be a number from {SCALES[0]} to {SCALES[1]:g} (e.g. 1.5 for a projector); "
                         f"got {scale!r}")
    return float(scale)


def saved_text(step: int, result: Any) -> str:
    """The message after a Save click: where it went, or what went wrong.

    >>> saved_text(1200, "/tmp/run"), saved_text(1200, OSError("disk full"))
    ('saved step 1,200 to /tmp/run', 'save failed: OSError: disk full')
    """
    if isinstance(result, BaseException):
        return f"save failed: {type(result).__name__}: {result}"
    return f"saved step {step:,} to {result}"


class ControlBar(Fed, LockedStateMixin, anywidget.AnyWidget):
    """The buttons and read-outs of a ``Trainer``; clicks only queue commands for the trainer,
    status changes are shown at once, the step counter at most every ``FRAME_INTERVAL``.

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
    target_step = traitlets.Int(-1).tag(sync=True)     # the step run(n) / step(n) / start(n) trains to; -1 none
    can_save = traitlets.Bool(False).tag(sync=True)    # trainer.checkpoint_dir is set: the Save button shows
    scale = traitlets.Float(1.0).tag(sync=True)        # the dashboard's size (CSS --jaxscope-scale)

    @traitlets.validate("scale")
    def _valid_scale(self, proposal: Any) -> float:
        return check_scale(proposal["value"])

    def __init__(self, trainer: Any, **kwargs: Any) -> None:
        if "scale" in kwargs:
            kwargs["scale"] = check_scale(kwargs["scale"])
        super().__init__(**kwargs)
        self.trainer = trainer
        self.monitor = Monitor.of(trainer)
        self._note: tuple[int, str, str] | None = None   # (step, status, text): a Save's outcome, shown until either changes
        self.on_msg(self._on_message)
        self.refresh(trainer.snapshot())
        self.monitor.add(self, pacer=self, interval=FRAME_INTERVAL)

    def refresh(self, snap: Any) -> None:
        """Copy a trainer snapshot into the traits (one sync message)."""
        with SEND_LOCK, self.hold_sync():
            self.status = snap.status
            self.step = snap.step
            self.steps_per_second = float(snap.steps_per_second) if snap.status == "running" else 0.0
            self.learning_rate = snap.learning_rate
            note = self._note if self._note is not None and self._note[:2] == (snap.step, snap.status) else None
            self.message = snap.message if note is None else note[2]
            self.title = self.trainer.name
            self.early_stopping = -1 if not self.trainer.tracks_validation else (snap.early_stopping or 0)
            target = getattr(self.trainer, "target_step", None)
            self.target_step = -1 if target is None or snap.status not in ("running", "compiling") else int(target)
            self.can_save = getattr(self.trainer, "checkpoint_dir", None) is not None

    # ---- fed by the display loop ----------------------------------------------------------
    def frame(self, snap: Any, full: bool) -> bool:
        changed = (snap.step, snap.status) != (self.step, self.status) or full
        self.refresh(snap)
        return changed

    def on_event(self, event: Event, snap: Any) -> None:
        if event is not Event.STEPS:  # status, settings, reset, edits: shown at once, never paced
            self.refresh(snap)


    # ---- from the front end ---------------------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, _buffers: list) -> None:
        # Runs in a comm handler (maybe on a subshell thread): remember this context for the
        # display loop, then only hand the command to the trainer; never block here.
        kind = protocol.message_kind(content)
        if kind is None:
            return
        self.monitor.remember_context()
        try:
            if kind == "ready":  # say where it was handled: the view retries until a subshell answers
                on_main = threading.current_thread() is threading.main_thread()
                with SEND_LOCK:
                    self.send(protocol.ready_ack_message(on_main))
            elif kind == "command":
                self._command(content.get("action"))
            elif kind == "set" and content.get("name") == "learning_rate":
                self.trainer.learning_rate = content.get("value")
            elif kind == "set" and content.get("name") == "early_stopping":
                self.trainer.early_stopping = content.get("value") or None
            elif kind == "poll":  # a front end that missed pushes from the display thread asks
                self.monitor.poll()
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
            t.reset(wait=False)
        elif action == "save":
            self._save()

    def _save(self) -> None:
        """The Save button: ``trainer.save`` into ``trainer.checkpoint_dir`` without waiting; the
        message then says where it went (or why not)."""
        save = getattr(self.trainer, "save", None)
        if save is None or getattr(self.trainer, "checkpoint_dir", None) is None:
            raise RuntimeError("set trainer.checkpoint_dir to a folder first; Save writes there")
        step = self.trainer.current_step

        def done(result: Any) -> None:   # on the trainer's thread: the display loop sets the message
            text = saved_text(step, result)

            def show() -> None:
                snap = self.trainer.snapshot()
                self._note = (snap.step, snap.status, text)
                self.refresh(snap)
            self.monitor.post(show)

        save(wait=False, on_done=done)
