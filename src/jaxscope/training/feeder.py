"""The prefetch thread of host data: pulls batches ahead, stacks them into blocks on the device.

While the device runs chunk i, this thread calls the user's data code for the batches of chunk
i+1 (jax releases the GIL while it computes, so a generator or a numpy simulator overlaps with
training). The driver ``take``s up to a chunk's worth of batches as segments ``(block, offset,
count)``: at least one batch (waiting for it), then what is ready within ``FILL_SECONDS``, so a
slow source makes short chunks instead of holding back Pause, yet not one round trip per batch. A block still being filled is stacked by ``take``
itself when nothing else is ready.

The thread runs only while the trainer trains (``start`` / ``stop``; batches already pulled are
kept across a pause). An exception in the user's data code, or a
one-shot iterator running out, is reported by ``take`` once the batches before it are used up.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any, Callable

from .host_batches import stack_block
from .host_data import DataExhausted, HostData

WAIT_SLICE = 0.05      # seconds between looks at the command queue while waiting for a batch
FILL_SECONDS = 0.02    # after the first batch, how long a chunk waits for more (slow sources)
MAX_AHEAD_BYTES = 64 << 20


class Feeder:
    """Blocks of host batches for the driver (see the module docstring)."""

    def __init__(self, source: HostData) -> None:
        self.source = source
        self._cond = threading.Condition()
        self._pull_lock = threading.Lock()       # the user's data code runs on one thread at a time
        self._ready: collections.deque = collections.deque()   # Blocks, oldest first
        self._used = 0                           # batches of _ready[0] already taken
        self._running = False
        self._generation = 0                     # bumped by restart(): batches of an older one are dropped
        self.exhausted = False
        self.error: BaseException | None = None
        self.ahead = max(2 * source.block_size, 2)   # batches to keep ready (the driver raises it)
        self._thread: threading.Thread | None = None

    # ---- the driver's side ------------------------------------------------------------------
    def start(self) -> None:
        """Prefetch while training (not for on-policy data, pulled step by step)."""
        if self.source.mode == "on_policy":
            return
        with self._cond:
            self._running = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._main, name="jaxscope-prefetch", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def stop(self) -> None:
        """Stop pulling (training paused or ended): the thread ends after the batch it is pulling;
        what was pulled stays for later."""
        with self._cond:
            self._running = False
            self._cond.notify_all()

    def close(self) -> None:
        self.stop()

    def want(self, steps: int) -> None:
        """Keep about ``steps`` batches ready (two chunks), within a memory bound."""
        cap = max(self.source.block_size, MAX_AHEAD_BYTES // max(self.source.spec.nbytes, 1))
        self.ahead = int(min(max(steps, 2 * self.source.block_size), cap))

    def take(self, n: int, interrupted: Callable[[], bool] = lambda: False) -> list[tuple[Any, int, int]]:
        """Up to ``n`` batches as ``(block arrays, offset, count)`` segments. Waits for the first
        one (unless ``interrupted()`` turns true: then it returns what there is, maybe nothing),
        then up to ``FILL_SECONDS`` more while fewer than ``n`` are ready: a slow source makes
        chunks of several batches rather than one round trip per batch. Empty, with ``exhausted``
        or ``error`` set, when the data ended."""
        if self.source.mode == "on_policy":
            return self._take_on_policy()
        deadline = None
        with self._cond:
            while True:
                available = self._buffered()
                ended = self.error is not None or self.exhausted or interrupted()
                if available >= n or (available and ended):
                    break
                if not available and ended:
                    return []
                now = time.monotonic()
                if available and deadline is None:
                    deadline = now + FILL_SECONDS
                if deadline is not None and now >= deadline:
                    break
                self._cond.notify_all()
                self._cond.wait(WAIT_SLICE if deadline is None else min(WAIT_SLICE, deadline - now))
            if self._buffered() - len(self.source.pending) < n and self.source.pending:
                self._ready.append(self._stack_pending())   # a block still being filled
            segments = []
            while self._ready and n > 0:
                block = self._ready[0]
                count = min(block.count - self._used, n)
                segments.append((block.arrays, self._used, count))
                self._used += count
                n -= count
                if self._used == block.count:
                    self._ready.popleft()
                    self._used = 0
            self._cond.notify_all()
            return segments

    def _take_on_policy(self) -> list[tuple[Any, int, int]]:
        """One batch from the current parameters (the driver calls this with nothing in flight)."""
        try:
            with self._pull_lock:
                leaves = self.source.pull()
        except DataExhausted:
            self.exhausted = True
            return []
        except Exception as error:
            self.error = error
            return []
        return [(stack_block([leaves], 1, self.source.spec).arrays, 0, 1)]

    def restart(self) -> None:
        """A trainer reset: drop what was pulled and replay from the first batch when the data can;
        a one-shot iterator goes on where it is (its pulled batches are kept)."""
        with self._cond:
            if not self.source.restartable:
                return
            self._generation += 1
            self._ready.clear()
            self._used = 0
            self.exhausted, self.error = False, None
            with self._pull_lock:
                self.source.restart()
                self.source.pending = []
                if self.source.mode != "on_policy":
                    try:
                        self.source.pending.append(self.source.pull())
                    except DataExhausted:
                        self.exhausted = True
                    except Exception as error:     # reported when training starts
                        self.error = error

    def pull_now(self) -> None:
        """One more batch pulled on this thread (views asking for samples before training)."""
        with self._pull_lock:
            leaves = self.source.pull()
        with self._cond:
            self.source.pending.append(leaves)

    # ---- the thread -------------------------------------------------------------------------
    def _buffered(self) -> int:
        return sum(b.count for b in self._ready) - self._used + len(self.source.pending)

    def _stack_pending(self):
        pending, self.source.pending = self.source.pending, []
        return stack_block(pending, self.source.block_size, self.source.spec)

    def _main(self) -> None:
        source = self.source
        while True:
            with self._cond:
                while self._running and (self.exhausted or self.error is not None or self._buffered() >= self.ahead):
                    self._cond.wait()
                if not self._running:          # paused, ended or closed: the thread goes
                    self._thread = None
                    return
                generation = self._generation
            try:
                with self._pull_lock:
                    leaves = source.pull() if generation == self._generation else None
            except DataExhausted:
                with self._cond:
                    self.exhausted = generation == self._generation
                    self._cond.notify_all()
                continue
            except BaseException as error:   # the user's data code: reported by take()
                error.add_note(f"jaxscope: raised by the data while pulling batch {source.pulled + 1}")
                with self._cond:
                    if generation == self._generation:
                        self.error = error
                    self._cond.notify_all()
                continue
            with self._cond:
                if leaves is None or generation != self._generation:
                    continue
                source.pending.append(leaves)
                if len(source.pending) >= source.block_size:
                    self._ready.append(self._stack_pending())
                self._cond.notify_all()
