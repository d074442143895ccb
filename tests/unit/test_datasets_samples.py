"""fixed_sample: a generator frozen into n samples, for the overfitting lesson."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscope as scope
from jaxscope.datasets.plane import plane_points
from jaxscope.datasets.samples import fixed_sample

KEY = jax.random.key(0)


def counting(key):
    """Batches of 32: x (32, 3) random, y (32, 1) the same random numbers summed."""
    x = jax.random.normal(key, (32, 3))
    return x, jnp.sum(x, axis=1, keepdims=True)


def test_returns_exactly_n_samples_of_every_array():
    for n in (1, 31, 32, 33, 64, 100):
        x, y = fixed_sample(counting, n, KEY)
        assert x.shape == (n, 3) and y.shape == (n, 1)
        np.testing.assert_allclose(y[:, 0], x.sum(axis=1), rtol=1e-6)   # rows stay paired


def test_the_samples_are_the_generators_own_first_batches():
    x, y = fixed_sample(counting, 70, KEY)
    first, second, third = counting(KEY), counting(jax.random.fold_in(KEY, 1)), counting(jax.random.fold_in(KEY, 2))
    np.testing.assert_array_equal(x[:32], first[0])
    np.testing.assert_array_equal(x[32:64], second[0])
    np.testing.assert_array_equal(x[64:], third[0][:6])
    np.testing.assert_array_equal(y[32:64], second[1])
    # one batch's worth is exactly one call of the generator
    for got, expected in zip(fixed_sample(counting, 32, KEY), counting(KEY)):
        np.testing.assert_array_equal(got, expected)


def test_same_key_same_samples_other_key_other_samples():
    np.testing.assert_array_equal(fixed_sample(counting, 50, KEY)[0], fixed_sample(counting, 50, KEY)[0])
    np.testing.assert_array_equal(fixed_sample(counting, 50, 7)[0], fixed_sample(counting, 50, jax.random.key(7))[0])
    assert not np.array_equal(fixed_sample(counting, 50, KEY)[0], fixed_sample(counting, 50, 1)[0])


def test_keeps_three_arrays_and_float32_dtypes():
    data = plane_points("xor", 16)
    xy, label = fixed_sample(data, 40, KEY)
    assert xy.dtype == label.dtype == jnp.float32
    triple = fixed_sample(lambda k: (jnp.ones((8, 2)), jnp.zeros((8,)), jnp.arange(8)), 20, KEY)
    assert isinstance(triple, tuple) and [a.shape for a in triple] == [(20, 2), (20,), (20,)]
    np.testing.assert_array_equal(triple[2], np.concatenate([np.arange(8)] * 3)[:20])


def test_the_trainer_serves_a_fixed_sample_in_batches():
    xy, label = fixed_sample(plane_points("and", 64), 64, KEY)
    params = {"w": jnp.zeros((2, 1)), "b": jnp.zeros(1)}

    def loss(p, batch):
        x, y = batch
        return jnp.mean(optax.sigmoid_binary_cross_entropy(x @ p["w"] + p["b"], y))

    trainer = scope.Trainer(params=params, loss=loss, data=(xy, label), batch_size=16, optimizer=0.1,
                            validation=fixed_sample(plane_points("and", 256), 256, 1))
    trainer.run(40)
    assert trainer.history["loss"][-1] < trainer.history["loss"][0]


@pytest.mark.parametrize("n", [0, -3, 2.0, True])
def test_n_must_be_a_positive_integer(n):
    with pytest.raises(ValueError, match=f"n must be a positive integer .*; got {n!r}"):
        fixed_sample(counting, n, KEY)


@pytest.mark.parametrize("data, message", [
    (lambda k: jnp.ones((8, 2)), "data must return a tuple of arrays .*; got ArrayImpl"),
    (lambda k: (jnp.ones((8, 2)), jnp.float32(1.0)), r"leading batch axis; item 1 is shape \(\)"),
    (lambda k: (jnp.ones((8, 2)), 3.0), "leading batch axis; item 1 is float"),
    (lambda k: (jnp.ones((8, 2)), jnp.ones((7, 1))), r"sharing a non-empty leading batch axis; .*\[8, 7\]"),
    (lambda k: (jnp.ones((0, 2)),), r"non-empty leading batch axis; got leading lengths \[0\]"),
    (lambda k: {"x": jnp.ones((8, 2))}, "data must return a tuple of arrays .*; got dict"),
])
def test_data_must_return_arrays_with_a_leading_batch_axis(data, message):
    with pytest.raises(ValueError, match=message):
        fixed_sample(data, 10, KEY)


def test_bad_data_and_key():
    with pytest.raises(TypeError, match="data must be a generator function data\\(key\\)"):
        fixed_sample((np.ones((4, 1)),), 4, KEY)
    with pytest.raises(ValueError, match="key must be a jax random key"):
        fixed_sample(counting, 4, "seed")
