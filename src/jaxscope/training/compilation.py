"""The first chunk of a trainer, compiled off the driver's command path (issue 14).

``Compilation`` runs ``compiled_chunk`` (``chunk.choose_chunk``: compile, and for ``strategy="auto"``
time both strategies) on a thread of its own, one per process at a time (``turns.COMPILES``: four
side by side on 2 cores took 10.9 s, one after another 4.9 s), while the driver keeps handling
commands: a Pause or Reset meanwhile ends the plan at once. A compilation once begun finishes and is
kept for the next start; one not begun is dropped (``want(False)``).
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from typing import Any, Callable

import jax
import numpy as np

from .chunk import MAX_CHUNK, choose_chunk, seconds_per_step
from .host_batches import feed_at
from .turns import COMPILES, TURNS

CHUNK_SECONDS = 0.03       # target wall time of one chunk; two are in flight, so pause lands within ~2-3 of these
WORK_PER_SECOND = 2e10     # XLA's flops + bytes accessed per second (lesson 2: 0.49 M a step, ~25 us): the turn cost's unit


def step_cost(step, state: Any, lr_scale: Any, feeds: Any, fallback: float) -> float:
    """What one step costs in fair turns (``turns.TURNS``): the flops plus bytes XLA's cost analysis
    counts in it (on the lowered step: no compilation), in seconds at ``WORK_PER_SECOND``; ``fallback``
    when there is no analysis. Not a timing: timings taken while other trainers run are inflated,
    and a trainer timed so got 1/60 of the steps of one timed alone (five identical trainers)."""
    try:
        analysis = jax.jit(lambda s, scale, f: step(s, scale, feed_at(f, 0))).lower(state, lr_scale, feeds).cost_analysis()
        analysis = analysis[0] if isinstance(analysis, (list, tuple)) else analysis
        work = float(analysis.get("flops", 0.0)) + float(analysis.get("bytes accessed", 0.0))
    except Exception:   # a backend without cost analysis
        return fallback
    return work / WORK_PER_SECOND if work > 0 else fallback


def compiled_chunk(step, names: tuple[str, ...], state: Any, lr_scale: Any, strategy: str, feeds: Any,
                   quiet: Callable | None = None, agree: Callable[[float], float] | None = None,
                   chunk_seconds: float = CHUNK_SECONDS) -> tuple:
    """The chunk runner ``choose_chunk`` picks, its seconds per step, the first chunk size and the cost
    of a step in fair turns (``step_cost``).
    With ``quiet()`` (a turn of its own, when other trainers train) it is timed again, the best of
    three, once their chunks in flight have ended: timed while they ran, a lesson-2 step looked up
    to 80x too slow (chunks of a few steps; and fair turns count steps at this cost).
    With ``agree`` (a mesh over several processes, ``lockstep.py``) every process takes process 0's timing."""
    chunk, seconds = choose_chunk(step, names, state, lr_scale, strategy, feeds)
    if quiet is not None:
        with quiet():
            time.sleep(2 * CHUNK_SECONDS)     # the others cannot dispatch more without a turn
            seconds = min(seconds, *(seconds_per_step(chunk, state, lr_scale, 8, feeds) for _ in range(3)))
    if agree is not None:
        seconds = agree(seconds)
    seconds = max(seconds, 1e-7)
    size = int(np.clip(chunk_seconds / seconds, 1, MAX_CHUNK))
    if chunk.strategy == "loop" and jax.default_backend() != "cpu":
        # accelerators: one fixed power-of-two chunk as a static scan (see LoopChunk.pin)
        chunk.pin(int(2 ** np.clip(np.round(np.log2(size)), 4, np.log2(MAX_CHUNK))))
        size = chunk.static_size
    return chunk, seconds, size, step_cost(step, state, lr_scale, feeds, seconds)


_COMPILING: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _let_compilations_end(timeout: float = 10.0) -> None:
    """At exit: drop the compilations not begun and give the others a moment; a thread stopped inside
    XLA's compiler as the interpreter goes down aborts the process ("terminate called ...")."""
    compilations = list(_COMPILING)
    for compilation in compilations:
        compilation.want(False)
    deadline = time.monotonic() + timeout
    for compilation in compilations:
        compilation._done.wait(max(0.0, deadline - time.monotonic()))




class Compilation:
    """``compiled_chunk`` for a trainer's current state, on a thread of its own (the driver keeps
    handling commands meanwhile); once ``done``: ``result`` or ``error``, and ``on_done()`` was called.
    It holds what it compiles, not the trainer."""

    def __init__(self, trainer: Any, on_done: Callable[[], None]) -> None:
        self.wanted = True     # False: drop it if it has not begun (training was paused, reset)
        feeds = None if trainer._feeder is None else trainer._source.example_block().arrays
        args = (trainer._step_fn, trainer._names, trainer._state, trainer._lr.scale(), trainer._strategy_request,
                feeds)
        # several processes (lockstep.py): each runs the same timing chunks, so none may drop its compilation
        # or time again on its own, and all take process 0's timing
        self._lockstep = trainer._lockstep
        self.result: tuple | None = None
        self.error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._compile, args=(args, on_done), daemon=True,
                                        name=f"jaxscope-compile-{trainer.name or id(trainer)}")
        _COMPILING.add(self)
        self._thread.start()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def dropped(self) -> bool:
        return self.done and self.result is None and self.error is None

    def want(self, wanted: bool) -> None:
        self.wanted = wanted or self._lockstep is not None
        COMPILES.wake()

    def _compile(self, args: tuple, on_done: Callable[[], None]) -> None:
        # one compilation at a time: four compiled side by side on 2 cores took 10.9 s, one after another 4.9 s
        with COMPILES.turn(self, interrupted=lambda: not self.wanted) as mine:
            if mine:
                lockstep = self._lockstep
                quiet = (lambda: TURNS.turn(self)) if TURNS.training_now and lockstep is None else None   # a turn
                try:
                    self.result = compiled_chunk(*args, quiet, *(() if lockstep is None else
                                                                 (lockstep.agree_seconds, lockstep.CHUNK_SECONDS)))
                except Exception as error:
                    self.error = error
        self._done.set()
        _COMPILING.discard(self)
        on_done()
