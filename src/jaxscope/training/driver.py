"""The driver: the one thread that changes a trainer's state.

Every command (start, run, pause, step, reset, parameter edits), from whatever thread, goes into
one queue; the driver thread handles the queue at each chunk boundary, then runs one turn of the
two-deep pipeline (dispatch chunk i+1, wait for chunk i, commit it). So commands never race each
other or a chunk, and the history always holds exactly the committed steps. The thread starts
when a command arrives and ends when the queue is empty and nothing trains; it holds the trainer
only weakly between turns, so a trainer nobody holds any more stops.

Several trainers in one process share the machine fairly: each turn is taken in ``turns.TURNS``
(the waiting trainer whose chunks ran least so far goes first), and chunk sizes follow a chunk's
own time on the device, not the time between two turns. The first chunk compiles on a thread of
its own (``Compilation``, one at a time: ``turns.COMPILES``), so Pause, Reset and Save are handled
while it compiles; paused then, the trainer is ``idle`` (``paused`` if it had trained) and the
compilation, once begun, is kept for the next start.
"""

from __future__ import annotations

import collections
import threading
import time
import weakref
from typing import Any, NamedTuple

import numpy as np

from .chunk import MAX_CHUNK, dispatch_chunk, finish_chunk
from .commands import Command
from .compilation import CHUNK_SECONDS, Compilation
from .events import Event
from .turns import TURNS

RATE_WINDOW = 1.0          # seconds of recent chunks that steps_per_second averages over
MIN_CHUNK = 64             # the least steps of a chunk of cheap steps (see _observe_speed)


class Plan(NamedTuple):
    """What the driver trains towards: until ``target`` (None: until paused), then ``final_status``."""

    target: int | None
    final_status: str
    command: Command | None    # a blocking run() waiting for the plan to end


def _finished(flight: Any) -> bool:
    """Whether the device has finished a dispatched chunk (without waiting for it)."""
    last = flight.parts[-1][0] if flight.parts else None
    return bool(getattr(last, "is_ready", lambda: False)())


