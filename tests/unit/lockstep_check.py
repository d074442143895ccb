"""Run by test_lockstep.py as two processes of one jax job (2 forced CPU devices each, gloo
collectives): one trainer with ``mesh=`` over all 4 devices, process 0 driving it. Each process
writes one JSON file of what it saw into OUT.

    XLA_FLAGS=--xla_force_host_platform_device_count=2 PYTHONPATH=tests \
        python tests/unit/lockstep_check.py PROCESS_ID PORT OUT
"""

import hashlib
import json
import os
import pathlib
import sys
import time

import jax

process_id, port, out = int(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
jax.distributed.initialize(coordinator_address=f"localhost:{port}", num_processes=2, process_id=process_id)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import jaxscope as scope  # noqa: E402
from course_models import init_mlp, mse_loss_batch  # noqa: E402

LEADER = process_id == 0
DEADLINE = 120.0


def data(key):
    x = jax.random.uniform(key, (64, 1), minval=-3.0, maxval=3.0)
    return x, jnp.exp(-x ** 2) * jnp.sin(5 * x)


def loss(params, batch):
    return mse_loss_batch(*batch, params)


def digest(tree) -> str:
    """The bytes of every leaf, as this process holds it (a replicated leaf: its first local copy)."""
    h = hashlib.sha256()
    for leaf in jax.tree.leaves(tree):
        h.update(np.asarray(leaf.addressable_data(0)).tobytes())
    return h.hexdigest()


def until(condition, what):
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"process {process_id}: {what}")
        time.sleep(0.005)


def seen(trainer) -> dict:
    return {"step": trainer.current_step, "status": trainer.status, "loss": trainer.history["loss"].tolist(),
            "lr": trainer.learning_rate, "params": digest(trainer.params), "agreements": trainer._lockstep.agreements}


def refused(call) -> str:
    try:
        call()
    except Exception as error:   # noqa: BLE001 - the message is what the test checks
        return f"{type(error).__name__}: {error}"
    return "not refused"


report: dict = {"processes": jax.process_count(), "devices": jax.device_count()}
mesh = jax.sharding.Mesh(jax.devices(), ("data",))
params = init_mlp(jax.random.key(0), [1, 16, 16, 1])
trainer = scope.Trainer(params, loss, data, optimizer=1e-2, mesh=mesh, name="lockstep")
single = scope.Trainer(params, loss, data, optimizer=1e-2, strategy="loop")    # this process alone, one device
report["host_data"] = refused(lambda: scope.Trainer(params, loss, [data(jax.random.key(1))], mesh=mesh))

# a) run(n) in every process: the same chunks, the losses of one device
trainer.run(64)
single.run(64)
report["run"] = seen(trainer)
report["strategy"] = trainer.strategy
report["single_loss"] = single.history["loss"].tolist()
report["reset"] = refused(trainer.reset)

# b) process 0 starts, changes the learning rate and pauses; the others follow (start(): through pauses)
trainer.start()
if LEADER:
    until(lambda: trainer.current_step >= 300, "300 steps")
    trainer.learning_rate = 3e-3
    at = trainer.current_step
    until(lambda: trainer.current_step >= at + 200, "200 more steps")
    trainer.pause()
    # drawing on process 0 alone: the snapshot's arrays are this process's (no collective, no hang)
    snap = trainer.snapshot()
    report["drawn_loss"] = float(jax.jit(loss)(snap.state.params, data(jax.random.key(3))))
else:
    until(lambda: trainer.current_step > 64 and trainer.status == "paused", "process 0's pause")
report["paused"] = seen(trainer)

# c) process 0 runs 40 more steps; the follower, still following, ends them with it
if LEADER:
    trainer.run(40)
else:
    until(lambda: trainer.status == "done" and trainer.current_step == report["paused"]["step"] + 40, "the run(40)")
report["run_more"] = seen(trainer)

(out / f"process{process_id}.json").write_text(json.dumps(report))
if LEADER:    # the coordinator lives in process 0: leave once the follower has written what it saw
    until(lambda: (out / "process1.json").exists(), "the follower's report")
sys.stdout.flush()
os._exit(0)      # the follower's driver still waits for process 0's next decision
