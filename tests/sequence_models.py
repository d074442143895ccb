"""A small tanh RNN in jax and the same in float64 numpy, for tests of the sequence views; the
recurrent notebook's LSTM model, for tests of the diagram."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx


def rnn(p, x):
    """A tanh RNN scanned over time: h_t = tanh(W h_{t-1} + U x_t + b), y_t = V h_t + c."""
    def step(h, x_t):
        h = jnp.tanh(h @ p["W"].T + x_t @ p["U"].T + p["b"])
        return h, h @ p["V"].T + p["c"]

    _, ys = jax.lax.scan(step, jnp.zeros((x.shape[0], p["W"].shape[0])), jnp.swapaxes(x, 0, 1))
    return jnp.swapaxes(ys, 0, 1)


def numpy_rnn(p, x):
    """The RNN on (batch, time, features) in float64 numpy."""
    p = {k: np.asarray(v, np.float64) for k, v in p.items()}
    h, out = np.zeros((x.shape[0], p["W"].shape[0])), []
    for t in range(x.shape[1]):
        h = np.tanh(h @ p["W"].T + np.asarray(x[:, t], np.float64) @ p["U"].T + p["b"])
        out.append(h @ p["V"].T + p["c"])
    return np.stack(out, axis=1)


def rnn_params(seed, inputs=1, hidden=6, outputs=1, scale=0.8):
    rng = np.random.default_rng(seed)
    shapes = {"W": (hidden, hidden), "U": (hidden, inputs), "b": (hidden,), "V": (outputs, hidden), "c": (outputs,)}
    return {k: jnp.asarray(scale * rng.normal(size=s), jnp.float32) for k, s in shapes.items()}


class LightParticle(nnx.Module):
    """The recurrent notebook's model: an OptimizedLSTMCell scanned over time, dense 10->20 tanh, dense 20->1."""

    def __init__(self, rngs, hidden=10, dense=20):
        self.lstm = nnx.OptimizedLSTMCell(1, hidden, rngs=rngs)
        self.dense = nnx.Linear(hidden, dense, rngs=rngs)
        self.out = nnx.Linear(dense, 1, rngs=rngs)

    def __call__(self, x):
        zeros = jnp.zeros((x.shape[0], self.lstm.hidden_features))
        _, h = jax.lax.scan(lambda s, x_t: self.lstm(s, x_t), (zeros, zeros), jnp.swapaxes(x, 0, 1))
        return self.out(jnp.tanh(self.dense(jnp.swapaxes(h, 0, 1))))
