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

    def __init__(self, interval: float, fn: Callable[[], None]) -> None:
        self.interval = interval
        self._fn = fn
        self._last = -float("inf")
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def request(self) -> None:
        with self._lock:
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:
                if self._timer is None:  # trailing call, in the caller's context (its comm parent)
                    context = contextvars.copy_context()
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
