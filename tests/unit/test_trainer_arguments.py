"""Bad arguments raise a clear error naming the argument, before anything compiles."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope

PARAMS = {"w": jnp.zeros(3)}


def ok_loss(p, b):
    return jnp.sum((p["w"] - b[0]) ** 2)


def test_non_callable_loss():
    with pytest.raises(TypeError, match="loss must be a callable"):
        scope.Trainer(params=PARAMS, loss=3, data=lambda k: jnp.ones(3))


def test_params_without_arrays():
    with pytest.raises(ValueError, match="params must be a pytree of arrays"):
        scope.Trainer(params={"w": "abc"}, loss=ok_loss, data=lambda k: jnp.ones(3))
    with pytest.raises(ValueError, match="params must be a pytree of arrays"):
        scope.Trainer(params={}, loss=ok_loss, data=lambda k: jnp.ones(3))


def test_data_arrays_of_mismatched_lengths():
    with pytest.raises(ValueError, match=r"data: all arrays must hold the same number of samples.*\[10, 9\]"):
        scope.Trainer(params=PARAMS, loss=ok_loss, data=(np.ones((10, 3)), np.ones((9, 1))), batch_size=2)


def test_batch_size_larger_than_the_data():
    with pytest.raises(ValueError, match="batch_size=20 is larger than the data set"):
        scope.Trainer(params=PARAMS, loss=ok_loss, data=(np.ones((10, 3)),), batch_size=20)


def test_negative_step_count(lesson2):
    trainer = scope.Trainer(**lesson2)
    with pytest.raises(ValueError, match="steps must be non-negative"):
        trainer.run(-5)
    with pytest.raises(TypeError, match="steps must be an integer"):
        trainer.run(2.5)
    assert trainer.strategy is None  # nothing was compiled


def test_loss_that_does_not_return_a_scalar():
    with pytest.raises(ValueError, match=r"loss must return a scalar; got shape \(3,\)"):
        scope.Trainer(params=PARAMS, loss=lambda p, b: (p["w"] - b) ** 2, data=lambda k: jnp.ones(3))


def test_optimizer_of_the_wrong_type():
    with pytest.raises(TypeError, match="optimizer must be an optax GradientTransformation"):
        scope.Trainer(params=PARAMS, loss=ok_loss, data=lambda k: (jnp.ones(3),), optimizer="adam")


def test_an_error_inside_the_loss_is_the_user_s_own_with_a_note():
    def broken(p, b):
        return p["missing"]

    with pytest.raises(KeyError) as info:
        scope.Trainer(params=PARAMS, loss=broken, data=lambda k: jnp.ones(3))
    assert any("tracing loss" in note for note in info.value.__notes__)


def test_invalid_learning_rate(lesson2):
    trainer = scope.Trainer(**lesson2)
    with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
        trainer.learning_rate = -1.0
    assert trainer.learning_rate == 1e-2
