"""Training throughput with the whole dashboard attached (controls, loss chart, network diagram
with every neuron's map) against the same trainer with no widgets, in one process.

Rows, for the lesson-2 MLP 1-30-20-1 (thumbnails: 64-point curves) and a playground MLP 2-8-8-1
(thumbnails: 32x32 maps), each `n` steps, rounds interleaved so machine load hits every row alike:

- **(d)** `Trainer.run(n)`, nothing shown;
- **(e)** `start(n)` + `wait()` with `trainer.show(diagram=False)`: controls and loss chart;
- **(f)** `start(n)` + `wait()` with `trainer.show()`: the diagram too, weights and maps at <= 10 Hz.

Every widget's comm JSON-encodes each message as the kernel would (no socket).

    python benchmarks/bench_dashboard_training.py [--steps 40000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import optax

import jaxscope as scope
from bench_widgets import SerialisingComm
from models import MLP, NN, NN_init_params


def xor_model():
    """The playground's XOR task: (params, loss, make_batch, optimizer)."""
    def make_batch(key):
        xy = jax.random.normal(key, (128, 2))
        return xy, ((xy[:, 0] > 0) != (xy[:, 1] > 0)).astype(jnp.float32)[:, None]

    def loss(params, batch):
        logits = jax.vmap(NN, in_axes=[0, None])(batch[0], params)
        return jnp.mean(optax.sigmoid_binary_cross_entropy(logits, batch[1]))

    return NN_init_params(jax.random.key(0), [2, 8, 8, 1]), loss, make_batch, optax.adam(1e-2)


def trainers(init, loss, make_batch, optimizer):
    apply = lambda p, x: jax.vmap(NN, in_axes=[0, None])(x, p)
    made = {}
    for row in ("d", "e", "f"):
        trainer = scope.Trainer(params=init, loss=loss, data=make_batch, optimizer=optimizer, apply=apply)
        if row != "d":
            board = trainer.show(diagram=row == "f")
            for widget in (board.controls, board.loss_chart, board.diagram):
                if widget is not None:
                    widget.comm = SerialisingComm()
            if row == "f":
                assert board.diagram is not None and board.diagram.thumbnails == "", board.diagram
            trainer._board = board  # keep it alive
        trainer.run(200)  # compile
        made[row] = trainer
    return made


def timed(row: str, trainer, steps: int) -> float:
    t0 = time.perf_counter()
    if row == "d":
        trainer.run(steps)
    else:
        trainer.start(steps)
        trainer.wait()
    return steps / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=40_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    lesson2 = (NN_init_params(jax.random.key(0), [1, 30, 20, 1]), MLP.loss, MLP.make_batch, optax.adam(1e-2))
    xor = xor_model()
    print(f"steps/s, median of {args.repeats} interleaved rounds of {args.steps:,} steps")
    for name, model in (("lesson 2 MLP 1-30-20-1", lesson2), ("playground MLP 2-8-8-1", xor)):
        made = trainers(*model)
        speeds = {row: [] for row in made}
        for _ in range(args.repeats):
            for row, trainer in made.items():
                speeds[row].append(timed(row, trainer, args.steps))
        base = statistics.median(speeds["d"])
        print(f"  {name}")
        for row, label in (("d", "run(n), no widgets"), ("e", "start(n) + controls + loss chart"),
                           ("f", "start(n) + ... + diagram with maps")):
            value = statistics.median(speeds[row])
            print(f"    ({row}) {label:<36} {value:>9,.0f}   x{value / base:4.2f}")


if __name__ == "__main__":
    main()
