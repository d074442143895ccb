"""Data-parallel training on jax's own sharding, on one machine or on several.

The lesson-2 MLP (1-30-20-1, fitting exp(-x²) sin(5x)) trains with ``mesh=`` over every device of
every process: each step's batch is split over the mesh's ``data`` axis, the parameters are
replicated, and XLA all-reduces the gradients.

One machine, all its devices (its GPUs, or 4 CPU devices forced for a try)::

    python examples/multihost_train.py
    XLA_FLAGS=--xla_force_host_platform_device_count=4 python examples/multihost_train.py

Several processes, one per host (or one per GPU), each started with the same arguments and its own
process id; process 0's machine is the coordinator::

    JAX_COORDINATOR_ADDRESS=host0:1234 JAX_NUM_PROCESSES=2 JAX_PROCESS_ID=0 python examples/multihost_train.py
    JAX_COORDINATOR_ADDRESS=host0:1234 JAX_NUM_PROCESSES=2 JAX_PROCESS_ID=1 python examples/multihost_train.py

(or ``--coordinator host0:1234 --num-processes 2 --process-id 0``; under SLURM or Open MPI
``--distributed`` lets ``jax.distributed.initialize()`` find them itself). Process 0 prints the
progress (in a notebook it would show ``trainer.show()``); the others train silently.

Every process must run the same steps in the same compiled chunks, so the script trains in
rounds of ``--round`` steps with ``strategy="loop"`` (the trainer otherwise sizes chunks by timing
them, which differs from process to process).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os

import jax


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000, help="optimisation steps (a multiple of --round)")
    parser.add_argument("--round", type=int, default=16, help="steps per trainer.run() call, the same on every process")
    parser.add_argument("--per-device-batch", type=int, default=32, help="samples per device and step")
    parser.add_argument("--coordinator", default=os.environ.get("JAX_COORDINATOR_ADDRESS"),
                        help="host:port of process 0 (env JAX_COORDINATOR_ADDRESS)")
    parser.add_argument("--num-processes", type=int, default=int(os.environ.get("JAX_NUM_PROCESSES", "1")),
                        help="env JAX_NUM_PROCESSES")
    parser.add_argument("--process-id", type=int, default=int(os.environ.get("JAX_PROCESS_ID", "0")),
                        help="env JAX_PROCESS_ID")
    parser.add_argument("--distributed", action="store_true",
                        help="call jax.distributed.initialize() with no arguments (SLURM, Open MPI, TPU pods)")
    return parser.parse_args()


def start_processes(args: argparse.Namespace) -> None:
    """``jax.distributed.initialize()`` when several processes train together (before any jax work)."""
    if args.distributed:
        jax.distributed.initialize()
    elif args.num_processes > 1:
        jax.distributed.initialize(coordinator_address=args.coordinator, num_processes=args.num_processes,
                                   process_id=args.process_id)


def make_trainer(per_device_batch: int):
    import jax.numpy as jnp

    import jaxscope as scope

    def init_params(key, layers=(1, 30, 20, 1)):
        params = {"weights": [], "biases": []}
        for n_in, n_out in zip(layers[:-1], layers[1:]):
            key, subkey = jax.random.split(key)
            params["weights"].append(jax.random.normal(subkey, (n_out, n_in)) / jnp.sqrt(n_in))
            params["biases"].append(jnp.zeros(n_out))
        return params

    def network(x, params):
        for w, b in zip(params["weights"][:-1], params["biases"][:-1]):
            x = jnp.tanh(w @ x + b)
        return params["weights"][-1] @ x + params["biases"][-1]

    batch_size = per_device_batch * jax.device_count()    # the global batch, split over every device

    def data(key):
        x = jax.random.uniform(key, (batch_size, 1), minval=-3.0, maxval=3.0)
        return x, jnp.exp(-x**2) * jnp.sin(5 * x)

    def loss(params, batch):
        x, y = batch
        return jnp.mean((jax.vmap(network, in_axes=(0, None))(x, params) - y) ** 2)

    mesh = jax.sharding.Mesh(jax.devices(), ("data",))   # every process's devices
    return scope.Trainer(init_params(jax.random.key(0)), loss, data, optimizer=1e-2, strategy="loop", mesh=mesh,
                         name="multihost")


def main() -> None:
    args = parse_arguments()
    if args.steps % args.round:
        raise SystemExit(f"--steps ({args.steps}) must be a multiple of --round ({args.round})")
    start_processes(args)
    leader = jax.process_index() == 0
    trainer = make_trainer(args.per_device_batch)
    if leader:
        print(f"{jax.process_count()} process(es), {jax.device_count()} device(s), "
              f"global batch {args.per_device_batch * jax.device_count()}", flush=True)
    rounds = args.steps // args.round
    for done in range(1, rounds + 1):
        with contextlib.redirect_stderr(io.StringIO()):   # our own lines below instead of run()'s progress line
            trainer.run(args.round)
        if leader and (done % max(1, rounds // 10) == 0 or done == rounds):
            print(f"step {trainer.current_step:,} · loss {float(trainer.history['loss'][-1]):.3e}", flush=True)
    if leader:
        weight = trainer.params["weights"][0]
        print(f"done: step {trainer.current_step}, parameters {weight.sharding.spec or 'replicated'} "
              f"on {len(weight.sharding.device_set)} device(s)", flush=True)


if __name__ == "__main__":
    main()
