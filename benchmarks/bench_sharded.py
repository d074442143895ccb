"""``Trainer(..., mesh=)`` (the batch split over 4 forced CPU devices, parameters replicated)
against the same trainer on one device, for the lesson-2 MLP and a larger MLP:

    python benchmarks/bench_sharded.py [--rounds 5] [--seconds 1.5] [--devices 4]

The measuring part runs in a fresh process with ``XLA_FLAGS=--xla_force_host_platform_device_count``
(it must be set before jax is imported; on a GPU machine it changes nothing and the mesh spans the GPUs).
Each model trains with ``strategy="loop"`` on ``data(key)`` batches, next to a hand-written jitted ``lax.scan``
of the same steps (sharded the same way); after compiling all four, ``--rounds``
interleaved rounds (the order reversed every other round, each run sized to about ``--seconds``)
give steps/s and the per-round ratios. Forced CPU devices share the
machine's cores, so on a 2-core machine the ratio measures the cost of splitting, not a speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

MODELS = {   # name: (layer sizes, global batch)
    "lesson-2 MLP 1-30-20-1, batch 32": ((1, 30, 20, 1), 32),
    "MLP 1-256-256-256-1, batch 512": ((1, 256, 256, 256, 1), 512),
}


def problem(layers, batch_size):
    """(params, data(key), loss(params, batch)) of an MLP fitting exp(-x²) sin(5x)."""
    import jax
    import jax.numpy as jnp

    params = {"weights": [], "biases": []}
    key = jax.random.key(0)
    for n_in, n_out in zip(layers[:-1], layers[1:]):
        key, sub = jax.random.split(key)
        params["weights"].append(jax.random.normal(sub, (n_out, n_in)) / jnp.sqrt(n_in))
        params["biases"].append(jnp.zeros(n_out))

    def network(x, p):
        for w, b in zip(p["weights"][:-1], p["biases"][:-1]):
            x = jnp.tanh(w @ x + b)
        return p["weights"][-1] @ x + p["biases"][-1]

    def data(key):
        x = jax.random.uniform(key, (batch_size, 1), minval=-3.0, maxval=3.0)
        return x, jnp.exp(-x**2) * jnp.sin(5 * x)

    def loss(p, batch):
        x, y = batch
        return jnp.mean((jax.vmap(network, in_axes=(0, None))(x, p) - y) ** 2)

    return params, data, loss


def trainer_for(layers, batch_size, mesh):
    import jaxscope as scope

    params, data, loss = problem(layers, batch_size)
    return scope.Trainer(params, loss, data, optimizer=1e-3, strategy="loop", mesh=mesh)


def scan_for(layers, batch_size, mesh, length=256):
    """The hand-written baseline: ``train(n)`` runs n steps as jitted ``lax.scan``s of ``length``
    steps, the batch constrained to ``P("data")`` and the state replicated (with a mesh)."""
    import jax
    import optax
    from jax.sharding import NamedSharding, PartitionSpec as P

    params, data, loss = problem(layers, batch_size)
    optimizer = optax.adam(1e-3)
    state = (params, optimizer.init(params), jax.random.key(1))
    if mesh is not None:
        state = jax.device_put(state, NamedSharding(mesh, P()))

    def body(carry, _):
        params, opt_state, key = carry
        key, sub = jax.random.split(key)
        batch = data(sub)
        if mesh is not None:
            batch = jax.lax.with_sharding_constraint(batch, NamedSharding(mesh, P("data")))
        value, grads = jax.value_and_grad(loss)(params, batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state, key), value

    run = jax.jit(lambda carry: jax.lax.scan(body, carry, None, length=length))

    def train(n):
        nonlocal state
        for _ in range(max(1, n // length)):
            state, losses = run(state)
        losses.block_until_ready()

    return train


def measure(rounds: int, seconds: float) -> dict:
    import jax

    mesh = jax.sharding.Mesh(jax.devices(), ("data",))
    out = {"devices": jax.device_count(), "backend": jax.default_backend(), "models": {}}
    for name, (layers, batch_size) in MODELS.items():
        trainers = {"single": trainer_for(layers, batch_size, None), "sharded": trainer_for(layers, batch_size, mesh)}
        scans = {"scan single": scan_for(layers, batch_size, None), "scan sharded": scan_for(layers, batch_size, mesh)}
        runs = {**{k: t.run for k, t in trainers.items()}, **scans}
        for run in runs.values():
            run(20)                               # compile and warm up
        steps = {}
        for which, run in runs.items():           # each sized to about `seconds` a round
            start = time.perf_counter()
            run(256)
            steps[which] = max(256, int(seconds * 256 / (time.perf_counter() - start)) // 256 * 256)
        rates = {which: [] for which in runs}
        for k in range(rounds):
            for which in (list(runs) if k % 2 == 0 else list(runs)[::-1]):
                start = time.perf_counter()
                runs[which](steps[which])
                rates[which].append(steps[which] / (time.perf_counter() - start))
        out["models"][name] = {"steps": steps, **rates}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--devices", type=int, default=4, help="forced CPU devices (ignored on a GPU machine)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.rounds, args.seconds)))
        return
    env = dict(os.environ)
    env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count={args.devices}".strip()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (os.path.join(os.path.dirname(HERE), "src"),
                                                    env.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, __file__, "--child", "--rounds", str(args.rounds), "--seconds",
                           str(args.seconds)], env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{result['devices']} {result['backend']} device(s) in the mesh; {args.rounds} interleaved rounds each")
    print("| model | steps/s single / sharded | sharded / single | hand-written scan: sharded / single "
          "| jaxscope / scan, single | jaxscope / scan, sharded |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")

    def ratio(m, a, b):
        ratios = [x / y for x, y in zip(m[a], m[b])]
        return f"**{statistics.median(ratios):.2f}** ({min(ratios):.2f}-{max(ratios):.2f})"

    for name, m in result["models"].items():
        print(f"| {name} | {statistics.median(m['single']):,.0f} / {statistics.median(m['sharded']):,.0f} | "
              f"{ratio(m, 'sharded', 'single')} | {ratio(m, 'scan sharded', 'scan single')} | "
              f"{ratio(m, 'single', 'scan single')} | {ratio(m, 'sharded', 'scan sharded')} |")
    print("(median of the per-round ratios, min-max in brackets)")


if __name__ == "__main__":
    main()
