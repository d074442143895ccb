"""Every public Trainer method may be called from any thread at any time: commands go through one
queue that the driver thread handles at chunk boundaries, so the history stays exact."""

from __future__ import annotations

import random
import threading
import time

import jax
import numpy as np
import pytest

import jaxscope as scope


def hammer(trainer, seed: int, rounds: int, errors: list) -> None:
    """One caller: a random mix of commands, as a cell, a button click and a timer would send."""
    rng = random.Random(seed)
    for _ in range(rounds):
        action = rng.choice(["start", "pause", "pause_now", "step", "reset", "learning_rate", "start_n", "read"])
        try:
            if action == "start":
                trainer.start()
            elif action == "start_n":
                trainer.start(rng.randint(1, 500))
            elif action == "pause":
                trainer.pause()
            elif action == "pause_now":
                trainer.pause(wait=False)
            elif action == "step":
                trainer.step(rng.randint(1, 50))
            elif action == "reset":
                trainer.reset(wait=rng.random() < 0.5)
            elif action == "learning_rate":
                trainer.learning_rate = rng.choice([1e-3, 3e-3, 1e-2])
            else:
                snap = trainer.snapshot()
                assert snap.status in scope.training.STATUSES
            time.sleep(rng.random() * 0.004)
        except Exception as error:  # none is documented for these calls
            errors.append(error)


@pytest.mark.parametrize("callers", [2, 3])
def test_concurrent_commands_leave_an_exact_history_and_no_thread(lesson2, callers):
    trainer = scope.Trainer(**lesson2)
    trainer.run(5)                        # compile once, so the rounds exercise control, not XLA
    errors: list = []
    threads = [threading.Thread(target=hammer, args=(trainer, seed, 200, errors)) for seed in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    trainer.pause()
    trainer.wait(60)
    assert errors == []
    steps = trainer.history.steps
    assert len(steps) == trainer.current_step            # exactly one point per step, none lost
    np.testing.assert_array_equal(steps, np.arange(1, trainer.current_step + 1))   # strictly increasing
    assert len(trainer.history["learning_rate"]) == trainer.current_step
    assert all(np.all(np.isfinite(np.asarray(leaf))) for leaf in jax.tree.leaves(trainer.params))
    assert trainer.status in ("idle", "paused", "done")
    assert trainer._driver.wait_idle(5)
    deadline = time.monotonic() + 10
    while any(t.name.startswith("jaxscope-trainer") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "a driver thread outlived its work"
        time.sleep(0.01)


def test_pause_from_another_thread_stops_a_blocking_run_at_a_chunk_boundary(lesson2):
    trainer = scope.Trainer(**lesson2)
    trainer.run(5)
    timer = threading.Timer(0.3, trainer.pause, kwargs={"wait": False})
    timer.start()
    trainer.run(50_000_000)                # a click on Pause ends it (no exception: the user asked)
    assert trainer.status == "paused" and 5 < trainer.current_step < 50_000_000
    assert len(trainer.history["loss"]) == trainer.current_step


def test_the_first_chunk_reports_compiling_and_pause_during_it_stops_before_training(lesson2):
    trainer = scope.Trainer(**lesson2)
    seen: list = []
    trainer.watch(lambda event: seen.append(trainer.status) if event is scope.Event.STATUS else None)
    trainer.start()
    trainer.pause(wait=False)              # queued while the first chunk compiles: handled at once (issue 14)
    trainer.wait(60)
    assert seen[:2] == ["compiling", "idle"]
    assert (trainer.status, trainer.current_step, len(trainer.history)) == ("idle", 0, 0)


def test_run_while_training_in_the_background_is_refused_with_the_documented_error(lesson2):
    trainer = scope.Trainer(**lesson2)
    trainer.start()
    try:
        with pytest.raises(RuntimeError, match=r"call trainer.pause\(\) first"):
            trainer.run(10)
    finally:
        trainer.pause()


def test_setting_params_while_training_is_refused_and_changes_nothing(lesson2):
    trainer = scope.Trainer(**lesson2)
    trainer.start()
    try:
        with pytest.raises(RuntimeError, match="pause"):
            trainer.params = trainer.params
    finally:
        trainer.pause()
    assert len(trainer.history["loss"]) == trainer.current_step


def test_watch_reports_events_in_order_and_unwatch_stops_them(lesson2):
    trainer = scope.Trainer(**lesson2)
    events: list = []
    stop = trainer.watch(events.append)
    trainer.run(20)
    trainer.reset()
    stop()
    trainer.run(5)
    E = scope.Event
    assert events[0] is E.STATUS and E.STEPS in events
    assert events[-3:] == [E.STATUS, E.RESET, E.STATUS]    # done, then reset and idle
    assert events.count(E.RESET) == 1


def test_a_watcher_that_raises_is_dropped_and_training_goes_on(lesson2):
    trainer = scope.Trainer(**lesson2)

    def broken(event):
        raise ValueError("my logger is broken")

    trainer.watch(broken)
    trainer.run(50)
    assert trainer.current_step == 50 and trainer.status == "done"
    (callback, error), = trainer.watch_errors
    assert callback is broken and str(error) == "my logger is broken"


def test_snapshot_is_consistent_and_immutable(lesson2):
    trainer = scope.Trainer(**lesson2)
    trainer.run(30)
    snap = trainer.snapshot()
    trainer.run(30)
    assert (snap.step, snap.status, trainer.current_step) == (30, "done", 60)
    assert snap.learning_rate == pytest.approx(0.01) and snap.params_version == trainer.snapshot().params_version
    assert not all(np.array_equal(a, b) for a, b in zip(jax.tree.leaves(snap.params), jax.tree.leaves(trainer.params)))
    with pytest.raises(AttributeError):
        snap.step = 3


def test_every_declared_metric_is_an_empty_array_before_the_first_step():
    import jax.numpy as jnp

    trainer = scope.Trainer(params={"w": jnp.zeros(2)},
                            loss=lambda p, b: (jnp.sum((p["w"] - b) ** 2), {"norm": jnp.sum(p["w"] ** 2)}),
                            data=lambda key: jnp.ones(2), validation=lambda key: jnp.ones(2), optimizer=0.1)
    for name in ("loss", "norm", "val_loss", "val_norm", "learning_rate"):
        assert trainer.history[name].shape == (0,) and trainer.history.steps_of(name).shape == (0,)
