"""The two course models the training-speed benchmark uses, in the course's plain-jax style.

Params are plain pytrees (dicts of lists of arrays); networks are single-sample functions made
batch-wise with ``vmap``; the course's losses take the params as the *third* argument.

Each model is a ``Model`` record with ``init_params(key)``, ``loss(params, batch)`` (the one-line
adapter around the course's ``mse_loss_batch(x, y_target, params)``), ``make_batch(key)`` and
``optimizer``.

    >>> import jax
    >>> params = MLP.init_params(jax.random.key(0))
    >>> float(MLP.loss(params, MLP.make_batch(jax.random.key(1)))) > 0
    True
"""

import math
from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp
import optax


@dataclass(frozen=True)
class Model:
    """One benchmark model: everything a training loop needs, nothing else."""

    name: str
    init_params: Callable  # key -> params pytree
    mse_loss_batch: Callable  # (x, y_target, params) -> scalar, the course's signature
    loss: Callable  # (params, batch) -> scalar, the adapter a generic trainer uses
    make_batch: Callable  # key -> (x, y_target), a fresh batch for every step
    optimizer: Any  # optax.GradientTransformation


def count_params(params):
    """Number of scalars in a params pytree, counted the course's way."""
    return sum(jax.tree.leaves(jax.tree.map(lambda z: math.prod(z.shape), params)))


# ---- Lesson 2: curve fitting with an MLP 1-30-20-1 -------------------------------------------

def NN_init_params(key, layers):
    """Weights [n_out, n_in] drawn normal/sqrt(n_in), zero biases."""
    params = {"weights": [], "biases": []}
    for n_in, n_out in zip(layers[:-1], layers[1:]):
        key, subkey = jax.random.split(key)
        params["weights"].append(jax.random.normal(subkey, (n_out, n_in)) / jnp.sqrt(n_in))
        params["biases"].append(jnp.zeros(n_out))
    return params


def NN(x, params):
    """Single sample x [n_in] -> [n_out]: W@x+b, tanh on hidden layers, linear output."""
    weights, biases = params["weights"], params["biases"]
    for W, b in zip(weights[:-1], biases[:-1]):
        x = jnp.tanh(W @ x + b)
    return weights[-1] @ x + biases[-1]


NN_batch = jax.vmap(NN, in_axes=[0, None])


def mlp_mse_loss_batch(x, y_target, params):
    return jnp.mean((NN_batch(x, params) - y_target) ** 2)


def F(q):
    """The lesson-2 target function."""
    return jnp.exp(-(q**2)) * jnp.sin(5 * q)


def mlp_make_batch(key, batchsize=32):
    """x [32, 1] uniform in [-3, 3] and y = F(x)."""
    x = jax.random.uniform(key, (batchsize, 1), minval=-3.0, maxval=3.0)
    return x, F(x)


MLP = Model(
    name="Lesson 2 MLP 1-30-20-1, batch 32, adam(1e-2)",
    init_params=jax.jit(lambda key: NN_init_params(key, [1, 30, 20, 1])),  # jit: one compile, not one per op
    mse_loss_batch=mlp_mse_loss_batch,
    loss=lambda p, b: mlp_mse_loss_batch(*b, p),
    make_batch=mlp_make_batch,
    optimizer=optax.adam(1e-2),
)


# ---- Lesson 3: Duffing force-sweep images -> (omega0, gamma, epsilon) with a CNN -------------

def NN_conv_init_params(key, channels=(3, 30, 30, 30, 10), kernels=(3, 3, 3, 3),
                        dense=(50, 3), image_size=50, stride=2):
    """Conv kernels [O, I, K, K] and dense layers, normal/sqrt(fan_in), zero biases."""
    params = {"conv_kernels": [], "conv_biases": []}
    size = image_size
    for c_in, c_out, k in zip(channels[:-1], channels[1:], kernels):
        key, subkey = jax.random.split(key)
        params["conv_kernels"].append(
            jax.random.normal(subkey, (c_out, c_in, k, k)) / jnp.sqrt(c_in * k * k))
        params["conv_biases"].append(jnp.zeros(c_out))
        size = (size - k) // stride + 1  # VALID padding
    params["dense"] = NN_init_params(key, [channels[-1] * size * size, *dense])
    return params


def NN_conv(x, params):
    """Batch x [B, 3, 50, 50] (NCHW) -> [B, 3]: 4 x (conv stride 2 VALID, tanh), flatten, dense."""
    for kernel, bias in zip(params["conv_kernels"], params["conv_biases"]):
        x = jax.lax.conv_general_dilated(x, kernel, window_strides=(2, 2), padding="VALID",
                                         dimension_numbers=("NCHW", "OIHW", "NCHW"))
        x = jnp.tanh(x + bias[None, :, None, None])
    return NN_batch(x.reshape(x.shape[0], -1), params["dense"])


def cnn_mse_loss_batch(x, y_target, params):
    return jnp.mean((NN_conv(x, params) - y_target) ** 2)


def cnn_make_batch(key, batchsize=16):
    """Synthetic stand-in for the Duffing images: noise images [16, 3, 50, 50], targets [16, 3].

    Cheap on purpose: the benchmark measures the training loop, not the physics simulation.
    """
    key_x, key_y = jax.random.split(key)
    x = jax.random.normal(key_x, (batchsize, 3, 50, 50))
    y = jax.random.uniform(key_y, (batchsize, 3),
                           minval=jnp.array([-1.0, 0.5, 0.0]), maxval=jnp.array([1.0, 1.5, 0.15]))
    return x, y


CNN = Model(
    name="Lesson 3 Duffing CNN 3-30-30-30-10 + dense 50-3, batch 16, adam(1e-3)",
    init_params=jax.jit(NN_conv_init_params),
    mse_loss_batch=cnn_mse_loss_batch,
    loss=lambda p, b: cnn_mse_loss_batch(*b, p),
    make_batch=cnn_make_batch,
    optimizer=optax.adam(1e-3),
)

MODELS = {"mlp": MLP, "cnn": CNN}
