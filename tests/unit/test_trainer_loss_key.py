"""Randomness in the loss (``loss(params, batch, key)``), losses that need no data (``data=None``),
and arrays served whole and in order (``shuffle=False``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscope as scope


def noisy_fit(params, batch, key):
    """A regression with noise injected into the inputs (the key's draw is also reported)."""
    x, y = batch
    draw = jax.random.normal(key, x.shape)
    pred = (x + 0.01 * draw) @ params["w"]
    return jnp.mean((pred - y) ** 2), {"draw": draw[0, 0]}


def line_data(key):
    x = jax.random.normal(key, (16, 2))
    return x, x @ jnp.array([1.5, -0.5])


def test_a_loss_with_a_key_gets_a_fresh_one_every_step_and_the_same_ones_after_reset():
    trainer = scope.Trainer(params={"w": jnp.zeros(2)}, loss=noisy_fit, data=line_data, optimizer=0.05)
    trainer.run(300)
    draws = np.array(trainer.history["draw"])
    assert len(np.unique(draws)) == 300                       # a different key at every step
    assert trainer.history["loss"][-20:].mean() < 1e-3        # and it trains
    trainer.reset()
    trainer.run(300)
    np.testing.assert_array_equal(trainer.history["draw"], draws)   # same seed, same keys


def test_a_loss_with_a_key_gets_keys_on_validation_too():
    validation = line_data(jax.random.key(9))
    trainer = scope.Trainer(params={"w": jnp.zeros(2)}, loss=noisy_fit, data=line_data, validation=validation,
                            optimizer=0.05, eval_every=50)
    trainer.run(200)
    assert len(trainer.history["val_draw"]) == 4 and len(np.unique(trainer.history["val_draw"])) == 4


def test_only_a_third_parameter_without_default_or_named_key_gets_the_key():
    from jaxscope.training.loss_function import takes_key

    def with_decay(params, batch, decay=1e-4):
        return 0.0

    def with_rng(params, batch, rng=None):
        return 0.0

    assert [takes_key(f) for f in (lambda p, b: 0, lambda p, b, key: 0, with_decay, with_rng, max)] == \
        [False, True, False, True, False]
    seen = []
    trainer = scope.Trainer(params={"w": jnp.zeros(2)}, data=line_data, optimizer=0.05,
                            loss=lambda p, b, decay=0.5: seen.append(decay) or jnp.sum(p["w"] ** 2) + decay)
    trainer.run(2)
    assert set(seen) == {0.5}            # traced with its own default, never a key


def test_data_none_trains_a_loss_of_the_parameters_alone():
    trainer = scope.Trainer(params={"x": jnp.array([3.0, -2.0])}, loss=lambda p, batch: jnp.sum((p["x"] - 1.0) ** 2),
                            optimizer=optax.sgd(0.1))
    assert trainer.data.kind == "none" and trainer.data.input_shape is None and trainer.data.sample(4) is None
    trainer.run(100)
    np.testing.assert_allclose(trainer.params["x"], [1.0, 1.0], atol=1e-6)


def test_data_none_with_a_key_samples_inside_the_loss():
    def loss(params, batch, key):    # fit a Gaussian's mean to samples the loss draws itself
        samples = 2.0 + jax.random.normal(key, (64,))
        return jnp.mean((params["mu"] - samples) ** 2)

    trainer = scope.Trainer(params={"mu": jnp.zeros(())}, loss=loss, data=None, optimizer=0.05)
    trainer.run(2000)
    assert abs(float(trainer.params["mu"]) - 2.0) < 0.1


def test_shuffle_false_serves_the_arrays_whole_and_in_order():
    index = np.arange(6.0)
    record = lambda p, b: (jnp.sum(p["w"] ** 2), {"first": b[0][0], "count": jnp.float32(b[0].shape[0])})
    whole = scope.Trainer(params={"w": jnp.ones(2)}, loss=record, data=(index,), shuffle=False, optimizer=0.1)
    whole.run(3)
    assert whole.history["first"].tolist() == [0, 0, 0] and whole.history["count"].tolist() == [6, 6, 6]
    ordered = scope.Trainer(params={"w": jnp.ones(2)}, loss=record, data=(index,), batch_size=2, shuffle=False,
                            optimizer=0.1)
    ordered.run(7)
    assert ordered.history["first"].tolist() == [0, 2, 4, 0, 2, 4, 0]
    shuffled = scope.Trainer(params={"w": jnp.ones(2)}, loss=record, data=(index,), batch_size=2, optimizer=0.1)
    shuffled.run(6)
    assert shuffled.history["first"].tolist() != [0, 2, 4, 0, 2, 4]


def test_bad_shuffle_and_batch_size_without_data_are_refused_by_name():
    with pytest.raises(TypeError, match=r"shuffle must be True or False; got 'no'"):
        scope.Trainer(params={"w": jnp.ones(2)}, loss=lambda p, b: jnp.sum(p["w"]), data=(np.ones(3),), shuffle="no")
    with pytest.raises(ValueError, match=r"batch_size applies to a fixed data set"):
        scope.Trainer(params={"w": jnp.ones(2)}, loss=lambda p, b: jnp.sum(p["w"]), batch_size=4)
