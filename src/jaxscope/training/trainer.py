"""``Trainer``: train a jax model in compiled chunks, blocking (``run``) or in the background
(``start``), watched live through ``watch`` / ``snapshot`` / ``data``.

Every method may be called from any thread. Commands (start, run, step, pause, reset, parameter
changes) go to the driver (``driver.py``), the one thread that changes the training state; live
settings (learning rate, early stopping) are values the driver reads at each chunk boundary.
"""

from __future__ import annotations

import pathlib
import signal
import threading
import weakref
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .arguments import check_strategy
from .arguments import positive_int as _positive_int
from .checkpoint import as_directory
from .checkpoint import save as save_checkpoint
from .commands import Command
from .data_info import DataInfo
from .data_source import data_source
from .driver import Driver
from . import ensemble as members
from .events import Event, Watchers
from .feeder import Feeder
from .host_data import HostData
from .history import History
from .lockstep import Lockstep, local_copy, spans_processes
from .loss_function import check_loss, normalised
from .model_adapter import adapter_for
from .optimizer import LearningRate, resolve
from .rewind import Rewind
from .sharding import placement_for
from .snapshot import Snapshot
from .step import TrainState, build_step, initial_best
from .train_state import from_train_state, train_state_of
from .update_rule import check_update_arguments

STATUSES = ("idle", "compiling", "running", "paused", "done", "diverged", "error")


