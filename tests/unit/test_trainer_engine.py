"""The engine: chunks equal single steps, hyper-parameters don't recompile, data epochs, guards."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscope as scope
from course_models import init_mlp, mse_loss_batch


def leaves_close(a, b, **tol):
    return all(np.allclose(x, y, **tol) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))


def test_one_chunk_gives_the_same_parameters_as_single_steps(lesson2):
    chunked = scope.Trainer(**lesson2, strategy="loop")
    chunked.run(40)
    single = scope.Trainer(**lesson2, strategy="loop")
    for _ in range(40):
        single.run(1)
    assert leaves_close(chunked.params, single.params, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(chunked.history["loss"], single.history["loss"], rtol=1e-5)


def test_loop_and_per_step_strategies_agree(lesson2):
    loop = scope.Trainer(**lesson2, strategy="loop")
    step = scope.Trainer(**lesson2, strategy="step")
    loop.run(30)
    step.run(30)
    assert (loop.strategy, step.strategy) == ("loop", "step")
    assert leaves_close(loop.params, step.params, rtol=1e-5, atol=1e-6)


def test_full_batch_training_matches_a_hand_written_optax_loop():
    x = jnp.linspace(-2, 2, 16)[:, None]
    y = jnp.sin(2 * x)
    params = init_mlp(jax.random.key(3), [1, 8, 1])
    trainer = scope.Trainer(params=params, loss=lambda p, b: mse_loss_batch(*b, p), data=(x, y),
                            optimizer=optax.sgd(0.1))
    trainer.run(25)

    opt = optax.sgd(0.1)
    state = opt.init(params)
    losses = []
    for _ in range(25):
        loss, grads = jax.value_and_grad(mse_loss_batch, argnums=2)(x, y, params)
        updates, state = opt.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        losses.append(float(loss))
    assert leaves_close(trainer.params, params, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(trainer.history["loss"], losses, rtol=1e-5)
    np.testing.assert_array_equal(trainer.history.steps, np.arange(1, 26))


def test_learning_rate_change_takes_effect_without_recompiling():
    traces = []

    def loss(p, batch):
        traces.append(1)  # runs only while jax traces (compiles) the function
        return jnp.sum((p["w"] - batch) ** 2)

    trainer = scope.Trainer(params={"w": jnp.ones(3)}, loss=loss, data=lambda k: jnp.zeros(3),
                            optimizer=0.1, strategy="loop")
    trainer.run(10)
    traced = len(traces)
    trainer.learning_rate = 0.01
    trainer.run(10)
    trainer.learning_rate = 0.5
    trainer.run(10)
    assert len(traces) == traced
    assert trainer.learning_rate == 0.5
    np.testing.assert_allclose(trainer.history["learning_rate"], [0.1] * 10 + [0.01] * 10 + [0.5] * 10)


def test_learning_rate_of_a_plain_optax_adam_is_read_and_set_exactly(lesson2):
    lesson2 = {**lesson2, "optimizer": optax.adam(1e-3)}
    scaled = scope.Trainer(**lesson2)
    assert scaled.learning_rate == pytest.approx(1e-3)
    scaled.learning_rate = 1e-2
    scaled.run(20)
    direct = scope.Trainer(**{**lesson2, "optimizer": optax.adam(1e-2)})
    direct.run(20)
    assert leaves_close(scaled.params, direct.params, rtol=1e-4, atol=1e-6)


def test_fixed_data_epochs_visit_every_sample_once_per_epoch():
    x = jnp.arange(12.0)[:, None]
    trainer = scope.Trainer(params={"w": jnp.zeros(())},
                            loss=lambda p, b: (jnp.sum(p["w"] * b[0]), {"first": b[0][0, 0], "second": b[0][1, 0]}),
                            data=(x,), batch_size=2, optimizer=0.0 + 1e-3)
    trainer.run(18)  # three epochs of six batches
    seen = np.stack([trainer.history["first"], trainer.history["second"]], axis=1).reshape(3, 12)
    for epoch in seen:
        assert sorted(epoch.tolist()) == list(range(12))
    assert seen[0].tolist() != seen[1].tolist()  # reshuffled each epoch


def test_validation_is_recorded_every_eval_every_steps(lesson2):
    from course_models import make_batch

    x_val, y_val = make_batch(jax.random.key(9), 64)
    trainer = scope.Trainer(**lesson2, validation=(x_val, y_val), eval_every=25)
    trainer.run(100)
    np.testing.assert_array_equal(trainer.history.steps_of("val_loss"), [25, 50, 75, 100])
    expected = mse_loss_batch(x_val, y_val, trainer.params)
    assert trainer.history["val_loss"][-1] == pytest.approx(float(expected), rel=1e-5)


def test_extra_metrics_are_recorded_like_the_loss():
    trainer = scope.Trainer(params={"w": jnp.ones(2)},
                            loss=lambda p, b: (jnp.sum(p["w"] ** 2), {"norm": jnp.linalg.norm(p["w"])}),
                            data=None, optimizer=optax.sgd(0.1))
    trainer.run(3)
    np.testing.assert_allclose(trainer.history["norm"], [np.sqrt(2), 0.8 * np.sqrt(2), 0.64 * np.sqrt(2)], rtol=1e-6)


def test_non_finite_loss_stops_with_diverged_and_keeps_the_last_finite_parameters():
    # w grows by 1 per step (sgd, gradient -1); log(5.5 - w) turns NaN when w = 6, at step 7.
    trainer = scope.Trainer(params={"w": jnp.zeros(())}, loss=lambda p, b: -p["w"] + 0.0 * jnp.log(5.5 - p["w"]),
                            data=None, optimizer=optax.sgd(1.0))
    trainer.run(1000)
    assert trainer.status == "diverged"
    assert "step 7" in trainer.message
    assert trainer.current_step == 6
    assert float(trainer.params["w"]) == 6.0
    assert len(trainer.history["loss"]) == 6 and np.all(np.isfinite(trainer.history["loss"]))


def test_a_pinned_static_scan_chunk_trains_exactly_like_the_while_loop(lesson2):
    # Accelerators run fixed-size chunks as a static scan (remainders in the while loop).
    pinned = scope.Trainer(**lesson2, strategy="loop")
    pinned.run(1)
    pinned._driver.chunk.pin(16)
    pinned._driver.chunk_size = 16
    pinned.run(49)  # 3 scans of 16 + a remainder of 1
    pinned._driver.chunk.pin(64)
    pinned._driver.chunk_size = 64
    pinned.run(100)  # 64 + 32 as scans + 4 in the while loop
    assert sorted(pinned._driver.chunk._scans) == [16, 32, 64]
    plain = scope.Trainer(**lesson2, strategy="loop")
    plain.run(150)
    assert leaves_close(pinned.params, plain.params, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pinned.history["loss"], plain.history["loss"], rtol=1e-5)
    np.testing.assert_array_equal(pinned.history.steps, np.arange(1, 151))


def test_divergence_inside_a_pinned_scan_chunk_keeps_the_last_finite_parameters():
    trainer = scope.Trainer(params={"w": jnp.zeros(())}, loss=lambda p, b: -p["w"] + 0.0 * jnp.log(5.5 - p["w"]),
                            data=None, optimizer=optax.sgd(1.0), strategy="loop")
    trainer.run(1)
    trainer._driver.chunk.pin(16)
    trainer._driver.chunk_size = 16
    trainer.run(100)
    assert trainer.status == "diverged" and "step 7" in trainer.message
    assert (trainer.current_step, float(trainer.params["w"])) == (6, 6.0)


def test_list_of_pairs_params_and_a_validation_generator_train_as_they_are():
    # Course style P2: [[W (n_in, n_out), b], ...] with jnp.dot(x, W) + b.
    def net(params, x):
        for w, b in params[:-1]:
            x = jax.nn.relu(jnp.dot(x, w) + b)
        w, b = params[-1]
        return jnp.dot(x, w) + b

    keys = jax.random.split(jax.random.key(0), 2)
    params = [[jax.random.normal(keys[0], (2, 16)) * 0.5, jnp.zeros(16)],
              [jax.random.normal(keys[1], (16, 1)) * 0.25, jnp.zeros(1)]]

    def batch(key):
        x = jax.random.normal(key, (64, 2))
        return x, x[:, :1] * x[:, 1:]

    trainer = scope.Trainer(params=params, loss=lambda p, b: jnp.mean((net(p, b[0]) - b[1]) ** 2),
                            data=batch, validation=batch, eval_every=100, optimizer=1e-2)
    trainer.run(600)
    assert isinstance(trainer.params, list) and trainer.params[0][0].shape == (2, 16)
    np.testing.assert_array_equal(trainer.history.steps_of("val_loss"), [100, 200, 300, 400, 500, 600])
    assert trainer.history["val_loss"][-1] < trainer.history["val_loss"][0] / 3
