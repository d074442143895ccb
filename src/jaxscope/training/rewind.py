"""``trainer.rewind``: the training state at log-spaced steps, to look back at and to continue from.

Every committed chunk offers its state; a step is kept when it is at least ``ratio`` times the last
kept one (step 0, where training started, always), so early steps are dense and late ones sparse,
and the newest committed state is always held too. Over ``limit`` states, the kept step whose
neighbours are closest in ``log(1 + step)`` goes. A state is the whole ``TrainState`` (parameters,
optimizer state, key, data position, best): jax arrays are immutable, so keeping one copies nothing.

``show(step)`` makes the diagram and views draw that step (``trainer.snapshot().shown``);
``continue_from(step)`` makes it the trainer's state again, dropping the history after it.

>>> trainer.run(10_000); trainer.rewind.steps[:4], len(trainer.rewind)      # doctest: +SKIP
([0, 16, 32, 48], 57)
>>> trainer.rewind.show(300)                 # the diagram and views draw step 300  # doctest: +SKIP
>>> trainer.rewind.continue_from(300)        # step 300 again; the 9,700 later steps are dropped  # doctest: +SKIP
"""

from __future__ import annotations

import bisect
import math
import operator
import threading
import weakref
from typing import Any

import jax

from .events import Event

LIMIT = 256      # states held per run by default (the lesson-2 MLP with adam: ~8 kB each)
RATIO = 1.05     # a step is kept when it is at least this times the last kept one


def thinned(steps: list[int], limit: int) -> list[int]:
    """``steps`` (sorted) down to ``limit``: repeatedly drop the inner step whose neighbours are closest
    in log(1 + step) (the first and the last stay).

    >>> thinned([0, 10, 20, 40, 80, 90], 5)
    [0, 10, 20, 40, 90]
    """
    steps = list(steps)
    while len(steps) > max(limit, 2):
        logs = [math.log1p(s) for s in steps]
        inner = min(range(1, len(steps) - 1), key=lambda i: logs[i + 1] - logs[i - 1])
        del steps[inner]
    return steps


def _check_step(step: Any, what: str) -> int:
    if isinstance(step, bool):
        raise TypeError(f"{what}: step must be an integer (one of trainer.rewind.steps); got bool")
    try:
        return operator.index(step)
    except TypeError:
        raise TypeError(f"{what}: step must be an integer (one of trainer.rewind.steps); "
                        f"got {type(step).__name__}") from None


def _array_bytes(leaf: Any) -> int:
    if isinstance(leaf, jax.Array) and jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
        return int(jax.random.key_data(leaf).nbytes)
    return int(getattr(leaf, "nbytes", 0))


