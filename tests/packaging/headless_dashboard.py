"""Run by an installed jaxscope's python, headless: build a tiny Trainer, show its dashboard, train.

Prints one line ``RESULT {json}``: the version, where the bundles were read from, the size of every
widget's ``_esm`` in the dashboard, and the trainer's step / status / history after ``run(50)``.

    venv/bin/python tests/packaging/headless_dashboard.py
"""

import json

import jax
import jax.numpy as jnp

import jaxscope as scope
from jaxscope.widgets.bundle import STATIC


def init(key, sizes):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        params.append((jax.random.normal(sub, (n_out, n_in)) / jnp.sqrt(n_in), jnp.zeros(n_out)))
    return params


def net(params, x):
    for W, b in params[:-1]:
        x = jnp.tanh(x @ W.T + b)
    W, b = params[-1]
    return x @ W.T + b


def make_batch(key):
    x = jax.random.uniform(key, (32, 1), minval=-3.0, maxval=3.0)
    return x, jnp.sin(x)


def widgets(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from widgets(child)


trainer = scope.Trainer(params=init(jax.random.key(0), [1, 8, 1]),
                        loss=lambda p, b: jnp.mean((net(p, b[0]) - b[1]) ** 2),
                        data=make_batch, optimizer=1e-2, apply=net)
board = trainer.show()
esm = {type(w).__name__: len(w._esm) for w in widgets(board) if hasattr(w, "_esm")}
trainer.run(50)
steps, losses = trainer.history.tail("loss", 0)
print("RESULT " + json.dumps({
    "version": scope.__version__,
    "static": str(STATIC),
    "dashboard": type(board).__name__,
    "esm": esm,
    "step": trainer.current_step,
    "status": trainer.status,
    "points": len(steps),
    "finite": bool(jnp.all(jnp.isfinite(losses))),
}))
