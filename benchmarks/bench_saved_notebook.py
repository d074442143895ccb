"""How large a notebook saved with widget state grows with a long training run, and what the kept
pictures (the loss chart's decimated snapshot, the diagram's last weights) cost in Python.

Executes a two-cell notebook headless with nbclient (``store_widget_state=True``, as JupyterLab's "save
widget state" does): the lesson-2 MLP 1-30-20-1 with validation every 100 steps, ``trainer.show()``
(controls, loss chart, diagram), ``trainer.run(steps)``; prints the .ipynb size and each widget's share.
Then times ``LossChart.keep_picture()`` on a 100k-point loss + 1k-point val_loss history.

    python benchmarks/bench_saved_notebook.py [--steps 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import nbformat
import numpy as np
from nbclient import NotebookClient

SETUP = """import jax, jax.numpy as jnp
import jaxscope as scope
def NN(x, p):
    for W, b in zip(p['weights'][:-1], p['biases'][:-1]):
        x = jnp.tanh(W @ x + b)
    return p['weights'][-1] @ x + p['biases'][-1]
NN_batch = jax.vmap(NN, in_axes=[0, None])
def init(key, sizes):
    ws, bs = [], []
    for i, o in zip(sizes[:-1], sizes[1:]):
        key, k = jax.random.split(key); ws.append(jax.random.normal(k, (o, i)) / jnp.sqrt(i)); bs.append(jnp.zeros(o))
    return {'weights': ws, 'biases': bs}
F = lambda q: jnp.exp(-q**2) * jnp.sin(5 * q)
def make_batch(key):
    x = jax.random.uniform(key, (32, 1), minval=-3, maxval=3); return x, F(x)
trainer = scope.Trainer(params=init(jax.random.key(0), [1, 30, 20, 1]),
                        loss=lambda p, b: jnp.mean((NN_batch(b[0], p) - b[1]) ** 2), data=make_batch,
                        validation=make_batch(jax.random.key(1)), eval_every=100, optimizer=1e-2,
                        apply=lambda p, x: NN_batch(x, p), name="saved notebook")
trainer.show()"""


def saved_size(steps: int) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(f"trainer.run({steps})")])
    NotebookClient(nb, timeout=1200, kernel_name="python3", store_widget_state=True).execute()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "saved.ipynb")
        nbformat.write(nb, path)
        size = os.path.getsize(path)
    print(f"{steps:,} steps: saved notebook {size / 1e3:.1f} kB")
    for model in nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"].values():
        state = model["state"]
        if "_esm" not in state:
            continue
        kept = sum(len(b["data"]) for b in model.get("buffers", []) if b["path"][0] == "snapshot")
        name = "diagram" if "architecture" in state else "loss chart" if "log_y" in state else "control bar" if "status" in state else "other"
        print(f"  {name:12s} bundle {len(state['_esm']) / 1e3:5.1f} kB, css {len(state.get('_css', '')) / 1e3:4.1f} kB, "
              f"kept picture {kept / 1e3:5.1f} kB (base64)")


def keep_cost(repeats: int = 50) -> None:
    from jaxscope.widgets.loss_chart import LossChart

    chart = LossChart()
    n = 100_000
    chart.history.extend("loss", np.arange(1, n + 1), np.random.default_rng(0).random(n).astype(np.float32))
    chart.history.extend("val_loss", np.arange(100, n + 1, 100), np.random.default_rng(1).random(n // 100).astype(np.float32))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        chart.keep_picture()
        times.append(time.perf_counter() - started)
    print(f"LossChart.keep_picture, 100k + 1k points: median {1e3 * statistics.median(times):.2f} ms, "
          f"max {1e3 * max(times):.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()
    keep_cost()
    saved_size(args.steps)
