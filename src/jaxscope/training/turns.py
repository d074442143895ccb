"""Fair turns for the trainers of one process: every driver waits for its turn before the host-side
part of each chunk (dispatch the next, wait for and commit the last), and is charged its chunk's
steps at what a step costs (``compilation.step_cost``: XLA's count of its flops and bytes, not a
timing taken while others train); the next turn goes to the waiting client charged least so far
(ties: first come).

Several trainers training at once share the GIL and XLA's threads; without turns the first ones
to run kept them and the others crawled (five lesson-2 MLPs started together: 0 to 1,042,406 steps
after 8 s). With turns, trainers that cost the same take turns round robin, and one whose chunks
run longer gets fewer turns, so each gets about the same share of time whatever its chunk size.
A client that starts training starts at the lowest charge of the others (no backlog to catch up
on); a trainer alone takes its turn at once.

>>> turns = Turns()
>>> for client in "abc":
...     turns.training(client, True); turns.ask(client)
>>> order = []
>>> for _ in range(10):
...     client = turns.next_up(); turns.take(client); order.append(client)
...     turns.charge(client, 2.0 if client == "a" else 1.0)    # a's chunks run twice as long
...     turns.release(client); turns.ask(client)                 # back in the queue
>>> "".join(order)                                               # the same time for each
'abcbcabcbc'
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator


class Turns:
    """The queue (see the module docstring). ``turn(client)`` waits for and holds ``client``'s turn."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: list = []          # clients that asked, first come first
        self._holder: Any = None
        self._charged: dict = {}          # training client -> seconds charged (see ``training``)

    # ---- the pure queue (callers hold no lock; each method takes it) ----------------------
    def ask(self, client: Any) -> None:
        """Join the queue."""
        with self._cond:
            if client not in self._waiting:
                self._waiting.append(client)

    def next_up(self) -> Any:
        """The client whose turn comes next (None when nobody waits or a turn is held)."""
        with self._cond:
            if not self._waiting or self._holder is not None:
                return None
            return min(self._waiting, key=lambda client: self._charged.get(client, 0.0))

    def take(self, client: Any) -> None:
        with self._cond:
            if self.next_up() is not client:
                raise RuntimeError(f"not {client!r}'s turn")
            self._waiting.remove(client)
            self._holder = client

    def charge(self, client: Any, seconds: float) -> None:
        """Count ``seconds`` of machine time against a training ``client``."""
        with self._cond:
            if client in self._charged:
                self._charged[client] += seconds

    def release(self, client: Any) -> None:
        with self._cond:
            if self._holder is client:
                self._holder = None
            self._cond.notify_all()

    def leave(self, client: Any) -> None:
        """Leave the queue without a turn."""
        with self._cond:
            if client in self._waiting:
                self._waiting.remove(client)
            self.release(client)

    def wake(self) -> None:
        """Make every waiting ``turn`` look at its ``interrupted`` again (a command arrived)."""
        with self._cond:
            self._cond.notify_all()

    # ---- blocking use -------------------------------------------------------------------------
    @contextlib.contextmanager
    def turn(self, client: Any, interrupted: Callable[[], bool] = lambda: False) -> Iterator[bool]:
        """Wait for ``client``'s turn and hold it inside the block (yields True); yields False at
        once, holding nothing, when ``interrupted()`` turns true first (checked at each ``wake``)."""
        with self._cond:
            self.ask(client)
            while self.next_up() is not client:
                if interrupted():
                    self.leave(client)
                    break
                self._cond.wait()
            else:
                self.take(client)
        if self._holder is not client:
            yield False
            return
        try:
            yield True
        finally:
            self.release(client)

    # ---- who trains -------------------------------------------------------------------------
    def training(self, client: Any, on: bool) -> None:
        """``client`` trains now (charged from the lowest charge of the others), or no longer."""
        with self._cond:
            if not on:
                self._charged.pop(client, None)
            elif client not in self._charged:
                self._charged[client] = min(self._charged.values(), default=0.0)
            self._cond.notify_all()

    @property
    def training_now(self) -> int:
        """How many clients train now."""
        return len(self._charged)


TURNS = Turns()      # the trainers of this process
COMPILES = Turns()   # one compilation at a time, first come first served
