"""Data parallelism on jax's own sharding: ``Trainer(..., mesh=jax.sharding.Mesh(devices, ("data",)))``.

The compiled chunk stays one ``jax.jit`` (no pmap): the training state is placed on the mesh once
(replicated, ``P()``) and kept there (``pin``), each batch is constrained inside the step to
``P("data")`` (its leading, batch axis split over the mesh's ``data`` axis), and XLA's partitioner
inserts the all-reduce of the gradients. Host data blocks (``host_batches.stack_block``) go to the
devices already split along their batch axis. With a second mesh axis ``model``, every 2-D array of
the state (weights and their optimizer moments) whose last dimension divides the ``model`` axis is
split along that last dimension, ``P(None, "model")``; everything else stays replicated.

The same code runs on several hosts: one process per host (or per GPU) calls
``jax.distributed.initialize()`` first and builds the mesh over ``jax.devices()`` (every process's
devices); each process fills its own devices' shards (``put``) from the same values, so every
process builds the same trainer; process 0 then decides every chunk and the others follow
(``lockstep.py``, ``examples/multihost_train.py``).

>>> import jax
>>> placement = placement_for(None)          # no mesh: everything stays where jax puts it
>>> placement.mesh is None
True
>>> mesh = jax.sharding.Mesh(jax.devices()[:1], ("data",))
>>> placement_for(mesh).data_size
1
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

DATA, MODEL = "data", "model"


def put(value: Any, sharding: NamedSharding) -> jax.Array:
    """``value`` (the same on every process) as an array laid out by ``sharding``. ``device_put``
    takes only this process's devices; with several processes each one fills its own shards."""
    if sharding.is_fully_addressable:
        return jax.device_put(value, sharding)
    if jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key):      # a PRNG key: its raw data, wrapped again
        return jax.random.wrap_key_data(put(jax.random.key_data(value), sharding), impl=jax.random.key_impl(value))
    host = np.asarray(value)
    return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])


class NoPlacement:
    """``mesh=None``: one device, as jax places things by default."""

    mesh = None
    data_size = 1

    def place_state(self, state: Any) -> Any:
        return state

    def constrain(self, batch: Any) -> Any:
        return batch

    def pin(self, step: Callable) -> Callable:
        return step

    def prepare(self, source: Any, key: jax.Array) -> None:
        pass


class MeshPlacement:
    """Where the training state and the batches live on ``mesh`` (see the module docstring).

    >>> import jax, jax.numpy as jnp
    >>> mesh = jax.sharding.Mesh(jax.devices()[:1], ("data",))
    >>> state = placement_for(mesh).place_state({"w": jnp.ones((3, 2))})
    >>> state["w"].sharding.is_fully_replicated
    True
    """

    def __init__(self, mesh: Mesh) -> None:
        self.mesh = mesh
        self.data_size = int(mesh.shape[DATA])
        self.model_size = int(mesh.shape.get(MODEL, 1))
        self.replicated = NamedSharding(mesh, P())

    def sharding_of(self, leaf: Any) -> NamedSharding:
        """The state's rule: 2-D arrays split along their last dimension over ``model`` when it
        divides, everything else replicated."""
        shape = np.shape(leaf)
        if self.model_size > 1 and len(shape) == 2 and shape[-1] % self.model_size == 0:
            return NamedSharding(self.mesh, P(None, MODEL))
        return self.replicated

    def place_state(self, state: Any) -> Any:
        """``state`` (any pytree of arrays, PRNG keys included) put on the mesh by ``sharding_of``."""
        return jax.tree.map(lambda leaf: put(leaf, self.sharding_of(leaf)), state)

    def constrain_state(self, state: Any) -> Any:
        """Inside the compiled step: ``state`` where ``place_state`` puts it."""
        return jax.lax.with_sharding_constraint(state, jax.tree.map(self.sharding_of, state))

    def pin(self, step: Callable) -> Callable:
        """``step(state, lr_scale, feed)`` whose state goes in and comes out where ``place_state``
        put it (XLA's partitioner would otherwise choose the layout of each new array, e.g. a bias
        split like the weight next to it)."""
        def placed(state: Any, lr_scale: jax.Array, feed: Any = None) -> tuple[Any, dict]:
            new, metrics = step(self.constrain_state(state), lr_scale, feed)
            return self.constrain_state(new), metrics

        return placed

    def batch_sharding(self, leaf: Any, axis: int = 0, where: str = "") -> NamedSharding:
        """``P("data")`` on ``axis`` of a batch entry; an error naming ``mesh`` and ``batch_size``
        when its size does not split over the data axis. Scalars are replicated."""
        shape = np.shape(leaf)
        if len(shape) <= axis:
            return self.replicated
        if shape[axis] % self.data_size:
            raise ValueError(
                f"mesh: the batch is split over the mesh's {DATA!r} axis of {self.data_size} devices, but batch "
                f"entry {where or '(the batch)'} has {shape[axis]} samples (shape {shape}); choose batch_size (or "
                f"the batch size of data) as a multiple of {self.data_size}, or a mesh whose {DATA!r} axis divides it")
        return NamedSharding(self.mesh, P(*([None] * axis), DATA))

    def _shardings(self, batch: Any, axis: int) -> Any:
        paths, treedef = jax.tree_util.tree_flatten_with_path(batch)
        return jax.tree.unflatten(treedef, [self.batch_sharding(leaf, axis, jax.tree_util.keystr(path))
                                            for path, leaf in paths])

    def constrain(self, batch: Any) -> Any:
        """Inside the compiled step: each batch entry split over the data axis."""
        if batch is None:
            return None
        return jax.lax.with_sharding_constraint(batch, self._shardings(batch, 0))

    def place_block(self, leaves: list) -> list:
        """A host block (the leaves of ``size`` stacked batches) on the mesh, split along the batch axis."""
        return [put(leaf, self.batch_sharding(leaf, 1, f"[{i}]")) for i, leaf in enumerate(leaves)]

    def prepare(self, source: Any, key: jax.Array) -> None:
        """Before anything compiles: check that the batches of ``source`` split over the data axis
        (raises naming ``mesh`` and ``batch_size``), and have host data put its blocks on the mesh."""
        batch = jax.eval_shape(lambda k: source.next(source.init_state(), k, jnp.int32(0))[0], key)
        if batch is not None:
            self._shardings(batch, 0)
        spec = getattr(source, "spec", None)
        if spec is not None:          # host data (host_data.HostData): blocks go to the mesh already split
            source.spec = spec._replace(place=self.place_block)


def placement_for(mesh: Any, argument: str = "mesh") -> NoPlacement | MeshPlacement:
    """The placement of ``Trainer(..., mesh=mesh)``: ``NoPlacement`` for None, else a checked
    ``MeshPlacement`` (a ``jax.sharding.Mesh`` with a ``"data"`` axis, optionally ``"model"``)."""
    if mesh is None:
        return NoPlacement()
    if not isinstance(mesh, Mesh):
        raise TypeError(f"{argument} must be a jax.sharding.Mesh with a {DATA!r} axis, e.g. "
                        f"jax.sharding.Mesh(jax.devices(), ({DATA!r},)); got {type(mesh).__name__}")
    names = tuple(mesh.axis_names)
    if DATA not in names or not set(names) <= {DATA, MODEL}:
        raise ValueError(f"{argument} must have a {DATA!r} axis (and optionally {MODEL!r}); got axes {names}, "
                         f"e.g. jax.sharding.Mesh(jax.devices(), ({DATA!r},))")
    return MeshPlacement(mesh)
