"""A flax ``TrainState`` in, a trained ``TrainState`` out: ``Trainer.from_train_state`` / ``trainer.train_state()``.

The state as the course's tutorials build it (``TrainState.create(apply_fn=model.apply,
params=params, tx=optax.adam(1e-3))``) trains its ``params`` with its ``tx``; the loss receives the
params and runs the model the tutorials' way, ``state.apply_fn({"params": p}, x)``. The views and
the diagram run ``apply_fn`` in evaluation mode (``train=False`` when the model takes it). A
TrainState subclass with ``batch_stats`` trains ``{"params", "batch_stats"}`` as linen variables
(``linen_adapter.py``): the loss then receives the model, ``net(x)``, in training mode.

Training starts from the state's parameters with a fresh optimizer state (``tx.init``) and step 0,
which is where ``trainer.reset()`` goes back to; ``train_state_of`` gives the original state with
``step``, ``params``, ``opt_state`` (and ``batch_stats``) of the trainer now, ready for
``state.apply_gradients`` or for saving.

>>> import jax, jax.numpy as jnp, flax.linen as nn, optax
>>> from flax.training.train_state import TrainState
>>> from jaxscope import Trainer
>>> model = nn.Dense(1)
>>> x = jnp.linspace(-1, 1, 16)[:, None]; y = 2 * x
>>> state = TrainState.create(apply_fn=model.apply, params=model.init(jax.random.key(0), x)["params"],
...                           tx=optax.adam(0.1))
>>> trainer = from_train_state(Trainer, state, loss=lambda p, b: jnp.mean((state.apply_fn({"params": p}, b[0]) - b[1]) ** 2),
...                            data=(x, y))
>>> trainer.run(50)
>>> trained = train_state_of(trainer)              # trainer.train_state()
>>> trained.step, bool(abs(trained.params["kernel"][0, 0] - 2.0) < 0.1)
(50, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from .linen_adapter import eval_apply_of

TAKEN_FROM_STATE = ("params", "optimizer", "module")


def _check_state(state: Any) -> None:
    missing = [name for name in ("apply_fn", "params", "tx") if not hasattr(state, name)]
    if missing:
        raise TypeError("state must be a flax.training.train_state.TrainState (TrainState.create(apply_fn=model.apply, "
                        f"params=params, tx=optax.adam(1e-3))); got {type(state).__name__} without {missing}")


def _with_batch_stats(state: Any) -> bool:
    """A TrainState subclass holding batch statistics, as the tutorials with BatchNorm build it."""
    return getattr(state, "batch_stats", None) is not None


def from_train_state(cls: type, state: Any, loss: Callable, data: Any = None, **kwargs: Any) -> Any:
    """A ``cls`` (the Trainer) training ``state.params`` with ``state.tx`` through ``state.apply_fn``.

    ``kwargs`` are the Trainer's other arguments (``validation=``, ``batch_size=``, ``apply=`` to
    override the views' forward, ...); params, optimizer and module come from the state.
    """
    _check_state(state)
    taken = sorted(set(kwargs) & set(TAKEN_FROM_STATE))
    if taken:
        raise TypeError(f"from_train_state takes {taken} from the state; pass them to TrainState.create instead")
    if _with_batch_stats(state):
        variables = {"params": state.params, "batch_stats": state.batch_stats}
        trainer = cls(params=variables, loss=loss, data=data, optimizer=state.tx, module=state.apply_fn, **kwargs)
    else:
        kwargs.setdefault("apply", eval_apply_of(state.apply_fn))
        trainer = cls(params=state.params, loss=loss, data=data, optimizer=state.tx, **kwargs)
    trainer._origin_state = state     # what train_state_of(trainer) gives back, trained
    return trainer


def train_state_of(trainer: Any, state: Any = None) -> Any:
    """``state`` (by default the one the trainer was built from) with the trainer's step, params,
    optimizer state (and batch statistics) now."""
    if state is None:
        state = getattr(trainer, "_origin_state", None)
        if state is None:
            raise ValueError("train_state: this trainer was not built by Trainer.from_train_state; "
                             "pass the TrainState to fill: trainer.train_state(state)")
    _check_state(state)
    params = trainer.params
    if _with_batch_stats(state):
        if not (isinstance(params, Mapping) and "batch_stats" in params):
            raise ValueError("train_state: the state holds batch_stats but the trainer's variables do not; "
                             "was the trainer built with from_train_state(state, ...)?")
        return state.replace(step=trainer.current_step, params=params["params"], batch_stats=params["batch_stats"],
                             opt_state=trainer.opt_state)
    return state.replace(step=trainer.current_step, params=params, opt_state=trainer.opt_state)
