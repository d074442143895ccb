"""One trainer over several processes (``mesh=`` over the devices of every process, after
``jax.distributed.initialize()``): every process runs the same compiled chunks in the same order, and
process 0 decides them.

A chunk over such a mesh is one collective program: a process that dispatched a chunk of another size,
or none, would wait for the others forever. Each process sizes its chunks by its own timings and
takes its own commands, so at every chunk boundary the processes *agree*: process 0 (the leader, the
one that shows the dashboard) broadcasts the steps of the next chunk, why it stops when it dispatches
none (``paused`` or the plan's final status) and its learning rate (the slider), and the other
processes (followers) do exactly that. So process 0's Start, Pause, Step, ``run(n)`` and learning rate
drive every process, and a follower's ``start()`` / ``run(n)`` trains until process 0 stops.

What a decision travels as: seven int32 (steps, stop code, has-rate, and the float64 rate and seconds
per step as two int32 each), bit-exact, so every process computes with the same rate, through
``broadcast_one_to_all`` (jax's public collective: 3.6 ms on this 2-core VM, queued behind the chunk in
flight; jax's coordination-service key-value store would take 0.45 ms without device work, but it is
reached only through jax's private modules, which this project does not import). Commands that would
change one process's state alone (parameter edits, reset, restore, continue from a rewound step) are
refused on a trainer that spans processes; so is host data (its batches would have to be fed to every
process in the same chunks). Compilation: ``strategy="auto"`` becomes ``"loop"`` (timing both
strategies could pick differently per process), never dropped once wanted, and its chunk-size timing
is the leader's.

>>> spans_processes(None), spans_processes(jax.sharding.Mesh(jax.devices()[:1], ("data",)))
(False, False)
"""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np

STOPS = ("", "paused", "done")        # the stop code's meaning: 0 = train on


def spans_processes(mesh: Any) -> bool:
    """Whether ``mesh`` holds devices of more than one process."""
    return mesh is not None and len({d.process_index for d in np.asarray(mesh.devices).flat}) > 1


def local_copy(tree: Any) -> Any:
    """``tree`` with every array that spans processes replaced by this process's copy (fully replicated
    arrays: one addressable shard), so the dashboard's drawings run on this process alone; an array
    split over processes (a ``model`` axis across hosts) stays as it is."""
    def local(x: Any) -> Any:
        if isinstance(x, jax.Array) and not x.is_fully_addressable and x.is_fully_replicated:
            return x.addressable_data(0)
        return x
    return jax.tree.map(local, tree)


def _encode(steps: int, stop: str, lr: float | None, seconds: float) -> np.ndarray:
    rate = np.array([0.0 if lr is None else lr, seconds], np.float64).view(np.int32)
    return np.array([steps, STOPS.index(stop), lr is not None, *rate], np.int32)


def _decode(values: np.ndarray) -> tuple[int, str, float | None, float]:
    steps, stop, has_lr = (int(v) for v in values[:3])
    lr, seconds = (float(v) for v in np.asarray(values[3:], np.int32).view(np.float64))
    return steps, STOPS[stop], lr if has_lr else None, seconds


class Lockstep:
    """The agreement of one trainer's processes at each chunk boundary (see the module docstring)."""

    CHUNK_SECONDS = 0.1   # each chunk costs an agreement (a collective) and a sync: 3x the one-process target

    def __init__(self) -> None:
        self.leader = jax.process_index() == 0
        self.processes = jax.process_count()
        self.agreements = 0

    def agree(self, steps: int, stop: str, lr: float | None,
              seconds: float = 0.0) -> tuple[int, str, float | None, float]:
        """The leader's (steps, stop, learning rate, seconds per step); every process calls this at the
        same boundary with its own proposal, and all get the leader's."""
        from jax.experimental import multihost_utils

        values = multihost_utils.broadcast_one_to_all(_encode(steps, stop, lr, seconds))
        self.agreements += 1
        return _decode(np.asarray(values))

    def agree_seconds(self, seconds: float) -> float:
        """The leader's timing of a compiled step (chunk sizes, accelerators' pinned scan length)."""
        value = self.agree(0, "", None, seconds)[3]
        return value if math.isfinite(value) and value > 0 else seconds

    def refuse(self, what: str) -> None:
        """Raise for a command that would change this process's state alone."""
        raise RuntimeError(f"{what} is not available on a trainer whose mesh spans {self.processes} processes: it "
                           f"would change process {jax.process_index()}'s state alone while the others train on "
                           "the old one (make the trainer anew in every process instead)")

    def refuse_pause(self) -> None:
        raise RuntimeError(f"pause: process {jax.process_index()} follows process 0, which decides when every "
                           "process trains; pause there (its dashboard, or trainer.pause())")
