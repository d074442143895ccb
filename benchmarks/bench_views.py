"""Training throughput with three live views attached against the same dashboard without views,
and each view's Python cost per refresh, in one process, rounds interleaved.

Rows (each `n` steps, `start(n)` + `wait()` unless said otherwise):

- **(d)** `Trainer.run(n)`, nothing shown;
- **(e)** `trainer.show(diagram=False)`: controls and loss chart;
- **(v)** the whole dashboard: the same plus the network diagram (<= 10 Hz; lesson 2 with every
  neuron's map) and three views at their defaults (<= 2 Hz, 256 samples). Lesson 2 (MLP
  1-30-20-1, fresh batches of 32): FunctionPlot (400 points), ParityPlot, LatentScatter (the 20-unit
  layer, PCA). Lesson 3 (MLP 50-100-3 on Duffing curves generated in the loop): ParityPlot (3
  panels), LatentScatter (100 units, PCA), CustomView (one curve's prediction).

Every widget's comm (bqplot marks and scales included) JSON-encodes each message as the kernel
would (no socket); no front end answers pings, so flow control does not hold frames back. Targets
(issue 9): (v) >= 0.95 x (d).

    python benchmarks/bench_views.py [--seconds 3] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics

import ipywidgets
import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxscope as scope
from bench_dashboard_training import timed
from bench_widgets import SerialisingComm
from models import MLP, NN, NN_init_params

NN_batch = jax.vmap(NN, in_axes=[0, None])


def lesson2():
    params = NN_init_params(jax.random.key(0), [1, 30, 20, 1])
    views = lambda: [scope.views.FunctionPlot(truth=lambda q: np.exp(-q ** 2) * np.sin(5 * q)),
                     scope.views.ParityPlot(), scope.views.LatentScatter()]
    return params, MLP.loss, MLP.make_batch, views


def lesson3():
    params = NN_init_params(jax.random.key(0), [50, 100, 3])
    data = scope.datasets.duffing_curves(32, noise=0.2)
    loss = lambda p, b: jnp.mean((NN_batch(b[0], p) - b[1]) ** 2)
    x_one, _ = data(jax.random.key(9))
    one = lambda p, step: (np.arange(3), np.asarray(NN(x_one[0], p)))
    views = lambda: [scope.views.ParityPlot(names=("ω0", "γ", "ε")), scope.views.LatentScatter(layer=0),
                     scope.views.CustomView(one, mark="scatter")]
    return params, loss, data, views


def serialise_everything() -> int:
    """Give every live widget a comm that encodes what it sends; returns how many."""
    widgets = list(ipywidgets.widgets.widget._instances.values())
    for widget in widgets:
        widget.comm = SerialisingComm()
    return len(widgets)


def trainers(params, loss, data, views):
    apply = lambda p, x: NN_batch(x, p)
    made = {}
    for row in ("d", "e", "v"):
        trainer = scope.Trainer(params=params, loss=loss, data=data, optimizer=optax.adam(1e-3), apply=apply)
        if row != "d":
            trainer._board = trainer.show(diagram=row == "v", views=views() if row == "v" else None)
        trainer.run(200)  # compile
        made[row] = trainer
    serialise_everything()
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="about this long per timed run")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"steps/s, median of {args.repeats} interleaved rounds of ~{args.seconds:g} s")
    for name, model in (("lesson 2 MLP 1-30-20-1", lesson2), ("lesson 3 MLP 50-100-3, Duffing curves", lesson3)):
        made = trainers(*model())
        steps = max(1000, int(timed("d", made["d"], 2000) * args.seconds))
        speeds = {row: [] for row in made}
        for _ in range(args.repeats):
            for row, trainer in made.items():
                speeds[row].append(timed(row, trainer, steps))
        base, board = statistics.median(speeds["e"]), made["v"]._board
        print(f"  {name}, {steps:,} steps per run")
        for row, label in (("d", "run(n), nothing shown"), ("e", "start(n) + controls + loss chart"),
                           ("v", "start(n) + ... + three views")):
            value = statistics.median(speeds[row])
            print(f"    ({row}) {label:<36} {value:>9,.0f}   x{value / base:4.2f} of (e)")
        total = sum(steps / s for s in speeds["v"])
        for view in board.views:
            n = max(view.refreshes, 1)
            print(f"    {type(view).__name__:<14} {view.refreshes:4d} refreshes ({view.refreshes / total:.1f}/s), "
                  f"{view.refresh_cpu_seconds / n * 1e3:.2f} ms CPU each ({view.refresh_seconds / n * 1e3:.1f} ms "
                  "wall, on the display loop)")


if __name__ == "__main__":
    main()
