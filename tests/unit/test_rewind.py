"""``trainer.rewind``: states at log-spaced steps within a limit, the parameters of a past step exactly,
the views drawing them, and training continued from there exactly as it went the first time."""

from __future__ import annotations


import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from waiting import wait_until
from jaxscope.training import History
from jaxscope.training.rewind import thinned
from jaxscope.widgets.scrubber import Scrubber

X = np.linspace(-1, 1, 64, dtype=np.float32)[:, None]
Y = np.sin(3 * X)


def mlp(p, x):
    return jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"]


def loss(p, batch):
    x, y = batch
    return jnp.mean((mlp(p, x) - y) ** 2)


def make_trainer(**options):
    """A small MLP on a generated batch (the key of each step decides it) with a validation set."""
    k1, k2 = jax.random.split(jax.random.key(3))
    params = {"w1": jax.random.normal(k1, (1, 8)), "b1": jnp.zeros(8), "w2": jax.random.normal(k2, (8, 1)) / 3}

    def data(key):
        x = jax.random.uniform(key, (16, 1), minval=-1, maxval=1)
        return x, jnp.sin(3 * x)

    return scope.Trainer(params=params, loss=loss, data=data, optimizer=0.01, validation=(X, Y), eval_every=20,
                         apply=mlp, **options)


def raw(leaf):
    """An array's values (a PRNG key: its key data)."""
    return np.asarray(jax.random.key_data(leaf) if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key) else leaf)


def state_bytes(state) -> int:
    return sum(raw(leaf).nbytes for leaf in jax.tree.leaves(state))


def assert_same(a, b):
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        np.testing.assert_array_equal(raw(x), raw(y))




@pytest.fixture(scope="module")
def trained():
    """A trainer run to 600 steps in commits that end at 50, 100, ... (one run() each)."""
    trainer = make_trainer(strategy="step")
    for _ in range(12):
        trainer.run(50)
    return trainer


def test_thinned_drops_the_inner_step_whose_neighbours_are_closest_in_log_step():
    assert thinned([0, 10, 20, 40, 80, 90], 5) == [0, 10, 20, 40, 90]
    assert thinned([0, 1, 2, 3, 4, 100, 1000], 4) == [0, 4, 100, 1000]
    assert thinned([0, 5], 2) == [0, 5]


def test_steps_are_log_spaced_within_the_limit_for_a_schedule_of_commits():
    trainer = make_trainer(strategy="loop")   # chunks of >= 10 steps even on a loaded machine: one commit per run(10)
    rewind = trainer.rewind
    rewind.ratio, rewind.limit = 2.0, 5
    assert rewind.steps == [0]
    seen = []
    for _ in range(10):                   # one commit every 10 steps
        trainer.run(10)
        seen.append(rewind.steps)
    assert seen == [[0, 10], [0, 10, 20], [0, 10, 20, 30], [0, 10, 20, 40], [0, 10, 20, 40, 50],
                    [0, 10, 20, 40, 60], [0, 10, 20, 40, 70], [0, 10, 20, 40, 80], [0, 10, 20, 40, 90],
                    [0, 10, 20, 40, 100]]
    rewind.limit = 3                      # lowering the limit thins at once
    assert rewind.steps == [0, 10, 100] and len(rewind) == 3
    start, later = rewind.state_at(0), rewind.state_at(100)
    assert start.best.params is start.params           # at step 0 the best parameters are the parameters: once
    assert rewind.nbytes == 3 * state_bytes(later) - state_bytes(start.params)
    trainer.reset()
    assert rewind.steps == [0] and rewind.shown_step is None


def test_a_run_holds_at_most_the_limit(trained):
    rewind = trained.rewind
    steps = rewind.steps
    assert steps[0] == 0 and steps[-1] == 600 and len(steps) <= 256 and steps == sorted(set(steps))
    assert all(b >= 1.05 * a for a, b in zip(steps[1:-1], steps[2:-1]))     # kept: at least 1.05x the last kept
    assert rewind.nbytes == len(steps) * state_bytes(rewind.state_at(600)) - state_bytes(rewind.state_at(0).params)


def test_params_at_equal_the_parameters_of_a_trainer_trained_to_exactly_that_step(trained):
    step = trained.rewind.steps[5]          # a chunk boundary, mid-run
    assert 0 < step < 600
    again = make_trainer()
    again.run(step)
    assert_same(trained.rewind.params_at(step), again.params)
    assert_same(trained.rewind.state_at(step), again._state)


