"""Host data: iterables, generators, numpy simulators and on-policy rollouts feed the compiled loop.

Every batch carries its own number (``index``), and the loss reports it as a metric, so the
history says exactly which batch trained at which step.
"""

from __future__ import annotations

import collections
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscope as scope

PARAMS = {"w": jnp.zeros(3)}


def loss(p, batch):
    x, index = batch
    return jnp.mean((p["w"] - x) ** 2), {"index": index[0].astype(jnp.float32)}


def batch(i: int):
    return np.full((4, 3), 0.01 * i, np.float32), np.full(4, i, np.int32)


def trainer_on(data, **kwargs):
    return scope.Trainer(PARAMS, loss, data=data, optimizer=optax.sgd(0.1), strategy="loop", **kwargs)


def indices(trainer) -> list[int]:
    return trainer.history["index"].astype(int).tolist()


def prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "jaxscope-prefetch"]


def wait_for(condition, timeout=10.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.01)


def test_a_list_of_batches_trains_in_order_and_starts_a_new_epoch_when_it_ends():
    trainer = trainer_on([batch(i) for i in range(10)])
    assert trainer.data.kind == "host" and "new epoch" in trainer.data.path
    trainer.run(7)
    trainer.run(18)
    assert indices(trainer) == list(range(10)) * 2 + list(range(5))
    assert trainer.status == "done"
    trainer.reset()                       # a re-iterable replays from its first batch
    trainer.run(12)
    assert indices(trainer) == list(range(10)) + [0, 1]


def test_a_loader_object_is_iterated_again_for_each_epoch():
    class Loader:
        epochs = 0

        def __iter__(self):
            Loader.epochs += 1
            return (batch(i) for i in range(3))

    trainer = trainer_on(Loader())
    trainer.run(8)
    assert indices(trainer) == [0, 1, 2, 0, 1, 2, 0, 1]
    assert Loader.epochs >= 3


def test_a_generator_that_runs_out_ends_training_with_done_and_says_so():
    trainer = trainer_on(batch(i) for i in range(50))
    assert "one-shot" in trainer.data.path
    trainer.run(200)
    assert trainer.status == "done"
    assert trainer.current_step == 50 and indices(trainer) == list(range(50))
    assert "ran out after 50 batches" in trainer.message
    trainer.run(10)                       # nothing more to train on: done again, nothing lost
    assert trainer.current_step == 50 and trainer.status == "done"
    wait_for(lambda: not prefetch_threads())


def test_an_error_in_a_generator_ends_training_consistently_after_the_batches_before_it():
    def sensor():
        for i in range(30):
            yield batch(i)
        raise RuntimeError("sensor unplugged")

    trainer = trainer_on(sensor())
    with pytest.raises(RuntimeError, match="sensor unplugged"):
        trainer.run(100)
    assert trainer.status == "error" and "sensor unplugged" in trainer.message
    assert trainer.current_step == 30 and indices(trainer) == list(range(30))
    assert len(trainer.history["loss"]) == 30
    assert np.all(np.isfinite(np.asarray(trainer.params["w"])))
    wait_for(lambda: not prefetch_threads())      # the prefetch thread is gone, nothing hangs
    trainer.wait(timeout=5, raise_error=False)


def test_background_training_on_a_generator_pauses_and_goes_on_without_losing_a_batch():
    trainer = trainer_on(batch(i) for i in range(100_000))
    trainer.start()
    wait_for(lambda: trainer.current_step > 100)
    trainer.pause()
    assert trainer.status == "paused"
    wait_for(lambda: not prefetch_threads())
    trainer.run(50)
    assert indices(trainer) == list(range(trainer.current_step))


def test_a_numpy_simulator_function_is_called_for_every_batch():
    calls = collections.Counter()
    rng = np.random.default_rng(0)

    def simulate():
        calls["n"] += 1
        return rng.normal(size=(4, 3)).astype(np.float32), np.full(1, calls["n"], np.int32)

    trainer = trainer_on(simulate)
    assert trainer.data.kind == "host" and "data() called for every batch" in trainer.data.path
    trainer.run(300)
    assert indices(trainer) == list(range(1, 301))   # a fresh call per step, in order
    assert calls["n"] >= 300


