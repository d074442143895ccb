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
``--distributed`` lets ``jax.distributed.initialize()`` find them itself). Every process calls
``trainer.run(steps)``; process 0 decides each chunk and every process runs it (jaxscope's lockstep),
and process 0 prints the progress.

Process 0 in a notebook, showing the dashboard: there, before any other jax call::

    import jax
    jax.distributed.initialize("host0:1234", num_processes=2, process_id=0)
    import sys; sys.path.insert(0, "examples")
    from multihost_train import make_trainer
    trainer = make_trainer(32)
    trainer.show()

and on every other host ``python examples/multihost_train.py --coordinator host0:1234 --num-processes 2
--process-id 1 --follow``: that process trains whenever the dashboard's Start, Step or ``run(n)`` trains
(at its learning rate), stops when it pauses, and prints each change.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os

import jax


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000, help="optimisation steps")
    parser.add_argument("--follow", action="store_true",
                        help="train whenever process 0 (a notebook showing the dashboard) trains, until it ends")
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

    def apply(params, x):
        return jax.vmap(network, in_axes=(0, None))(x, params)

    def loss(params, batch):
        x, y = batch
        return jnp.mean((apply(params, x) - y) ** 2)

    mesh = jax.sharding.Mesh(jax.devices(), ("data",))   # every process's devices
    return scope.Trainer(init_params(jax.random.key(0)), loss, data, optimizer=1e-2, mesh=mesh, apply=apply,
                         name="multihost")


def follow(trainer) -> None:
    """Train whenever process 0 trains (its dashboard decides), printing each change; until the job ends."""
    import jaxscope as scope

    def on_event(event) -> None:
        if event is scope.Event.STATUS and trainer.status not in ("compiling", "running"):
            losses = trainer.history["loss"]
            loss = f" · loss {float(losses[-1]):.6e}" if len(losses) else ""
            print(f"process {jax.process_index()}: {trainer.status} at step {trainer.current_step}{loss}", flush=True)

    trainer.watch(on_event)
    trainer.start()       # a follower's start(): through process 0's pauses
    trainer.wait()


def main() -> None:
    args = parse_arguments()
    start_processes(args)
    leader = jax.process_index() == 0
    trainer = make_trainer(args.per_device_batch)
    if args.follow:
        follow(trainer)
        return
    if leader:
        print(f"{jax.process_count()} process(es), {jax.device_count()} device(s), "
              f"global batch {args.per_device_batch * jax.device_count()}", flush=True)
        tenth = max(1, args.steps // 10)
        printed = [0]

        def progress(event) -> None:     # on the training thread: a line at each tenth of the steps
            step = trainer.current_step
            if step // tenth > printed[0] // tenth and step < args.steps:
                printed[0] = step
                print(f"step {step:,} · loss {float(trainer.history['loss'][-1]):.3e}", flush=True)

        trainer.watch(progress)
    with contextlib.redirect_stderr(io.StringIO()):   # our own lines instead of run()'s progress line
        trainer.run(args.steps)       # process 0 decides the chunks; every process runs them
    if leader:
        weight = trainer.params["weights"][0]
        print(f"done: step {trainer.current_step} · loss {float(trainer.history['loss'][-1]):.3e} · parameters "
              f"{weight.sharding.spec or 'replicated'} on {len(weight.sharding.device_set)} device(s)", flush=True)


if __name__ == "__main__":
    main()