def test_show_makes_the_views_draw_that_step_and_none_goes_live():
    trainer = make_trainer()
    plot = scope.views.FunctionPlot(x_range=(-1, 1), points=32)
    board = trainer.show(views=[plot])
    for _ in range(4):
        trainer.run(50)
    assert board.scrubber.layout.display is None     # shown once there are two states to choose from
    live = trainer.snapshot()
    assert live.shown is None and live.drawn_key[:3] == (200, live.params_version, False)
    mid = trainer.rewind.steps[2]          # an early chunk boundary (<= 100)
    trainer.rewind.show(mid)
    assert trainer.rewind.shown_step == mid
    snap = trainer.snapshot()
    assert snap.drawn_step == mid and snap.step == 200 and snap.drawn_key[:3] == (mid, snap.params_version, True)
    assert_same(snap.model_or_params, trainer.rewind.params_at(mid))
    assert_same(snap.params, trainer.params)             # the trainer itself stays at step 200
    expected = plot.compute(trainer.rewind.params_at(mid))["y"]
    wait_until(lambda: plot.drawn_step == mid and board.scrubber.label.value.startswith(f"showing step {mid} ")
               and (board.diagram._drawn or (None,))[0] == mid)
    np.testing.assert_array_equal(plot.line.y, expected)
    assert board.diagram is not None and board.diagram._drawn == snap.drawn_key
    steps = trainer.rewind.steps
    assert board.scrubber.slider.value == steps.index(mid) and board.scrubber.slider.max == len(steps) - 1
    assert not board.scrubber.go_on.disabled and not board.scrubber.live.disabled
    board.scrubber.live.click()                         # the Live button
    wait_until(lambda: plot.drawn_step == 200)
    assert trainer.rewind.shown_step is None and board.scrubber.label.value.startswith("live · ")
    np.testing.assert_array_equal(plot.line.y, plot.compute(trainer.params)["y"])
    board.scrubber.slider.value = steps.index(mid)      # the slider, as a hand moves it
    wait_until(lambda: plot.drawn_step == mid)
    assert trainer.rewind.shown_step == mid
    board.close()


def test_continue_from_restores_the_state_drops_the_later_history_and_trains_on_exactly_as_before():
    trainer = make_trainer()
    for _ in range(6):
        trainer.run(50)
    board = trainer.show()
    step = trainer.rewind.steps[3]                      # an early chunk boundary (<= 150)
    trainer.rewind.show(step)
    wait_until(lambda: board.scrubber.label.value.startswith(f"showing step {step} "))
    board.scrubber.go_on.click()                        # "Continue from here"
    wait_until(lambda: trainer.current_step == step and trainer.status == "paused")
    assert trainer.message == f"continued from step {step}: the history after it ({300 - step} steps) was dropped"
    assert trainer.rewind.steps[-1] == step and trainer.rewind.shown_step is None
    assert len(trainer.history["loss"]) == step and trainer.history.steps[-1] == step
    assert trainer.history.steps_of("val_loss").tolist() == list(range(20, step + 1, 20))
    again = make_trainer()
    again.run(step)
    assert_same(trainer.params, again.params)
    assert trainer.best_step == again.best_step
    trainer.run(100)
    again.run(100)
    assert_same(trainer._state, again._state)           # params, optimizer state, key, best: bitwise
    np.testing.assert_array_equal(trainer.history["loss"], again.history["loss"])
    np.testing.assert_array_equal(trainer.history["val_loss"], again.history["val_loss"])
    board.close()


def test_continue_from_is_refused_while_training_and_for_steps_without_a_state(trained):
    rewind, before = trained.rewind, trained.rewind.steps
    missing = before[5] + 1
    with pytest.raises(ValueError, match=rf"rewind: no state at step {missing}; the nearest held are steps "
                                         rf"{before[5]} and {before[6]} \(trainer.rewind.steps lists all {len(before)}\)"):
        rewind.continue_from(missing)
    with pytest.raises(ValueError, match=r"no state at step 9,000; the nearest held are step 600 "):
        rewind.show(9000)
    with pytest.raises(TypeError, match=r"rewind.show: step must be an integer \(one of trainer.rewind.steps\); got float"):
        rewind.show(2.5)
    with pytest.raises(ValueError, match=r"rewind.limit must be an integer >= 2 \(the first and the newest step\); got 1"):
        rewind.limit = 1
    with pytest.raises(ValueError, match=r"rewind.ratio must be a number > 1"):
        rewind.ratio = 1.0
    assert (rewind.steps, rewind.limit, trained.current_step, rewind.shown_step) == (before, 256, 600, None)

    trainer = make_trainer()
    trainer.run(50)
    trainer.start()
    wait_until(lambda: trainer.current_step > 100)
    with pytest.raises(RuntimeError, match=r"rewind.continue_from: training is running; call trainer.pause\(\) "
                                           r"first \(nothing was changed\)"):
        trainer.rewind.continue_from(50)
    trainer.pause()
    assert trainer.current_step > 100 and len(trainer.history) == trainer.current_step


def test_truncate_keeps_the_points_up_to_a_step_and_leaves_arrays_handed_out_alone():
    history = History()
    history.extend("loss", [1, 2, 3, 4], [4.0, 3.0, 2.0, 1.0])
    history.extend("val_loss", [2, 4], [3.5, 1.5])
    handed_out = history["loss"]
    history.truncate(2)
    history.extend("loss", [3], [9.0])
    assert history["loss"].tolist() == [4.0, 3.0, 9.0] and history["val_loss"].tolist() == [3.5]
    assert handed_out.tolist() == [4.0, 3.0, 2.0, 1.0]


def test_the_scrubber_is_hidden_until_there_are_two_states():
    trainer = make_trainer()
    scrubber = Scrubber(trainer)
    assert scrubber.layout.display == "none"
    assert scrubber.label.value == f"live · 1 snapshot · {trainer.rewind.nbytes} B"
    trainer.run(20)
    assert scrubber.monitor.wait(10)
    assert scrubber.layout.display is None and scrubber.slider.max == 1 and scrubber.slider.value == 1
    scrubber.close()