class Driver:
    """The command queue and the training pipeline of one trainer (see the module docstring)."""

    def __init__(self, trainer: Any) -> None:
        self._ref = weakref.ref(trainer)
        self._cond = threading.Condition()
        self._queue: collections.deque[Command] = collections.deque()
        self._handling = False             # commands taken from the queue are being handled
        self.thread: threading.Thread | None = None
        self._name = f"jaxscope-trainer-{trainer.name or id(trainer)}"
        self.plan: Plan | None = None
        self.in_flight = None              # the chunk the device runs while the host records the last
        self.chunk = None                  # the compiled chunk runner, chosen at the first training call
        self.chunk_size = 16
        lockstep = getattr(trainer, "_lockstep", None)   # several processes: longer chunks (lockstep.py)
        self.chunk_seconds = CHUNK_SECONDS if lockstep is None else lockstep.CHUNK_SECONDS
        self.seconds_per_step = 1e-3
        self.compiled_per_step = 1e-3      # seconds per step timed when compiled (>= the cost)
        self.turn_cost = 1e-3              # what a step costs in fair turns (compilation.step_cost)
        self.rate_window: collections.deque = collections.deque()
        self.steps_per_second = 0.0
        self._last_finish = 0.0
        self._flight_start = 0.0           # when the chunk in flight began to run (the one before it ended)
        self.compilation: Compilation | None = None   # the chunk being compiled off the command path
        self._decision = None              # a follower: process 0's next decision, not taken yet (lockstep.py)

    # ---- the queue ------------------------------------------------------------------------
    def submit(self, command: Command) -> Command:
        with self._cond:
            self._queue.append(command)
            if self.thread is None:
                self.thread = threading.Thread(target=self._main, name=self._name, daemon=True)
                self.thread.start()
            self._cond.notify_all()   # a driver waiting for a compilation
        TURNS.wake()    # a driver waiting for its turn handles the command first
        return command

    def on_driver_thread(self) -> bool:
        return threading.current_thread() is self.thread

    @property
    def busy(self) -> bool:
        """Training, or commands waiting."""
        return self.plan is not None or self._handling or bool(self._queue)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until nothing trains and no command waits; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self.thread is None or not self.busy, timeout)

    def _main(self) -> None:
        while True:
            if self.plan is not None and self.chunk is None:   # compiling: until it is done or a command comes
                with self._cond:
                    self._cond.wait_for(lambda: self._queue or self.compilation is None or self.compilation.done)
            trainer = self._ref()
            with self._cond:
                commands = list(self._queue)
                self._queue.clear()
                if trainer is None or (not commands and self.plan is None):
                    TURNS.training(self, False)     # (the trainer may be gone)
                    self.thread = None
                    self._cond.notify_all()
                    stranded = commands
                    break
                self._handling = True
            for command in commands:
                self._handle(trainer, command)
            with self._cond:
                self._handling = False
                more_commands = bool(self._queue)
                if self.plan is None:
                    self._cond.notify_all()
            if self.plan is not None and not more_commands:
                self._adopt(trainer) if self.chunk is None else self._turn(trainer)
            del trainer
        for command in stranded:   # the trainer is gone
            command.finish(RuntimeError("the trainer was garbage-collected"))

    # ---- commands -------------------------------------------------------------------------
    def _handle(self, trainer: Any, command: Command) -> None:
        try:
            getattr(self, f"_{command.kind}")(trainer, command, *command.args)
        except Exception as error:   # a refused command; the state is as it was
            command.finish(error)

    def _start(self, trainer: Any, command: Command, steps: int | None, final_status: str) -> None:
        if self.plan is None:
            target = None if steps is None else trainer.current_step + steps
            self._begin(trainer, Plan(target, final_status, None))
        command.finish()

    def _run(self, trainer: Any, command: Command, steps: int) -> None:
        if self.plan is not None:
            raise RuntimeError("training is running in the background; call trainer.pause() first")
        self._begin(trainer, Plan(trainer.current_step + steps, "done", command))

    def _pause(self, trainer: Any, command: Command, message: str = "") -> None:
        # draining the chunk in flight may end training itself (diverged, stopped early): that status stands
        lockstep = trainer._lockstep
        if lockstep is not None and not lockstep.leader and self.plan is not None:
            lockstep.refuse_pause()
        if self.plan is not None and self.chunk is None:   # still compiling: it goes on, kept for the next start
            self._end(trainer, "paused" if trainer.current_step else "idle", message)
        elif self.plan is not None and (self.in_flight is None and lockstep is None
                                        or self._advance(trainer, more=False)):   # lockstep: the others stop too
            self._end(trainer, "paused", message)
        command.finish()

    def _reset(self, trainer: Any, command: Command) -> None:
        if trainer._lockstep is not None:
            trainer._lockstep.refuse("reset")
        self.in_flight = None
        plan, self.plan = self.plan, None
        self._unplanned()
        if trainer._feeder is not None:
            trainer._feeder.stop()
            trainer._feeder.restart()
        with trainer._lock:
            trainer._reset_state()
            self.rate_window.clear()
            self.steps_per_second = 0.0
        trainer._emit(Event.RESET)
        trainer._set_status("idle")
        if plan is not None and plan.command is not None:
            plan.command.finish()
        command.finish()

    def _params(self, trainer: Any, command: Command, change: Any, note: str | None) -> None:
        if trainer._lockstep is not None:
            trainer._lockstep.refuse("changing the parameters")
        if self.plan is not None:
            raise RuntimeError("cannot change the parameters while training runs; call trainer.pause() first")
        trainer._replace_params(change)
        if note:
            trainer._note_edit(note)
        trainer._emit(Event.PARAMS)
        command.finish()

    def _save(self, trainer: Any, command: Command, directory: Any) -> None:
        """A checkpoint of the committed state (the chunk in flight, if any, is not in it yet)."""
        from .checkpoint import save

        command.result = save(trainer, directory)
        command.finish()

    def _restore(self, trainer: Any, command: Command, directory: Any) -> None:
        """Read and check first; only then replace the state (a failed restore changes nothing)."""
        from .checkpoint import apply, load

        if trainer._lockstep is not None:
            trainer._lockstep.refuse("restore")
        if self.plan is not None:
            raise RuntimeError("restore: training is running; call trainer.pause() first (nothing was changed)")
        loaded = load(trainer, directory)
        if trainer._feeder is not None:
            trainer._feeder.stop()
            trainer._feeder.restart()
        message = apply(trainer, loaded)
        self.rate_window.clear()
        self.steps_per_second = 0.0
        trainer._emit(Event.RESET)       # the display republishes the whole history
        trainer._emit(Event.PARAMS)
        trainer._emit(Event.SETTINGS)
        trainer._set_status("paused", message)
        command.result = loaded.path
        command.finish()

    def _rewind(self, trainer: Any, command: Command, action: str, step: int | None) -> None:
        """``trainer.rewind.show(step)``: the widgets redraw that step; ``continue_from(step)``: its state
        becomes the trainer's (``rewind.py``), the history after it is dropped."""
        if action == "continue":
            if trainer._lockstep is not None:
                trainer._lockstep.refuse("continue_from")
            if self.plan is not None:
                raise RuntimeError("rewind: training is running; call trainer.pause() first (nothing was changed)")
            message = trainer.rewind.apply(step)
            if trainer._feeder is not None:
                trainer._feeder.stop()
                trainer._feeder.restart()
            self.rate_window.clear()
            self.steps_per_second = 0.0
            trainer._emit(Event.RESET)       # the display republishes the whole (shorter) history
            trainer._set_status("paused", message)
        trainer._emit(Event.PARAMS)
        command.finish()

    # ---- the pipeline ---------------------------------------------------------------------
    def _begin(self, trainer: Any, plan: Plan) -> None:
        """Train under ``plan``; first compile (status ``compiling``) on a thread of its own, so that
        commands (pause, reset, save) are handled meanwhile (``_main`` waits, ``_adopt`` goes on)."""
        lockstep = trainer._lockstep
        if lockstep is not None and not lockstep.leader:
            # a follower trains as process 0 decides: start() through its pauses, run(n) until it stops
            plan = plan._replace(target=None, final_status="follow" if plan.target is None else "")
        self.plan = plan
        trainer.error = None
        if self.chunk is not None:
            self._go(trainer)
            return
        trainer._set_status("compiling")
        self._compile(trainer)

    def _compile(self, trainer: Any) -> None:
        """A compilation for the plan: the one under way (wanted again), else a new one."""
        compilation = self.compilation
        if compilation is not None and compilation.done and compilation.result is None:
            compilation = None     # dropped, or failed while nobody waited: again (an error is reported then)
        if compilation is None:
            try:
                self.compilation = Compilation(trainer, self._wake)
            except Exception as error:
                self._fail(trainer, error)
                return
        else:
            compilation.want(True)
        self._adopt(trainer)

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _adopt(self, trainer: Any) -> None:
        """Once the compilation is done: its chunk (or its error) for the plan."""
        compilation = self.compilation
        if compilation is None or not compilation.done:
            return
        if compilation.dropped:    # dropped just before it was wanted again
            self._compile(trainer)
            return
        self.compilation = None
        if compilation.error is not None:
            self._fail(trainer, compilation.error)
            return
        self.chunk, self.seconds_per_step, self.chunk_size, self.turn_cost = compilation.result
        self.compiled_per_step = self.seconds_per_step
        self._go(trainer)

    def _go(self, trainer: Any) -> None:
        if trainer._feeder is not None:
            trainer._feeder.start()
        TURNS.training(self, True)
        trainer._set_status("running")
        self.in_flight = None
        self._last_finish = time.perf_counter()
        self.rate_window.clear()

    def _turn(self, trainer: Any) -> None:
        """One chunk boundary, in this trainer's turn among the trainers of the process (``turns.py``);
        a command that arrives while it waits for its turn is handled first."""
        lockstep = trainer._lockstep
        if lockstep is not None and not lockstep.leader and self._decision is None:
            # process 0's next decision, waited for outside the turn (process 0 may stay paused a long time:
            # the other trainers of this process train meanwhile); kept until a turn takes it
            self._decision = lockstep.agree(0, "", None)
        with TURNS.turn(self, interrupted=lambda: bool(self._queue)) as mine:
            if not mine:
                return
            try:
                if self._advance(trainer, more=True):
                    self._finish_if_reached(trainer)
            except Exception as error:
                self._fail(trainer, error)

    def _finish_if_reached(self, trainer: Any) -> None:
        plan = self.plan
        if plan is not None and self.in_flight is None and plan.target is not None \
                and trainer.current_step >= plan.target:
            self._end(trainer, plan.final_status)

    def _end(self, trainer: Any, status: str, message: str = "", error: BaseException | None = None) -> None:
        plan, self.plan = self.plan, None
        self.in_flight = None
        self._unplanned()
        if trainer._feeder is not None:
            trainer._feeder.stop()
        trainer._set_status(status, message)
        if plan is not None and plan.command is not None:
            plan.command.finish(error)

    def _unplanned(self) -> None:
        """Nothing to train for any more: out of the turns, and a compilation not begun yet is dropped."""
        TURNS.training(self, False)
        if self.compilation is not None:
            self.compilation.want(False)

    def _fail(self, trainer: Any, error: BaseException) -> None:
        trainer.error = error
        self._end(trainer, "error", f"{type(error).__name__}: {error}", error)

    def _advance(self, trainer: Any, more: bool) -> bool:
        """One turn of the two-deep pipeline: dispatch the next chunk (when ``more`` and below the
        target), then wait for the oldest one in flight and commit it. While the host reads back and
        records one chunk, the device already runs the next. False when training stopped (diverged,
        stopped early)."""
        flight, target, flight_start = self.in_flight, self.plan.target, self._flight_start
        checked = dispatched = time.perf_counter()
        ended_before = flight is not None and _finished(flight)   # while this trainer waited for its turn
        dispatched_to = flight.start_step + flight.n if flight else trainer.current_step
        following, segments, ended, n, stop, agreed = None, None, None, 0, "", None
        if more and (target is None or dispatched_to < target):
            requested = self.chunk_size if target is None else min(self.chunk_size, target - dispatched_to)
            n = self.chunk.size_for(requested)
            if trainer._feeder is not None:
                segments, ended = self._feed(trainer._feeder, n)
                n = sum(count for _, _, count in segments)
        if trainer._lockstep is not None:    # every process dispatches what process 0 does (lockstep.py)
            n, stop, agreed = self._agree(trainer, n, more)
        if n:
            base, scale, lr = trainer._chunk_inputs(flight.new if flight else None, agreed)
            dispatched = time.perf_counter()
            following = dispatch_chunk(self.chunk, base, scale, n, lr, dispatched_to, segments)
            if trainer._feeder is not None and trainer._feeder.source.mode == "on_policy":
                flight, following = following, None    # on-policy: the next batch needs these steps' parameters
                flight_start, ended_before = dispatched, False
        self.in_flight = following
        if flight is None:
            self._flight_start = dispatched
            return self._followed(trainer, stop) and self._data_ended(trainer, ended)
        result = finish_chunk(self.chunk, flight, trainer._dead_members)
        now = time.perf_counter()
        if following is not None:   # it runs once the flight has ended: before this turn, or about now
            self._flight_start = dispatched if ended_before else now
        trainer._commit(flight.start_step, result, flight.lr)
        if result.completed:
            # the chunk's own time on the device, not the time between two of this trainer's turns
            # (with other trainers sharing the machine, that round grows with their chunks)
            if ended_before:    # it ended some time before `checked`: at most this long per step
                self._observe_speed(min((checked - flight_start) / result.completed, self.seconds_per_step))
            else:
                self._observe_speed((now - flight_start) / result.completed)
            # fair turns: steps at XLA's count of a step's work, not at a time measured while others
            # train (a chunk's time includes waiting behind theirs; five identical trainers got 0.01-0.46
            # of the fastest one's steps/s when charged by timings)
            TURNS.charge(self, result.completed * self.turn_cost)
            self._measure_rate(now - self._last_finish, result.completed)
        self._last_finish = now
        trainer._emit(Event.STEPS)
        if result.bad_loss is not None:
            bad_step = trainer.current_step + 1
            self._end(trainer, "diverged", f"diverged at step {bad_step}: the loss or its gradient is not "
                                           f"finite (loss {result.bad_loss}); parameters kept from step {bad_step - 1}")
            return False
        stopped = trainer._stop_early_if_due()
        if stopped:
            self._end(trainer, "done", stopped)
            trainer._emit(Event.PARAMS)
            return False
        return self._followed(trainer, stop) and self._data_ended(trainer, ended)

    # ---- several processes (lockstep.py) ----------------------------------------------------
    def _agree(self, trainer: Any, n: int, more: bool) -> tuple[int, str, float | None]:
        """Process 0's chunk of steps, why it dispatched none, and its learning rate (the chunk's, in every
        process: one set on process 0 after this takes effect at the next chunk)."""
        lockstep = trainer._lockstep
        if lockstep.leader:
            n, stop, lr, _ = lockstep.agree(n, "" if n else ("paused" if not more else self.plan.final_status),
                                            trainer._lr.value)
        else:
            (n, stop, lr, _), self._decision = self._decision, None    # taken in _turn
            if lr is not None and lr != trainer._lr.value:
                with trainer._lock:
                    trainer._lr.value = lr
                trainer._emit(Event.SETTINGS)
            if n and trainer.status != "running":
                trainer._set_status("running")
        return n, stop, lr

    def _followed(self, trainer: Any, stop: str) -> bool:
        """A follower whose leader stopped (and nothing in flight): ``run(n)`` ends, ``start()`` shows the
        leader's status and waits for its next start. False when training ended here."""
        if not stop or self.in_flight is not None or trainer._lockstep is None or trainer._lockstep.leader:
            return True
        if self.plan.final_status == "follow":
            trainer._set_status(stop)
            return True
        self._end(trainer, stop)
        return False

    def _feed(self, feeder: Any, n: int) -> tuple[list, Any]:
        """Host batches for up to ``n`` steps, and why none came (an error, the data ran out; None
        when commands are waiting)."""
        feeder.want(2 * self.chunk_size)
        segments = feeder.take(n, interrupted=lambda: bool(self._queue))
        if segments:
            return segments, None
        if feeder.error is not None:
            return [], feeder.error
        if feeder.exhausted:
            return [], (f"the data ran out after {feeder.source.pulled} batches (a one-shot iterator or "
                        "generator); pass a list or a re-iterable loader to train for more epochs")
        return [], None

    def _data_ended(self, trainer: Any, ended: Any) -> bool:
        """End training when the host data failed or ran out (and nothing is in flight)."""
        if ended is None or self.in_flight is not None:
            return True
        if isinstance(ended, BaseException):
            trainer._feeder.error = None       # reported once; a later Start tries the data again
            self._fail(trainer, ended)
        else:
            self._end(trainer, "done", ended)
        return False

    def _measure_rate(self, seconds: float, steps: int) -> None:
        """``steps_per_second`` over the chunks of about the last second (one chunk alone is noisy)."""
        window = self.rate_window
        window.append((seconds, steps))
        while len(window) > 1 and sum(t for t, _ in window) - window[0][0] >= RATE_WINDOW:
            window.popleft()
        total = sum(t for t, _ in window)
        self.steps_per_second = sum(n for _, n in window) / total if total > 0 else 0.0

    def _observe_speed(self, per_step: float) -> None:
        if self.chunk.static_size is None:
            # Smoothed, and at most 2x up or down per chunk: one chunk slowed by another process
            # must not shrink the next ones (each chunk costs a host round trip). Nor below the
            # steps that a quarter of CHUNK_SECONDS held when compiled (at most MIN_CHUNK): on a
            # loaded machine a chunk's fixed cost (dispatch, read-back, the GIL) can exceed
            # CHUNK_SECONDS, and chunks of a few steps would then be nearly all fixed cost.
            if TURNS.training_now > 1 and per_step > self.seconds_per_step \
                    and per_step * self.chunk_size < 2 * self.chunk_seconds:
                return    # sharing: a chunk slowed by the others' shrinks the chunks only past 2x the target
            self.seconds_per_step += 0.3 * (per_step - self.seconds_per_step)
            floor = min(MIN_CHUNK, self.chunk_seconds / 4 / self.compiled_per_step)
            target = max(self.chunk_seconds / self.seconds_per_step, floor)
            self.chunk_size = int(np.clip(target, max(1, self.chunk_size // 2), min(MAX_CHUNK, 2 * self.chunk_size)))
