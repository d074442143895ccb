"""Coalesce updates by wall time: at most one call per ``interval``, and the last one always lands."""

from __future__ import annotations

import contextvars
import threading
import time
from typing import Callable


class Throttle:
    """``request()`` calls ``fn`` now if ``interval`` has passed, else once when it has (trailing call).

    >>> calls = []; t = Throttle(10.0, lambda: calls.append(1)); t.request(); t.request(); len(calls)
    1
    """

    def __init__(self, interval: float, fn: Callable[[], None], trailing: bool = True) -> None:
        self.interval = interval
        self.trailing = trailing  # False: a call that is not due is dropped (the caller flushes later)
        self._fn = fn
        self._last = -float("inf")
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def request(self) -> None:
        with self._lock:
            if self._timer is not None:  # the pending trailing call will send this too
                return
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:
                if not self.trailing:
                    return
                context = contextvars.copy_context()  # trailing call, in the caller's comm context
                self._timer = threading.Timer(wait, context.run, args=(self._trailing,))
                self._timer.daemon = True
                self._timer.start()
                return
            self._last = time.monotonic()
        self._fn()

    def _trailing(self) -> None:
        with self._lock:
            self._timer = None
            self._last = time.monotonic()
        self._fn()

    def flush(self) -> None:
        """Call ``fn`` now (and drop a pending trailing call)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._last = time.monotonic()
        self._fn()