def test_a_key_function_with_numpy_inside_is_never_baked_into_one_batch():
    """The trap: the numpy batch of a traced function would be a constant of the compiled chunk."""
    calls = collections.Counter()
    rng = np.random.default_rng(1)

    def create_batch(key):
        calls["n"] += 1
        x = rng.normal(size=(8, 3)).astype(np.float32)
        return x, np.full(1, calls["n"], np.int32)

    trainer = trainer_on(create_batch)
    assert trainer.data.kind == "host"
    assert "does not depend on its key" in trainer.data.path
    trainer.run(200)
    seen = indices(trainer)
    assert len(set(seen)) == 200 and seen == sorted(seen)   # 200 different batches
    assert trainer.history["loss"][-20:].mean() > 0.5        # fresh noise cannot be memorised


def test_a_key_function_jax_cannot_trace_runs_on_the_host_with_a_fresh_key_each_batch():
    keys = []

    def untraceable(key):
        seed = int(jax.random.randint(key, (), 0, 2**30))   # needs a concrete key
        keys.append(seed)
        return np.random.default_rng(seed).normal(size=(4, 3)).astype(np.float32), np.full(1, len(keys), np.int32)

    trainer = trainer_on(untraceable)
    assert trainer.data.kind == "host" and "cannot trace" in trainer.data.path
    trainer.run(40)
    assert indices(trainer) == list(range(1, 41))
    first_keys = keys[:40]
    assert len(set(first_keys)) == 40
    wait_for(lambda: not prefetch_threads())     # a batch pulled ahead may still be finishing
    keys.clear()
    trainer.reset()                        # the same keys again: the same batches
    trainer.run(40)
    assert keys[:40] == first_keys and indices(trainer) == list(range(1, 41))


def test_a_traceable_key_function_is_still_generated_inside_the_compiled_loop():
    trainer = trainer_on(lambda key: (jax.random.normal(key, (4, 3)), jnp.zeros(1, jnp.int32)))
    assert trainer.data.kind == "generator" and trainer.data.path.startswith("device")


def test_on_policy_data_gets_the_parameters_of_the_step_it_feeds():
    seen = []

    def rollout(params):
        w = np.asarray(params["w"]).copy()
        seen.append(w)
        return w, np.full(1, len(seen), np.int32)

    def gap_loss(p, batch):
        w_used, index = batch
        return jnp.sum((p["w"] - 1.0) ** 2), {"gap": jnp.max(jnp.abs(p["w"] - w_used)),
                                              "index": index[0].astype(jnp.float32)}

    trainer = scope.Trainer(PARAMS, gap_loss, data=rollout, optimizer=optax.sgd(0.1))
    assert trainer.data.on_policy and "on-policy" in trainer.data.path
    trainer.run(25)
    assert trainer.current_step == 25
    np.testing.assert_array_equal(trainer.history["gap"], np.zeros(25, np.float32))
    assert len(np.unique(trainer.history["index"])) == 25     # one rollout per step, never ahead
    np.testing.assert_allclose(np.asarray(trainer.params["w"]), 1 - 0.8 ** 25, rtol=1e-5)


def test_dict_and_namedtuple_batches_from_a_generator():
    Batch = collections.namedtuple("Batch", "x index")

    def dict_loss(p, b):
        return jnp.mean((p["w"] - b["x"]) ** 2), {"index": b["index"][0].astype(jnp.float32)}

    trainer = scope.Trainer(PARAMS, dict_loss, data=({"x": batch(i)[0], "index": batch(i)[1]} for i in range(9)),
                            optimizer=0.1)
    trainer.run(20)
    assert trainer.history["index"].astype(int).tolist() == list(range(9))
    assert trainer.data.input_shape == (3,)

    def tuple_loss(p, b):
        return jnp.mean((p["w"] - b.x) ** 2), {"index": b.index[0].astype(jnp.float32)}

    trainer = scope.Trainer(PARAMS, tuple_loss, data=[Batch(*batch(i)) for i in range(4)], optimizer=0.1)
    trainer.run(6)
    assert trainer.history["index"].astype(int).tolist() == [0, 1, 2, 3, 0, 1]


