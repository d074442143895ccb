"""One optimisation step as a pure function of the training state.

State is one immutable pytree (``TrainState``); a step returns a new one and the per-step
metrics. The step itself carries no guard against a non-finite loss (a per-step check and select
cost ~15 % of a small MLP's step on XLA:CPU); ``chunk.run_chunk`` finds the first bad step
afterwards and recomputes the state just before it, which costs something only on divergence.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import optax


class TrainState(NamedTuple):
    params: Any        # the trained pytree (course params, or the nnx.Param state)
    rest: Any          # non-trained model state (nnx batch stats, RNG counts); () for pytrees
    opt_state: Any
    key: jax.Array
    data_state: Any    # what a data source carries between steps (() for every source today)
    step: jax.Array    # int32: optimisation steps completed
    best: Any = ()     # with validation: Best (the parameters of the lowest val_loss so far)


class Best(NamedTuple):
    """The state at the lowest validation loss so far, kept inside the compiled loop so that it is
    exact even when it falls in the middle of a chunk; `waited` counts evaluations since."""

    params: Any
    rest: Any
    val_loss: jax.Array  # float32, inf before the first evaluation
    step: jax.Array      # int32, -1 before the first evaluation
    waited: jax.Array    # int32


def initial_best(params, rest) -> Best:
    return Best(params, rest, jnp.asarray(jnp.inf, jnp.float32), jnp.asarray(-1, jnp.int32), jnp.asarray(0, jnp.int32))


def track_best(best: Best, new: "TrainState", val_loss: jax.Array, due: jax.Array) -> Best:
    """`best` after an optimisation step whose validation (when `due`) gave `val_loss`."""
    improved = due & (val_loss < best.val_loss)  # NaN never improves
    params, rest = jax.lax.cond(improved, lambda: (new.params, new.rest), lambda: (best.params, best.rest))
    return Best(params, rest, jnp.where(improved, val_loss, best.val_loss), jnp.where(improved, new.step, best.step),
                jnp.where(improved, 0, jnp.where(due, best.waited + 1, best.waited)).astype(jnp.int32))


def build_step(adapter, loss_pair: Callable, source, optimizer: optax.GradientTransformation,
               validation=None, eval_every: int = 100, val_names: tuple[str, ...] = (),
               placement=None) -> Callable:
    """``step(state, lr_scale, feed) -> (state, {metric: scalar})``; validation metrics are NaN
    off-schedule; ``feed`` is this step's batch for host data (None otherwise).

    The key streams: the next state's key, data, validation, then (only when used, so that adding
    them changes nothing else) the loss's key and the model's (``adapter.needs_key``: dropout)."""
    model_keyed = bool(getattr(adapter, "needs_key", False))

    def loss_for_grad(params, rest, batch, key, model_key):
        view = adapter.view(params, rest, model_key)
        value, metrics = loss_pair(view, batch, key)
        return value, (metrics, adapter.rest_after(view, rest))

    def evaluate(params, rest, key):
        data_key, loss_key = jax.random.split(key) if loss_pair.takes_key else (key, None)
        value, metrics = loss_pair(adapter.eval_view(params, rest), validation.full(data_key), loss_key)
        return {"val_loss": value, **{f"val_{k}": v for k, v in metrics.items()}}

    def skip_evaluation(params, rest, key):
        return {name: jnp.full((), jnp.nan, jnp.float32) for name in val_names}

    def step(state: TrainState, lr_scale: jax.Array, feed: Any = None) -> tuple[TrainState, dict]:
        keys = jax.random.split(state.key, 3 + loss_pair.takes_key + model_keyed)  # (3-way costs nothing measurable)
        key, data_key, val_key = keys[:3]
        loss_key = keys[3] if loss_pair.takes_key else None       # a fresh key for the loss
        model_key = keys[-1] if model_keyed else None             # dropout of a linen module
        batch, data_state = source.next(state.data_state, data_key, state.step, feed)  # feed: a host batch
        if placement is not None:     # mesh=: the batch split over its data axis (sharding.py)
            batch = placement.constrain(batch)
        (value, (metrics, rest)), grads = jax.value_and_grad(loss_for_grad, has_aux=True)(
            state.params, state.rest, batch, loss_key, model_key)
        updates, opt_state = optimizer.update(grads, state.opt_state, state.params)
        updates = jax.tree.map(lambda u: u * lr_scale.astype(u.dtype), updates)
        params = optax.apply_updates(state.params, updates)
        new = TrainState(params, rest, opt_state, key, data_state, state.step + 1, state.best)
        out = {"loss": value.astype(jnp.float32), **{k: v.astype(jnp.float32) for k, v in metrics.items()}}
        if validation is not None:
            due = new.step % eval_every == 0
            val = jax.lax.cond(due, evaluate, skip_evaluation, new.params, new.rest, val_key)
            out.update({k: v.astype(jnp.float32) for k, v in val.items()})
            new = new._replace(best=track_best(state.best, new, val["val_loss"].astype(jnp.float32), due))
        return new, out

    return step if placement is None else placement.pin(step)   # mesh=: the state stays where it was placed
