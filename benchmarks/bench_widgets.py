"""Python-side cost of one live-chart update, for 1e3, 1e5 and 1e6 points of history.

One update is what the dashboard does after a training chunk: ``LossChart.publish()`` (the new
points as binary buffers, through ipywidgets' real ``Widget.send`` into a comm that serialises
the JSON part as the kernel would) plus ``ControlBar.refresh()`` (the status traits). The cost
must stay flat in the history length: only new points are touched.

    python benchmarks/bench_widgets.py
"""

from __future__ import annotations

import json
import statistics
import time

import jax.numpy as jnp
import numpy as np
from comm.base_comm import BaseComm

import jaxscope as scope

NEW_POINTS = 1000  # ~50 ms of training at 20k steps/s
REPEATS = 200


class SerialisingComm(BaseComm):
    """Does the kernel's per-message work short of the socket: JSON-encode, keep the buffers."""

    kernel = object()

    def __init__(self) -> None:
        super().__init__(primary=False)
        self.messages = 0

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        json.dumps(data)
        [memoryview(b) for b in buffers or []]
        self.messages += 1


def update_cost(history_points: int) -> float:
    trainer = scope.Trainer(params={"w": jnp.zeros(2)}, loss=lambda p, b: jnp.sum(p["w"] ** 2),
                            data=None, optimizer=0.1)
    board = trainer.show()
    board.loss_chart.comm = SerialisingComm()
    board.controls.comm = SerialisingComm()
    history = trainer.history
    history.extend("loss", np.arange(1, history_points + 1), np.random.rand(history_points))
    board.loss_chart.publish()
    times = []
    step = history_points
    for _ in range(REPEATS):
        history.extend("loss", np.arange(step + 1, step + NEW_POINTS + 1), np.random.rand(NEW_POINTS))
        step += NEW_POINTS
        trainer._state = trainer._state._replace(step=jnp.int32(step))  # as after a real chunk
        trainer.steps_per_second = 20_000.0 + step % 7
        trainer._status = "running"
        t0 = time.perf_counter()
        board.loss_chart.publish()
        board.controls.refresh()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def diagram_update_cost(sizes: list[int], maps: bool = False) -> tuple[float, int]:
    """Python cost of one NetworkDiagram weight update (course-style MLP of ``sizes``); with
    ``maps``, every neuron's values over the input grid too (networks with 1-/2-D input)."""
    import jax

    from jaxscope.widgets.network_diagram import NetworkDiagram

    keys = jax.random.split(jax.random.key(0), len(sizes))
    params = {"weights": [jax.random.normal(k, (b, a)) for k, a, b in zip(keys, sizes[:-1], sizes[1:])],
              "biases": [jnp.zeros(b) for b in sizes[1:]]}

    def forward(p, x):
        for w, b in zip(p["weights"][:-1], p["biases"][:-1]):
            x = jnp.tanh(x @ w.T + b)
        return x @ p["weights"][-1].T + p["biases"][-1]

    diagram = NetworkDiagram(params, apply=forward if maps else None)
    assert diagram.thumbnails == "" or not maps, diagram.thumbnails
    diagram.comm = SerialisingComm()
    times = []
    for i in range(REPEATS):
        fresh = jax.tree.map(lambda a: a + i, params)  # new device arrays, as after a chunk
        t0 = time.perf_counter()
        diagram.update(fresh, force=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), sum(np.size(a) for a in jax.tree.leaves(params))


def main() -> None:
    print(f"Python cost of one dashboard update ({NEW_POINTS} new points, median of {REPEATS})")
    base = None
    for n in (1_000, 100_000, 1_000_000):
        cost = update_cost(n)
        base = base or cost
        print(f"  history {n:>9,} points: {cost * 1e3:6.3f} ms   (x{cost / base:4.2f} of the 1e3 case)")
    print(f"Python cost of one NetworkDiagram weight update (median of {REPEATS})")
    for sizes in ([1, 30, 20, 1], [50, 100, 3], [2, 20, 20, 20, 20, 1], [784, 128, 10]):
        cost, count = diagram_update_cost(sizes)
        print(f"  {'-'.join(map(str, sizes)):>16} ({count:>7,} params): {cost * 1e3:6.3f} ms")
    print(f"... with every neuron's map over the input grid (64 points in 1-D, 32x32 in 2-D; median of {REPEATS})")
    for sizes in ([1, 30, 20, 1], [2, 8, 8, 1], [2, 20, 20, 20, 20, 1]):
        cost, count = diagram_update_cost(sizes, maps=True)
        print(f"  {'-'.join(map(str, sizes)):>16} ({count:>7,} params): {cost * 1e3:6.3f} ms")


if __name__ == "__main__":
    main()
