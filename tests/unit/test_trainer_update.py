"""Your own training step: ``Trainer(state=..., update=fn, data=...)`` with any jax update rule."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope

VISIBLE, HIDDEN, BAR = 20, 10, 7


def bars(key, n=50):
    """The course's RBM samples: a run of 7 ones at a random position in 20 visible units."""
    start = jax.random.randint(key, (n, 1), 0, VISIBLE - BAR + 1)
    i = jnp.arange(VISIBLE)[None, :]
    return ((i >= start) & (i < start + BAR)).astype(jnp.float32)


def cd1(state, v, key, eta=0.1):
    """One contrastive-divergence step (CD-1): ΔW ∝ <v h>_data - <v' h'>_model."""
    k1, k2, k3 = jax.random.split(key, 3)
    W, a, b = state["W"], state["a"], state["b"]
    p_h = jax.nn.sigmoid(v @ W + b)
    h = jax.random.bernoulli(k1, p_h).astype(jnp.float32)
    p_v = jax.nn.sigmoid(h @ W.T + a)
    v1 = jax.random.bernoulli(k2, p_v).astype(jnp.float32)
    p_h1 = jax.nn.sigmoid(v1 @ W + b)
    n = v.shape[0]
    new = {"W": W + eta * (v.T @ p_h - v1.T @ p_h1) / n,
           "a": a + eta * jnp.mean(v - v1, 0),
           "b": b + eta * jnp.mean(p_h - p_h1, 0)}
    del k3
    return new, {"reconstruction_error": jnp.mean((v - p_v) ** 2)}


def initial_rbm(seed=0):
    return {"W": 0.01 * jax.random.normal(jax.random.key(seed), (VISIBLE, HIDDEN)),
            "a": jnp.zeros(VISIBLE), "b": jnp.zeros(HIDDEN)}


def test_contrastive_divergence_learns_the_bar_patterns():
    trainer = scope.Trainer(state=initial_rbm(), update=cd1, data=bars)
    assert trainer.data.kind == "generator"
    trainer.run(2000)
    error = trainer.history["reconstruction_error"]
    assert trainer.history.names[0] == "reconstruction_error" and len(trainer.history) == 2000
    assert trainer.history.steps.tolist() == list(range(1, 2001))
    # bars are 7 ones in 20: a model that knows nothing predicts p=0.35 everywhere (error ~0.23)
    assert error[:20].mean() > 0.2
    assert error[-100:].mean() < 0.12
    # the learned model reconstructs a bar better than the best constant guess
    v = bars(jax.random.key(9), 200)
    W, a, b = (trainer.params[k] for k in ("W", "a", "b"))
    p_v = jax.nn.sigmoid(jax.nn.sigmoid(v @ W + b) @ W.T + a)
    assert float(jnp.mean((v - p_v) ** 2)) < 0.12


def momentum_descent(state, batch, key):
    """t-SNE-style momentum descent on a fixed quadratic: no optax, no gradient of a loss given to us."""
    y, velocity = state
    target = batch[0][0]          # the whole data set, one sample: the target positions
    grad = y - target
    velocity = 0.5 * velocity - 0.1 * grad
    return (y + velocity, velocity), {"loss": 0.5 * jnp.sum((y - target) ** 2), "speed": jnp.linalg.norm(velocity)}


def test_an_update_with_a_loss_metric_records_every_metric_with_loss_first():
    target = np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2)
    state = (jnp.zeros((3, 2)), jnp.zeros((3, 2)))
    trainer = scope.Trainer(state=state, update=momentum_descent, data=(target[None],), shuffle=False,
                            params=lambda s: {"embedding": s[0]})
    assert trainer.data.kind == "arrays"
    trainer.run(200)
    assert trainer.history.names[:2] == ["loss", "speed"]
    assert trainer.history["loss"][-1] < 1e-6
    np.testing.assert_allclose(np.asarray(trainer.params["embedding"]), target, atol=1e-3)
    assert trainer.learning_rate is None
    trainer.reset()
    assert trainer.current_step == 0 and float(jnp.abs(trainer.params["embedding"]).sum()) == 0.0


