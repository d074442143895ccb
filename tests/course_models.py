"""The course's lesson-2 MLP in its own plain-jax style (dict-of-lists params)."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def init_mlp(key, sizes):
    """Course style: {'weights': [W (n_out, n_in)], 'biases': [b]}."""
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        weights.append(jax.random.normal(sub, (n_out, n_in)) / jnp.sqrt(n_in))
        biases.append(jnp.zeros(n_out))
    return {"weights": weights, "biases": biases}


def mlp(x, params):
    for w, b in zip(params["weights"][:-1], params["biases"][:-1]):
        x = jnp.tanh(w @ x + b)
    return params["weights"][-1] @ x + params["biases"][-1]


mlp_batch = jax.vmap(mlp, in_axes=[0, None])


def mse_loss_batch(x, y_target, params):
    return jnp.mean((mlp_batch(x, params) - y_target) ** 2)


def make_batch(key, batch_size=32):
    x = jax.random.uniform(key, (batch_size, 1), minval=-3.0, maxval=3.0)
    return x, jnp.exp(-x**2) * jnp.sin(5 * x)
