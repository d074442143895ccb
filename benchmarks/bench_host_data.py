"""Host data against the same batches on the device, and the Trainer's overhead on a numpy simulator.

    python benchmarks/bench_host_data.py [--rounds 5] [--steps 20000]

Part 1, the lesson-2 MLP (1-30-20-1, batch 32) on one fixed pool of 16,000 samples, fed four ways:
  arrays      data=(x, y), batch_size=32: shuffled epochs drawn inside the compiled loop (the baseline)
  generator   a Python generator yielding the pool's batches as numpy arrays (host path, one-shot)
  list        a list of the same batches (host path, a new epoch each time it ends)
  key fn      data=lambda key: batch generated in jax (for reference)
Target (issue 10): generator >= 0.7x arrays.

Part 2, a numpy simulator that costs t per batch (an RK4 integration of damped driven oscillators,
32 curves of 200 points, the lesson-3 kind of data): the Trainer's time per step against t alone
(the same number of calls in a plain loop). Target: the Trainer adds <= 10 % to t.

Each condition (all cores free; pinned to one core with ``taskset -c 0``) runs in a fresh process.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conditions import parse_or_measure, run_child  # noqa: E402

CONDITIONS = ("unpinned", "pinned")
POOL, BATCH = 16_000, 32


def simulator(rng):
    """One batch of a numpy simulation: 32 damped driven oscillators, RK4 over 200 steps -> (params, curve)."""
    import numpy as np

    def simulate():
        omega0 = rng.uniform(0.5, 2.0, (BATCH, 1))
        gamma = rng.uniform(0.05, 0.5, (BATCH, 1))
        x, v, dt = np.zeros((BATCH, 1)), np.zeros((BATCH, 1)), 0.05
        out = np.empty((BATCH, 200))

        def f(t, x, v):
            return v, np.cos(t) - 2 * gamma * v - omega0 ** 2 * x

        for i in range(200):
            t = i * dt
            k1 = f(t, x, v)
            k2 = f(t + dt / 2, x + dt / 2 * k1[0], v + dt / 2 * k1[1])
            k3 = f(t + dt / 2, x + dt / 2 * k2[0], v + dt / 2 * k2[1])
            k4 = f(t + dt, x + dt * k3[0], v + dt * k3[1])
            x = x + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
            v = v + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
            out[:, i] = x[:, 0]
        return out.astype(np.float32), np.concatenate([omega0, gamma], 1).astype(np.float32)

    return simulate


def measure(rounds: int, steps: int) -> dict:
    sys.path.insert(0, HERE)
    import itertools

    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    import jaxscope as scope
    from models import MLP

    x = np.asarray(jax.random.uniform(jax.random.key(1), (POOL, 1), minval=-3.0, maxval=3.0))
    y = np.exp(-(x ** 2)) * np.sin(5 * x)
    batches = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, POOL, BATCH)]
    params = MLP.init_params(jax.random.key(0))
    feeds = {
        "arrays": lambda: dict(data=(x, y), batch_size=BATCH),
        "generator": lambda: dict(data=(b for b in itertools.cycle(batches))),
        "list": lambda: dict(data=batches),
        "key fn": lambda: dict(data=MLP.make_batch),
    }
    trainers = {name: scope.Trainer(params, MLP.loss, optimizer=MLP.optimizer, **make()) for name, make in feeds.items()}
    for trainer in trainers.values():
        trainer.run(steps // 4)            # compile and warm up
    times = {name: [] for name in trainers}
    for k in range(rounds):
        names = list(trainers)[k % 4:] + list(trainers)[:k % 4]
        for name in names:
            start = time.perf_counter()
            trainers[name].run(steps)
            times[name].append(time.perf_counter() - start)

    # part 2: the simulator
    simulate = simulator(np.random.default_rng(0))
    calls = 300
    curve_model = {"w1": jnp.zeros((200, 64)), "b1": jnp.zeros(64), "w2": jnp.zeros((64, 2)), "b2": jnp.zeros(2)}

    def curve_loss(p, b):
        curves, target = b
        h = jnp.tanh(curves @ p["w1"] + p["b1"])
        return jnp.mean((h @ p["w2"] + p["b2"] - target) ** 2)

    sim = {"alone": [], "trainer": []}
    trainer = scope.Trainer(curve_model, curve_loss, data=simulate, optimizer=optax.adam(1e-3))
    trainer.run(20)
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            simulate()
        sim["alone"].append(time.perf_counter() - start)
        start = time.perf_counter()
        trainer.run(calls)
        sim["trainer"].append(time.perf_counter() - start)
    return {"times": times, "sim": sim, "calls": calls}


def run_condition(condition: str, rounds: int, steps: int) -> dict:
    return run_child(__file__, ["--rounds", str(rounds), "--steps", str(steps)], condition)


def main() -> None:
    args = parse_or_measure(__doc__, 5, 20_000, measure)
    if args is None:
        return
    print(f"lesson-2 MLP, batch {BATCH}, {args.steps:,} steps per round, {args.rounds} rounds, {os.cpu_count()} cores")
    for condition in CONDITIONS:
        result = run_condition(condition, args.rounds, args.steps)
        if "skipped" in result:
            print(f"{condition}: skipped ({result['skipped']})")
            continue
        times = result["times"]
        base = times["arrays"]
        print(f"[{condition}]")
        for name, values in times.items():
            ratios = [b / t for b, t in zip(base, values)]
            print(f"  {name:<10} {args.steps / statistics.median(values):>10,.0f} steps/s   "
                  f"{statistics.median(ratios):.2f}x arrays (min {min(ratios):.2f}x)")
        sim, calls = result["sim"], result["calls"]
        overheads = [t / a - 1 for a, t in zip(sim["alone"], sim["trainer"])]
        print(f"  simulator  t = {1e3 * statistics.median(sim['alone']) / calls:.2f} ms per batch alone, "
              f"{1e3 * statistics.median(sim['trainer']) / calls:.2f} ms per step in the Trainer: "
              f"+{100 * statistics.median(overheads):.1f} % (max +{100 * max(overheads):.1f} %)")


if __name__ == "__main__":
    main()
