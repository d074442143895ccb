"""The display loop: one thread per trainer that feeds every widget and view, and the only place
that decides when something is sent to the browser.

The trainer's driver only calls ``_on_event`` (a lock and a notify). The loop's own thread then
reads one ``trainer.snapshot()`` and, for each registered feed (control bar, loss chart, diagram,
views):
- reacts at once to events that must never wait (``feed.on_event``: a status change, a reset);
- sends a frame (``feed.frame(snapshot, full)``) when the feed has news and its interval has
  passed, and then a ``ping`` to the feed's pacer widget. Flow control: the feed's next frame
  waits for the front end's ``ack`` of that ping (sent once the page handled and painted what came
  before), so a slow or remote browser gets fewer frames instead of a backlog. A feed whose widget
  never heard from a front end (no page shows it, e.g. a headless run) is not held back; an ack
  that does not come within ``ACK_TIMEOUT`` (tab closed or hidden) lets one more frame through.
Neuron maps and views' forward passes are computed here, never on the training thread. The thread
runs in the context of the last comm message (so the kernel keeps routing clicks to the comm
subshell) and ends after ``IDLE_EXIT`` seconds with nothing to do.
"""

from __future__ import annotations

import collections
import contextvars
import itertools
import threading
import time
import weakref
from typing import Any, Callable

from ..training import Event
from . import protocol
from .sync import SEND_LOCK

ACK_TIMEOUT = 3.0      # seconds without an ack after which one more frame goes out
IDLE_SHARE = 1.0       # after an ack that took t seconds, no frame goes out for IDLE_SHARE * (t - FREE_TRIP)
FREE_TRIP = 0.1        # seconds of a round trip that are not the page being busy (two animation frames, the network)
IDLE_EXIT = 5.0        # seconds with nothing to do after which the thread ends (a new one starts on demand)
FINAL_WAIT = 0.5       # seconds the driver lets the loop draw the end of training before run() returns
HELD_INTERVAL = 0.25   # seconds between frames while acks cannot arrive (no subshell, a blocking run())

_monitors: "weakref.WeakKeyDictionary[Any, Monitor]" = weakref.WeakKeyDictionary()
_monitors_lock = threading.Lock()


class Slot:
    """One feed's bookkeeping: news to show, when it last sent, the ping it waits for."""

    def __init__(self, feed: Any, pacer: Any, interval: float) -> None:
        self.feed, self.pacer, self.interval = feed, pacer, interval
        self.pending_since: int | None = None   # request number of the oldest news not yet drawn
        self.urgent = False                     # draw as soon as flow control allows (pause, reset, edit)
        self.full = False                       # the next frame resends everything (a view (re)rendered)
        self.awaiting: int | None = None        # the ping whose ack the next frame waits for
        self.heard = False                      # a front end has answered this widget at least once
        self.unanswered_since: float | None = None   # the first ping sent since the front end last answered
        self.sent_at = self.last_frame = -float("inf")
        self.frames = 0
        self.round_trips: collections.deque = collections.deque(maxlen=64)   # seconds from ping to ack
        self.error: BaseException | None = None

    def due_at(self, now: float, rest_until: float, acks_held: bool = False) -> float:
        """When this slot may next send a frame (inf: nothing to send); ``rest_until``: the
        browser's rest after its last ack (urgent frames do not wait for it); ``acks_held``: the page's
        acks wait behind a busy main shell, so frames are paced by time alone."""
        if self.pending_since is None:
            return float("inf")
        if acks_held:
            return now if self.urgent else self.last_frame + max(self.interval, HELD_INTERVAL)
        if self.awaiting is not None and self.heard and now - self.sent_at < ACK_TIMEOUT:
            return self.sent_at + ACK_TIMEOUT      # an ack wakes the loop earlier
        if self.urgent:
            return now
        return max(self.last_frame + self.interval, rest_until)


