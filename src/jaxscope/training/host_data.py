"""Data from the host: Python iterables, generators, numpy simulators, on-policy rollouts.

``HostData`` is a data source like the traced ones (``init_state`` / ``next`` / ``full``), except
that its batches arrive as an argument of the compiled chunk (a stacked block, see
``host_batches.py``) instead of being computed inside it. The prefetch thread (``feeder.py``) calls
``pull()`` to get them. Modes:

- ``iterable``: a list of batches, a DataLoader, any re-iterable: a new epoch each time it ends;
- ``iterator``: a generator or iterator: runs once; training ends (``done``) when it runs out;
- ``host_function``: ``data()`` per batch (a numpy simulator); ``StopIteration`` ends the data;
- ``host_keyed``: ``data(key)`` that jax cannot trace, or whose output ignores its key, called on
  the host per batch with a fresh key (see ``data_kind.py``);
- ``on_policy``: ``data(params)`` or ``data(params, key)``: called step by step (never ahead) with
  the parameters of the step the batch feeds.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import jax
import numpy as np

from .host_batches import BatchSpec, stack_block

KEYS_AT_ONCE = 256
MAX_BLOCK = 256                   # batches per block at most
BLOCK_BYTES = 16 << 20            # ... and at most this many bytes
BLOCK_SECONDS = 0.03              # ... and about this much host time to make
MAX_SEEN = 16                     # first batches kept for views and input ranges


class DataExhausted(Exception):
    """A one-shot source ran out."""


PATHS = {
    "iterable": "host: a re-iterable of batches, prefetched by a thread; a new epoch each time it ends",
    "iterator": "host: a one-shot iterator of batches, prefetched by a thread; training ends when it runs out",
    "host_function": "host: data() called for every batch by a prefetch thread",
    "host_keyed": "host: data(key) called for every batch by a prefetch thread",
    "on_policy": "host, on-policy: data(params) called step by step with the parameters of the step it feeds "
                 "(never ahead)",
}


def power_of_two_at_most(x: float) -> int:
    return 1 << max(0, int(np.floor(np.log2(max(x, 1.0)))))


class HostData:
    """Batches pulled on the host (see the module docstring)."""

    kind = "host"

    def __init__(self, data: Any, mode: str, reason: str, key: jax.Array, argument: str = "data",
                 params_now: Callable[[], Any] | None = None) -> None:
        if mode not in PATHS:
            raise ValueError(f"unknown host data mode {mode!r}")
        self._data, self.mode, self.reason, self.argument = data, mode, reason, argument
        self._key = key
        self._params_now = params_now
        self._iterator = None
        self._keys: list = []
        self.pulled = 0                  # batches pulled since the start (or the last restart)
        self.epoch = 0                   # epochs the prefetcher started (it runs ahead of training)
        self.seen: list[list[np.ndarray]] = []   # the first few batches, for views and input ranges
        self.spec: BatchSpec | None = None
        self.restartable = mode in ("iterable", "host_function", "host_keyed")
        if mode in ("host_keyed", "on_policy"):
            self._keys = self._key_block()      # (compiles the key split once: not the data's cost)
        started = time.perf_counter()
        first = self._call()
        self.spec = BatchSpec.of(first, argument)
        self.pull_seconds = time.perf_counter() - started
        self.first = self.spec.check(first, 0)
        self.pulled = 1
        self._remember(self.first)
        self.block_size = 1 if mode == "on_policy" else self._block_size()
        self.pending = [] if mode == "on_policy" else [self.first]   # pulled, not yet stacked
        if mode != "on_policy" and self.block_size < MAX_BLOCK:
            self._time_second_batch()

    def _time_second_batch(self) -> None:
        """A first call is often slow once (imports, compiling jax code inside): time a second batch
        (kept for training) and size blocks by the faster of the two."""
        started = time.perf_counter()
        try:
            leaves = self.pull()
        except (DataExhausted, Exception):   # a source of one batch, or an error training will report
            return
        self.pending.append(leaves)
        self.pull_seconds = min(self.pull_seconds, time.perf_counter() - started)
        self.block_size = self._block_size()

    def _block_size(self) -> int:
        """Batches per block: a power of two, <= MAX_BLOCK, <= BLOCK_BYTES, ~BLOCK_SECONDS of pulling."""
        return power_of_two_at_most(min(MAX_BLOCK, BLOCK_BYTES / max(self.spec.nbytes, 1),
                                        BLOCK_SECONDS / max(self.pull_seconds, 1e-7)))

    @property
    def path(self) -> str:
        """Which way the data takes, in words (``trainer.data.path``)."""
        return f"{PATHS[self.mode]} ({self.reason})" if self.reason and self.mode != "on_policy" else PATHS[self.mode]

    # ---- the source interface -------------------------------------------------------------
    def init_state(self) -> Any:
        return ()

    def next(self, state: Any, key: jax.Array, step: jax.Array, feed: Any = None) -> tuple[Any, Any]:
        """The batch of this step: the fed one (the chunk passes it), or, when only shapes are
        traced (checks, ``eval_shape``), the first batch."""
        if feed is None:
            feed = jax.tree.unflatten(self.spec.treedef, [jax.numpy.asarray(a) for a in self.first])
        return feed, state

    def full(self, key: jax.Array) -> Any:
        """One batch for a look outside training (the loss after an edit): the first one."""
        return self.next((), key, 0)[0]

    def example_block(self):
        """A block of the first batch (compiling and timing the chunk consume no data)."""
        return stack_block([self.first], self.block_size, self.spec)

    # ---- pulling ----------------------------------------------------------------------------
    def _key_block(self) -> list:
        block = jax.random.split(jax.random.fold_in(self._key, self.pulled // KEYS_AT_ONCE), KEYS_AT_ONCE)
        return list(block)[::-1]

    def _next_key(self) -> jax.Array:
        if not self._keys:
            self._keys = self._key_block()
        return self._keys.pop()

    def _call(self) -> Any:
        """One batch from the user's data (their code runs here); ``DataExhausted`` when done."""
        mode = self.mode
        if mode in ("iterable", "iterator"):
            if self._iterator is None:
                self._iterator = iter(self._data)
            try:
                return next(self._iterator)
            except StopIteration:
                if mode == "iterator":
                    raise DataExhausted from None
            self.epoch += 1
            self._iterator = iter(self._data)
            try:
                return next(self._iterator)
            except StopIteration:
                raise ValueError(f"{self.argument}: the iterable yields no batches") from None
        try:
            if mode == "host_function":
                batch = self._data()
            elif mode == "host_keyed":
                batch = self._data(self._next_key())
            else:
                params = self._params_now()
                batch = self._data(params) if _arity(self._data) == 1 else self._data(params, self._next_key())
        except StopIteration:
            raise DataExhausted from None
        if hasattr(batch, "__next__") and not hasattr(batch, "shape"):
            raise TypeError(f"{self.argument}() returned a generator, not a batch: pass the generator itself "
                            f"(data=gen()), not the function that makes it")
        return batch

    def pull(self) -> list[np.ndarray]:
        """The next batch, checked against the first one, as numpy leaves."""
        batch = self._call()
        leaves = self.spec.check(batch, self.pulled)
        self.pulled += 1
        if len(self.seen) < MAX_SEEN:
            self._remember(leaves)
        return leaves

    def _remember(self, leaves: list[np.ndarray]) -> None:
        self.seen.append(leaves)

    def restart(self) -> bool:
        """Back to the first batch (a trainer reset) when the data can replay; True if it did."""
        if not self.restartable:
            return False
        self._iterator, self._keys, self.pulled, self.epoch = None, [], 0, 0   # pull() counts from here
        if hasattr(self._data, "reset"):          # e.g. DiskBatches: replay the first epoch's order
            self._data.reset()
        return True

    def samples(self) -> Any:
        """The batches seen so far, concatenated along the sample axis (a pytree of numpy arrays)."""
        columns = [np.concatenate(parts) if np.ndim(parts[0]) else np.stack(parts) for parts in zip(*self.seen)]
        return jax.tree.unflatten(self.spec.treedef, columns)


def _arity(fn: Callable) -> int:
    from .data_kind import required_positional

    names = required_positional(fn)
    return 1 if names is None else len(names)
