"""Data larger than memory: memmaps and h5py datasets are served in shuffled epochs of host batches,
reading only each batch's rows, so the process's resident memory stays far below the file's size."""

from __future__ import annotations

import os
import sys
import warnings
from typing import NamedTuple

import numpy as np
import pytest

from jaxscope.training.disk_arrays import DiskBatches, any_on_disk, is_on_disk

ROW_FLOATS = 256                      # rows of 1 KiB
FILE_ROWS = 400 * 1024                # 400 MiB
on_linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")


class Pair(NamedTuple):
    x: np.ndarray
    y: np.ndarray


def served(batches, key=None):
    """The sample ids one epoch serves, batch by batch."""
    return [(batch if key is None else key(batch)).tolist() for batch in batches]


def resident_kib() -> dict[str, int]:
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "RssFile", "RssAnon")}


def save_npy(tmp_path, name, array):
    path = tmp_path / f"{name}.npy"
    np.save(path, array)
    return np.load(path, mmap_mode="r")


def test_every_sample_is_served_once_per_epoch_when_the_batch_size_divides_the_data():
    batches = DiskBatches((np.arange(12),), batch_size=4, seed=0)
    for _ in range(2):
        epoch = served(batches, key=lambda b: b[0])
        assert [len(batch) for batch in epoch] == [4, 4, 4]
        assert sorted(sum(epoch, [])) == list(range(12)) and sum(epoch, []) != list(range(12))


def test_the_samples_left_at_the_end_of_an_epochs_permutation_wait_for_the_next_epoch():
    batches = DiskBatches((np.arange(10),), batch_size=4, seed=3)
    assert len(batches) == 2
    for epoch in range(3):
        order = np.arange(10, dtype=np.int32)
        np.random.default_rng([3, epoch]).shuffle(order)
        assert sum(served(batches, key=lambda b: b[0]), []) == order[:8].tolist()


def test_each_epoch_has_its_own_order_and_reset_replays_them():
    batches = DiskBatches({"id": np.arange(64)}, batch_size=8, seed=1)
    first, second = served(batches, key=lambda b: b["id"]), served(batches, key=lambda b: b["id"])
    assert first != second and sorted(sum(first, [])) == sorted(sum(second, [])) == list(range(64))
    batches.reset()
    assert served(batches, key=lambda b: b["id"]) == first and served(batches, key=lambda b: b["id"]) == second
    assert served(DiskBatches({"id": np.arange(64)}, batch_size=8, seed=1), key=lambda b: b["id"]) == first