def test_hand_edits_of_the_shown_parameters_are_written_back_into_the_state():
    target = np.ones((1, 3, 2), np.float32)
    trainer = scope.Trainer(state=(jnp.zeros((3, 2)), jnp.zeros((3, 2))), update=momentum_descent,
                            data=(target,), params=lambda s: {"embedding": s[0]})
    trainer.run(5)
    velocity = np.asarray(trainer.snapshot().state.params[1])
    trainer.edit(lambda p: {"embedding": p["embedding"].at[0, 0].set(7.0)}, note="set y[0,0] = 7")
    y, v = trainer.snapshot().state.params
    assert float(y[0, 0]) == 7.0 and np.array_equal(np.asarray(v), velocity)
    assert trainer.history["edit_loss"][-1] == pytest.approx(0.5 * (6.0 ** 2 + np.sum(
        (np.asarray(y).ravel()[1:] - 1.0) ** 2)), rel=1e-5)
    trainer.run(3)
    assert trainer.current_step == 8

    computed = scope.Trainer(state=(jnp.zeros((3, 2)), jnp.zeros((3, 2))), update=momentum_descent,
                             data=(target,), params=lambda s: {"embedding": s[0] * 2})
    with pytest.raises(ValueError, match="computed from the state"):
        computed.edit(lambda p: p)


def test_early_stopping_on_a_val_loss_metric_restores_the_best_state():
    def update(state, batch, key):
        x = state["x"] + 1.0
        val = jnp.where(x % 2 == 0, (x - 4.0) ** 2, jnp.nan)   # evaluated every other step, best at x = 4
        return {"x": x}, {"loss": x, "val_loss": val}

    trainer = scope.Trainer(state={"x": jnp.zeros(())}, update=update, data=None, early_stopping=2)
    trainer.run(50)
    assert trainer.status == "done" and "early stopping" in trainer.message
    assert trainer.best_step == 4 and float(trainer.params["x"]) == 4.0
    evaluated = trainer.history.steps_of("val_loss").tolist()     # recorded where finite: every other step
    assert evaluated[:4] == [2, 4, 6, 8] and all(s % 2 == 0 for s in evaluated)


def test_an_update_that_diverges_stops_with_the_last_finite_state():
    def update(state, batch, key):
        x = state["x"] * 10.0
        return {"x": x}, {"loss": jnp.where(x > 1e30, jnp.inf, x)}

    trainer = scope.Trainer(state={"x": jnp.ones(())}, update=update, strategy="loop")
    trainer.run(100)
    assert trainer.status == "diverged"
    assert trainer.current_step == 30 and float(trainer.params["x"]) == pytest.approx(1e30, rel=1e-5)
    assert "diverged at step 31" in trainer.message


def test_the_update_gets_a_fresh_key_every_step_and_the_same_keys_after_reset():
    def update(state, batch, key):
        return state, {"loss": jax.random.uniform(key)}

    trainer = scope.Trainer(state={"x": jnp.zeros(2)}, update=update)
    trainer.run(20)
    first = trainer.history["loss"].copy()
    assert len(set(first.tolist())) == 20
    trainer.reset()
    trainer.run(20)
    np.testing.assert_array_equal(trainer.history["loss"], first)


def test_update_on_host_data_from_a_generator():
    rng = np.random.default_rng(0)

    def batches():
        while True:
            yield (rng.random((50, VISIBLE)) < 0.35).astype(np.float32)

    trainer = scope.Trainer(state=initial_rbm(), update=cd1, data=batches())
    trainer.run(30)
    assert trainer.data.kind == "host" and trainer.current_step == 30


def test_bad_update_arguments_are_named():
    with pytest.raises(ValueError, match="update= needs state="):
        scope.Trainer(update=cd1)
    with pytest.raises(ValueError, match="state= is the initial state of update="):
        scope.Trainer(state=initial_rbm())
    with pytest.raises(ValueError, match="either loss= .* or update="):
        scope.Trainer(state=initial_rbm(), update=cd1, loss=lambda p, b: 0.0)
    with pytest.raises(TypeError, match="loss is required"):
        scope.Trainer(params={"w": jnp.zeros(2)})
    with pytest.raises(ValueError, match=r"the new state\['W'\] has shape \(10, 20\)"):
        scope.Trainer(state=initial_rbm(), update=lambda s, b, k: ({**s, "W": s["W"].T}, {"loss": 0.0}), data=bars)
    with pytest.raises(ValueError, match="same structure"):
        scope.Trainer(state=initial_rbm(), update=lambda s, b, k: ({"W": s["W"]}, {"loss": 0.0}), data=bars)
    with pytest.raises(ValueError, match=r"must return \(state, metrics\)"):
        scope.Trainer(state=initial_rbm(), update=lambda s, b, k: s, data=bars)
    with pytest.raises(ValueError, match="metric 'error' must be a floating-point scalar"):
        scope.Trainer(state=initial_rbm(), update=lambda s, b, k: (s, {"error": b}), data=bars)
    with pytest.raises(ValueError, match="validation= is evaluated through loss="):
        scope.Trainer(state=initial_rbm(), update=cd1, data=bars, validation=bars)
    with pytest.raises(TypeError, match="params must be a function state"):
        scope.Trainer(state=initial_rbm(), update=cd1, data=bars, params={"W": 1})