class Rewind:
    """The states of one trainer at log-spaced steps (``trainer.rewind``; see the module docstring).

    >>> rewind = trainer.rewind                                    # doctest: +SKIP
    >>> rewind.steps, rewind.nbytes, rewind.limit                  # doctest: +SKIP
    ([0, 16, 32, ..., 10000], 466944, 256)
    >>> rewind.params_at(300)                                      # doctest: +SKIP
    """

    def __init__(self, trainer: Any, limit: int = LIMIT, ratio: float = RATIO) -> None:
        self._trainer = weakref.ref(trainer)
        self._lock = threading.Lock()
        self._states: dict[int, Any] = {}     # step -> TrainState: the kept steps and the newest
        self._kept: list[int] = []            # the log-spaced steps (sorted)
        self._latest: int | None = None       # the newest committed step
        self._shown: tuple[int, Any] | None = None
        self._sizes: tuple | None = None      # ((step, id of its state), ...), nbytes: the last count
        self.limit, self.ratio = limit, ratio

    # ---- settings ---------------------------------------------------------------------------
    @property
    def limit(self) -> int:
        """The most states held (>= 2: the first and the newest); lowering it thins them at once."""
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            raise ValueError(f"rewind.limit must be an integer >= 2 (the first and the newest step); got {value!r}")
        self._limit = value
        with self._lock:
            self._thin()

    @property
    def ratio(self) -> float:
        """A step is kept when it is at least ``ratio`` (> 1) times the last kept one."""
        return self._ratio

    @ratio.setter
    def ratio(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 1 or not math.isfinite(value):
            raise ValueError(f"rewind.ratio must be a number > 1 (e.g. 1.05); got {value!r}")
        self._ratio = float(value)

    # ---- what users read ----------------------------------------------------------------------
    @property
    def steps(self) -> list[int]:
        """The steps whose state is held, ascending (the newest committed step last)."""
        self._catch_up()
        with self._lock:
            return sorted(self._states)

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays held, an array shared between states counted once."""
        self._catch_up()
        with self._lock:
            key = tuple((step, id(state)) for step, state in self._states.items())
            if self._sizes is not None and self._sizes[0] == key:
                return self._sizes[1]
            seen: dict[int, int] = {}
            for state in self._states.values():
                for leaf in jax.tree.leaves(state):
                    seen.setdefault(id(leaf), _array_bytes(leaf))
            self._sizes = (key, sum(seen.values()))
            return self._sizes[1]

    def state_at(self, step: int) -> Any:
        """The whole ``TrainState`` held at ``step`` (a ValueError names the nearest held steps)."""
        step = _check_step(step, "rewind")
        self._catch_up()
        with self._lock:
            state = self._states.get(step)
            if state is None:
                raise ValueError(self._missing(step))
            return state

    def params_at(self, step: int) -> Any:
        """The parameters at ``step``, as ``trainer.params`` gave them then."""
        state = self.state_at(step)
        return self._owner()._adapter.user_params(state.params, state.rest)

    @property
    def shown(self) -> tuple[int, Any] | None:
        """``(step, TrainState)`` the diagram and views draw instead of the live state; None: live."""
        return self._shown

    @property
    def shown_step(self) -> int | None:
        """The step ``show`` made the diagram and views draw; None while they follow training."""
        shown = self._shown
        return None if shown is None else shown[0]

    def __repr__(self) -> str:
        steps = self.steps
        return f"Rewind({len(steps)} steps {steps[0]:,}..{steps[-1]:,}, {self.nbytes / 1e6:.2f} MB, limit {self.limit})"

    # ---- what users do --------------------------------------------------------------------------
    def show(self, step: int | None) -> None:
        """Make the diagram and views draw ``step`` (one of ``steps``), or follow training again (None).
        Training goes on meanwhile; the loss chart, control bar and ``trainer.params`` stay live."""
        trainer = self._owner()
        if step is None:
            self._shown = None
        else:
            self._shown = (int(_check_step(step, "rewind.show")), self.state_at(step))
        trainer._submit("rewind", "show", step)     # the driver tells the widgets (Event.PARAMS)

    def continue_from(self, step: int, wait: bool = True) -> Any:
        """Make ``step``'s state the trainer's (parameters, optimizer state, key, data position, best):
        training goes on from there, exactly as it went the first time; the history and the states
        after it are dropped. Training must not be running. Returns the driver's ``Command``."""
        trainer = self._owner()
        self.state_at(step)                              # a step without a state: refused here
        if trainer._driver.on_driver_thread():
            raise RuntimeError("rewind.continue_from() cannot be called from a watch callback")
        if trainer.status in ("running", "compiling") or trainer._driver.plan is not None:
            raise RuntimeError(f"rewind.continue_from: training is {trainer.status}; call trainer.pause() first "
                               "(nothing was changed)")
        return trainer._submit("rewind", "continue", int(step), wait=wait)

    # ---- on the driver thread ---------------------------------------------------------------------
    def apply(self, step: int) -> str:
        """Make ``step``'s state the trainer's and drop what came after it; the status message."""
        trainer = self._owner()
        state = self.state_at(step)
        best_step, waited = None, 0
        if trainer._tracks_best:
            best, waited = (int(v) for v in jax.device_get((state.best.step, state.best.waited)))
            best_step = None if best < 0 else best
        with trainer._lock:
            dropped = trainer._step - step
            trainer._state, trainer._step = state, step
            trainer._best_step, trainer._best_waited = best_step, waited
            trainer._lr_applied = None     # the next chunk writes the current learning rate into it
            trainer._params_version += 1
            trainer.error = None
            trainer.history.truncate(step)
            if getattr(trainer, "_diverged", None):   # an ensemble: members that diverged later train again
                trainer._diverged = {m: d for m, d in trainer._diverged.items() if d.step <= step}
        with self._lock:
            self._keep_until(step)
            self._shown = None
        return f"continued from step {step:,}: the history after it ({dropped:,} steps) was dropped"

    def note(self, event: Event) -> None:
        """The trainer emitted ``event`` (its ``_emit`` calls this first): record its state now."""
        trainer = self._trainer()
        if trainer is None:
            return
        with trainer._lock:
            step, state = trainer._step, trainer._state
        with self._lock:
            if event is Event.RESET:
                if self._states.get(step) is state:     # continue_from: what came before stays
                    self._keep_until(step)
                else:                                   # reset, restore: another run
                    self._states, self._kept, self._latest = {}, [], None
                    self._shown = None
                self._record(step, state)
            elif event in (Event.STEPS, Event.PARAMS, Event.STATUS) or not self._states:
                self._record(step, state)

    # ---- bookkeeping (under self._lock) -------------------------------------------------------------
    def _owner(self) -> Any:
        trainer = self._trainer()
        if trainer is None:
            raise RuntimeError("rewind: the trainer was garbage-collected")
        return trainer

    def _catch_up(self) -> None:
        """The trainer's state now, when nothing was recorded yet (no event since it was made)."""
        if not self._states:
            trainer = self._owner()
            with trainer._lock:
                step, state = trainer._step, trainer._state
            with self._lock:
                if not self._states:
                    self._record(step, state)

    def _record(self, step: int, state: Any) -> None:
        """``state`` is the trainer's at ``step`` now: kept when due, the newest always."""
        latest = self._latest
        if latest is not None and step < latest:
            return                                      # a stale read; RESET handles going back
        if latest is not None and step == latest:
            self._states[step] = state                  # an edit, early stopping: the state at this step now
            return
        if latest is not None and latest not in self._kept:
            del self._states[latest]
        self._states[step] = state
        self._latest = step
        if not self._kept or step >= self._ratio * self._kept[-1] and step > self._kept[-1]:
            self._kept.append(step)
        self._thin()

    def _thin(self) -> None:
        held = sorted(self._states)
        if len(held) <= self._limit:
            return
        for step in set(held) - set(thinned(held, self._limit)):
            del self._states[step]
            self._kept.remove(step)

    def _keep_until(self, step: int) -> None:
        for later in [s for s in self._states if s > step]:
            del self._states[later]
        self._kept = [s for s in self._kept if s <= step]
        if step not in self._kept:
            self._kept.append(step)
        self._latest = step

    def _missing(self, step: int) -> str:
        held = sorted(self._states)
        i = bisect.bisect_left(held, step)
        near = [held[j] for j in (i - 1, i) if 0 <= j < len(held)]
        which = " and ".join(f"{s:,}" for s in near)
        return (f"rewind: no state at step {step:,}; the nearest held are step{'s' if len(near) > 1 else ''} {which} "
                f"(trainer.rewind.steps lists all {len(held)})")
