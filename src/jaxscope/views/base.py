"""``View``: a widget that redraws what the network computes, from a trainer's current parameters,
at most ``1 / interval`` times a second while it trains and once more when it pauses or ends.
Redraws run on the trainer's display loop (``widgets/monitor.py``), never on the training thread,
and are paced by the browser through the invisible ``FrameAck`` each view holds.

Subclasses say what to compute (``compute(model_or_params) -> dict of numpy arrays``: pure, what
the tests check) and how to show it (``draw(data)``: sets bqplot marks / widgets).
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

import ipywidgets

from ..widgets.frame_ack import FrameAck
from ..widgets.monitor import Fed, Monitor
from ..widgets.sync import SEND_LOCK
from .network import Network

INTERVAL = 0.5      # seconds: at most 2 redraws a second while training (see docs/architecture.md)


class View(Fed, ipywidgets.VBox):
    """Base of the views. ``view.attach(trainer)`` follows a trainer (``trainer.show(views=[...])``
    does it); ``view.update(params)`` redraws for given parameters when it stands alone."""

    runs_network = True     # False: the view only reads the parameters (no apply needed)
    members_tree = None     # an ensemble's members stacked (``Snapshot.members_tree``) while it redraws

    def __init__(self, trainer: Any = None, *, params: Any = None, apply: Any = None, module: Any = None,
                 interval: float = INTERVAL, children: tuple = ()) -> None:
        layout = ipywidgets.Layout(width="auto", flex="0 0 auto", margin="0 16px 8px 0")
        super().__init__(list(children), layout=layout)
        self.add_class("jaxscope-view")
        if not isinstance(interval, (int, float)) or isinstance(interval, bool) or interval < 0:
            raise ValueError(f"interval must be a number of seconds >= 0; got {interval!r}")
        self.interval = float(interval)
        self._options = {"apply": apply, "module": module}
        self.network: Network | None = None
        self.refreshes = 0              # how often it has redrawn (tests, benchmarks)
        self.refresh_seconds = 0.0      # wall time of all refreshes (includes waiting for the device)
        self.refresh_cpu_seconds = 0.0  # CPU time of the refreshing thread in them (Python, numpy, sends)
        self._lock = threading.Lock()
        self._drawn: tuple | None = None          # (step, params version) last drawn
        self.drawing_step = 0                     # the step of the parameters being drawn (CustomView's fn gets it)
        self.problem = ipywidgets.HTML(layout=ipywidgets.Layout(display="none"))
        self.problem.add_class("jaxscope-view-problem")
        self._ack = FrameAck()
        self.monitor: Monitor | None = None
        self.trainer = None
        if trainer is not None:
            self.attach(trainer)
        elif params is not None:
            self.network = Network(params=params, apply=apply, module=module, view=type(self).__name__,
                                   forward=self.runs_network)
            self._build()

    # ---- what subclasses provide ----------------------------------------------------------
    def _setup(self) -> None:
        """Fix the sample sets and build the marks once ``self.network`` exists."""

    def compute(self, model_or_params: Any) -> dict:
        raise NotImplementedError

    def draw(self, data: dict) -> None:
        raise NotImplementedError

    # ---- following a trainer --------------------------------------------------------------
    def attach(self, trainer: Any) -> "View":
        """Follow ``trainer``: redraw while it trains (throttled) and on pause, reset or edits."""
        if self.trainer is trainer:
            return self
        if self.trainer is not None:
            raise ValueError(f"this {type(self).__name__} already follows another trainer; make a new view")
        self.network = Network(trainer, view=type(self).__name__, forward=self.runs_network, **self._options)
        self.trainer = trainer
        self._build()
        self.monitor = Monitor.of(trainer)
        self.monitor.add(self, pacer=self._ack, interval=self.interval)
        return self

    def _build(self) -> None:
        self._setup()
        self.children = (*self.children, self.problem, self._ack)
        self.refresh()

    # ---- fed by the display loop ----------------------------------------------------------
    def frame(self, snap: Any, full: bool) -> bool:
        """Redraw for the parameters of ``snap`` unless they are the ones drawn already."""
        if snap.drawn_key == self._drawn and not full:     # (drawn step, params version, rewound?, member)
            return False
        self.members_tree = snap.members_tree   # an ensemble: every member, for views that show the spread
        self._redraw(snap.model_or_params, snap.drawn_key)
        return True

    @property
    def drawn_step(self) -> int | None:
        """The trainer step whose parameters are drawn now (None: standalone or not drawn yet)."""
        return None if self._drawn is None else self._drawn[0]

    def on_error(self, error: BaseException | None) -> None:
        self._show_problem("" if error is None else f"{type(error).__name__}: {error}")

    def wait(self, timeout: float | None = 10.0) -> bool:
        """Wait until the view has drawn what the trainer asked for so far (False on timeout)."""
        return True if self.monitor is None else self.monitor.wait(timeout)

    def _show_problem(self, text: str) -> None:
        """A line under the view saying why it could not redraw ('' hides it)."""
        shown = bool(text)
        if shown == (self.problem.layout.display != "none") and self.problem.value == html.escape(text):
            return
        with SEND_LOCK:
            self.problem.value = html.escape(text)
            self.problem.layout.display = None if shown else "none"

    def update(self, params: Any) -> None:
        """Redraw for ``params`` (a view that follows no trainer)."""
        if self.trainer is not None:
            raise ValueError("this view follows a trainer, which sets its parameters")
        if self.network is None:
            needs = "params= and apply=" if self.runs_network else "params="
            raise ValueError(f"{type(self).__name__}: pass {needs} when making a view without a trainer")
        self.network.set(params)
        self.refresh()

    def refresh(self) -> None:
        """Recompute from the current parameters and redraw."""
        if self.network is None:
            return
        snap = None if self.trainer is None else self.trainer.snapshot()
        if snap is None:
            self._redraw(self.network.current(), None)
        else:
            self.members_tree = snap.members_tree
            self._redraw(snap.model_or_params, snap.drawn_key)

    def _redraw(self, model_or_params: Any, drawn: tuple | None) -> None:
        with self._lock:
            self.drawing_step = drawn[0] if drawn is not None else 0   # the step of the parameters drawn
            started, cpu = time.perf_counter(), time.thread_time()
            data = self.compute(model_or_params)
            with SEND_LOCK:
                self.draw(data)
            self._drawn = drawn
            self.refreshes += 1
            self.refresh_seconds += time.perf_counter() - started
            self.refresh_cpu_seconds += time.thread_time() - cpu

    def close(self) -> None:
        """Close what the view made; ``Fed`` stops the display loop feeding it."""
        if hasattr(self, "_ack"):
            self._ack.close()
        for child in self._owned():
            child.close()
        super().close()

    def _owned(self) -> list:
        """Widgets this view made (closed with it)."""
        return []
