"""``Trainer``: train a jax model in chunks, blocking (``run``) or in the background (``start``)."""

from __future__ import annotations

import collections
import contextvars
import signal
import threading
import time
import weakref
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from .chunk import MAX_CHUNK, choose_chunk, dispatch_chunk, finish_chunk
from .data_source import data_source
from .history import History
from .loss_function import check_shapes, normalised
from .model_adapter import adapter_for
from .optimizer import LearningRate, resolve
from .step import TrainState, build_step, initial_best

RATE_WINDOW = 1.0          # seconds of recent chunks that steps_per_second averages over
CHUNK_SECONDS = 0.03       # target wall time of one chunk; two are in flight, so pause lands within ~2-3 of these
STATUSES = ("idle", "running", "paused", "done", "diverged", "error")


def _positive_int(value: Any, name: str, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}; got {value}")
    return int(value)


class Trainer:
    """Trains ``params`` on ``loss`` and records every step; widgets watch it live.

    >>> trainer = Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
    ...                   data=lambda key: jax.random.normal(key, (3,)), optimizer=0.1)
    >>> trainer.run(100); len(trainer.history["loss"])
    100

    Args:
      params: any pytree of arrays, or a ``flax.nnx.Module`` (the loss then receives the module).
      loss: ``loss(params_or_module, batch)`` -> scalar, or ``(scalar, {name: scalar})``.
      data: ``data(key) -> batch`` (fresh data each step), or a tuple of arrays (x, y, ...)
        served in shuffled epochs of ``batch_size``.
      optimizer: an optax transformation, or a float (adam at that learning rate).
      validation: optional tuple of arrays or ``key -> batch``, evaluated every ``eval_every`` steps.
      strategy: ``"auto"`` (measure), ``"loop"`` (rolled loop) or ``"step"`` (jitted step per call).
      apply: optional ``apply(params, x) -> outputs``, the network on a batch of inputs, for the
        views that show what it computes (not needed for an nnx Module, which runs itself).
      early_stopping: optional patience: stop when the validation loss has not improved for this
        many evaluations, and restore the parameters of its best evaluation (``best_step``).
        Needs ``validation``; ``trainer.early_stopping`` can be changed (or set to None) any time.
    """

    def __init__(self, params: Any, loss: Callable, data: Any, optimizer: Any = 1e-3, *,
                 validation: Any = None, batch_size: int | None = None, eval_every: int = 100,
                 seed: int = 0, strategy: str = "auto", name: str = "", apply: Callable | None = None,
                 early_stopping: int | None = None) -> None:
        self._loss = normalised(loss)
        if apply is not None and not callable(apply):
            raise TypeError(f"apply must be a function apply(params, x) -> outputs; got {type(apply).__name__}")
        self.apply = apply
        self._adapter = adapter_for(params)
        if strategy not in ("auto", "loop", "step"):
            raise ValueError(f"strategy must be 'auto', 'loop' or 'step'; got {strategy!r}")
        self._strategy_request = strategy
        self._eval_every = _positive_int(eval_every, "eval_every")
        self._seed = _positive_int(seed, "seed", allow_zero=True)
        key = jax.random.key(self._seed)
        self._key_train, data_key, val_key = jax.random.split(key, 3)
        self._source = data_source(data, batch_size, data_key, "data")
        self._validation = None if validation is None else data_source(validation, None, val_key, "validation")
        self._optimizer = resolve(optimizer)
        self.name = str(name)
        self.early_stopping = early_stopping

        trainable, rest = self._adapter.initial()
        self._metric_names = self._check_loss(trainable, rest)
        self._val_names = () if self._validation is None else (
            "val_loss", *(f"val_{m}" for m in self._metric_names))
        self._names = ("loss", *self._metric_names, *self._val_names)
        self._step_fn = build_step(self._adapter, self._loss, self._source, self._optimizer,
                                   self._validation, self._eval_every, self._val_names)
        self._lr = LearningRate(self._optimizer, self._optimizer.init(trainable))
        self._lr_applied: float | None = None

        self.history = History()
        self._lock = threading.RLock()           # guards state, history and status together
        self._listeners: list[Callable[[str], None]] = []
        self._chunk = None
        self._chunk_size = 16
        self._state = self._initial_state()
        self._status = "idle"
        self.message = ""
        self.error: BaseException | None = None
        self.steps_per_second = 0.0    # over about the last second of training
        self._rate_window: collections.deque = collections.deque()
        self._worker: threading.Thread | None = None
        self._in_flight = None                   # the chunk the device runs while the host records the last
        self._last_finish = self._flight_started = 0.0
        self._seconds_per_step = 1e-3
        self._stop = threading.Event()
        self._comm_context: contextvars.Context | None = None
        self._comm_context_on_subshell = False

    # ---- construction -------------------------------------------------------------------
    def _check_loss(self, trainable: Any, rest: Any) -> list[str]:
        """Trace the loss with abstract values (no compilation) to check what it returns."""
        def abstract_loss(source, where):
            def fn(p, r, k):
                batch, _ = source.next(source.init_state(), k, jnp.int32(0))
                return self._loss(self._adapter.view(p, r), batch)
            try:
                value, metrics = jax.eval_shape(fn, trainable, rest, self._key_train)
            except Exception as e:  # the user's own error, with a note saying where it came from
                e.add_note(f"jaxscope: raised while tracing loss(params, batch){where} to check its output")
                raise
            return check_shapes(value, metrics, where)

        names = abstract_loss(self._source, "")
        if self._validation is not None:
            val = abstract_loss(self._validation, " on the validation data")
            if val != names:
                raise ValueError(f"validation: the loss returns metrics {val} on it but {names} on data")
        return tuple(names)

    def _initial_state(self) -> TrainState:
        trainable, rest = self._adapter.initial()
        best = initial_best(trainable, rest) if self._validation is not None else ()
        return TrainState(trainable, rest, self._optimizer.init(trainable), self._key_train,
                          self._source.init_state(), jnp.int32(0), best)

    # ---- what users read ----------------------------------------------------------------
    @property
    def params(self) -> Any:
        """The current parameters (immutable jax arrays; later training never changes them)."""
        with self._lock:
            return self._adapter.user_params(self._state.params, self._state.rest)

    @params.setter
    def params(self, value: Any) -> None:
        """Replace the parameters (same structure and shapes), e.g. after editing a weight."""
        with self._lock:
            self._require_idle("set params")
            old = self._state.params
            if jax.tree.structure(value) != jax.tree.structure(old):
                raise ValueError("params: the new parameters must have the same structure as the current ones")
            for new_leaf, old_leaf in zip(jax.tree.leaves(value), jax.tree.leaves(old)):
                if np.shape(new_leaf) != np.shape(old_leaf):
                    raise ValueError(f"params: shape {np.shape(new_leaf)} where {np.shape(old_leaf)} was expected")
            new = jax.tree.map(lambda a, o: jnp.asarray(a, o.dtype), value, old)
            self._state = self._state._replace(params=new)
        self._notify("params")

    @property
    def model(self) -> Any:
        """The trained ``nnx.Module`` (a new module holding the current state)."""
        if self._adapter.kind != "nnx":
            raise AttributeError("trainer.model exists when training an nnx.Module; use trainer.params")
        with self._lock:
            return self._adapter.module(self._state.params, self._state.rest)

    def _model_view(self) -> Any:
        """What a diagram reads weights from: the trained module (nnx) or the parameters."""
        return self.model if self._adapter.kind == "nnx" else self.params

    def _input_shape(self) -> tuple | None:
        """Per-sample shape of the first input of a batch (for tracing an nnx module)."""
        batch = jax.eval_shape(lambda k: self._source.next(self._source.init_state(), k, jnp.int32(0))[0],
                               self._key_train)
        first = batch[0] if isinstance(batch, (tuple, list)) else batch
        shape = getattr(first, "shape", None)
        return tuple(shape[1:]) if shape else None

    def _input_range(self, batches: int = 8) -> list[tuple[float, float]] | None:
        """Per input dimension, the (lo, hi) that a few batches of the data span, padded by 5 % and rounded."""
        def first_inputs(key):
            batch = self._source.full(key)
            return batch[0] if isinstance(batch, (tuple, list)) else batch
        batches = 1 if hasattr(self._source, "arrays") else batches  # a fixed data set: all of it once
        try:
            x = np.concatenate([np.asarray(first_inputs(k)) for k in jax.random.split(self._key_train, batches)])
        except Exception:
            return None
        x = x.reshape(len(x), -1).astype(np.float64)
        lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
        pad = np.where(hi > lo, 0.05 * (hi - lo), 1.0)
        lo, hi = lo - pad, hi + pad
        tick = 10.0 ** np.floor(np.log10(hi - lo)) / 4  # round outward: [-3.27, 3.29] -> [-3.5, 3.5]
        lo, hi = np.round(np.floor(lo / tick) * tick, 12), np.round(np.ceil(hi / tick) * tick, 12)
        return [(float(a), float(b)) for a, b in zip(lo, hi)]

    @property
    def early_stopping(self) -> int | None:
        """Patience in validation evaluations (None: train on whatever the validation loss does)."""
        return self._patience

    @early_stopping.setter
    def early_stopping(self, patience: int | None) -> None:
        if patience is not None:
            patience = _positive_int(patience, "early_stopping")
            if self._validation is None:
                raise ValueError("early_stopping needs validation=(x_val, y_val) or a validation generator")
        self._patience = patience

    @property
    def best_step(self) -> int | None:
        """The step of the lowest validation loss so far (None before the first evaluation)."""
        best = self._state.best
        return None if best == () or int(best.step) < 0 else int(best.step)

    def _stop_early(self) -> bool:
        """After a commit: when patience ran out, go back to the best parameters and say so."""
        best = self._state.best
        if self._patience is None or best == () or int(best.waited) < self._patience or int(best.step) < 0:
            return False
        self._in_flight = None  # the chunk in flight trains on past the stop
        with self._lock:  # a later Start gets a fresh patience window
            self._state = self._state._replace(params=best.params, rest=best.rest,
                                               best=best._replace(waited=jnp.zeros((), jnp.int32)))
        self._set_status("done", f"early stopping at step {self.current_step}: val_loss has not improved for "
                                 f"{self._patience} evaluations; parameters restored from step {int(best.step)} "
                                 f"(val_loss {float(best.val_loss):.4g})")
        return True

    def _loss_now(self) -> float:
        """The loss of the current parameters on the validation data, else on a training batch."""
        if getattr(self, "_evaluate_now", None) is None:
            source = self._validation or self._source
            adapter, loss = self._adapter, self._loss
            self._evaluate_now = jax.jit(lambda p, r, k: loss(adapter.eval_view(p, r), source.full(k))[0])
        with self._lock:
            state = self._state
        return float(self._evaluate_now(state.params, state.rest, state.key))

    def _note_edit(self, what: str) -> float:
        """After a hand edit of the parameters: the loss now, as an ``edit_loss`` point at the
        current step (the loss chart shows it) and in the status message."""
        loss = self._loss_now()
        with self._lock:
            self.history.extend("edit_loss", [self.current_step], [loss])
            self.message = f"{what} · loss now {loss:.4g}"
        self._notify("status")
        return loss

    @property
    def current_step(self) -> int:
        """Optimisation steps completed."""
        return int(self._state.step)

    @property
    def status(self) -> str:
        """One of idle, running, paused, done, diverged, error."""
        return self._status

    @property
    def strategy(self) -> str | None:
        """The chunk strategy in use (``loop`` or ``step``), chosen at the first training call."""
        return None if self._chunk is None else self._chunk.strategy

    @property
    def learning_rate(self) -> float | None:
        """The current learning rate; setting it takes effect at the next chunk, without recompiling."""
        return self._lr.value

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        value = self._lr.check(value)
        with self._lock:
            self._lr.value = value
        self._notify("learning_rate")

    # ---- listeners (widgets) ------------------------------------------------------------
    def _subscribe(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def _unsubscribe(self, listener: Callable[[str], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, event: str) -> None:
        """Tell widgets: ``progress`` (after a chunk), ``status``, ``reset``, ``params``, ``learning_rate``."""
        for listener in list(self._listeners):
            listener(event)

    def _set_status(self, status: str, message: str = "") -> None:
        self._status, self.message = status, message
        self._notify("status")

    def _remember_comm_context(self) -> None:
        """Called by widgets inside a comm message handler: the worker will run in this context.

        A handler on a comm subshell thread (ipykernel >= 7) is preferred: a worker parented to
        a main-shell message (e.g. a view's first "ready", sent before the front end opened its
        subshell) would pin later clicks to the main shell, where they wait for busy cells.
        """
        on_subshell = threading.current_thread() is not threading.main_thread()
        if on_subshell or not self._comm_context_on_subshell:
            self._comm_context = contextvars.copy_context()
            self._comm_context_on_subshell = on_subshell

    # ---- the training loop --------------------------------------------------------------
    def _prepare(self) -> None:
        with self._lock:
            if self._chunk is None:
                self._chunk, seconds = choose_chunk(self._step_fn, self._names, self._state,
                                                    self._lr.scale(), self._strategy_request)
                self._seconds_per_step = max(seconds, 1e-7)
                self._chunk_size = int(np.clip(CHUNK_SECONDS / self._seconds_per_step, 1, MAX_CHUNK))
                if self._chunk.strategy == "loop" and jax.default_backend() != "cpu":
                    # accelerators: one fixed power-of-two chunk as a static scan (see LoopChunk.pin)
                    self._chunk.pin(int(2 ** np.clip(np.round(np.log2(self._chunk_size)), 4, np.log2(MAX_CHUNK))))
                    self._chunk_size = self._chunk.static_size

    def _advance(self, target: int | None, more: bool) -> bool:
        """One turn of the two-deep pipeline: dispatch the next chunk (when ``more`` and below
        ``target``), then wait for the oldest one in flight and commit it. While the host reads
        back and records one chunk, the device already runs the next. False when it diverged.
        """
        flight = self._in_flight
        dispatched_to = flight.start_step + flight.n if flight else self.current_step
        following = None
        if more and (target is None or dispatched_to < target):
            requested = self._chunk_size if target is None else min(self._chunk_size, target - dispatched_to)
            with self._lock:
                base = flight.new if flight else self._state
                if self._lr_applied != self._lr.value:
                    base = base._replace(opt_state=self._lr.apply_to_state(base.opt_state))
                    self._lr_applied = self._lr.value
                lr, scale = self._lr.value, self._lr.scale()
            following = dispatch_chunk(self._chunk, base, scale, self._chunk.size_for(requested), lr, dispatched_to)
        self._in_flight = following
        if flight is None:
            return True
        result = finish_chunk(self._chunk, flight)
        now = time.perf_counter()
        with self._lock:
            self._commit(flight.start_step, result, flight.lr)
        if result.completed:
            elapsed = now - max(self._last_finish, self._flight_started)
            self._observe_speed(elapsed / result.completed)
            self._measure_rate(elapsed, result.completed)
        self._last_finish, self._flight_started = now, now
        self._notify("progress")
        if result.bad_loss is not None:
            self._in_flight = None  # it started from a state that is now discarded
            bad_step = int(result.state.step) + 1
            self._set_status("diverged", f"diverged at step {bad_step}: the loss or its gradient is not "
                                         f"finite (loss {result.bad_loss}); parameters kept from step {bad_step - 1}")
            return False
        return not self._stop_early()

    def _measure_rate(self, seconds: float, steps: int) -> None:
        """``steps_per_second`` over the chunks of about the last second (one chunk alone is noisy)."""
        window = self._rate_window
        window.append((seconds, steps))
        while len(window) > 1 and sum(t for t, _ in window) - window[0][0] >= RATE_WINDOW:
            window.popleft()
        total = sum(t for t, _ in window)
        self.steps_per_second = sum(n for _, n in window) / total if total > 0 else 0.0

    def _observe_speed(self, per_step: float) -> None:
        if self._chunk.static_size is None:
            # Smoothed, and at most 2x up or down per chunk: one chunk slowed by another process
            # must not shrink the next ones (each chunk costs a host round trip).
            self._seconds_per_step += 0.3 * (per_step - self._seconds_per_step)
            target = CHUNK_SECONDS / self._seconds_per_step
            self._chunk_size = int(np.clip(target, max(1, self._chunk_size // 2),
                                           min(MAX_CHUNK, 2 * self._chunk_size)))

    def _begin(self) -> None:
        """Before a run of chunks: compile if needed, and time from now."""
        self._prepare()
        self._in_flight = None
        self._last_finish = self._flight_started = time.perf_counter()
        self._rate_window.clear()

    def _commit(self, start: int, result, lr: float | None) -> None:
        steps = np.arange(start + 1, start + result.completed + 1)
        self._state = result.state
        for name in ("loss", *self._metric_names):
            self.history.extend(name, steps, result.metrics[name])
        if self._val_names and result.completed:
            due = steps % self._eval_every == 0
            for name in self._val_names:
                self.history.extend(name, steps[due], result.metrics[name][due])
        if lr is not None:
            self.history.extend("learning_rate", steps, np.full(len(steps), lr, np.float32))

    def _fail(self, error: BaseException) -> None:
        self._in_flight = None  # whatever was in flight started from a state not committed
        self.error = error
        self._set_status("error", f"{type(error).__name__}: {error}")

    def run(self, steps: int) -> None:
        """Train ``steps`` steps, blocking; widgets on screen update live. Ctrl-C stops cleanly."""
        steps = _positive_int(steps, "steps", allow_zero=True)
        if self._worker is not None and self._worker.is_alive():
            raise RuntimeError("training is running in the background; call trainer.pause() first")
        if steps == 0:
            return
        interrupted = threading.Event()
        restore = None
        if threading.current_thread() is threading.main_thread():
            restore = signal.signal(signal.SIGINT, lambda *_: interrupted.set())
        self.error = None
        self._set_status("running")
        try:
            self._begin()
            target = self.current_step + steps
            while True:
                more = not interrupted.is_set()
                if self._in_flight is None and (not more or self.current_step >= target):
                    break
                if not self._advance(target, more):
                    return
        except Exception as e:
            self._fail(e)
            raise
        finally:
            if restore is not None:
                signal.signal(signal.SIGINT, restore)
        if interrupted.is_set():
            self._set_status("paused", f"interrupted at step {self.current_step}")
            raise KeyboardInterrupt(f"training stopped at step {self.current_step}")
        self._set_status("done")

    def start(self, steps: int | None = None) -> None:
        """Train in a background thread (until ``pause()``, or for ``steps`` more steps)."""
        if steps is not None:
            steps = _positive_int(steps, "steps")
        self._start_worker(steps, "done")

    def step(self, steps: int = 1) -> None:
        """Train ``steps`` more steps in the background, then pause (the Step button)."""
        self._start_worker(_positive_int(steps, "steps"), "paused")

    def _start_worker(self, steps: int | None, final_status: str) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        self._stop.clear()
        self.error = None
        self._set_status("running")
        context = self._comm_context.copy() if self._comm_context is not None else contextvars.copy_context()
        self._worker = threading.Thread(target=context.run, args=(_background, weakref.ref(self), steps, final_status),
                                        name=f"jaxscope-trainer-{self.name or id(self)}", daemon=True)
        self._worker.start()

    def pause(self, wait: bool = True, timeout: float = 30.0) -> None:
        """Stop background training at the next chunk boundary (within ~0.1 s)."""
        self._stop.set()
        if wait:
            self.wait(timeout, raise_error=False)

    def wait(self, timeout: float | None = None, raise_error: bool = True) -> None:
        """Block until background training stops; re-raise the error that stopped it, if any."""
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)
            if worker.is_alive():
                raise TimeoutError(f"training still running after {timeout} s")
        if raise_error and self.error is not None:
            raise self.error

    def reset(self) -> None:
        """Back to the initial parameters, optimizer state and seed; the history is cleared."""
        self.pause(wait=True)
        with self._lock:
            self._state = self._initial_state()
            self._lr_applied = None
            self.history.clear()
            self.error = None
            self.steps_per_second = 0.0
        self._notify("reset")
        self._set_status("idle")

    def _require_idle(self, what: str) -> None:
        if self._worker is not None and self._worker.is_alive():
            raise RuntimeError(f"cannot {what} while training runs; call trainer.pause() first")

    def show(self, **kwargs: Any):
        """The dashboard: controls, a live loss chart, the network diagram and ``views=[...]``
        (``jaxscope.views``: FunctionPlot, ParityPlot, OutputMap2D, ImageGrid, LatentScatter, CustomView)."""
        from ..widgets.dashboard import Dashboard

        return Dashboard(self, **kwargs)

    def __repr__(self) -> str:
        return f"<jaxscope.Trainer {self.name!r} status={self.status} step={self.current_step}>"


def _background(ref: "weakref.ref[Trainer]", steps: int | None, final_status: str) -> None:
    """The worker: holds the trainer only while a chunk runs, so a dropped trainer stops it."""
    trainer = ref()
    if trainer is None:
        return
    try:
        trainer._begin()
    except Exception as e:
        trainer._fail(e)
        return
    target = None if steps is None else trainer.current_step + steps
    stop = trainer._stop
    del trainer
    while True:
        trainer = ref()
        if trainer is None:
            return
        more = not stop.is_set()
        if trainer._in_flight is None:
            if not more:
                trainer._set_status("paused")
                return
            if target is not None and trainer.current_step >= target:
                trainer._set_status(final_status)
                return
        try:
            if not trainer._advance(target, more):
                return
        except Exception as e:
            trainer._fail(e)
            return
        del trainer