class Trainer:
    """Trains ``params`` on ``loss`` and records every step; widgets watch it live.

    >>> trainer = Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
    ...                   data=lambda key: jax.random.normal(key, (3,)), optimizer=0.1)
    >>> trainer.run(100); len(trainer.history["loss"])
    100

    Args:
      params: any pytree of arrays, or a ``flax.nnx.Module`` (the loss then receives the module).
      loss: ``loss(params_or_module, batch)`` -> scalar, or ``(scalar, {name: scalar})``;
        ``loss(params_or_module, batch, key)`` gets a fresh key every step (dropout, noise, sampling).
      data: ``data(key) -> batch`` in jax (generated inside the compiled loop), a tuple / dict of arrays
        served in shuffled epochs of ``batch_size`` (``shuffle=False``: in order; whole without
        ``batch_size``), None when the loss needs no batch (it gets ``None``), or host data fed to the
        compiled loop by a prefetch thread: a list of batches or any re-iterable (epochs), a generator
        or iterator (ends training when it runs out), ``data()`` (a numpy simulator), a ``data(key)``
        that jax cannot trace or whose output ignores the key, memmap / h5py arrays (with
        ``batch_size``), or on-policy ``data(params)``. ``trainer.data.path`` says which path it took.
      optimizer: an optax transformation, or a float (adam at that learning rate).
      validation: optional tuple of arrays or ``key -> batch``, evaluated every ``eval_every`` steps.
      strategy: ``"auto"`` (measure), ``"loop"`` (rolled loop) or ``"step"`` (jitted step per call).
      apply: optional ``apply(params, x) -> outputs``, the network on a batch of inputs, for the
        views that show what it computes (not needed for an nnx Module, which runs itself).
      early_stopping: optional patience: stop when the validation loss has not improved for this
        many evaluations, and restore the parameters of its best evaluation (``best_step``).
        Needs ``validation``; ``trainer.early_stopping`` can be changed (or set to None) any time.
      module: a ``flax.linen`` Module whose variables ``params`` are (``{"params": ..., "batch_stats": ...}``):
        the loss receives the module bound to them, run in training mode (batch statistics updated,
        dropout keyed); the diagram and views run it in evaluation mode.
      state, update: your own training step instead of ``loss`` + ``optimizer``:
        ``update(state, batch, key) -> (state, {name: scalar})`` from ``state`` (any pytree); every
        metric is recorded (``loss`` first), a ``val_loss`` metric drives ``early_stopping``; then
        ``params`` may be ``lambda state: ...``, what the diagram and views show.
      mesh: optional ``jax.sharding.Mesh`` with a ``"data"`` axis (and optionally ``"model"``): each batch is
        split over the data axis (its size must divide by it), parameters and optimizer state are replicated
        (with ``"model"``: 2-D arrays split along their last dimension where it divides); one jit, no pmap.
      ensemble: ``N`` members trained together in one vmapped loop (member i: the run with seed
        ``seed + i``; ``params`` may then be an init function ``params(key)``), or
        ``{"learning_rate": [...], "b1": [...], "seed": [...]}``: one member per value. ``trainer.params``
        stacks the members, ``trainer.member(i)`` is one; the history holds the median (``loss``), the
        band (``loss#lo``/``loss#hi``, 25/75 %) and each member (``loss#3``); a diverged member stops alone
        (``trainer.diverged_members``). See ``ensemble.py``.
    """

    def __init__(self, params: Any = None, loss: Callable | None = None, data: Any = None, optimizer: Any = 1e-3, *,
                 validation: Any = None, batch_size: int | None = None, shuffle: bool = True, eval_every: int = 100,
                 seed: int = 0, strategy: str = "auto", name: str = "", apply: Callable | None = None,
                 early_stopping: int | None = None, module: Any = None, state: Any = None,
                 update: Callable | None = None, mesh: Any = None, ensemble: Any = None) -> None:
        if apply is not None and not callable(apply):
            raise TypeError(f"apply must be a function apply(params, x) -> outputs; got {type(apply).__name__}")
        self.apply = apply
        self._update = check_update_arguments(update, state, loss, validation, params, module)
        self._seed = _positive_int(seed, "seed", allow_zero=True)
        self._ensemble = members.check_ensemble(ensemble, self._seed)
        if self._ensemble is not None and (update is not None or early_stopping is not None):
            raise ValueError(f"ensemble= trains with loss= and optimizer=, without "
                             f"{'update=' if update is not None else 'early_stopping='} (not supported together)")
        if self._update is None:
            self._loss = normalised(loss)
            if self._ensemble is None:
                self._adapter = adapter_for(params, module)
            else:   # member i from params(jax.random.key(seed + i)) for an init function, else params
                starts = members.member_params(params, self._ensemble.seeds)
                self._adapter = adapter_for(starts[0], module)
                self._member_starts = [adapter_for(p, module).initial() for p in starts]
        else:
            self._loss, self._adapter = None, self._update
        if self.apply is None:
            self.apply = getattr(self._adapter, "eval_apply", None)  # a linen module runs itself
        self._strategy_request = check_strategy(strategy)
        self._placement = placement_for(mesh)   # mesh=: batches split over its data axis (sharding.py)
        if self._ensemble is not None and self._placement.mesh is not None and self._placement.model_size > 1:
            raise ValueError("mesh: an ensemble splits batches over a 'data' axis only; a 'model' axis would move the "
                             "stacked members' weights between devices at every chunk (use a mesh with axes ('data',))")
        self._eval_every = _positive_int(eval_every, "eval_every")
        seeds = [self._seed] if self._ensemble is None else self._ensemble.seeds
        keys = jnp.stack([jax.random.split(jax.random.key(s), 3) for s in seeds])   # [member, train/data/val]
        self._key_train, data_key, val_key = keys[0]
        self._member_keys = keys[:, 0]
        self._source = data_source(data, batch_size, data_key, "data", shuffle, self._seed, self._policy_params_fn())
        self._placement.prepare(self._source, self._key_train)
        if self._ensemble is not None and hasattr(self._source, "with_member_keys"):
            self._source.with_member_keys(keys[:, 1])     # each member its own epoch order
        self._feeder = Feeder(self._source) if isinstance(self._source, HostData) else None
        # a mesh over several processes: all run the same chunks, process 0 decides them (lockstep.py)
        self._lockstep = Lockstep() if spans_processes(self._placement.mesh) else None
        if self._lockstep is not None:
            if self._feeder is not None:
                raise ValueError(f"data: host data ({type(self._source).__name__}: iterators, loaders, simulators) "
                                 f"cannot feed a trainer whose mesh spans {self._lockstep.processes} processes; pass "
                                 "arrays or a data(key) function, which every process draws the same batches from")
            if self._strategy_request == "auto":
                self._strategy_request = "loop"   # timing both strategies could pick differently per process
        if self._feeder is not None:
            weakref.finalize(self, self._feeder.close)
        self._validation = None if validation is None else data_source(validation, None, val_key, "validation")
        self.data = DataInfo(self._source, self._validation, self._key_train, self._feeder)
        self._optimizer = resolve(optimizer) if self._update is None else optax.identity()
        self.name = str(name)

        trainable, rest = self._adapter.initial()
        if self._update is None:
            self._metric_names = check_loss(self._loss, self._adapter, trainable, rest, self._source,
                                            self._validation, self._key_train)
            self._val_names = () if self._validation is None else (
                "val_loss", *(f"val_{m}" for m in self._metric_names))
            self._train_names = ("loss", *self._metric_names)
            def make_step(source):
                return build_step(self._adapter, self._loss, source, self._optimizer, self._validation,
                                  self._eval_every, self._val_names, placement=self._placement)

            self._step_fn = make_step(self._source) if self._ensemble is None else \
                members.vmapped_step(make_step, self._source, self._ensemble.size)
        else:   # update=: its metrics, `loss` first; val_... metrics are recorded where finite
            names = self._update.metric_names(self._source, self._key_train)
            self._train_names = tuple(n for n in names if not n.startswith("val_"))
            self._val_names = tuple(n for n in names if n.startswith("val_"))
            self._metric_names = self._train_names[1:]
            self._step_fn = self._update.build_step(self._source, self._train_names + self._val_names,
                                                    placement=self._placement)
        self._names = self._train_names + self._val_names
        self._tracks_best = "val_loss" in self._val_names
        self.early_stopping = early_stopping
        self._lr = LearningRate(self._optimizer, self._optimizer.init(trainable))
        self._swept_lr = self._ensemble is not None and "learning_rate" in self._ensemble.sweep
        if self._ensemble is not None:
            self._lr_factors = members.lr_factors(self._ensemble, self._lr.mode, self._lr.base)
            if self._swept_lr and self._lr.mode == "unknown":
                self._lr.check(1.0)   # raises: this optimizer's learning rate cannot be set

        self.history = History()
        self._lock = threading.RLock()           # guards state, history and status together
        self._events = Watchers()
        self.rewind = Rewind(self)               # the state at log-spaced steps: look back, continue (rewind.py)
        self._driver = Driver(self)
        self._status = "idle"
        self.message = ""
        self.error: BaseException | None = None
        self._params_version = 0
        self._evaluate_now = None
        self._reset_state()

    def _reset_state(self) -> None:
        """The initial parameters, optimizer state and seed; an empty history (declared series included)."""
        if self._ensemble is None:
            trainable, rest = self._adapter.initial()
            best = initial_best(trainable, rest) if self._tracks_best else ()
            self._state = TrainState(trainable, rest, self._optimizer.init(trainable), self._key_train,
                                     self._source.init_state(), jnp.int32(0), best)
        else:
            trainable = members.stack([t for t, _ in self._member_starts])
            rest = members.stack([r for _, r in self._member_starts], "state")
            best = jax.vmap(initial_best)(trainable, rest) if self._tracks_best else ()
            opt_state = members.sweep_state(jax.vmap(self._optimizer.init)(trainable), self._ensemble, self._lr.mode)
            self._state = TrainState(trainable, rest, opt_state, self._member_keys, self._source.init_state(),
                                     jnp.int32(0), best)
        self._diverged: dict[int, members.Diverged] = {}
        self._state = self._placement.place_state(self._state)   # mesh=: on its devices
        self._step, self._best_step, self._best_waited = 0, None, 0
        self._lr_applied: float | None = None
        self._params_version += 1
        self.error = None
        self.history.clear()
        names = self._names if self._ensemble is None else members.member_names(self._names, self._ensemble.size)
        self.history.declare(names + (("learning_rate",) if self.learning_rate is not None else ()))

    # ---- what users read ----------------------------------------------------------------
    @property
    def params(self) -> Any:
        """The current parameters (immutable jax arrays; later training never changes them)."""
        with self._lock:
            return self._adapter.user_params(self._state.params, self._state.rest)

    @params.setter
    def params(self, value: Any) -> None:
        """Replace the parameters (same structure and shapes), e.g. after editing a weight."""
        self.edit(lambda _: value)

    @property
    def seed(self) -> int:
        """The seed of the run (an ensemble: of member 0; member i has ``seed + i`` unless swept)."""
        return self._seed

    @property
    def eval_every(self) -> int:
        """Steps between two validation evaluations."""
        return self._eval_every

    @property
    def ensemble_size(self) -> int | None:
        """How many members train together (``ensemble=``); None for a single run."""
        return None if self._ensemble is None else self._ensemble.size

    def member(self, i: int) -> Any:
        """Member ``i``'s parameters (of an ensemble: ``trainer.params`` stacks all of them); a member
        that diverged gives those of its last finite step."""
        if self._ensemble is None:
            raise ValueError("member(i) exists for an ensemble: Trainer(..., ensemble=N)")
        size = self._ensemble.size
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool) or not -size <= i < size:
            raise IndexError(f"member(i): i must be an integer in 0..{size - 1}; got {i!r}")
        with self._lock:
            lane = members.member_slice(self._state, int(i) % size)
        return self._adapter.user_params(lane.params, lane.rest)

    _focus = 0

    @property
    def focus(self) -> int | None:
        """The ensemble member the diagram and views draw (and edit); views that show the spread draw
        every member around it. None for a single run."""
        return None if self._ensemble is None else self._focus

    @focus.setter
    def focus(self, i: int) -> None:
        if self._ensemble is None:
            raise ValueError("focus: a single run has no members to choose from (Trainer(..., ensemble=N))")
        size = self._ensemble.size
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool) or not 0 <= i < size:
            raise ValueError(f"focus must be a member index in 0..{size - 1}; got {i!r}")
        self._focus = int(i)
        self._emit(Event.PARAMS)       # the diagram and views redraw at once

    @property
    def diverged_members(self) -> dict[int, int]:
        """Members of an ensemble that diverged: member -> the last step it completed."""
        return {member: stopped.step for member, stopped in sorted(self._diverged.items())}

    @property
    def _dead_members(self) -> frozenset:
        return frozenset(self._diverged)

    @property
    def opt_state(self) -> Any:
        """The optimizer state of the current step (immutable jax arrays)."""
        with self._lock:
            return self._state.opt_state

    from_train_state = classmethod(from_train_state)   # Trainer.from_train_state(state, loss=..., data=...)

    def train_state(self, state: Any = None) -> Any:
        """The flax ``TrainState`` this trainer was built from (or ``state``), with the trained step,
        params, optimizer state (and batch statistics)."""
        return train_state_of(self, state)

    @property
    def model(self) -> Any:
        """The trained ``nnx.Module`` (a new module holding the current state)."""
        if self._adapter.kind != "nnx":
            raise AttributeError("trainer.model exists when training an nnx.Module; use trainer.params")
        with self._lock:
            return self._adapter.module(self._state.params, self._state.rest)

    def snapshot(self) -> Snapshot:
        """An immutable, consistent look at the trainer now (step, status, parameters, ...).

        >>> snap = trainer.snapshot(); snap.step == trainer.current_step   # doctest: +SKIP
        True
        """
        with self._lock:
            state, shown = self._state, self.rewind.shown
            if self._lockstep is not None:   # over several processes: this process's copies, drawn here alone
                state, shown = local_copy(state), local_copy(shown)
            return Snapshot(step=self._step, status=self._status, message=self.message,
                            learning_rate=self.learning_rate, best_step=self.best_step,
                            early_stopping=self._patience, steps_per_second=self.steps_per_second,
                            strategy=self.strategy, params_version=self._params_version, error=self.error,
                            state=state, adapter=self._adapter, shown=shown,
                            member=None if self._ensemble is None else self._focus)

    def watch(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback(event)`` (an ``Event``) after every change; returns the function that
        stops it. Runs on the training thread: keep it short (see ``events.py``).

        >>> stop = trainer.watch(lambda event: print(event))   # doctest: +SKIP
        """
        return self._events.watch(callback)

    @property
    def watch_errors(self) -> list:
        """(callback, exception) of every watcher that raised (and was unsubscribed)."""
        return list(self._events.errors)

    @property
    def early_stopping(self) -> int | None:
        """Patience in validation evaluations (None: train on whatever the validation loss does)."""
        return self._patience

    @early_stopping.setter
    def early_stopping(self, patience: int | None) -> None:
        if patience is not None:
            patience = _positive_int(patience, "early_stopping")
            if not self._tracks_best:
                raise ValueError("early_stopping needs validation=(x_val, y_val) or a validation generator "
                                 "(with update=: a val_loss metric)")
        self._patience = patience
        if hasattr(self, "_events"):
            self._emit(Event.SETTINGS)

    @property
    def tracks_validation(self) -> bool:
        """Whether a validation loss is tracked (``validation=``, or a ``val_loss`` metric of ``update=``):
        what ``early_stopping`` and ``best_step`` need."""
        return self._tracks_best

    @property
    def best_step(self) -> int | None:
        """The step of the lowest validation loss so far (None before the first evaluation)."""
        return self._best_step

    @property
    def current_step(self) -> int:
        """Optimisation steps completed."""
        return self._step

    @property
    def status(self) -> str:
        """One of idle, compiling, running, paused, done, diverged, error."""
        return self._status

    @property
    def steps_per_second(self) -> float:
        """Training speed over about the last second of chunks."""
        return self._driver.steps_per_second

    @property
    def strategy(self) -> str | None:
        """The chunk strategy in use (``loop`` or ``step``), chosen at the first training call."""
        chunk = self._driver.chunk
        return None if chunk is None else chunk.strategy

    @property
    def learning_rate(self) -> float | None:
        """The current learning rate; setting it takes effect at the next chunk, without recompiling.
        An ensemble sweeping it has none (each member its own: ``ensemble={"learning_rate": [...]}``)."""
        return None if getattr(self, "_swept_lr", False) else self._lr.value

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        if self._swept_lr:
            raise ValueError("learning_rate: this ensemble sweeps the learning rate (one per member), "
                             "so there is no single rate to set")
        value = self._lr.check(value)
        with self._lock:
            self._lr.value = value
        self._emit(Event.SETTINGS)

    # ---- commands -----------------------------------------------------------------------
    def _submit(self, kind: str, *args: Any, wait: bool = False, timeout: float | None = None,
                on_done: Callable | None = None) -> Command:
        command = self._driver.submit(Command(kind, *args, on_done=on_done))
        if wait and not self._driver.on_driver_thread():
            command.wait(timeout)
        return command

    @property
    def target_step(self) -> int | None:
        """The step that ``run(n)``, ``step(n)`` or ``start(n)`` trains to; None when training has no
        target (``start()``) or does not train."""
        plan = self._driver.plan
        return None if plan is None else plan.target

    def run(self, steps: int) -> None:
        """Train ``steps`` steps, blocking; widgets on screen update live, and where no dashboard is on
        screen one line shows the progress (``progress.py``). Ctrl-C (or Pause) stops at a chunk
        boundary with a consistent state."""
        steps = _positive_int(steps, "steps", allow_zero=True)
        if self._driver.on_driver_thread():
            raise RuntimeError("run() cannot be called from a watch callback; use trainer.start()")
        if steps == 0:
            return
        ctrl_c = threading.Event()
        restore = None
        if threading.current_thread() is threading.main_thread():
            def interrupt(*_):
                ctrl_c.set()
                self._submit("pause", "")
            restore = signal.signal(signal.SIGINT, interrupt)
        from .progress import trainer_progress

        progress = trainer_progress(self, self.current_step + steps)
        # while this thread blocks, a kernel without comm subshells holds the page's answers (monitor.py)
        self.blocking_main = threading.current_thread() is threading.main_thread()
        try:
            command = self._submit("run", steps)
            while not command.done.wait(progress.interval):
                progress.tick()
        finally:
            self.blocking_main = False
            if restore is not None:
                signal.signal(signal.SIGINT, restore)
            progress.finish()
        if command.error is not None:
            raise command.error
        if ctrl_c.is_set():
            with self._lock:
                self.message = f"interrupted at step {self.current_step}"
            self._emit(Event.STATUS)
            raise KeyboardInterrupt(f"training stopped at step {self.current_step}")

    def start(self, steps: int | None = None) -> Command:
        """Train in the background (until ``pause()``, or for ``steps`` more steps); returns at once."""
        if steps is not None:
            steps = _positive_int(steps, "steps")
        return self._submit("start", steps, "done")

    def step(self, steps: int = 1) -> Command:
        """Train ``steps`` more steps in the background, then pause (the Step button)."""
        return self._submit("start", _positive_int(steps, "steps"), "paused")

    def pause(self, wait: bool = True, timeout: float = 30.0) -> None:
        """Stop training at the next chunk boundary (within ~0.1 s); ``wait=False`` returns at once."""
        self._submit("pause", "", wait=wait, timeout=timeout)

    def wait(self, timeout: float | None = None, raise_error: bool = True) -> None:
        """Block until background training stops; re-raise the error that stopped it, if any."""
        if not self._driver.on_driver_thread() and not self._driver.wait_idle(timeout):
            raise TimeoutError(f"training still running after {timeout} s")
        if raise_error and self.error is not None:
            raise self.error

    def reset(self, wait: bool = True) -> None:
        """Back to the initial parameters, optimizer state and seed; the history is cleared."""
        self._submit("reset", wait=wait)

    # ---- checkpoints (checkpoint.py) -------------------------------------------------------
    _checkpoint_dir: pathlib.Path | None = None
    blocking_main = False   # run() is blocking the main thread (the display loop reads it: monitor.py)

    @property
    def checkpoint_dir(self) -> pathlib.Path | None:
        """Where ``save()`` / ``restore()`` (and the control bar's Save) go without a directory."""
        return self._checkpoint_dir

    @checkpoint_dir.setter
    def checkpoint_dir(self, directory: Any) -> None:
        self._checkpoint_dir = None if directory is None else as_directory(directory, "checkpoint_dir")
        if hasattr(self, "_events"):      # the control bar shows or hides its Save button at once
            self._emit(Event.SETTINGS)

    def _checkpoint_target(self, directory: Any, what: str) -> pathlib.Path:
        if directory is None:
            if self._checkpoint_dir is None:
                raise ValueError(f"{what}: no directory given and trainer.checkpoint_dir is not set; "
                                 f"call trainer.{what}('runs/name') or set trainer.checkpoint_dir = 'runs/name'")
            return self._checkpoint_dir
        return as_directory(directory, what)

    def save(self, directory: Any = None, *, wait: bool = True,
             on_done: Callable[[Any], None] | None = None) -> Any:
        """Write a checkpoint to ``directory/step_<N>/`` (default ``trainer.checkpoint_dir``; the last 3
        saves are kept) and return that path. Works idle, paused, done, or while training runs (taken
        at the next chunk boundary). ``wait=False`` returns the queued ``Command`` at once and calls
        ``on_done(path or exception)`` on the training thread. Where host data stood is not saved.

        >>> path = trainer.save("runs/fit"); path.name     # doctest: +SKIP
        'step_300'
        """
        directory = self._checkpoint_target(directory, "save")
        if on_done is not None and not callable(on_done):
            raise TypeError(f"save: on_done must be a function on_done(path_or_error); got {type(on_done).__name__}")
        if self._driver.on_driver_thread():     # a watch callback: between two chunks already
            try:
                path = save_checkpoint(self, directory)
            except Exception as error:
                if on_done is not None:
                    on_done(error)
                raise
            if on_done is not None:
                on_done(path)
            return path

        def done(command: Command) -> None:
            if on_done is not None:
                on_done(command.error if command.error is not None else getattr(command, "result", None))

        command = self._submit("save", directory, on_done=done)
        if not wait:
            return command
        return command.wait().result

    def restore(self, directory: Any = None) -> pathlib.Path:
        """Load a checkpoint written by ``save()``: the latest save in ``directory`` (default
        ``trainer.checkpoint_dir``) or the ``step_<N>`` directory given. Training must not be running.
        A missing, corrupt or foreign checkpoint raises, naming the path, and changes nothing.

        >>> trainer.restore("runs/fit"); trainer.current_step     # doctest: +SKIP
        300
        """
        directory = self._checkpoint_target(directory, "restore")
        if self._driver.on_driver_thread():
            raise RuntimeError("restore() cannot be called from a watch callback")
        if self._status in ("running", "compiling") or self._driver.plan is not None:
            raise RuntimeError(f"restore: training is {self._status}; call trainer.pause() first "
                               "(nothing was changed)")
        return self._submit("restore", directory, wait=True).result

    def edit(self, change: Callable[[Any], Any], *, note: str | None = None, wait: bool = True,
             on_done: Callable[[Command], None] | None = None) -> Command:
        """Replace the parameters by ``change(params)`` between chunks (training must be paused).
        With ``note`` (e.g. "set dense_0 weight [0→1] = 0.5") the loss after the change is recorded
        as an ``edit_loss`` point and shown in the message."""
        if not callable(change):
            raise TypeError(f"edit(change): change must be a function params -> params; got {type(change).__name__}")
        return self._submit("params", change, note, wait=wait, on_done=on_done)

    def show(self, **kwargs: Any):
        """The dashboard: controls, a live loss chart, the network diagram and ``views=[...]``
        (``jaxscope.views``: FunctionPlot, ParityPlot, OutputMap2D, ImageGrid, LatentScatter, CustomView,
        SequencePlot, ProbePanel, ActivationGrid, LatentGrid, ConfusionMatrix)."""
        from ..widgets.dashboard import Dashboard

        return Dashboard(self, **kwargs)

    def __repr__(self) -> str:
        return f"<jaxscope.Trainer {self.name!r} status={self.status} step={self.current_step}>"

    # ---- called by the driver (on its thread) ---------------------------------------------
    def _policy_params_fn(self) -> Callable[[], Any]:
        """For on-policy data: the parameters (an nnx module: the module, in eval mode) of now."""
        ref = weakref.ref(self)

        def params_now() -> Any:
            trainer = ref()
            state = getattr(trainer, "_state", None)
            trainable, rest = trainer._adapter.initial() if state is None else (state.params, state.rest)
            return trainer._adapter.eval_view(trainable, rest)

        return params_now

    def _emit(self, event: Event) -> None:
        self.rewind.note(event)       # records at chunk boundaries, before anyone who watches reads it
        self._events.emit(event)

    def _set_status(self, status: str, message: str = "") -> None:
        if not message and getattr(self, "_diverged", None) and status in ("running", "paused", "done"):
            message = self._members_note()   # an ensemble keeps saying which members stopped
        with self._lock:
            self._status, self.message = status, message
        self._emit(Event.STATUS)

    def _chunk_inputs(self, base: TrainState | None, agreed: Any = None) -> tuple[TrainState, Any, float | None]:
        """The state a chunk starts from (with a changed learning rate applied) and its rate inputs;
        over several processes at the rate they ``agreed`` on (``lockstep.py``), not one set since."""
        with self._lock:
            value = self._lr.value if self._lockstep is None else agreed
            base = self._state if base is None else base
            if self._lr_applied != value and not self._swept_lr:
                base = base._replace(opt_state=self._lr.apply_to_state(base.opt_state, value))
                self._lr_applied = value
            if self._ensemble is None:
                return base, self._lr.scale(value), value
            return base, self._lr.scale(value) * self._lr_factors, None if self._swept_lr else value

    def _commit(self, start: int, result, lr: float | None) -> None:
        if self._ensemble is not None:
            return self._commit_members(start, result, lr)
        steps = np.arange(start + 1, start + result.completed + 1)
        best_step, waited = self._best_step, self._best_waited
        if self._tracks_best and result.completed:
            step, waited = (int(v) for v in jax.device_get((result.state.best.step, result.state.best.waited)))
            best_step = None if step < 0 else step
        with self._lock:
            self._state = result.state
            self._step = start + result.completed
            self._best_step, self._best_waited = best_step, waited
            for name in self._train_names:
                self.history.extend(name, steps, result.metrics[name])
            if self._val_names and result.completed:
                due = steps % self._eval_every == 0
                for name in self._val_names:
                    values = result.metrics[name]
                    on = np.isfinite(values) if self._update is not None else due   # update=: NaN when not evaluated
                    self.history.extend(name, steps[on], values[on])
            if lr is not None:
                self.history.extend("learning_rate", steps, np.full(len(steps), lr, np.float32))

    def _commit_members(self, start: int, result, lr: float | None) -> None:
        """An ensemble's chunk: per metric the median, band and member series over the members still
        training; members that diverged keep the state of their last finite step (``ensemble.py``)."""
        n, size = result.completed, self._ensemble.size
        steps = np.arange(start + 1, start + n + 1)
        diverged = dict(self._diverged)
        live = np.ones((n, size), bool)
        for member in diverged:
            live[:, member] = False
        last_losses = {}
        for member, (completed, lane, _) in result.diverged.items():
            live[completed:, member] = False
            losses = result.metrics[self._train_names[0]][:completed, member]
            last_losses[member] = float(losses[-1]) if completed else self._last_value(f"loss#{member}")
            diverged[member] = members.Diverged(start + completed, lane, result.diverged[member][2])
        state = result.state
        for member, stopped in diverged.items():   # a stopped member's lane holds its kept state
            state = members.with_member_state(state, member, stopped.state)
        with self._lock:
            self._state, self._step, self._diverged = state, start + n, diverged
            for name in self._train_names:
                for key, (s, v) in members.series_of(name, steps, result.metrics[name], live).items():
                    self.history.extend(key, s, v)
            if self._val_names and n:
                due = steps % self._eval_every == 0
                for name in self._val_names:
                    values = result.metrics[name][due]
                    for key, (s, v) in members.series_of(name, steps[due], values, live[due] & np.isfinite(values)).items():
                        self.history.extend(key, s, v)
            for member in result.diverged:
                self.history.extend(f"diverged#{member}", [diverged[member].step], [last_losses[member]])
            if lr is not None:
                self.history.extend("learning_rate", steps, np.full(len(steps), lr, np.float32))
            if result.diverged and len(diverged) < size:
                self.message = self._members_note()
        if result.diverged and len(diverged) < size:
            self._emit(Event.STATUS)

    def _members_note(self) -> str:
        """'member 3 diverged at step 1,201; 15 of 16 train on' (an ensemble with stopped members)."""
        stopped = sorted(self._diverged.items())
        size = self._ensemble.size
        if len(stopped) == 1:
            which = f"member {stopped[0][0]} diverged at step {stopped[0][1].step + 1:,}"
        else:
            which = "members " + ", ".join(f"{m} (step {d.step + 1:,})" for m, d in stopped) + " diverged"
        return f"{which}; {size - len(stopped)} of {size} train on"

    def _last_value(self, name: str) -> float:
        count = self.history.count(name)
        return float(self.history.tail(name, count - 1)[1][-1]) if count else float("nan")

    def _stop_early_if_due(self) -> str:
        """After a commit: when patience ran out, go back to the best parameters; the message, or ''."""
        best = self._state.best
        if self._patience is None or best == () or self._best_step is None or self._best_waited < self._patience:
            return ""
        with self._lock:  # a later Start gets a fresh patience window
            self._state = self._state._replace(params=best.params, rest=best.rest,
                                               best=best._replace(waited=jnp.zeros((), jnp.int32)))
            self._params_version, self._best_waited = self._params_version + 1, 0
        return (f"early stopping at step {self.current_step}: val_loss has not improved for {self._patience} "
                f"evaluations; parameters restored from step {self._best_step} (val_loss {float(best.val_loss):.4g})")

    def _replace_params(self, change: Callable[[Any], Any]) -> None:
        """``change(params)`` checked against the current structure and shapes, then made current. An
        ensemble: ``change`` gets the focus member's parameters and gives that member's new ones (or
        all members', stacked, as ``trainer.params = stacked`` does)."""
        with self._lock:
            state, focus = self._state, self._focus
        old, rest = state.params, state.rest
        if self._ensemble is not None:
            lane = members.member_slice(state, focus)
            value = change(self._adapter.user_params(lane.params, lane.rest))
            merge = getattr(self._adapter, "merge_user_params", None)
            shape_of = [np.shape(leaf) for leaf in jax.tree.leaves(value)]
            if shape_of == [np.shape(leaf) for leaf in jax.tree.leaves(lane.params)] and \
                    jax.tree.structure(value) == jax.tree.structure(lane.params):
                if merge is not None:
                    value, lane_rest = merge(value, lane.params, lane.rest)
                    rest = members.with_member(rest, focus, lane_rest)
                new = members.with_member(old, focus, jax.tree.map(lambda a, o: jnp.asarray(a, o.dtype),
                                                                    value, lane.params))
                with self._lock:
                    self._state = self._placement.place_state(self._state._replace(params=new, rest=rest))
                    self._params_version += 1
                return
            change = lambda _: value    # noqa: E731 - a whole stack is checked below like a single run's
        value = change(self.params)
        merge = getattr(self._adapter, "merge_user_params", None)   # linen variables, params(state) of update=
        if merge is not None:
            value, rest = merge(value, old, rest)
        if jax.tree.structure(value) != jax.tree.structure(old):
            raise ValueError("params: the new parameters must have the same structure as the current ones")
        for new_leaf, old_leaf in zip(jax.tree.leaves(value), jax.tree.leaves(old)):
            if np.shape(new_leaf) != np.shape(old_leaf):
                raise ValueError(f"params: shape {np.shape(new_leaf)} where {np.shape(old_leaf)} was expected")
        new = jax.tree.map(lambda a, o: jnp.asarray(a, o.dtype), value, old)
        with self._lock:
            self._state = self._placement.place_state(self._state._replace(params=new, rest=rest))   # mesh=: its devices
            self._params_version += 1

    def _loss_now(self) -> float:
        """The loss of the current parameters on the validation data, else on a training batch."""
        if self._evaluate_now is None:
            source = self._validation or self._source
            adapter, loss = self._adapter, self._loss
            if self._update is not None:
                if "loss" not in self._train_names:
                    return float("nan")
                now = self._update.loss_now(source)
                self._evaluate_now = lambda p, r, k: now(p, k)
            else:
                self._evaluate_now = jax.jit(lambda p, r, k: loss(adapter.eval_view(p, r), source.full(k), k)[0])
        with self._lock:
            state = self._state
        if self._ensemble is not None:   # the member the diagram edits
            state = members.member_slice(state, self._focus)
        return float(self._evaluate_now(state.params, state.rest, state.key))

    def _note_edit(self, what: str) -> None:
        """After a hand edit: the loss now, as an ``edit_loss`` point at the current step and in the message."""
        value = self._loss_now()
        with self._lock:
            self.history.extend("edit_loss", [self.current_step], [value])
            self.message = f"{what} · loss now {value:.4g}"
        self._emit(Event.STATUS)
