"""Chunks of steps compiled once: the engine's unit of work between two looks from the host.

Two strategies run the same ``step`` function:
- ``loop``: one ``jax.jit`` of a ``lax.while_loop`` over up to ``MAX_CHUNK`` steps, the step count a
  traced argument (any chunk size, one compilation), stopping early after a non-finite loss;
- ``step``: a jitted single step called from Python, for models whose steps are slow inside a
  rolled loop on XLA's CPU backend (convolutions).
Both write per-step metrics into float32 buffers and hand back one ``ChunkResult`` after a single
device-to-host transfer. On the CPU a chunk is dispatched as back-to-back executions of at most
``PART`` steps (one host round trip for all of them): executions of 1,000+ steps ran 15-25 % slower
than ones of 128-256 steps when another process kept one of two cores busy (measured: a loop of
1,024-step executions 0.78-0.85x a scan of 128, 256-step ones 1.00x, 128-step ones 1.03x). A chunk whose loss turned non-finite is recomputed from its (immutable)
start state up to the last finite step, so training stops with finite parameters.
"""

from __future__ import annotations

import time
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import check_strategy
from .host_batches import feed_at
from .step import TrainState

MAX_CHUNK = 8192
PART = 256     # steps of one while-loop execution; a chunk is several (see the module docstring)
MIN_SCAN = 16  # pinned (accelerator) chunks: fewer steps than this run in the while loop


class ChunkResult(NamedTuple):
    state: TrainState
    completed: int                  # finite steps done (an ensemble: steps with any member finite)
    metrics: dict[str, np.ndarray]  # name -> values of the completed steps (float32[completed], ensembles [completed, N])
    bad_loss: float | None          # the loss of the step that diverged, if one did
    diverged: dict = {}             # an ensemble: member -> (steps it completed in this chunk, its state there, bad loss)


def _empty_buffers(names: tuple[str, ...], size: int = MAX_CHUNK, shapes: dict | None = None) -> dict[str, jax.Array]:
    """NaN buffers of ``size`` rows per metric (a row: a scalar, or one value per ensemble member)."""
    return {name: jnp.full((size, *(() if shapes is None else shapes[name].shape)), jnp.nan, jnp.float32)
            for name in names}


def _metric_shapes(step: Callable, state: TrainState, lr_scale, feeds) -> dict:
    """The shapes of one step's metrics (scalars; ``(N,)`` for an ensemble), without running it."""
    return jax.eval_shape(lambda s, scale, f: step(s, scale, feed_at(f, 0))[1], state, lr_scale, feeds)


def _write(buffers: dict, out: dict, i: jax.Array) -> dict:
    return {name: buffers[name].at[i].set(out[name]) for name in buffers}


