"""Where batches come from: inside the compiled chunk (a generator ``key -> batch``, fixed arrays,
nothing) or from the host (``host_data.HostData``; ``data_source`` decides).

All expose ``init_state()`` and ``next(state, key, step, feed) -> (batch, state)`` so the step
function does not care which one it has (``feed``: the host batch of this step, else None).
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from .data_kind import callable_kind, is_host_iterable, is_one_shot
from .disk_arrays import DiskBatches, any_on_disk
from .host_data import HostData
from .samples import check_arrays


class GeneratedData:
    """``data(key) -> batch``: fresh simulated data every step, generated in the compiled chunk."""

    def __init__(self, fn: Callable[[jax.Array], Any]) -> None:
        self.fn = fn

    def init_state(self) -> Any:
        return ()

    def next(self, state: Any, key: jax.Array, step: jax.Array, feed: Any = None) -> tuple[Any, Any]:
        return self.fn(key), state

    def full(self, key: jax.Array) -> Any:
        """One batch for evaluation (validation)."""
        return self.fn(key)


class NoData:
    """``data=None``: the loss needs no batch (it gets ``None``), e.g. an energy of the parameters
    alone or a loss that draws its own samples from its key."""

    def init_state(self) -> Any:
        return ()

    def next(self, state: Any, key: jax.Array, step: jax.Array, feed: Any = None) -> tuple[Any, Any]:
        return None, state

    def full(self, key: jax.Array) -> Any:
        return None


def _check_arrays(arrays: Any, argument: str) -> Any:
    return jax.tree.map(jnp.asarray, check_arrays(arrays, argument))


class ArrayData:
    """A fixed data set (x, y, ...) kept on the device, served in shuffled epochs.

    Each epoch is a fresh permutation (drawn from the data key and the epoch number, so it does
    not depend on how steps are chunked) cut into ``n // batch_size`` batches: with ``n`` a multiple
    of ``batch_size`` every sample is seen exactly once per epoch; otherwise the ``n % batch_size``
    samples at the end of that epoch's permutation wait for the next epoch. With ``shuffle=False``
    the batches come in order (all of the arrays at every step without ``batch_size``: full-batch
    data such as t-SNE's affinity matrix, or a fixed measured set).
    """

    def __init__(self, arrays: Any, batch_size: int | None, key: jax.Array, argument: str = "data",
                 shuffle: bool = True) -> None:
        self.arrays = _check_arrays(arrays, argument)
        self.n = int(jax.tree.leaves(self.arrays)[0].shape[0])
        if batch_size is None:
            batch_size = self.n
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        if batch_size > self.n:
            raise ValueError(f"batch_size={batch_size} is larger than the data set ({self.n} samples)")
        self.batch_size = int(batch_size)
        self.steps_per_epoch = self.n // self.batch_size
        self.key = key
        self.shuffle = shuffle

    def init_state(self) -> jax.Array:
        return jnp.arange(self.n, dtype=jnp.int32)

    def permutation(self, epoch: jax.Array) -> jax.Array:
        if not self.shuffle:
            return jnp.arange(self.n, dtype=jnp.int32)
        return jax.random.permutation(jax.random.fold_in(self.key, epoch), self.n).astype(jnp.int32)

    def next(self, state: jax.Array, key: jax.Array, step: jax.Array, feed: Any = None) -> tuple[Any, jax.Array]:
        position = step % self.steps_per_epoch
        perm = jax.lax.cond(position == 0, lambda: self.permutation(step // self.steps_per_epoch), lambda: state)
        index = jax.lax.dynamic_slice_in_dim(perm, position * self.batch_size, self.batch_size)
        return jax.tree.map(lambda a: a[index], self.arrays), perm

    def full(self, key: jax.Array) -> tuple:
        return self.arrays


def data_source(data: Any, batch_size: int | None, key: jax.Array, argument: str = "data", shuffle: bool = True,
                seed: int = 0, params_now: Callable[[], Any] | None = None):
    """Wrap ``data`` as a source; raises naming ``argument``. Traced inside the compiled chunk: a
    ``key -> batch`` function that jax can trace and whose output depends on its key, arrays (on the
    device, in shuffled epochs), None (no batch). Everything else comes from the host (see
    ``host_data.py`` and ``data_kind.py``): iterables, generators, ``() -> batch``, untraceable or
    key-ignoring ``key -> batch``, on-policy ``params -> batch``, arrays on disk (memmap, h5py)."""
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False; got {shuffle!r}")
    if data is None:
        if batch_size is not None:
            raise ValueError("batch_size applies to a fixed data set (a tuple of arrays); data is None")
        return NoData()
    host = argument == "data"    # validation is evaluated again and again: arrays or a traced function
    if callable(data) and not hasattr(data, "shape"):
        if batch_size is not None:
            raise ValueError(f"batch_size applies to a fixed data set (a tuple of arrays); "
                             f"a {argument} function chooses its own batch size")
        if not host:
            return GeneratedData(data)
        kind, reason = callable_kind(data, key)
        if kind == "generated":
            return GeneratedData(data)
        return HostData(data, kind, reason, key, argument, params_now)
    if host and is_host_iterable(data):
        if batch_size is not None:
            raise ValueError("batch_size applies to a fixed data set (a tuple of arrays); "
                             "an iterable or generator yields batches of its own size")
        return HostData(data, "iterator" if is_one_shot(data) else "iterable", "", key, argument)
    if any_on_disk(data):
        if not host:
            raise TypeError(f"{argument}: arrays on disk (memmap, h5py) are served by the host path, for data= "
                            "only; load validation arrays into memory (np.asarray)")
        batches = DiskBatches(data, batch_size, seed, shuffle, argument)
        return HostData(batches, "iterable", f"arrays on disk, read {batches.batch_size} samples per batch "
                        "in shuffled epochs", key, argument)
    return ArrayData(data, batch_size, key, argument, shuffle)
