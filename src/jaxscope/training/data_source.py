"""Where batches come from, inside the compiled chunk: a generator ``key -> batch`` or fixed arrays.

Both expose ``init_state()`` and ``next(state, key, step) -> (batch, state)`` so the step
function does not care which one it has.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from .samples import check_arrays


class GeneratedData:
    """``data(key) -> batch``: fresh simulated data every step, generated in the compiled chunk."""

    def __init__(self, fn: Callable[[jax.Array], Any]) -> None:
        self.fn = fn

    def init_state(self) -> Any:
        return ()

    def next(self, state: Any, key: jax.Array, step: jax.Array) -> tuple[Any, Any]:
        return self.fn(key), state

    def full(self, key: jax.Array) -> Any:
        """One batch for evaluation (validation)."""
        return self.fn(key)


class NoData:
    """``data=None``: the loss needs no batch (it gets ``None``), e.g. an energy of the parameters
    alone or a loss that draws its own samples from its key."""

    def init_state(self) -> Any:
        return ()

    def next(self, state: Any, key: jax.Array, step: jax.Array) -> tuple[Any, Any]:
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

    def next(self, state: jax.Array, key: jax.Array, step: jax.Array) -> tuple[Any, jax.Array]:
        position = step % self.steps_per_epoch
        perm = jax.lax.cond(position == 0, lambda: self.permutation(step // self.steps_per_epoch), lambda: state)
        index = jax.lax.dynamic_slice_in_dim(perm, position * self.batch_size, self.batch_size)
        return jax.tree.map(lambda a: a[index], self.arrays), perm

    def full(self, key: jax.Array) -> tuple:
        return self.arrays


def data_source(data: Any, batch_size: int | None, key: jax.Array, argument: str = "data", shuffle: bool = True):
    """Wrap ``data`` (callable, tuple of arrays, or None for no batch) as a source; raises naming ``argument``."""
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False; got {shuffle!r}")
    if data is None:
        if batch_size is not None:
            raise ValueError("batch_size applies to a fixed data set (a tuple of arrays); data is None")
        return NoData()
    if callable(data):
        if batch_size is not None and argument == "data":
            raise ValueError("batch_size applies to a fixed data set (a tuple of arrays); "
                             "a data generator chooses its own batch size")
        return GeneratedData(data)
    return ArrayData(data, batch_size, key, argument, shuffle)