def test_samples_for_views_are_the_first_batches_and_still_train():
    trainer = trainer_on(batch(i) for i in range(40))
    x, index = trainer.data.sample(20)
    assert x.shape == (20, 3)
    np.testing.assert_array_equal(x[:, 0], np.repeat(0.01 * np.arange(5, dtype=np.float32), 4))
    trainer.run(40)
    assert indices(trainer) == list(range(40))


def test_bad_host_data_gets_errors_that_name_the_argument():
    with pytest.raises(ValueError, match="batch_size applies to a fixed data set"):
        trainer_on((batch(i) for i in range(3)), batch_size=2)

    def make_batches():
        yield batch(0)

    with pytest.raises(TypeError, match=r"pass the generator itself \(data=gen\(\)\)"):
        trainer_on(make_batches)
    with pytest.raises(TypeError, match="not a numeric array"):
        trainer_on(lambda: "a string")

    def shrinking():
        yield batch(0)
        yield batch(1)
        yield np.zeros((2, 3), np.float32), np.full(1, 2, np.int32)

    trainer = trainer_on(shrinking())
    with pytest.raises(ValueError, match=r"data: batch 2 has shape \(2, 3\) in entry 0 where the first batch had \(4, 3\)"):
        trainer.run(5)
    assert trainer.status == "error" and trainer.current_step == 2

    def restructured():
        yield batch(0)
        yield {"x": batch(1)[0]}

    trainer = trainer_on(restructured())
    with pytest.raises(ValueError, match="batch 1 has structure"):
        trainer.run(5)
    assert trainer.current_step == 1


def test_a_list_of_plain_arrays_is_still_columns_x_y():
    x = np.linspace(-1, 1, 12, dtype=np.float32)[:, None].repeat(3, 1)
    trainer = scope.Trainer(PARAMS, lambda p, b: jnp.mean((p["w"] - b[0]) ** 2), data=[x, x], batch_size=4,
                            optimizer=0.1)
    assert trainer.data.kind == "arrays"


def test_arrays_on_disk_go_through_the_host_path(tmp_path):
    x = np.arange(64 * 3, dtype=np.float32).reshape(64, 3) / 100
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "i.npy", np.arange(64, dtype=np.int32))
    mx = np.load(tmp_path / "x.npy", mmap_mode="r")
    mi = np.load(tmp_path / "i.npy", mmap_mode="r")

    def disk_loss(p, b):
        xb, ib = b
        return jnp.mean((p["w"] - xb) ** 2), {"first": ib[0].astype(jnp.float32), "sum": jnp.sum(ib).astype(jnp.float32)}

    trainer = scope.Trainer(PARAMS, disk_loss, data=(mx, mi), batch_size=16, optimizer=0.1, seed=3)
    assert trainer.data.kind == "host" and "arrays on disk" in trainer.data.path
    trainer.run(8)
    sums = trainer.history["sum"]
    assert sums[:4].sum() == sums[4:].sum() == np.arange(64).sum()   # every sample once per epoch
    assert trainer.history["first"][:4].tolist() != trainer.history["first"][4:].tolist()   # reshuffled
    first = trainer.history["first"].tolist()
    trainer.reset()
    trainer.run(8)
    assert trainer.history["first"].tolist() == first               # reset replays the same epochs

    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "data.h5", "w") as f:
        f["x"], f["i"] = x, np.arange(64, dtype=np.int32)
    with h5py.File(tmp_path / "data.h5", "r") as f:
        trainer = scope.Trainer(PARAMS, disk_loss, data=(f["x"], f["i"]), batch_size=32, optimizer=0.1)
        trainer.run(4)
        assert trainer.history["sum"][:2].sum() == trainer.history["sum"][2:].sum() == np.arange(64).sum()
