"""Waiting for a condition in tests: polled, with a deadline (no sleeps-and-hope)."""

from __future__ import annotations

import time


def wait_until(condition, timeout: float = 30.0) -> None:
    """Return once ``condition()`` is true; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.01)
