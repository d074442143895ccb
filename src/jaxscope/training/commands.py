"""What callers ask a trainer's driver to do: ``Command``s, handled one after another on the driver
thread at chunk boundaries, whatever thread (a cell, a comm handler, a timer) submitted them.

>>> command = Command("pause"); command.finish(); command.done.is_set(), command.error
(True, None)
"""

from __future__ import annotations

import threading
from typing import Any, Callable

KINDS = ("start", "run", "pause", "reset", "params", "save", "restore", "rewind")


class Command:
    """One request: ``kind`` and ``args``; ``done`` is set (and ``on_done(command)`` called on the
    driver thread) once it was handled, with ``error`` holding the exception that refused it."""

    def __init__(self, kind: str, *args: Any, on_done: Callable[["Command"], None] | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown command {kind!r}; known: {KINDS}")
        self.kind, self.args = kind, args
        self.on_done = on_done
        self.done = threading.Event()
        self.error: BaseException | None = None

    def finish(self, error: BaseException | None = None) -> None:
        if self.done.is_set():
            return
        self.error = error
        self.done.set()
        if self.on_done is not None:
            try:
                self.on_done(self)
            except Exception:  # a caller's callback must not stop the driver
                pass

    def wait(self, timeout: float | None = None) -> "Command":
        """Block until handled; re-raise the error that refused it."""
        if not self.done.wait(timeout):
            raise TimeoutError(f"trainer command {self.kind!r} not handled after {timeout} s")
        if self.error is not None:
            raise self.error
        return self

    def __repr__(self) -> str:
        state = "done" if self.done.is_set() else "queued"
        return f"<Command {self.kind} {state}{' error' if self.error else ''}>"
