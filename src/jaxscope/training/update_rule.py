"""Your own training step: ``Trainer(state=initial_state, update=fn, data=...)``.

``fn(state, batch, key) -> (state, metrics)`` is any jax update of any pytree: contrastive
divergence for a Boltzmann machine, t-SNE's momentum descent, alternating updates, REINFORCE with
a baseline. ``metrics`` holds named scalars, all recorded and charted (``loss`` first when there is
one; a non-finite first metric stops training as ``diverged``). A ``val_loss`` metric (NaN on
steps that do not evaluate) drives early stopping. ``params=lambda state: ...`` says what the
diagram and views show (default: the whole state); hand edits of those parameters are written back
into the state's own arrays.

>>> import jax.numpy as jnp
>>> rule = UpdateRule(lambda s, b, k: ({"x": s["x"] * 0.5}, {"loss": jnp.sum(s["x"] ** 2)}), {"x": jnp.ones(2)})
>>> rule.metric_names(None, jax.random.key(0))
('loss',)
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from .model_adapter import _copy_leaves
from .step import TrainState, track_best


class UpdateRule:
    """The user's ``update`` and ``state``, seen by the engine as an adapter (trainable = the state)."""

    kind = "update"

    def __init__(self, update: Callable, state: Any, params: Callable | None = None) -> None:
        if not callable(update):
            raise TypeError(f"update must be a function update(state, batch, key) -> (state, metrics); "
                            f"got {type(update).__name__}")
        if params is not None and not callable(params):
            raise TypeError("with update=, params must be a function state -> the parameters the diagram and "
                            f"views show (or None for the whole state); got {type(params).__name__}")
        leaves = jax.tree.leaves(state)
        if not leaves or not all(hasattr(x, "dtype") or isinstance(x, (int, float)) for x in leaves):
            raise TypeError("state must be a pytree of arrays (the initial state update() starts from); "
                            f"got {type(state).__name__}")
        self.update, self.project = update, params
        self._initial = _copy_leaves(state)

    # ---- the adapter interface ------------------------------------------------------------
    def initial(self) -> tuple[Any, Any]:
        return _copy_leaves(self._initial), ()

    def view(self, trainable: Any, rest: Any, key: Any = None) -> Any:
        return trainable

    eval_view = view

    def user_params(self, trainable: Any, rest: Any) -> Any:
        """What the diagram and views show: ``params(state)``, or the state."""
        return trainable if self.project is None else self.project(trainable)

    def merge_user_params(self, value: Any, trainable: Any, rest: Any) -> tuple[Any, Any]:
        """The state after the shown parameters were set to ``value`` by hand: each array of
        ``params(state)`` that is an array of the state is replaced there (selections and
        re-groupings edit; a computed array cannot be written back and is refused)."""
        if self.project is None:
            return value, rest
        shown = jax.tree.leaves(self.project(trainable))
        state_leaves, treedef = jax.tree.flatten(trainable)
        where = {id(leaf): i for i, leaf in enumerate(state_leaves)}
        new_values = jax.tree.leaves(value)
        if len(new_values) != len(shown):
            raise ValueError(f"params: {len(new_values)} arrays where params(state) has {len(shown)}")
        for old, new in zip(shown, new_values):
            if id(old) not in where:
                raise ValueError("params: this array of params(state) is computed from the state, not one of its "
                                 "arrays, so an edit cannot be written back; return the state's own arrays")
            i = where[id(old)]
            if np.shape(new) != np.shape(old):
                raise ValueError(f"params: shape {np.shape(new)} where {np.shape(old)} was expected")
            state_leaves[i] = jnp.asarray(new, old.dtype)
        return jax.tree.unflatten(treedef, state_leaves), rest

    # ---- checks and the step --------------------------------------------------------------
    def _apply(self, state: Any, batch: Any, key: jax.Array) -> tuple[Any, dict]:
        out = self.update(state, batch, key)
        if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict)):
            raise ValueError("update must return (state, metrics) with metrics a dict of named scalars, "
                             f"e.g. (state, {{'loss': loss}}); got {type(out).__name__}")
        return out[0], {str(k): jnp.asarray(v) for k, v in out[1].items()}

    def metric_names(self, source: Any, key: jax.Array) -> tuple[str, ...]:
        """Trace ``update`` on abstract values (no compilation): the state keeps its structure,
        shapes and dtypes, the metrics are scalars; their names, ``loss`` first when there is one."""
        def fn(state, k):
            batch = None if source is None else source.next(source.init_state(), k, jnp.int32(0))[0]
            return self._apply(state, batch, k)

        initial = self._initial
        try:
            new, metrics = jax.eval_shape(fn, initial, key)
        except Exception as e:
            e.add_note("jaxscope: raised while tracing update(state, batch, key) to check its output")
            raise
        if jax.tree.structure(new) != jax.tree.structure(initial):
            raise ValueError(f"update must return a state of the same structure as state=; got "
                             f"{jax.tree.structure(new)} where {jax.tree.structure(initial)} was given")
        for (path, a), b in zip(jax.tree_util.tree_flatten_with_path(new)[0], jax.tree.leaves(initial)):
            if a.shape != np.shape(b) or a.dtype != jnp.asarray(b).dtype:
                raise ValueError(f"update: the new state{jax.tree_util.keystr(path)} has shape {a.shape} {a.dtype} "
                                 f"where state= had {np.shape(b)} {jnp.asarray(b).dtype}; the state must keep "
                                 "its shapes and dtypes")
        if not metrics:
            raise ValueError("update must return at least one metric, e.g. (state, {'loss': loss})")
        names = []
        for name, m in metrics.items():
            if getattr(m, "shape", None) != () or not jnp.issubdtype(m.dtype, jnp.floating):
                raise ValueError(f"update metric {name!r} must be a floating-point scalar; got shape {m.shape} {m.dtype}")
            if name == "learning_rate":
                raise ValueError("update metric name 'learning_rate' is reserved; choose another name")
            names.append(name)
        return tuple(sorted(names, key=lambda n: (n != "loss", n)))

    def build_step(self, source: Any, names: tuple[str, ...], placement: Any = None) -> Callable:
        """``step(state, lr_scale, feed) -> (state, {metric: scalar})`` running the user's update
        (``placement``: ``mesh=``, the batch split over the mesh's data axis, as ``step.build_step``)."""
        tracks_best = "val_loss" in names

        def step(state: TrainState, lr_scale: jax.Array, feed: Any = None) -> tuple[TrainState, dict]:
            key, data_key, update_key = jax.random.split(state.key, 3)
            batch, data_state = source.next(state.data_state, data_key, state.step, feed)
            if placement is not None:
                batch = placement.constrain(batch)
            params, metrics = self._apply(state.params, batch, update_key)
            new = TrainState(params, state.rest, state.opt_state, key, data_state, state.step + 1, state.best)
            out = {name: metrics[name].astype(jnp.float32) for name in names}
            if tracks_best:
                val = out["val_loss"]
                new = new._replace(best=track_best(state.best, new, val, jnp.isfinite(val)))
            return new, out

        return step if placement is None else placement.pin(step)

    def loss_now(self, source: Any) -> Callable | None:
        """``f(state, key) -> loss`` for the loss after a hand edit (None without a ``loss`` metric)."""
        def fn(state, k):
            batch = None if source is None else source.full(k)
            return self._apply(state, batch, k)[1]["loss"]

        return jax.jit(fn)


def check_update_arguments(update: Any, state: Any, loss: Any, validation: Any, params: Any,
                           module: Any) -> UpdateRule | None:
    """The ``UpdateRule`` of ``update=`` / ``state=`` (None for loss-plus-optimizer training), or an
    error naming what is missing or what does not go together."""
    if update is None and state is None:
        if loss is None:
            raise TypeError("loss is required: loss(params, batch) -> scalar (or pass update= and state= "
                            "for your own training step)")
        return None
    if update is None:
        raise ValueError("state= is the initial state of update=; pass update=fn(state, batch, key) -> "
                         "(state, metrics) too (or params= and loss= to train a loss with an optimizer)")
    if state is None:
        raise ValueError("update= needs state=, the initial state it starts from")
    if loss is not None:
        raise ValueError("give either loss= (trained by optimizer=) or update= (your own step), not both")
    if validation is not None:
        raise ValueError("validation= is evaluated through loss=; with update=, return validation metrics "
                         "from update (named val_..., NaN on steps that do not evaluate)")
    if module is not None:
        raise ValueError("module= is for loss training of a linen model; with update=, run the model "
                         "inside update")
    return UpdateRule(update, state, params)
