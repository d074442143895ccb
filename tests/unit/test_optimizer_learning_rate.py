"""The live learning rate of any optax optimizer, read off the jaxpr of its update (no closure names)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxscope.training.optimizer import LearningRate, resolve, traced_learning_rate

OPTIMIZERS = {
    "sgd": (optax.sgd, 0.1),
    "momentum sgd": (lambda rate: optax.sgd(rate, momentum=0.9), 0.05),
    "adam": (optax.adam, 1e-3),
    "adamw": (optax.adamw, 3e-4),
    "rmsprop": (optax.rmsprop, 1e-2),
    "adagrad": (optax.adagrad, 0.5),
    "lion": (optax.lion, 1e-4),
    "clipped adam": (lambda rate: optax.chain(optax.clip_by_global_norm(1.0), optax.adam(rate)), 2e-3),
}
PARAMS = {"weights": [jnp.linspace(-1.0, 1.0, 6).reshape(3, 2)], "biases": [jnp.array([0.5, -0.25, 0.1])]}
TARGET = jax.tree.map(lambda p: 0.3 - p, PARAMS)


def loss(params):
    return sum(jnp.sum((p - t) ** 2 * jnp.arange(1, p.size + 1).reshape(p.shape))
               for p, t in zip(jax.tree.leaves(params), jax.tree.leaves(TARGET)))


def train(optimizer, scale=np.float32(1.0), steps=4):
    """Parameters after `steps` updates, each multiplied by `scale` as the training step does."""
    params, state = PARAMS, optimizer.init(PARAMS)
    for _ in range(steps):
        updates, state = optimizer.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, jax.tree.map(lambda u: u * scale, updates))
    return params


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_base_learning_rate_is_the_one_the_optimizer_was_built_with(name):
    build, rate = OPTIMIZERS[name]
    optimizer = build(rate)
    learning_rate = LearningRate(optimizer, optimizer.init(PARAMS))
    assert (learning_rate.mode, learning_rate.base, learning_rate.value) == ("scaled", rate, rate)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_new_rate_scales_the_update_exactly_by_the_ratio(name):
    build, rate = OPTIMIZERS[name]
    optimizer = build(rate)
    learning_rate = LearningRate(optimizer, optimizer.init(PARAMS))
    learning_rate.value = learning_rate.check(rate * 3)
    assert learning_rate.scale() == np.float32(3.0)
    # training with the scaled updates is training with the optimizer built at the new rate
    for got, expected in zip(jax.tree.leaves(train(optimizer, learning_rate.scale())),
                             jax.tree.leaves(train(build(rate * 3)))):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_injected_hyperparameters_keep_their_direct_path():
    optimizer = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)
    learning_rate = LearningRate(optimizer, optimizer.init(PARAMS))
    assert (learning_rate.mode, learning_rate.base) == ("injected", 0.001)
    learning_rate.value = 5e-3
    state = learning_rate.apply_to_state(optimizer.init(PARAMS))
    assert float(state.hyperparams["learning_rate"]) == np.float32(5e-3)
    assert learning_rate.scale() == np.float32(1.0)


def test_a_float_optimizer_is_injected_adam():
    optimizer = resolve(0.01)
    assert LearningRate(optimizer, optimizer.init(PARAMS)).mode == "injected"


def test_a_schedule_has_no_rate_to_change():
    optimizer = optax.adam(optax.exponential_decay(1e-3, transition_steps=10, decay_rate=0.9))
    learning_rate = LearningRate(optimizer, optimizer.init(PARAMS))
    assert (learning_rate.mode, learning_rate.base, learning_rate.value) == ("unknown", None, None)
    with pytest.raises(ValueError, match="inject_hyperparams"):
        learning_rate.check(1e-2)


def test_a_hand_written_transformation_is_read_without_any_closure_names():
    def descent(rate):
        def update(grads, state, params=None):
            return jax.tree.map(lambda g: -rate * g, grads), state

        return optax.GradientTransformation(lambda params: optax.EmptyState(), update)

    assert traced_learning_rate(descent(0.25)) == 0.25


def test_constant_factors_after_the_rate_are_part_of_the_step():
    assert traced_learning_rate(optax.chain(optax.sgd(0.1), optax.scale(0.5))) == 0.05


def test_an_ascent_or_an_unrelated_transformation_has_no_rate():
    assert traced_learning_rate(optax.scale(2.0)) is None
    assert traced_learning_rate(optax.clip_by_global_norm(1.0)) is None
