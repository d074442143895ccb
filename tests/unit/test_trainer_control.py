"""The Trainer state machine: background start/pause/step/reset, Ctrl-C, errors in user code."""

from __future__ import annotations

import functools
import os
import signal
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.experimental import io_callback

import jaxscope as scope
from waiting import wait_until




def test_start_trains_in_the_background_and_pause_stops_at_a_chunk_boundary(lesson2):
    trainer = scope.Trainer(**lesson2)
    trainer.start()
    wait_until(lambda: trainer.current_step > 500)
    assert trainer.status == "running"
    trainer.pause()
    assert trainer.status == "paused"
    stopped = trainer.current_step
    assert len(trainer.history["loss"]) == stopped
    time.sleep(0.2)  # nothing may train after pause() returned
    assert trainer.current_step == stopped


def test_start_with_a_step_count_ends_done_exactly_there(lesson2):
    trainer = scope.Trainer(**lesson2)
    trainer.start(3000)
    trainer.wait(60)
    assert (trainer.status, trainer.current_step, len(trainer.history)) == ("done", 3000, 3000)


def test_step_trains_exactly_n_steps_then_pauses(lesson2):
    trainer = scope.Trainer(**lesson2)
    trainer.step(7)
    trainer.wait(60)
    trainer.step(5)
    trainer.wait(60)
    assert (trainer.status, trainer.current_step) == ("paused", 12)
    np.testing.assert_array_equal(trainer.history.steps, np.arange(1, 13))


def test_reset_restores_initial_parameters_and_clears_the_history(lesson2):
    trainer = scope.Trainer(**lesson2)
    initial = trainer.params
    trainer.run(50)
    first_losses = np.array(trainer.history["loss"])
    trainer.reset()
    assert (trainer.status, trainer.current_step, len(trainer.history)) == ("idle", 0, 0)
    for a, b in zip(jax.tree.leaves(trainer.params), jax.tree.leaves(initial)):
        np.testing.assert_array_equal(a, b)
    trainer.run(50)  # same seed: the same run again
    np.testing.assert_array_equal(trainer.history["loss"], first_losses)


def test_reset_while_running_pauses_first(lesson2):
    trainer = scope.Trainer(**lesson2)
    trainer.start()
    wait_until(lambda: trainer.current_step > 100)
    trainer.reset()
    assert (trainer.status, trainer.current_step, len(trainer.history)) == ("idle", 0, 0)


def test_run_refuses_while_background_training_runs(lesson2):
    trainer = scope.Trainer(**lesson2)
    trainer.start()
    try:
        with pytest.raises(RuntimeError, match="pause"):
            trainer.run(10)
    finally:
        trainer.pause()


def test_the_caller_s_params_are_never_changed(lesson2):
    before = [np.array(x) for x in jax.tree.leaves(lesson2["params"])]
    trainer = scope.Trainer(**lesson2)
    held = trainer.params
    held_copy = [np.array(x) for x in jax.tree.leaves(held)]
    trainer.run(100)
    for a, b in zip(jax.tree.leaves(lesson2["params"]), before):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(jax.tree.leaves(held), held_copy):
        np.testing.assert_array_equal(a, b)


def test_keyboard_interrupt_stops_run_at_a_chunk_boundary_with_a_consistent_state(lesson2):
    trainer = scope.Trainer(**lesson2)
    trainer.run(10)  # compile first, so the interrupt lands during training
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        trainer.run(10_000_000)
    assert trainer.status == "paused"
    assert 10 < trainer.current_step < 10_000_000
    assert len(trainer.history["loss"]) == trainer.current_step
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    trainer.run(10)  # and it continues
    assert len(trainer.history["loss"]) == trainer.current_step


def test_an_error_in_user_code_during_training_is_raised_and_keeps_the_previous_state():
    calls = {"n": 0}

    def flaky(x):
        calls["n"] += 1
        if calls["n"] > 25:
            raise RuntimeError("sensor unplugged")
        return x

    def data(key):
        return io_callback(flaky, jax.ShapeDtypeStruct((3,), jnp.float32), jnp.ones(3))

    trainer = scope.Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
                            data=data, optimizer=optax.sgd(0.1), strategy="loop")
    trainer.run(10)
    w_before = np.array(trainer.params["w"])
    with pytest.raises(Exception, match="sensor unplugged"):
        trainer.run(100)
    assert trainer.status == "error"
    assert "sensor unplugged" in trainer.message
    assert trainer.current_step == 10
    np.testing.assert_array_equal(trainer.params["w"], w_before)


def test_an_error_in_background_training_is_shown_and_raised_by_wait():
    trainer = scope.Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
                            data=lambda k: io_callback(_raise, jax.ShapeDtypeStruct((3,), jnp.float32)),
                            optimizer=0.1, strategy="loop")
    trainer.start()
    with pytest.raises(Exception, match="bad batch"):
        trainer.wait(60)
    assert trainer.status == "error" and "bad batch" in trainer.message


def _raise():
    raise ValueError("bad batch")


def test_nnx_module_trains_and_trainer_model_returns_the_trained_module():
    from flax import nnx

    class MLP(nnx.Module):
        def __init__(self, rngs):
            self.hidden = nnx.Linear(1, 16, rngs=rngs)
            self.norm = nnx.BatchNorm(16, rngs=rngs)
            self.out = nnx.Linear(16, 1, rngs=rngs)

        def __call__(self, x):
            return self.out(jnp.tanh(self.norm(self.hidden(x))))

    def make_batch(key):
        x = jax.random.uniform(key, (32, 1), minval=-2.0, maxval=2.0)
        return x, jnp.sin(x)

    model = MLP(nnx.Rngs(0))
    trainer = scope.Trainer(params=model, loss=lambda m, b: jnp.mean((m(b[0]) - b[1]) ** 2),
                            data=make_batch, optimizer=1e-2)
    trainer.run(300)
    trained = trainer.model
    assert isinstance(trained, MLP)
    assert trainer.history["loss"][-20:].mean() < trainer.history["loss"][:20].mean() / 2
    assert not np.allclose(trained.norm.mean[...], 0.0)  # batch statistics were updated
    np.testing.assert_array_equal(model.hidden.kernel[...], MLP(nnx.Rngs(0)).hidden.kernel[...])  # original untouched


def test_a_trainer_nobody_holds_any_more_stops_its_background_thread(lesson2):
    import gc

    trainer = scope.Trainer(**lesson2)
    trainer.start()
    wait_until(functools.partial(lambda t: t.current_step > 100, trainer))  # no closure over `trainer`
    worker = trainer._driver.thread
    del trainer
    deadline = time.monotonic() + 30
    while worker.is_alive():
        gc.collect()
        assert time.monotonic() < deadline, "the worker outlived its trainer"
        time.sleep(0.05)


def test_steps_per_second_averages_the_chunks_of_about_the_last_second():
    trainer = scope.Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
                            data=lambda key: jnp.ones(3), optimizer=0.1)
    trainer.run(30_000)
    seconds = [s for s, _ in trainer._driver.rate_window]
    steps = [n for _, n in trainer._driver.rate_window]
    assert len(seconds) >= 2 and sum(seconds) - seconds[0] < 1.0   # without its oldest chunk: under a second
    assert trainer.steps_per_second == pytest.approx(sum(steps) / sum(seconds))
    trainer.reset()
    assert trainer.steps_per_second == 0.0
