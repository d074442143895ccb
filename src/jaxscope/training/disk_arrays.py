"""Data larger than memory: arrays on disk (numpy memmaps, h5py datasets) served in shuffled epochs
of host batches, reading only each batch's rows.

A memmap is not indexed (touching its pages would map them into the process and grow its resident
memory up to the file's size); its rows are read from the file it maps with ``os.pread``, one read
per run of consecutive rows, into a fresh batch. A contiguous h5py dataset of a file opened
read-only is read the same way (~3x faster than an h5py selection, and without h5py's global
lock); other h5py datasets (chunked, compressed) with one h5py selection of increasing rows per
batch, which reads every chunk a row falls in: shuffled epochs want a contiguous dataset or chunks
of few samples. Ordinary in-memory arrays in the same pytree are fancy-indexed.

An ``.npz`` archive cannot be mapped (``np.load`` ignores ``mmap_mode`` for it): the arrays taken from
it are in memory. For large data save each array with ``np.save`` and open it with
``np.load(path, mmap_mode="r")``.

>>> import numpy as np, os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
>>> np.save(path, np.arange(10.0)[:, None])
>>> batches = DiskBatches((np.load(path, mmap_mode="r"), np.arange(10)), batch_size=4, seed=0, shuffle=False)
>>> [(x[:, 0].tolist(), y.tolist()) for x, y in batches]
[([0.0, 1.0, 2.0, 3.0], [0, 1, 2, 3]), ([4.0, 5.0, 6.0, 7.0], [4, 5, 6, 7])]
>>> batches.close()
"""

from __future__ import annotations

import mmap
import os
import threading
import warnings
import weakref
from typing import Any, Callable, Iterator

import jax
import numpy as np

from .samples import check_arrays


def is_on_disk(leaf: Any) -> bool:
    """True for a ``numpy.memmap`` and an h5py dataset (detected without importing h5py).

    >>> is_on_disk(np.zeros(3))
    False
    """
    if isinstance(leaf, np.memmap):
        return True
    return type(leaf).__module__.startswith("h5py") and hasattr(leaf, "shape") and hasattr(leaf, "dtype")


def any_on_disk(tree: Any) -> bool:
    """True when a leaf of the pytree ``tree`` is on disk (see ``is_on_disk``).

    >>> any_on_disk({"x": np.zeros(3), "y": None})
    False
    """
    return any(is_on_disk(leaf) for leaf in jax.tree.leaves(tree))


def _check(arrays: Any, argument: str) -> Any:
    """``check_arrays``, with a mismatched length named by its entry (shapes only: nothing is read)."""
    if isinstance(arrays, (tuple, list, dict)):
        lengths = [(jax.tree_util.keystr(path), np.shape(leaf)[0])
                   for path, leaf in jax.tree_util.tree_flatten_with_path(arrays)[0] if np.shape(leaf)]
        for entry, length in lengths[1:]:
            if length != lengths[0][1]:
                raise ValueError(f"{argument}: all arrays must hold the same number of samples (leading axis); "
                                 f"{argument}{entry} holds {length} but {argument}{lengths[0][0]} holds {lengths[0][1]}")
    return check_arrays(arrays, argument)


