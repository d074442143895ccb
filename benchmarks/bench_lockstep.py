"""One trainer over two processes in lockstep (``training/lockstep.py``: process 0 decides every chunk)
against the same trainer in one process over the same number of devices:

    python benchmarks/bench_lockstep.py [--rounds 2] [--steps 2000]

  one process    4 forced CPU devices, ``mesh=`` over all 4
  two processes  2 forced CPU devices each, ``jax.distributed`` on localhost, ``mesh=`` over all 4
                 (gloo collectives between the processes; every chunk agreed through the coordination
                 service's key-value store)

Each condition runs in fresh processes (``XLA_FLAGS`` must be set before jax is imported); after a
warm-up ``run(200)``, three ``run(--steps)`` are timed on process 0 and the median kept; conditions
alternate for ``--rounds`` rounds; next to each, a hand-written jitted ``lax.scan`` of the same steps over the
same mesh, in the same processes. Prints steps/s, two/one, trainer/hand, and steps per chunk. The
forced devices share this machine's cores, so the ratio is the cost of crossing processes (gloo's
all-reduce of the gradients and the agreements), not a speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_sharded import MODELS, problem  # noqa: E402


def hand_scan(params, data, loss, mesh, length: int = 100):
    """The hand-written baseline over the same mesh: ``train(n)``, n steps as jitted ``lax.scan``s of
    ``length`` (the state made replicated inside a jit: ``device_put`` cannot reach other processes)."""
    import jax
    import optax
    from jax.sharding import NamedSharding, PartitionSpec as P

    optimizer = optax.adam(1e-3)
    state = [jax.jit(lambda: (params, optimizer.init(params), jax.random.key(1)),
                     out_shardings=NamedSharding(mesh, P()))()]

    def step(s, _):
        p, o, k = s
        k, sub = jax.random.split(k)
        batch = jax.lax.with_sharding_constraint(data(sub), NamedSharding(mesh, P("data")))
        value, grads = jax.value_and_grad(loss)(p, batch)
        updates, o = optimizer.update(grads, o, p)
        return (optax.apply_updates(p, updates), o, k), value

    chunk = jax.jit(lambda s: jax.lax.scan(step, s, None, length=length))

    def train(n: int) -> None:
        for _ in range(max(1, n // length)):
            state[0], losses = chunk(state[0])
        jax.block_until_ready(losses)

    return train


def child(process_id: int, processes: int, port: str, steps: int) -> None:
    import jax

    if processes > 1:
        jax.distributed.initialize(coordinator_address=f"localhost:{port}", num_processes=processes,
                                   process_id=process_id)
    import contextlib
    import io

    import jaxscope as scope

    out = {}
    for name, (layers, batch) in MODELS.items():
        params, data, loss = problem(layers, batch)     # the global batch, split over the 4 devices
        mesh = jax.sharding.Mesh(jax.devices(), ("data",))
        trainer = scope.Trainer(params, loss, data, optimizer=1e-3, mesh=mesh)
        hand = hand_scan(params, data, loss, mesh)
        times = {"trainer": [], "hand": []}
        with contextlib.redirect_stderr(io.StringIO()):
            trainer.run(200)
            hand(200)
            agreed = trainer._lockstep.agreements if trainer._lockstep else 0
            for _ in range(3):
                for which, train in (("trainer", trainer.run), ("hand", hand)):
                    start = time.perf_counter()
                    train(steps)
                    times[which].append(time.perf_counter() - start)
        chunks = (trainer._lockstep.agreements - agreed) / 3 if trainer._lockstep else None   # per timed run
        out[name] = {**{k: statistics.median(v) for k, v in times.items()}, "chunks": chunks}
    if process_id == 0:
        print(json.dumps(out), flush=True)
    os._exit(0)


def free_port() -> str:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return str(s.getsockname()[1])


def launch(processes: int, steps: int) -> dict:
    devices = 4 // processes
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}", "JAX_PLATFORMS": "cpu"}
    port = free_port()
    started = [subprocess.Popen([sys.executable, __file__, "--child", str(i), str(processes), port, str(steps)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
               for i in range(processes)]
    outputs = [p.communicate(timeout=1200)[0] for p in started]
    return json.loads([line for line in outputs[0].splitlines() if line.startswith("{")][-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    runs = {1: [], 2: []}
    for _ in range(args.rounds):
        for processes in (1, 2):
            runs[processes].append(launch(processes, args.steps))
    print(f"{args.steps:,} steps per timed run, 4 CPU devices forced ({os.cpu_count()} cores), {args.rounds} rounds; "
          "steps/s (trainer / hand-written lax.scan)")
    print(f"{'model':<34} {'one process':>16} {'two processes':>16} {'trainer two/one':>16} "
          f"{'two: trainer/hand':>18} {'steps/chunk':>12}")
    for name in MODELS:
        def rate(processes, which):
            return statistics.median(args.steps / r[name][which] for r in runs[processes])
        per_chunk = statistics.median(args.steps / r[name]["chunks"] for r in runs[2])
        one, two = (f"{rate(p, 'trainer'):,.0f} / {rate(p, 'hand'):,.0f}" for p in (1, 2))
        print(f"{name:<34} {one:>16} {two:>16} {rate(2, 'trainer') / rate(1, 'trainer'):>15.2f}x "
              f"{rate(2, 'trainer') / rate(2, 'hand'):>17.2f}x {per_chunk:>12.1f}")


if __name__ == "__main__":
    main()
