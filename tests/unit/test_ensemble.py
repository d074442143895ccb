"""Ensembles (``Trainer(..., ensemble=N)``): N members in one vmapped chunk, each equal to the single
run with its seed; sweeps; a diverging member does not stop the others."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxscope import Trainer
from jaxscope.training.ensemble import check_ensemble, row_quantiles

X = jnp.linspace(-2, 2, 128)[:, None]
Y = jnp.sin(3 * X)


def init(key):
    k1, k2 = jax.random.split(key)
    return {"w1": jax.random.normal(k1, (1, 16)) * 0.5, "b1": jnp.zeros(16),
            "w2": jax.random.normal(k2, (16, 1)) * 0.2, "b2": jnp.zeros(1)}


def net(p, x):
    return jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]


def loss(p, batch):
    x, y = batch
    return jnp.mean((net(p, x) - y) ** 2)


def noisy_loss(p, batch, key):   # a keyed loss: each member its own key stream
    x, y = batch
    return jnp.mean((net(p, x + 0.01 * jax.random.normal(key, x.shape)) - y) ** 2)


def close(a, b, rtol=2e-5, atol=2e-6):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def ensemble_and_singles():
    kwargs = dict(loss=noisy_loss, data=(X, Y), batch_size=32, optimizer=1e-2, validation=(X, Y), eval_every=50)
    ens = Trainer(params=init, ensemble=3, seed=5, **kwargs)
    ens.run(200)
    singles = []
    for i in range(3):
        single = Trainer(params=init(jax.random.key(5 + i)), seed=5 + i, **kwargs)
        single.run(200)
        singles.append(single)
    return ens, singles


def test_members_equal_separate_runs_with_their_seeds(ensemble_and_singles):
    ens, singles = ensemble_and_singles
    assert ens.ensemble_size == 3 and ens.current_step == 200
    assert jax.tree.map(jnp.shape, ens.params) == {"w1": (3, 1, 16), "b1": (3, 16), "w2": (3, 16, 1), "b2": (3, 1)}
    for i, single in enumerate(singles):
        jax.tree.map(close, ens.member(i), single.params)
        steps, values = ens.history.tail(f"loss#{i}", 0)
        single_steps, single_values = single.history.tail("loss", 0)
        assert steps.tolist() == single_steps.tolist() == list(range(1, 201))
        close(values, single_values, rtol=1e-4)
        val_steps, val_values = ens.history.tail(f"val_loss#{i}", 0)
        assert val_steps.tolist() == [50, 100, 150, 200]
        close(val_values, single.history.tail("val_loss", 0)[1], rtol=1e-4)
    close(ens.member(-1)["w1"], singles[2].params["w1"])


def test_median_and_band_are_the_members_quantiles(ensemble_and_singles):
    ens, _ = ensemble_and_singles
    per_member = np.stack([ens.history.tail(f"loss#{i}", 0)[1] for i in range(3)], axis=1)
    for name, q in (("loss", 0.5), ("loss#lo", 0.25), ("loss#hi", 0.75)):
        steps, values = ens.history.tail(name, 0)
        assert len(steps) == 200
        close(values, np.quantile(per_member, q, axis=1), rtol=1e-6)


def test_row_quantiles_skip_entries_not_live():
    values = np.array([[1.0, 5.0, 3.0, np.nan], [2.0, 2.0, 2.0, 2.0], [7.0, 0.0, 0.0, 0.0]], np.float32)
    live = np.array([[True, True, True, False], [True, True, True, True], [True, False, False, False]])
    median, lo, hi = row_quantiles(values, live)
    assert median.tolist() == [3.0, 2.0, 7.0] and lo.tolist() == [2.0, 2.0, 7.0] and hi.tolist() == [4.0, 2.0, 7.0]
    empty = row_quantiles(values[:1], np.zeros((1, 4), bool))
    assert all(np.isnan(q[0]) for q in empty)


def injected_sgd(rate):
    return optax.inject_hyperparams(optax.sgd)(learning_rate=rate)


# sgd, not adam: adam's g / sqrt(v) turns float32 rounding differences of near-zero gradients (the
# vmapped matmuls sum in another order) into learning-rate-sized steps within tens of steps
@pytest.mark.parametrize("make", [injected_sgd, optax.sgd], ids=["injected", "scaled"])
def test_learning_rate_sweep_equals_runs_at_each_rate(make):
    rates = [0.03, 0.1, 0.3]
    ens = Trainer(params=init(jax.random.key(0)), loss=loss, data=(X, Y), optimizer=make(0.1),
                  ensemble={"learning_rate": rates})
    ens.run(60)
    assert ens.learning_rate is None and "learning_rate" not in ens.history.names
    for i, rate in enumerate(rates):
        single_opt = make(rate)
        single = Trainer(params=init(jax.random.key(0)), loss=loss, data=(X, Y), optimizer=single_opt, seed=i)
        single.run(60)
        jax.tree.map(lambda a, b: close(a, b, rtol=1e-4, atol=1e-5), ens.member(i), single.params)
    with pytest.raises(ValueError, match="sweeps the learning rate"):
        ens.learning_rate = 0.1


def test_changing_the_learning_rate_changes_every_member():
    ens = Trainer(params=init, loss=loss, data=(X, Y), optimizer=0.01, ensemble=2)
    ens.run(5)
    ens.learning_rate = 0.02
    ens.run(5)
    assert ens.learning_rate == 0.02
    assert np.asarray(ens.opt_state.hyperparams["learning_rate"]).tolist() == pytest.approx([0.02, 0.02])
    assert ens.history.tail("learning_rate", 0)[1].tolist() == pytest.approx([0.01] * 5 + [0.02] * 5)


def quadratic(p, batch):
    return jnp.sum(p["w"] ** 2)


def test_a_diverging_member_stops_alone_and_keeps_its_last_finite_state():
    # sgd on w**2 diverges (|1 - 2 lr| > 1) for lr 1.5: w grows x2 a step until it overflows float32
    ens = Trainer(params={"w": jnp.ones(3)}, loss=quadratic, optimizer=optax.sgd(1.0),
                  ensemble={"learning_rate": [0.1, 1.5]})
    ens.run(300)
    assert ens.status == "done" and ens.current_step == 300
    stopped = ens.diverged_members
    assert list(stopped) == [1]
    last = stopped[1]
    assert 60 < last < 200
    steps, values = ens.history.tail("loss#1", 0)
    assert steps[-1] == last and np.isfinite(values).all()
    assert ens.history.tail("diverged#1", 0)[0].tolist() == [last]
    assert ens.history.tail("diverged#1", 0)[1].tolist() == [values[-1]]
    assert np.isfinite(np.asarray(ens.member(1)["w"])).all()
    # the state after step `last` (w -> -2w each step, so 4x the loss recorded at it): its loss, 1e39, overflows
    close(np.sum(np.asarray(ens.member(1)["w"], np.float64) ** 2), 4 * np.float64(values[-1]), rtol=1e-5)
    assert ens.history.tail("loss#0", 0)[0][-1] == 300 and ens.history.tail("loss", 0)[0][-1] == 300
    assert "member 1 diverged" in ens.message and "1 of 2 train on" in ens.message


def test_every_member_diverging_ends_training():
    ens = Trainer(params={"w": jnp.ones(2)}, loss=quadratic, optimizer=optax.sgd(1.0),
                  ensemble={"learning_rate": [1.5, 2.0]})
    ens.run(1000)
    assert ens.status == "diverged"
    assert sorted(ens.diverged_members) == [0, 1]
    assert ens.current_step == max(ens.diverged_members.values())
    assert all(np.isfinite(np.asarray(ens.member(i)["w"])).all() for i in range(2))


@pytest.mark.parametrize("ensemble, error, match", [
    (0, ValueError, "number of members >= 1"),
    (True, TypeError, "number of members"),
    ("4", TypeError, "number of members"),
    ({"learning_rate": [1e-3, 1e-2], "b1": [0.9]}, ValueError, "same length"),
    ({"learning_rate": "fast"}, TypeError, "list of numbers"),
    ({"learning_rate": [1e-3, float("nan")]}, ValueError, "finite"),
    ({"seed": [1, 1]}, ValueError, "distinct"),
])
def test_bad_ensemble_arguments_are_named(ensemble, error, match):
    with pytest.raises(error, match=match):
        check_ensemble(ensemble, 0)


def test_hyper_parameters_the_optimizer_cannot_take_are_refused_before_training():
    with pytest.raises(ValueError, match="no hyper-parameter 'momentum'.*inject_hyperparams"):
        Trainer(params=init, loss=loss, data=(X, Y), optimizer=0.01, ensemble={"momentum": [0.5, 0.9]})
    with pytest.raises(ValueError, match="without update="):
        Trainer(state={"w": jnp.ones(2)}, update=lambda s, b, k: (s, {"loss": jnp.sum(s["w"])}), ensemble=2)
    with pytest.raises(ValueError, match="without early_stopping="):
        Trainer(params=init, loss=loss, data=(X, Y), validation=(X, Y), early_stopping=3, ensemble=2)
    single = Trainer(params=init(jax.random.key(0)), loss=loss, data=(X, Y))
    with pytest.raises(ValueError, match="ensemble=N"):
        single.member(0)


def test_seed_list_and_adam_b1_sweep():
    ens = Trainer(params=init, loss=loss, data=(X, Y), batch_size=32, optimizer=0.01,
                  ensemble={"seed": [7, 9], "b1": [0.5, 0.9]})
    ens.run(40)
    for i, (seed, b1) in enumerate(((7, 0.5), (9, 0.9))):
        single = Trainer(params=init(jax.random.key(seed)), loss=loss, data=(X, Y), batch_size=32, seed=seed,
                         optimizer=optax.inject_hyperparams(optax.adam)(learning_rate=0.01, b1=b1))
        single.run(40)
        jax.tree.map(lambda a, b: close(a, b, rtol=1e-4, atol=1e-5), ens.member(i), single.params)
    with pytest.raises(IndexError, match="0..1"):
        ens.member(2)


def test_rewinding_to_before_a_divergence_trains_that_member_again():
    ens = Trainer(params={"w": jnp.ones(3)}, loss=quadratic, optimizer=optax.sgd(1.0),
                  ensemble={"learning_rate": [0.1, 1.5]})
    for _ in range(30):        # chunk ends (where states are kept) every 10 steps
        ens.run(10)
    last = ens.diverged_members[1]
    early = max(step for step in ens.rewind.steps if step < last)
    assert early > 0
    ens.rewind.continue_from(early)
    assert ens.diverged_members == {} and ens.history.count("diverged#1") == 0
    assert ens.history.tail("loss#1", 0)[0][-1] == early
    ens.run(300 - early)
    assert ens.diverged_members == {1: last} and ens.current_step == 300   # the same steps again
