"""What a trainer tells those who watch it: ``trainer.watch(callback)`` and the ``Event`` names.

Callbacks run on the trainer's driver thread (the one that trains), right after the change, so
they must be quick: note what happened and return (the widgets' display loop only wakes its own
thread). Read what you need with ``trainer.snapshot()`` or ``trainer.history``. A callback that
raises is unsubscribed and its exception kept in ``trainer.watch_errors``; training goes on.

>>> seen = []; watchers = Watchers(); stop = watchers.watch(seen.append)
>>> watchers.emit(Event.STEPS); stop(); watchers.emit(Event.STATUS); seen
[<Event.STEPS: 'steps'>]
"""

from __future__ import annotations

import enum
import threading
from typing import Callable


class Event(enum.Enum):
    STEPS = "steps"          # a chunk of steps was recorded: current_step and history grew
    STATUS = "status"        # status or message changed (compiling, running, paused, done, ...)
    PARAMS = "params"        # parameters changed other than by a step (an edit, a restore, early stopping), or what
    #                          the widgets draw (trainer.rewind.show, trainer.focus)
    RESET = "reset"          # back to the initial parameters; the history is empty
    SETTINGS = "settings"    # a live setting changed: learning rate, early stopping


class Watchers:
    """A list of callbacks, safe to change from any thread while events are emitted."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[Event], None]] = []
        self._lock = threading.Lock()
        self.errors: list[tuple[Callable, BaseException]] = []

    def watch(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        if not callable(callback):
            raise TypeError(f"watch(callback): callback must be callable callback(event); got {type(callback).__name__}")
        with self._lock:
            self._callbacks.append(callback)

        def unwatch() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unwatch

    def __len__(self) -> int:
        return len(self._callbacks)

    def emit(self, event: Event) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(event)
            except Exception as error:  # a watcher's bug must not stop training
                with self._lock:
                    if callback in self._callbacks:
                        self._callbacks.remove(callback)
                    self.errors.append((callback, error))
