"""``trainer.save()`` / ``trainer.restore()``: a training run written to disk with orbax and read back
so that it continues with exactly the losses it would have had.

What a checkpoint holds: the whole training state (parameters or nnx module state, linen extra
collections such as batch statistics, the ``update=`` state, the optimizer state, the RNG key, the
best parameters of early stopping), the step (which is also the position in a fixed data set's
shuffled epochs: the order of every epoch follows from the data key and the epoch number), every
history series, the early-stopping counters (best step, evaluations waited, patience) and the live
learning rate. A small JSON manifest comes first: format, jaxscope version, trainer kind and the
structure (every array's path, shape and dtype), checked before anything is read into the trainer,
so a checkpoint of another model, or another tool's directory, is refused with the trainer untouched.

Not saved: where host data (an iterator, a generator, a loader, ``data()``) stood. Python
iterators cannot be rewound, so after a restore a re-iterable source starts again from its first
batch and a one-shot iterator goes on where it is (``restore`` warns).

Layout (``checkpoint_dirs.py``): ``<directory>/step_<N>/`` with ``state/``, ``history/`` (orbax
``StandardSave``) and ``manifest/`` (``JsonSave``); the last three saves are kept.

>>> trainer.run(300); path = trainer.save("runs/fit")     # doctest: +SKIP
>>> later = Trainer(...same arguments...); later.restore("runs/fit"); later.current_step   # doctest: +SKIP
300
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import pathlib
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .checkpoint_dirs import prune, resolve, step_dir

FORMAT = "jaxscope-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be restored into this trainer: corrupt, foreign or of another model."""


def as_directory(directory: Any, what: str) -> pathlib.Path:
    """``directory`` (str or path-like) as an absolute path; a clear error otherwise."""
    if not isinstance(directory, (str, os.PathLike)) or not str(directory):
        raise TypeError(f"{what}: directory must be a path (str or pathlib.Path); got {directory!r}")
    return pathlib.Path(directory).expanduser().absolute()


# ---- the structure every checkpoint is checked against --------------------------------------
def _is_key(leaf: Any) -> bool:
    return jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key)


def structure(state: Any) -> list[list]:
    """Every array of the training state: ``[path, shape, dtype]`` (PRNG keys: ``key<impl>``)."""
    flat = jax.tree_util.tree_flatten_with_path(state)[0]
    return [[jax.tree_util.keystr(path), list(np.shape(leaf)), str(jnp.asarray(leaf).dtype)] for path, leaf in flat]


def fingerprint(entries: list[list]) -> str:
    return hashlib.sha256(json.dumps(entries).encode()).hexdigest()[:16]


def _difference(saved: list[list], expected: list[list]) -> str:
    """The first array where a saved structure differs from this trainer's, in words."""
    for a, b in zip(saved, expected):
        if a != b:
            return (f"the checkpoint has {a[0]} {tuple(a[1])} {a[2]} where this trainer has "
                    f"{b[0]} {tuple(b[1])} {b[2]}")
    return f"the checkpoint has {len(saved)} arrays where this trainer has {len(expected)}"


# ---- save -----------------------------------------------------------------------------------
def _leaf_arrays(state: Any) -> tuple[dict[str, Any], list[int]]:
    """The state's arrays by index (keys as their raw data); zero-size arrays (orbax cannot write
    them) are left out and listed."""
    arrays, empty = {}, []
    for i, leaf in enumerate(jax.tree.leaves(state)):
        leaf = jnp.asarray(leaf)
        if leaf.size == 0:
            empty.append(i)
            continue
        arrays[f"{i:05d}"] = jax.random.key_data(leaf) if _is_key(leaf) else leaf
    return arrays, empty


def _manifest(trainer: Any, state: Any, step: int, counts: list, empty: list[int]) -> dict:
    from .. import __version__

    entries = structure(state)
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "jaxscope_version": __version__,
            "trainer_kind": trainer._adapter.kind, "name": trainer.name, "step": step,
            "best_step": trainer._best_step, "best_waited": int(trainer._best_waited),
            "early_stopping": trainer._patience, "learning_rate": trainer._lr.value,
            "data": trainer.data.kind, "data_path": trainer.data.path, "history": counts,
            "zero_size": empty, "fingerprint": fingerprint(entries), "structure": entries,
            "saved_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def save(trainer: Any, directory: pathlib.Path) -> pathlib.Path:
    """Write the trainer as it is now to ``directory/step_<N>`` (called on the driver thread, between
    chunks, so the state and the history agree); returns that path."""
    import orbax.checkpoint as ocp

    with trainer._lock:
        state, step = trainer._state, trainer._step
        series = [(name, *(np.array(a) for a in trainer.history.tail(name, 0))) for name in trainer.history.names]
        arrays, empty = _leaf_arrays(state)
        manifest = _manifest(trainer, state, step, [[name, len(s)] for name, s, _ in series], empty)
    items = {"state": ocp.args.StandardSave(arrays), "manifest": ocp.args.JsonSave(manifest)}
    if any(len(s) for _, s, _ in series):
        items["history"] = ocp.args.StandardSave({"steps": np.concatenate([s for _, s, _ in series]),
                                                  "values": np.concatenate([v for _, _, v in series])})
    target = step_dir(directory, step)
    directory.mkdir(parents=True, exist_ok=True)
    with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as checkpointer:
        checkpointer.save(target, ocp.args.Composite(**items), force=True)
    prune(directory)
    return target


# ---- restore --------------------------------------------------------------------------------
@dataclasses.dataclass
class Loaded:
    """A checkpoint read and checked, not yet applied."""

    path: pathlib.Path
    manifest: dict
    state: Any
    history: list     # (name, steps, values)


