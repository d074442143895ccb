"""Redraw a view off the training thread: at most once per ``interval``, as soon as it is due.

The trainer's worker only calls ``request()`` (a lock and a notify); the view's own thread
computes and sends. So a view never holds up training, whatever its forward costs: on a CPU the
view's computation waits for the chunk in flight, and the worker keeps the next one queued.
The thread runs in the context of the first request (the trainer's comm context) and ends after
``IDLE_EXIT`` seconds without requests; the next request starts a new one.
"""

from __future__ import annotations

import contextvars
import threading
import time
from typing import Callable

IDLE_EXIT = 5.0


class Refresher:
    """``request()``: redraw once ``interval`` has passed since the last; ``request(now=True)``:
    at once (status changes). ``wait()`` returns when every earlier request has been drawn.

    >>> calls = []; r = Refresher(lambda: calls.append(1), 10.0)
    >>> r.request(now=True); r.wait(5.0), calls
    (True, [1])
    """

    def __init__(self, fn: Callable[[], None], interval: float) -> None:
        self._fn = fn
        self.interval = interval
        self._cond = threading.Condition()
        self._requested = 0          # requests made
        self._drawn = 0              # requests covered by a finished draw
        self._urgent = False
        self._last = -float("inf")
        self._thread: threading.Thread | None = None
        self._closed = False
        self.error: BaseException | None = None

    def request(self, now: bool = False) -> None:
        with self._cond:
            if self._closed:
                return
            self._requested += 1
            self._urgent = self._urgent or now
            if self._thread is None:
                context = contextvars.copy_context()
                self._thread = threading.Thread(target=context.run, args=(self._loop,), daemon=True,
                                                name="jaxscope-view")
                self._thread.start()
            else:
                self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._requested == self._drawn and not self._closed:
                    if not self._cond.wait(IDLE_EXIT) and self._requested == self._drawn:
                        self._thread = None
                        return
                if self._closed:
                    self._thread = None
                    self._cond.notify_all()
                    return
                due = self._last + self.interval - time.monotonic()
                if due > 0 and not self._urgent:
                    self._cond.wait(due)     # a status change (urgent) cuts the wait short
                    continue
                target, self._urgent = self._requested, False
            try:
                self._fn()
                self.error = None
            except Exception as error:   # keep the thread; the view shows the error
                self.error = error
            with self._cond:
                self._last = time.monotonic()
                self._drawn = target
                self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every request made before this call has been drawn; False on timeout."""
        with self._cond:
            target = self._requested
            return self._cond.wait_for(lambda: self._drawn >= target or self._closed, timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
