"""Batches made on the host: checked against the first batch's structure, stacked into blocks.

A block is ``size`` batches stacked along a new leading axis and put on the device in one
transfer; the compiled chunk indexes it step by step (``feed_at``). Every block of a source has
the same size (a short one, at the end of a one-shot iterator, is padded with its last batch and
says how many batches are real), so the chunk compiles once.

>>> import numpy as np
>>> spec = BatchSpec.of((np.zeros((4, 2)), np.zeros(4)), "data")
>>> block = stack_block([(np.ones((4, 2)), np.arange(4.0))] * 3, 4, spec)
>>> block.count, block.arrays[0].shape
(3, (4, 4, 2))
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import numpy as np


class Block(NamedTuple):
    arrays: Any      # the batch pytree with a leading axis of the block size, on the device
    count: int       # how many of them are real batches (the rest repeat the last one)


class BatchSpec(NamedTuple):
    """The structure, shapes and dtypes every batch of a source must keep."""

    treedef: Any
    shapes: tuple
    dtypes: tuple
    argument: str
    place: Any = None   # leaves -> device arrays (``mesh=``: split over its data axis, sharding.py)

    @classmethod
    def of(cls, batch: Any, argument: str) -> "BatchSpec":
        leaves, treedef = jax.tree.flatten(batch)
        if not leaves:
            raise ValueError(f"{argument}: a batch must hold arrays (e.g. (x, y) or {{'image': x}}); "
                             f"got {type(batch).__name__}")
        arrays = [np.asarray(leaf) for leaf in leaves]
        for path, a in zip(jax.tree_util.tree_flatten_with_path(batch)[0], arrays):
            if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
                raise TypeError(f"{argument}: batch entry {jax.tree_util.keystr(path[0]) or '(the batch)'} is not a "
                                f"numeric array (dtype {a.dtype}); a batch holds numpy or jax arrays")
        dtypes = tuple(jax.dtypes.canonicalize_dtype(a.dtype) for a in arrays)
        return cls(treedef, tuple(a.shape for a in arrays), dtypes, argument)

    def check(self, batch: Any, index: int) -> list[np.ndarray]:
        """The leaves of ``batch`` as numpy arrays, or an error naming the batch and what changed."""
        leaves, treedef = jax.tree.flatten(batch)
        if treedef != self.treedef:
            raise ValueError(f"{self.argument}: batch {index} has structure {treedef} where the first batch had "
                             f"{self.treedef}; every batch must have the same structure")
        arrays = [np.asarray(leaf) for leaf in leaves]
        for i, (a, shape) in enumerate(zip(arrays, self.shapes)):
            if a.shape != shape:
                raise ValueError(f"{self.argument}: batch {index} has shape {a.shape} in entry {i} where the first "
                                 f"batch had {shape}; every batch must have the same shapes (drop a short last "
                                 "batch, e.g. drop_last=True)")
        return arrays

    def example(self) -> Any:
        """Abstract values of one batch (for tracing)."""
        return jax.tree.unflatten(self.treedef, [jax.ShapeDtypeStruct(s, d) for s, d in zip(self.shapes, self.dtypes)])

    @property
    def nbytes(self) -> int:
        return int(sum(np.prod(s, dtype=np.int64) * np.dtype(d).itemsize for s, d in zip(self.shapes, self.dtypes)))


def stack_block(batches: list, size: int, spec: BatchSpec) -> Block:
    """``batches`` (1..size checked leaf lists or pytrees) as one block of ``size`` on the device."""
    count = len(batches)
    rows = [b if isinstance(b, list) else spec.check(b, 0) for b in batches]
    rows += [rows[-1]] * (size - count)
    leaves = [np.stack(column).astype(dtype, copy=False) for column, dtype in zip(zip(*rows), spec.dtypes)]
    return Block(jax.tree.unflatten(spec.treedef, (spec.place or jax.device_put)(leaves)), count)


def feed_at(feeds: Any, index: jax.Array) -> Any:
    """The batch at ``index`` of a block (inside the compiled chunk); None without host data."""
    if feeds is None:
        return None
    return jax.tree.map(lambda a: jax.lax.dynamic_index_in_dim(a, index, keepdims=False), feeds)