def _read(path: pathlib.Path, **items: Any) -> dict:
    import orbax.checkpoint as ocp

    with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as checkpointer:
        return checkpointer.restore(path, args=ocp.args.Composite(**items))


def read_manifest(path: pathlib.Path) -> dict:
    """The manifest of the checkpoint at ``path``; ``CheckpointError`` when there is none."""
    import orbax.checkpoint as ocp

    if not (path / "manifest").is_dir():
        raise CheckpointError(f"restore: {path} is not a jaxscope checkpoint (no manifest/ inside); expected a "
                              "step_<N> directory written by trainer.save()")
    try:
        manifest = _read(path, manifest=ocp.args.JsonRestore())["manifest"]
    except Exception as error:
        raise CheckpointError(f"restore: the manifest of {path} cannot be read ({type(error).__name__}: {error}); "
                              "the checkpoint is incomplete or corrupt") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CheckpointError(f"restore: {path} is not a jaxscope checkpoint (its manifest has no "
                              f"format={FORMAT!r}); expected a step_<N> directory written by trainer.save()")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"restore: {path} has checkpoint format {manifest['format_version']} (jaxscope "
                              f"{manifest.get('jaxscope_version')}); this jaxscope reads format {FORMAT_VERSION}: "
                              "upgrade jaxscope")
    return manifest


def _check_fits(trainer: Any, path: pathlib.Path, manifest: dict, state: Any) -> None:
    kind = trainer._adapter.kind
    if manifest.get("trainer_kind") != kind:
        raise CheckpointError(f"restore: {path} was saved by a trainer of a {manifest.get('trainer_kind')} model; "
                              f"this trainer trains a {kind} model; nothing was changed")
    expected = structure(state)
    if manifest.get("structure") != expected:
        difference = _difference(manifest.get("structure") or [], expected)
        raise CheckpointError(f"restore: {path} holds another model or optimizer: {difference} (fingerprint "
                              f"{manifest.get('fingerprint')}, expected {fingerprint(expected)}); nothing was changed")


def load(trainer: Any, directory: pathlib.Path) -> Loaded:
    """Read and check the checkpoint ``directory`` names, without changing the trainer."""
    import orbax.checkpoint as ocp

    path = resolve(directory)
    manifest = read_manifest(path)
    with trainer._lock:
        current = trainer._state
    _check_fits(trainer, path, manifest, current)
    leaves, treedef = jax.tree.flatten(current)
    empty = set(manifest.get("zero_size", []))
    abstract = {}
    for i, leaf in enumerate(leaves):
        if i in empty:
            continue
        raw = jax.random.key_data(leaf) if _is_key(leaf) else jnp.asarray(leaf)
        abstract[f"{i:05d}"] = ocp.utils.to_shape_dtype_struct(raw)
    counts = manifest.get("history", [])
    total = sum(count for _, count in counts)
    items = {"state": ocp.args.StandardRestore(abstract)}
    if total:
        items["history"] = ocp.args.StandardRestore({"steps": jax.ShapeDtypeStruct((total,), np.int64),
                                                     "values": jax.ShapeDtypeStruct((total,), np.float32)})
    try:
        read = _read(path, **items)
    except Exception as error:
        raise CheckpointError(f"restore: {path} cannot be read ({type(error).__name__}: {str(error)[:300]}); the "
                              "checkpoint is incomplete or corrupt; nothing was changed") from error
    restored = []
    for i, leaf in enumerate(leaves):
        if i in empty:
            restored.append(jnp.zeros(leaf.shape, leaf.dtype))
            continue
        value = read["state"][f"{i:05d}"]
        if not getattr(leaf, "committed", True) and getattr(value, "committed", True):
            # orbax gives arrays committed to a device; the trainer's are not: a committed state
            # would miss the compiled chunk's cache entry and cost a recompilation
            value = jnp.asarray(np.asarray(value))
        restored.append(jax.random.wrap_key_data(value, impl=jax.random.key_impl(leaf)) if _is_key(leaf) else value)
    state = jax.tree.unflatten(treedef, restored)
    if int(state.step) != manifest["step"]:
        raise CheckpointError(f"restore: {path} is inconsistent: its state is at step {int(state.step)}, its "
                              f"manifest says {manifest['step']}; nothing was changed")
    history, offset = [], 0
    for name, count in counts:
        if total:
            history.append((name, read["history"]["steps"][offset:offset + count],
                            read["history"]["values"][offset:offset + count]))
        else:
            history.append((name, np.empty(0, np.int64), np.empty(0, np.float32)))
        offset += count
    return Loaded(path, manifest, state, history)


def apply(trainer: Any, loaded: Loaded) -> str:
    """Make the loaded checkpoint the trainer's state (on the driver thread, nothing training);
    the status message."""
    manifest = loaded.manifest
    with trainer._lock:
        trainer._state = loaded.state
        trainer._step = manifest["step"]
        trainer._best_step, trainer._best_waited = manifest["best_step"], manifest["best_waited"]
        trainer._patience = manifest["early_stopping"]
        if manifest["learning_rate"] is not None and trainer._lr.mode != "unknown":
            trainer._lr.value = manifest["learning_rate"]
        trainer._lr_applied = None        # the next chunk writes the rate into an injected optimizer state
        trainer._params_version += 1
        trainer.error = None
        trainer.history.load(loaded.history)
    message = f"restored step {manifest['step']:,} from {loaded.path}"
    if trainer._feeder is not None:
        where = ("starts again from its first batch" if trainer._feeder.source.restartable
                 else "goes on where it is")
        note = (f"the host data ({trainer.data.path}) cannot be rewound to step {manifest['step']:,}: "
                f"it {where}, so the batches after the restore differ from the saved run's")
        warnings.warn(f"restore: {note}", stacklevel=4)
        message += f" · {note}"
    return message