def test_without_shuffle_the_batches_come_in_order():
    batches = DiskBatches((np.arange(10),), batch_size=4, seed=0, shuffle=False)
    in_order = [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert served(batches, key=lambda b: b[0]) == in_order and served(batches, key=lambda b: b[0]) == in_order


def test_dict_namedtuple_and_nested_batches_keep_their_structure_and_rows(tmp_path):
    ids = np.arange(20)
    x = save_npy(tmp_path, "x", np.stack([ids, -ids], axis=1).astype(np.float32))
    nested = {"inputs": Pair(x, {"label": ids * 10}), "weight": ids.astype(np.float64)}
    batch = next(iter(DiskBatches(nested, batch_size=5, seed=0)))
    assert type(batch) is dict and type(batch["inputs"]) is Pair and set(batch["inputs"].y) == {"label"}
    rows = batch["weight"].astype(int)
    assert batch["inputs"].x.shape == (5, 2) and type(batch["inputs"].x) is np.ndarray
    np.testing.assert_array_equal(batch["inputs"].x, np.stack([rows, -rows], axis=1))
    np.testing.assert_array_equal(batch["inputs"].y["label"], rows * 10)


@pytest.mark.parametrize("dtype, shape", [(np.float32, (1000, 3)), (np.int16, (1000,)), (np.float64, (1000, 2, 3))])
def test_memmap_batches_equal_the_in_memory_arrays_rows(tmp_path, dtype, shape):
    array = np.random.default_rng(0).normal(size=shape).astype(dtype) * 100
    on_disk, in_memory = DiskBatches((save_npy(tmp_path, "a", array),), 64, seed=5), DiskBatches((array,), 64, seed=5)
    for _ in range(2):
        pairs = list(zip(on_disk, in_memory))
        assert len(pairs) == 15
        for (read,), (indexed,) in pairs:
            assert read.dtype == dtype and read.shape == (64,) + shape[1:]
            np.testing.assert_array_equal(read, indexed)


def test_a_batch_holds_the_rows_in_the_order_asked_for(tmp_path):
    array = np.arange(50.0).reshape(10, 5)
    batches = DiskBatches((save_npy(tmp_path, "o", array), array[:, 0]), batch_size=4, seed=0)
    rows, first = batches.batch(np.array([7, 2, 9, 0]))
    np.testing.assert_array_equal(rows, array[[7, 2, 9, 0]])
    assert first.tolist() == [35.0, 10.0, 45.0, 0.0]


def test_a_memmap_at_an_offset_and_a_slice_of_one_are_read_from_their_file(tmp_path):
    path = tmp_path / "raw.bin"
    array = np.arange(300 * 4, dtype=np.float64).reshape(300, 4)
    with open(path, "wb") as file:
        file.write(b"header!" + array.tobytes())
    mapped = np.memmap(path, dtype=np.float64, mode="r", offset=7, shape=(300, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no fallback to indexing the memmap
        (whole,), = DiskBatches((mapped,), batch_size=300, seed=0, shuffle=False)
        (middle,), = DiskBatches((mapped[100:200],), batch_size=100, seed=0, shuffle=False)
    np.testing.assert_array_equal(whole, array)
    np.testing.assert_array_equal(middle, array[100:200])


def test_a_fortran_ordered_memmap_is_indexed_with_a_warning(tmp_path):
    array = np.asfortranarray(np.arange(40.0).reshape(20, 2))
    with pytest.warns(UserWarning, match=r"data\[0\]: this memmap .* cannot be read from its file, so it is indexed"):
        batches = DiskBatches((save_npy(tmp_path, "f", array),), batch_size=20, seed=0, shuffle=False)
    np.testing.assert_array_equal(next(iter(batches))[0], array)


def test_arrays_taken_from_an_npz_are_in_memory_and_served_alike(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=np.arange(30.0).reshape(15, 2), y=np.arange(15))
    with np.load(path, mmap_mode="r") as archive:       # np.load ignores mmap_mode for an .npz
        data = {"x": archive["x"], "y": archive["y"]}
    assert not any_on_disk(data)
    batch = next(iter(DiskBatches(data, batch_size=5, seed=0)))
    np.testing.assert_array_equal(batch["x"], np.stack([2 * batch["y"], 2 * batch["y"] + 1], axis=1))


@pytest.mark.parametrize("layout, mode", [("contiguous", "r"), ("chunked and compressed", "r"),
                                          ("after a user block", "r"), ("contiguous", "r+")])
def test_h5py_dataset_batches_equal_the_data(tmp_path, layout, mode):
    h5py = pytest.importorskip("h5py")
    images = np.random.default_rng(0).integers(0, 255, size=(50, 4, 4), dtype=np.uint8)
    with h5py.File(tmp_path / "data.h5", "w", userblock_size=512 if layout == "after a user block" else 0) as file:
        file["labels"] = np.arange(50.0)
        file.create_dataset("images", data=images, **({"chunks": (8, 4, 4), "compression": "gzip"}
                                                      if layout == "chunked and compressed" else {}))
    with h5py.File(tmp_path / "data.h5", mode) as file:
        data = (file["images"], np.arange(50))
        assert is_on_disk(file["images"]) and any_on_disk(data)
        epoch = list(DiskBatches(data, batch_size=10, seed=2))
    assert len(epoch) == 5 and sorted(np.concatenate([labels for _, labels in epoch]).tolist()) == list(range(50))
    for batch, labels in epoch:
        assert type(batch) is np.ndarray and batch.shape == (10, 4, 4)
        np.testing.assert_array_equal(batch, images[labels])


def test_only_memmaps_and_h5py_datasets_are_on_disk(tmp_path):
    mapped = save_npy(tmp_path, "m", np.zeros((3, 2)))
    assert is_on_disk(mapped) and is_on_disk(mapped[1:]) and not is_on_disk(np.zeros(3)) and not is_on_disk([1.0])
    assert any_on_disk({"a": np.zeros(3), "b": Pair(np.zeros(3), mapped)}) and not any_on_disk((np.zeros(3), None))
    assert not any_on_disk(lambda key: key)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"^data: all arrays must hold the same number of samples \(leading axis\); "
                                         r"data\['y'\] holds 4 but data\['x'\] holds 5$"):
        DiskBatches({"x": np.ones((5, 2)), "y": np.ones(4)}, batch_size=2, seed=0)
    with pytest.raises(ValueError, match=r"^data on disk needs a batch_size: without one every step would take "
                                         r"all 5 samples, loading the whole data set into memory$"):
        DiskBatches((np.ones(5),), batch_size=None, seed=0)
    with pytest.raises(ValueError, match=r"^batch_size=6 is larger than the data set \(5 samples\)$"):
        DiskBatches((np.ones(5),), batch_size=6, seed=0)
    with pytest.raises(ValueError, match=r"^batch_size must be a positive integer; got 0$"):
        DiskBatches((np.ones(5),), batch_size=0, seed=0)
    with pytest.raises(TypeError, match=r"^validation must be .* a tuple of arrays .*; got str$"):
        DiskBatches("data.npy", batch_size=2, seed=0, argument="validation")
    with pytest.raises(ValueError, match=r"^data\['x'\] must be an array with a leading sample axis; got a scalar$"):
        DiskBatches({"x": 3.0}, batch_size=1, seed=0)


@on_linux
def test_close_releases_the_file_and_a_later_epoch_opens_it_again(tmp_path):
    batches = DiskBatches((save_npy(tmp_path, "c", np.arange(8.0)),), batch_size=4, seed=0, shuffle=False)
    opened = len(os.listdir("/proc/self/fd"))
    batches.close()
    assert len(os.listdir("/proc/self/fd")) == opened - 1
    assert served(batches, key=lambda b: b[0]) == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """A 400 MiB file of float32 rows whose values are the row number, written in 16 MiB pieces."""
    path = tmp_path_factory.mktemp("big") / "rows.f32"
    step = 16 * 1024
    with open(path, "wb") as file:
        for start in range(0, FILE_ROWS, step):
            block = np.repeat(np.arange(start, start + step, dtype=np.float32)[:, None], ROW_FLOATS, axis=1)
            file.write(block.tobytes())
    yield path
    path.unlink()


def peak_growth_over_an_epoch(batches_or_rows) -> tuple[int, int, list[float]]:
    """Growth of VmRSS and RssFile (KiB, peak over the epoch) and the row numbers served."""
    before, peak, seen = resident_kib(), {"VmRSS": 0, "RssFile": 0}, []
    for batch in batches_or_rows:
        seen.append(batch[:, 0].copy())       # not a view: it would keep the whole batch alive
        now = resident_kib()
        peak = {name: max(peak[name], now[name] - before[name]) for name in peak}
    return peak["VmRSS"], peak["RssFile"], np.concatenate(seen).tolist()


@on_linux
def test_a_full_epoch_of_a_memmap_keeps_resident_memory_far_below_the_file_size(big_file):
    mapped = np.memmap(big_file, dtype=np.float32, mode="r", shape=(FILE_ROWS, ROW_FLOATS))
    batches = DiskBatches((mapped,), batch_size=4096, seed=0)
    rss, rss_file, seen = peak_growth_over_an_epoch(rows for rows, in batches)
    file_kib = os.path.getsize(big_file) // 1024
    assert sorted(seen) == list(range(FILE_ROWS))
    assert rss < file_kib / 4 and rss_file < file_kib / 4, (rss, rss_file, file_kib)


@on_linux
def test_indexing_the_memmap_itself_would_map_the_file_into_memory(big_file):
    """The control for the test above: the measure does see a memmap's pages when they are touched."""
    mapped = np.memmap(big_file, dtype=np.float32, mode="r", shape=(FILE_ROWS, ROW_FLOATS))
    order = DiskBatches((mapped,), batch_size=4096, seed=0).permutation(0)
    rss, rss_file, seen = peak_growth_over_an_epoch(mapped[order[start:start + 4096]]
                                                    for start in range(0, FILE_ROWS, 4096))
    assert sorted(seen) == list(range(FILE_ROWS))
    assert rss_file > os.path.getsize(big_file) // 1024 / 2, (rss, rss_file)