class _Files:
    """One read-only file descriptor per mapped file, opened on first use, closed by ``close``."""

    def __init__(self) -> None:
        self._descriptors: dict[str, int] = {}
        self._lock = threading.Lock()

    def descriptor(self, filename: str) -> int:
        with self._lock:
            if filename not in self._descriptors:
                self._descriptors[filename] = os.open(filename, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            return self._descriptors[filename]

    def close(self) -> None:
        with self._lock:
            for descriptor in self._descriptors.values():
                os.close(descriptor)
            self._descriptors.clear()


def _memmap_position(leaf: np.memmap) -> int | None:
    """Where a C-contiguous memmap (or a view of one) starts in its file; None when its rows cannot
    be read from the file (another layout, a copy-on-write mapping, no file name)."""
    mapping = getattr(leaf, "_mmap", None)
    if not (isinstance(mapping, mmap.mmap) and leaf.flags.c_contiguous and leaf.mode != "c" and leaf.filename
            and leaf.offset is not None):
        return None
    # numpy maps from the allocation boundary below ``offset`` (numpy/_core/memmap.py)
    start = leaf.offset - leaf.offset % mmap.ALLOCATIONGRANULARITY
    return start + leaf.ctypes.data - np.frombuffer(mapping, np.uint8).ctypes.data


def _h5py_position(dataset: Any) -> int | None:
    """Where a contiguous, uncompressed h5py dataset of a file opened read-only starts in the file
    (its raw bytes are then a C-ordered array); None for other datasets (chunked, in a file open
    for writing whose buffers may be ahead of the disk, not a plain file, of Python objects)."""
    file = dataset.file
    if dataset.chunks is not None or file.mode != "r" or file.driver != "sec2" or dataset.dtype.hasobject \
            or getattr(dataset, "external", None):
        return None
    return dataset.id.get_offset()


class _FileRows:
    """Rows of a C-ordered array stored at ``position`` in ``filename``, read without mapping the file,
    so that its pages never enter the process."""

    def __init__(self, filename: str, position: int, shape: tuple[int, ...], dtype: np.dtype, files: _Files) -> None:
        self.filename, self.position, self.shape, self.dtype, self.files = filename, position, shape, dtype, files
        self.row_bytes = dtype.itemsize * int(np.prod(shape[1:], dtype=np.int64))

    def __call__(self, index: np.ndarray) -> np.ndarray:
        rows, inverse = np.unique(index, return_inverse=True)
        shape = (len(rows),) + self.shape[1:]
        if not self.row_bytes:
            return np.empty((len(index),) + self.shape[1:], self.dtype)
        batch = np.frombuffer(self._read(rows), self.dtype).reshape(shape)
        return batch if np.array_equal(rows, index) else batch[inverse.reshape(-1)]

    def _read(self, rows: np.ndarray) -> bytearray:
        """The bytes of the increasing ``rows``: one ``pread`` per run of consecutive rows (measured
        faster than ``preadv`` into slices of one buffer, and than indexing a private mapping then
        dropping it with ``madvise``, whose page faults cost ~150 ms per batch on a 16 GB file)."""
        descriptor = self.files.descriptor(self.filename)
        starts = np.concatenate([[0], np.flatnonzero(np.diff(rows) != 1) + 1])
        sizes = (np.diff(np.append(starts, len(rows))) * self.row_bytes).tolist()
        offsets = (self.position + rows[starts].astype(np.int64) * self.row_bytes).tolist()
        pieces = [os.pread(descriptor, size, offset) for size, offset in zip(sizes, offsets)]
        for i, (size, offset) in enumerate(zip(sizes, offsets) if sum(map(len, pieces)) < sum(sizes) else ()):
            while len(pieces[i]) < size:     # a read stops short past ~2 GiB, or at the end of a truncated file
                more = os.pread(descriptor, size - len(pieces[i]), offset + len(pieces[i]))
                if not more:
                    raise OSError(f"{self.filename} ends before byte {offset + size} of an array of shape "
                                  f"{self.shape}: was the file truncated after it was opened?")
                pieces[i] += more
        return bytearray().join(pieces)

    def matches(self, leaf: Any) -> bool:
        """Whether reading the file gives ``leaf``'s first and last rows (a guard on ``position``)."""
        ends = np.unique([0, self.shape[0] - 1])
        try:
            return np.array_equal(self(ends).view(np.uint8), np.asarray(leaf[ends]).view(np.uint8))
        except OSError:
            return False


def _h5py_rows(dataset: Any) -> Callable[[np.ndarray], np.ndarray]:
    def read(index: np.ndarray) -> np.ndarray:
        rows, inverse = np.unique(index, return_inverse=True)     # h5py selects increasing rows only
        batch = dataset[rows]
        return batch if np.array_equal(rows, index) else batch[inverse.reshape(-1)]
    return read


def _memory_rows(array: Any) -> Callable[[np.ndarray], np.ndarray]:
    return lambda index: array[index]


class DiskBatches:
    """Shuffled epochs of host batches from a pytree of arrays whose leaves may be on disk.

    ``arrays`` is a tuple, dict, namedtuple or nesting whose leaves are memmaps, h5py datasets or
    in-memory arrays sharing one leading sample length ``n``. Each ``iter()`` is one epoch: a
    permutation from ``np.random.default_rng([seed, epoch])`` (``epoch`` counts the ``iter()`` calls
    from 0; ``reset()`` starts again) cut into ``n // batch_size`` batches, the same rule as the
    device path: with ``n`` a multiple of ``batch_size`` every sample is seen exactly once per epoch;
    otherwise the ``n % batch_size`` samples at the end of that epoch's permutation wait for the next
    epoch (with ``shuffle=False`` batches come in order and the last ``n % batch_size`` samples are
    never served). A batch has the structure of ``arrays`` with numpy leaves of ``batch_size`` rows.
    The permutation holds 4 bytes per sample (8 beyond 2**31 samples).

    >>> batches = DiskBatches({"x": np.arange(6.0), "y": np.arange(6)}, batch_size=3, seed=0)
    >>> len(batches), sorted(np.concatenate([b["y"] for b in batches]).tolist())
    (2, [0, 1, 2, 3, 4, 5])
    """

    def __init__(self, arrays: Any, batch_size: int | None, seed: int, shuffle: bool = True,
                 argument: str = "data") -> None:
        arrays = _check(arrays, argument)
        leaves, self.structure = jax.tree.flatten(arrays)
        self.n = int(np.shape(leaves[0])[0])
        if batch_size is None:
            raise ValueError(f"{argument} on disk needs a batch_size: without one every step would take "
                             f"all {self.n} samples, loading the whole data set into memory")
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        if batch_size > self.n:
            raise ValueError(f"batch_size={batch_size} is larger than the data set ({self.n} samples)")
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be True or False; got {shuffle!r}")
        self.batch_size, self.seed, self.shuffle = int(batch_size), int(seed), shuffle
        self.steps_per_epoch = self.n // self.batch_size
        self.epoch = 0
        self._files = _Files()
        weakref.finalize(self, self._files.close)
        self._readers = []
        for path, leaf in jax.tree_util.tree_flatten_with_path(arrays)[0]:      # a loop: the warning's stacklevel
            self._readers.append(self._reader(leaf, f"{argument}{jax.tree_util.keystr(path)}"))

    def _reader(self, leaf: Any, entry: str) -> Callable[[np.ndarray], np.ndarray]:
        if isinstance(leaf, np.memmap):
            rows = self._file_rows(leaf, leaf.filename, _memmap_position(leaf))
            if rows is None:
                warnings.warn(f"{entry}: this memmap (mode {leaf.mode!r}, C-contiguous: {leaf.flags.c_contiguous}) "
                              "cannot be read from its file, so it is indexed: the pages it touches stay in memory. "
                              "A C-contiguous memmap opened with mode 'r' is read without that.", stacklevel=3)
                return _memory_rows(leaf)
            return rows
        if is_on_disk(leaf):
            return self._file_rows(leaf, leaf.file.filename, _h5py_position(leaf)) or _h5py_rows(leaf)
        return _memory_rows(np.asarray(leaf))

    def _file_rows(self, leaf: Any, filename: str, position: int | None) -> _FileRows | None:
        if position is None or not hasattr(os, "pread"):        # no pread on Windows
            return None
        rows = _FileRows(filename, position, leaf.shape, leaf.dtype, self._files)
        return rows if rows.matches(leaf) else None

    def __len__(self) -> int:
        """Batches per epoch."""
        return self.steps_per_epoch

    def permutation(self, epoch: int) -> np.ndarray:
        """The order in which epoch ``epoch`` visits the samples."""
        order = np.arange(self.n, dtype=np.int32 if self.n < 2**31 else np.int64)
        if self.shuffle:
            np.random.default_rng([self.seed, epoch]).shuffle(order)
        return order

    def batch(self, index: np.ndarray) -> Any:
        """The samples at ``index`` (an integer array), in that order, with the structure of ``arrays``."""
        return jax.tree.unflatten(self.structure, [read(index) for read in self._readers])

    def __iter__(self) -> Iterator[Any]:
        """The next epoch's batches."""
        order = self.permutation(self.epoch)
        self.epoch += 1
        return (self.batch(order[step * self.batch_size:(step + 1) * self.batch_size])
                for step in range(self.steps_per_epoch))

    def reset(self) -> None:
        """Start again from epoch 0, so the same batches come in the same order."""
        self.epoch = 0

    def close(self) -> None:
        """Close the files opened for reading (a later epoch opens them again)."""
        self._files.close()