class Monitor:
    """The display loop of one trainer (``Monitor.of(trainer)``), or of standalone widgets (``Monitor()``).

    >>> monitor = Monitor(); frames = []
    >>> class Feed:
    ...     def frame(self, snapshot, full): frames.append(full); return False
    >>> slot = monitor.add(Feed(), interval=10.0); monitor.request(monitor.feeds[0], urgent=True)
    >>> monitor.wait(5.0), frames
    (True, [False])
    """

    @classmethod
    def of(cls, trainer: Any) -> "Monitor":
        with _monitors_lock:
            monitor = _monitors.get(trainer)
            if monitor is None or monitor.closed:
                monitor = _monitors[trainer] = cls(trainer)
            return monitor

    def __init__(self, trainer: Any = None) -> None:
        self._trainer = None if trainer is None else weakref.ref(trainer)
        self._cond = threading.Condition()
        self._slots: list[Slot] = []
        self._events: dict[Event, None] = {}   # pending, in order, without repeats
        self._tasks: list[Callable[[], None]] = []
        self._seq = itertools.count(1)
        self._requested = 0
        self._drawing = False
        self._thread: threading.Thread | None = None
        self._generation = 0
        self._context: contextvars.Context | None = None
        self._context_on_subshell = False
        self._pings = itertools.count(1)
        self._rest_until = -float("inf")     # the page's rest after its last ack (see IDLE_SHARE)
        self.closed = False
        self._unwatch = None if trainer is None else trainer.watch(self._on_event)

    # ---- registration -------------------------------------------------------------------
    @property
    def feeds(self) -> list:
        return [slot.feed for slot in self._slots]

    def add(self, feed: Any, pacer: Any = None, interval: float = 0.05) -> Slot:
        """Feed ``feed`` (``frame(snapshot, full) -> sent?``, optional ``on_event(event, snapshot)``
        and ``on_error(error)``) at most every ``interval`` seconds, paced by ``pacer``'s acks."""
        slot = Slot(feed, pacer, float(interval))
        if pacer is not None:
            pacer.on_msg(lambda _w, content, _b: self._on_front_end(slot, content))
        with self._cond:
            self._slots.append(slot)
        return slot

    def slot(self, feed: Any) -> Slot | None:
        return next((s for s in self._slots if s.feed is feed), None)

    def remove(self, feed: Any) -> None:
        """Stop feeding ``feed``; the last removal ends the loop and stops watching the trainer."""
        with self._cond:
            self._slots = [s for s in self._slots if s.feed is not feed]
            if self._slots:
                return
            self.closed = True
            self._cond.notify_all()
        if self._unwatch is not None:
            self._unwatch()

    # ---- what wakes the loop ------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        """From the trainer's driver thread: note the event, mark the feeds, wake the loop."""
        trainer = self._trainer()
        final = event in (Event.RESET, Event.PARAMS) or (
            event is Event.STATUS and trainer is not None and trainer.status not in ("running", "compiling"))
        with self._cond:
            if event is not Event.STEPS:
                self._events[event] = None
            for slot in self._slots:
                self._mark(slot, urgent=final, full=event is Event.RESET)
            self._wake()
            # Training stopped: the driver finishes the command (run() returns) once the widgets
            # show the end, so a notebook saved or executed headless right after keeps it. Not
            # while a page is still applying a frame: it gets the end with its next ack.
            settle = event is Event.STATUS and final and not any(s.heard and s.awaiting is not None for s in self._slots)
        if settle and threading.current_thread() is not self._thread:
            self.wait(FINAL_WAIT)

    def request(self, feed: Any, urgent: bool = False, full: bool = False) -> None:
        """Ask for a frame of ``feed`` (standalone widgets: new points, new parameters)."""
        with self._cond:
            slot = self.slot(feed)
            if slot is not None:
                self._mark(slot, urgent, full)
                self._wake()

    def poll(self) -> None:
        """A front end missed pushes (it asks: so it is not busy): send every feed a frame now,
        without waiting for acks that may have been lost with them."""
        with self._cond:
            for slot in self._slots:
                slot.awaiting = None
                self._mark(slot, urgent=True, full=False)
            self._wake()

    def post(self, task: Callable[[], None]) -> None:
        """Run ``task`` on the loop's thread (e.g. answering an edit once the driver applied it)."""
        with self._cond:
            self._tasks.append(task)
            self._wake()

    def remember_context(self) -> None:
        """Called inside comm message handlers: the loop publishes in this context. A handler on a
        comm subshell thread is preferred (ipykernel >= 7 routes a widget's messages to the shell
        it last published on): a loop parented to a main-shell message would send clicks there."""
        on_subshell = threading.current_thread() is not threading.main_thread()
        with self._cond:
            if on_subshell or not self._context_on_subshell:
                upgrade = on_subshell and not self._context_on_subshell
                self._context = contextvars.copy_context()
                self._context_on_subshell = on_subshell
                if upgrade and self._thread is not None:
                    self._generation += 1       # restart the loop in the subshell's context
                    self._thread = None
                    self._wake()

    @staticmethod
    def live_for(trainer: Any) -> bool:
        """Whether a page shows a dashboard of ``trainer`` now (creates no monitor)."""
        with _monitors_lock:
            monitor = _monitors.get(trainer)
        return monitor is not None and not monitor.closed and monitor.page_live()

    def page_live(self, within: float = 5.0) -> bool:
        """Whether a page shows one of these feeds: it answered (a ready, a frame's ack), and no ping of
        ours has waited for its answer over ``within`` seconds (an idle page is sent nothing to answer)
        unless its answers cannot arrive (``acks_held``). Then ``run()`` prints no progress and saved
        outputs are left alone."""
        now, held = time.monotonic(), self.acks_held()
        return any(slot.heard and (held or slot.unanswered_since is None or now - slot.unanswered_since <= within)
                   for slot in self._slots)

    def acks_held(self) -> bool:
        """Whether the page's answers wait behind the main shell: no comm subshell answered (ipykernel 6,
        VS Code, Colab) and the main thread is blocked in the trainer's ``run()``."""
        trainer = None if self._trainer is None else self._trainer()
        return not self._context_on_subshell and bool(getattr(trainer, "blocking_main", False))

    def _on_front_end(self, slot: Slot, content: Any) -> None:
        kind = protocol.message_kind(content)
        if kind not in ("ack", "ready"):
            return
        self.remember_context()
        with self._cond:
            slot.heard, slot.unanswered_since = True, None
            if kind == "ack" and content.get("frame") == slot.awaiting:
                # A browser that needed t seconds for the frame gets as long again to itself, so it
                # is free to show a click's result (Pause) instead of always drawing our frames.
                now = time.monotonic()
                slot.round_trips.append(now - slot.sent_at)
                busy = min(now - slot.sent_at, ACK_TIMEOUT) - FREE_TRIP
                self._rest_until = max(self._rest_until, now + IDLE_SHARE * busy)
            if kind == "ready" or content.get("frame") == slot.awaiting:
                slot.awaiting = None
            if kind == "ready":
                self._mark(slot, urgent=True, full=True)
            self._wake()

    def _mark(self, slot: Slot, urgent: bool, full: bool) -> None:
        self._requested = next(self._seq)
        if slot.pending_since is None:
            slot.pending_since = self._requested
        slot.urgent = slot.urgent or urgent
        slot.full = slot.full or full

    def _wake(self) -> None:
        if self.closed:
            return
        if self._thread is None:
            context = self._context.copy() if self._context is not None else contextvars.copy_context()
            self._thread = threading.Thread(target=context.run, args=(self._loop, self._generation),
                                            name="jaxscope-display", daemon=True)
            self._thread.start()
        self._cond.notify_all()

    # ---- the loop -----------------------------------------------------------------------
    def _loop(self, generation: int) -> None:
        idle_since = time.monotonic()
        while True:
            with self._cond:
                now = time.monotonic()
                if self.closed or generation != self._generation:
                    self._cond.notify_all()
                    return
                held = self.acks_held()
                due = [slot for slot in self._slots if slot.due_at(now, self._rest_until, held) <= now]
                if not (due or self._events or self._tasks):
                    wake_at = min((slot.due_at(now, self._rest_until, held) for slot in self._slots),
                                  default=float("inf"))
                    if wake_at == float("inf") and now - idle_since >= IDLE_EXIT:
                        self._thread = None
                        self._cond.notify_all()
                        return
                    self._cond.wait(min(wake_at - now, IDLE_EXIT))
                    continue
                events, self._events = list(self._events), {}
                tasks, self._tasks = self._tasks, []
                for slot in due:
                    slot.pending_since, slot.urgent = None, False
                self._drawing = True
            try:
                self._work(events, tasks, due)
            finally:
                with self._cond:
                    self._drawing = False
                    self._cond.notify_all()
            idle_since = time.monotonic()

    def _work(self, events: list, tasks: list, due: list) -> None:
        trainer = None if self._trainer is None else self._trainer()
        snapshot = None if trainer is None else trainer.snapshot()
        del trainer
        for task in tasks:
            try:
                task()
            except Exception:   # a task reports its own outcome (e.g. an edit_result); never raise here
                pass
        for event in events:
            for slot in list(self._slots):
                react = getattr(slot.feed, "on_event", None)
                try:
                    react is not None and react(event, snapshot)
                except Exception as error:
                    self._show(slot, error)
        for slot in due:
            full, slot.full = slot.full, False
            now = time.monotonic()
            try:
                sent = slot.feed.frame(snapshot, full)
            except Exception as error:
                self._show(slot, error)
                sent = False
            else:
                if slot.error is not None:   # drawn again: the error line goes
                    self._show(slot, None)
            slot.last_frame = now
            slot.frames += 1
            if sent and slot.pacer is not None:   # pinged always; waited for once a front end answered
                frame = next(self._pings)
                with self._cond:
                    slot.awaiting, slot.sent_at = frame, time.monotonic()
                    if slot.unanswered_since is None:
                        slot.unanswered_since = slot.sent_at
                with SEND_LOCK:
                    slot.pacer.send(protocol.ping_message(frame))

    @staticmethod
    def _show(slot: Slot, error: BaseException | None) -> None:
        """Keep a feed's error (None: it drew again) on its slot and let the feed show it."""
        slot.error = error
        show = getattr(slot.feed, "on_error", None)
        try:
            show is not None and show(error)
        except Exception:
            pass

    def wait(self, timeout: float | None = 10.0) -> bool:
        """Until everything asked for before this call has been drawn (False on timeout)."""
        with self._cond:
            target = self._requested

            def settled() -> bool:
                return not self._drawing and not self._events and not self._tasks and all(
                    s.pending_since is None or s.pending_since > target for s in self._slots)

            return self._cond.wait_for(settled, timeout)


class Fed:
    """Mixin for widgets a display loop feeds (``self.monitor``): closing one stops feeding it."""

    def close(self) -> None:
        if getattr(self, "monitor", None) is not None:
            self.monitor.remove(self)
        super().close()