class LoopChunk:
    """All steps of a chunk inside one compiled ``while_loop`` (or a pinned-size ``scan``)."""

    strategy = "loop"

    def __init__(self, step: Callable, names: tuple[str, ...]) -> None:
        self.names = names
        self._step = step
        self.static_size: int | None = None
        self._scans: dict[int, Callable] = {}

        def chunk(state: TrainState, lr_scale: jax.Array, n: jax.Array, feeds, offset: jax.Array):
            def cond(carry):
                i, _, _, finite = carry
                return (i < n) & finite

            def body(carry):
                i, s, buffers, _ = carry
                s, out = step(s, lr_scale, feed_at(feeds, offset + i))
                return i + 1, s, _write(buffers, out, i), jnp.isfinite(out[names[0]]).any()   # the loss (any member)

            shapes = _metric_shapes(step, state, lr_scale, feeds)
            init = (jnp.int32(0), state, _empty_buffers(names, PART, shapes), jnp.bool_(True))
            _, state, buffers, _ = jax.lax.while_loop(cond, body, init)
            return state, buffers

        self._chunk = jax.jit(chunk)

    def pin(self, size: int) -> None:
        """Run chunks as static-length ``lax.scan``s of power-of-two sizes up to ``size``.

        On GPUs a ``while_loop`` with a traced trip count reads its predicate back to the host
        every iteration (measured: half the speed of a scan for the lesson-2 MLP on an H200);
        a scan of known length does not. ``size_for`` cuts a request into such sizes (each
        compiled once, when first needed); fewer than ``MIN_SCAN`` steps use the while loop.
        """
        self.static_size = size

    def size_for(self, n: int) -> int:
        """How many of ``n`` requested steps the next chunk runs."""
        if self.static_size is None or n < MIN_SCAN:
            return n
        return min(self.static_size, 1 << (n.bit_length() - 1))

    def parts(self, n: int) -> list[int]:
        """The executions a chunk of ``n`` steps is dispatched as: while-loop parts of <= PART steps,
        or one pinned scan."""
        if self.static_size is not None and n >= MIN_SCAN and n & (n - 1) == 0:
            return [n]
        return [PART] * (n // PART) + ([n % PART] if n % PART else [])

    def _scan(self, size: int) -> Callable:
        if size not in self._scans:
            step, names = self._step, self.names

            def scan_chunk(state: TrainState, lr_scale: jax.Array, feeds, offset: jax.Array):
                def body(carry, _):
                    s, i = carry
                    s, out = step(s, lr_scale, feed_at(feeds, offset + i))
                    return (s, i + 1), out

                (state, _), outs = jax.lax.scan(body, (state, jnp.int32(0)), None, length=size)
                return state, {name: outs[name] for name in names}

            self._scans[size] = jax.jit(scan_chunk)
        return self._scans[size]

    def __call__(self, state: TrainState, lr_scale: jax.Array, n: int, feeds=None, offset: int = 0):
        if self.static_size is not None and n >= MIN_SCAN and n & (n - 1) == 0:
            return self._scan(n)(state, lr_scale, feeds, np.int32(offset))
        return self._chunk(state, lr_scale, np.int32(n), feeds, np.int32(offset))


class StepChunk:
    """A jitted single step called ``n`` times from Python (dispatch is asynchronous)."""

    strategy = "step"
    static_size = None

    def size_for(self, n: int) -> int:
        return n

    def parts(self, n: int) -> list[int]:
        return [n]

    def __init__(self, step: Callable, names: tuple[str, ...]) -> None:
        self.names = names

        def one(state: TrainState, lr_scale: jax.Array, buffers: dict, start: jax.Array, feeds, offset: jax.Array):
            new, out = step(state, lr_scale, feed_at(feeds, offset + state.step - start))
            return new, _write(buffers, out, state.step - start)  # no per-step host->device index

        self._step = jax.jit(one, donate_argnums=(2,))
        self._shapes = None
        self._step_fn = step

    def __call__(self, state: TrainState, lr_scale: jax.Array, n: int, feeds=None, offset: int = 0):
        if self._shapes is None:
            self._shapes = _metric_shapes(self._step_fn, state, lr_scale, feeds)
        buffers = _empty_buffers(self.names, MAX_CHUNK, self._shapes)
        start, lr_scale, offset = state.step, jnp.asarray(lr_scale), jnp.int32(offset)  # on the device once
        for _ in range(n):
            state, buffers = self._step(state, lr_scale, buffers, start, feeds, offset)
        return state, buffers


class InFlight(NamedTuple):
    """A dispatched chunk whose results are not read back yet (jax dispatch is asynchronous)."""

    start: TrainState
    start_step: int
    n: int
    lr_scale: object
    lr: float | None
    new: TrainState
    parts: list              # (step after the part, metric buffers) per execution
    segments: list           # (host block or None, offset, steps) per execution


def segments_for(chunk, n: int, segments: list | None = None) -> list:
    """The executions of ``n`` steps: ``segments`` of host blocks cut to ``n`` steps, or the
    chunk's own parts (no host data)."""
    if segments is None:
        return [(None, 0, size) for size in chunk.parts(n)]
    cut = []
    for feeds, offset, count in segments:
        if n <= 0:
            break
        cut.append((feeds, offset, min(count, n)))
        n -= count
    return cut


def _dispatch_parts(chunk, state: TrainState, lr_scale, segments: list) -> tuple[TrainState, list]:
    parts = []
    for feeds, offset, size in segments:
        state, buffers = chunk(state, lr_scale, size, feeds, offset)
        parts.append((state.step, buffers))
    return state, parts


def dispatch_chunk(chunk, state: TrainState, lr_scale, n: int, lr: float | None = None,
                   start_step: int | None = None, segments: list | None = None) -> InFlight:
    """Start ``n`` (<= MAX_CHUNK) steps from ``state`` (fed by host ``segments`` when given,
    ``n`` their total); returns at once."""
    if not 0 < n <= MAX_CHUNK:
        raise ValueError(f"a chunk has 1..{MAX_CHUNK} steps; got {n}")
    start_step = int(state.step) if start_step is None else start_step
    segments = segments_for(chunk, n, segments)
    new, parts = _dispatch_parts(chunk, state, lr_scale, segments)
    return InFlight(state, start_step, n, lr_scale, lr, new, parts, segments)


def finish_chunk(chunk, flight: InFlight, dead: frozenset = frozenset()) -> ChunkResult:
    """Wait for a dispatched chunk and fetch its metrics in one transfer.

    A chunk whose loss turned non-finite is recomputed from its immutable start state up to the
    step before (same keys, same result); if a non-finite gradient had already spoiled the
    parameters one step earlier, it stops before that one too. An ensemble (metrics [steps, N])
    stops only when no member is finite; members that diverge on the way (not in ``dead``, the ones
    diverged before) are reported in ``diverged`` with their state of the step before.
    """
    state, lr_scale = flight.start, flight.lr_scale
    fetched = jax.device_get(flight.parts)
    done, pieces = flight.start_step, {name: [] for name in chunk.names}
    for step, buffers in fetched:   # a part stops early after a non-finite loss; the next run on from there
        ran, done = int(step) - done, int(step)
        for name in chunk.names:
            pieces[name].append(buffers[name][:ran])
    metrics = {name: np.concatenate(values) for name, values in pieces.items()}
    losses = metrics[chunk.names[0]]   # the loss (with update=: its first metric)
    finite = np.isfinite(losses)
    ensemble = losses.ndim == 2
    if ensemble:
        return _ensemble_result(chunk, flight, metrics, finite, dead)
    bad = np.flatnonzero(~finite)
    if not len(bad):
        return ChunkResult(flight.new, len(losses), metrics, None)
    completed = int(bad[0])
    bad_loss = float(losses[completed])
    while completed > 0:
        new = _dispatch_parts(chunk, state, lr_scale, segments_for(chunk, completed, flight.segments))[0]
        if all(np.all(np.isfinite(x)) for x in jax.device_get(jax.tree.leaves(new.params))):
            break
        completed -= 1
    else:
        new = state
    return ChunkResult(new, completed, {name: values[:completed] for name, values in metrics.items()}, bad_loss)


def _ensemble_result(chunk, flight: InFlight, metrics: dict, finite: np.ndarray, dead: frozenset) -> ChunkResult:
    """An ensemble's chunk: it goes on while any member lives; training stops (``bad_loss``) once none
    does. The lanes of stopped members are replaced by their kept states afterwards (trainer)."""
    losses = metrics[chunk.names[0]]
    diverged = _diverged_members(chunk, flight, finite, losses, dead)
    if len(dead) + len(diverged) < losses.shape[1]:
        return ChunkResult(flight.new, len(losses), metrics, None, diverged)
    completed = max((c for c, _, _ in diverged.values()), default=0)   # the last member stopped there
    bad_loss = next(loss for c, _, loss in diverged.values() if c == completed) if diverged else float("nan")
    new = flight.new._replace(step=jnp.asarray(flight.start_step + completed, jnp.int32))
    return ChunkResult(new, completed, {name: values[:completed] for name, values in metrics.items()}, bad_loss,
                       diverged)


def _diverged_members(chunk, flight: InFlight, finite: np.ndarray, losses: np.ndarray, dead: frozenset) -> dict:
    """Members (not ``dead``) whose loss turned non-finite in this chunk: member -> (steps completed,
    its state after them, the bad loss). Each is recomputed from the chunk's start, as ``finish_chunk``
    does for a single run (members of one first bad step share one recomputation)."""
    from .ensemble import member_slice

    firsts = {}
    for member in np.flatnonzero(~finite.all(axis=0)):
        if int(member) not in dead:
            firsts.setdefault(int(np.argmin(finite[:, member])), []).append(int(member))
    found = {}
    for first, members in sorted(firsts.items()):
        pending, completed = list(members), first
        while pending:
            if completed == 0:
                new = flight.start
            else:
                new = _dispatch_parts(chunk, flight.start, flight.lr_scale,
                                      segments_for(chunk, completed, flight.segments))[0]
            for member in list(pending):
                lane = member_slice(new, member)
                if completed == 0 or all(np.all(np.isfinite(x)) for x in jax.device_get(jax.tree.leaves(lane.params))):
                    found[member] = (completed, lane, float(losses[first, member]))
                    pending.remove(member)
            completed -= 1
    return found


def run_chunk(chunk, state: TrainState, lr_scale, n: int, feeds=None) -> ChunkResult:
    """Train ``n`` steps from ``state`` and read the results back (dispatch + finish); ``feeds``:
    a host block (its batches from the start, clamped at its last one)."""
    segments = None if feeds is None else [(feeds, 0, n)]
    return finish_chunk(chunk, dispatch_chunk(chunk, state, lr_scale, n, segments=segments))


def seconds_per_step(chunk, state: TrainState, lr_scale: jax.Array, n: int, feeds=None) -> float:
    """Wall time of one step of ``chunk`` after compiling it (the state is not kept)."""
    run_chunk(chunk, state, lr_scale, min(2, n), feeds)       # compile and warm up
    t0 = time.perf_counter()
    run_chunk(chunk, state, lr_scale, n, feeds)
    return (time.perf_counter() - t0) / n


def choose_chunk(step: Callable, names: tuple[str, ...], state: TrainState, lr_scale: jax.Array,
                 strategy: str = "auto", feeds=None):
    """The chunk runner for ``strategy``; ``auto`` measures (once) and keeps the faster one.

    A rolled loop wins by far for small dense models (no per-step dispatch); when one step costs
    more than a millisecond the per-step dispatch is negligible and XLA:CPU may run the step
    faster outside a loop (convolutions), so both are timed on a throwaway copy of the state.
    Returns ``(chunk, seconds_per_step)``.
    """
    if check_strategy(strategy) == "step":
        chunk = StepChunk(step, names)
        return chunk, seconds_per_step(chunk, state, lr_scale, 4, feeds)
    loop = LoopChunk(step, names)
    t_loop = seconds_per_step(loop, state, lr_scale, 8, feeds)
    if strategy != "loop" and t_loop >= 1e-3:   # one timing can catch a busy moment: the best of three
        t_loop = min(t_loop, *(seconds_per_step(loop, state, lr_scale, 8, feeds) for _ in range(2)))
    if strategy == "loop" or t_loop < 1e-3:
        return loop, t_loop
    per_step = StepChunk(step, names)
    t_step = min(seconds_per_step(per_step, state, lr_scale, 8, feeds) for _ in range(2))
    return (per_step, t_step) if t_step < 0.9 * t_loop else (loop, t_loop)
