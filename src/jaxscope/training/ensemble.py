"""Ensembles: ``Trainer(..., ensemble=N)`` trains N members in one ``jax.vmap``-ed chunk.

Member ``i`` is the run ``Trainer(..., seed=seed + i)`` would be (its own training key, its own
epoch order for arrays, its own initial parameters when ``params`` is an init function
``params(key)``, called with ``jax.random.key(seed + i)``); with a pytree or module as ``params``
every member starts from it and the members differ by their keys and data order. Host data (lists,
generators, ...) is one stream shared by all members. ``ensemble={"learning_rate": [...]}`` (or any
hyper-parameter the optimizer injects: a float ``optimizer=`` is ``inject_hyperparams(adam)``, so
``b1``, ``b2``, ``eps`` too; ``"seed": [...]`` chooses the seeds) sweeps them, one member per value.

The stacked state has a leading member axis on every leaf except the step, which all members share.
A member whose loss turns non-finite is *diverged*: its lane keeps computing (vmap lanes are
independent, so NaN never reaches the others) but is ignored, and its state of the step before is
kept on the host (``Diverged``) for ``trainer.member(i)`` and the views. Per-step selects that froze
the lane instead would cost every step (~15 % of a small MLP's, see ``step.py``).

>>> ens = check_ensemble({"learning_rate": [1e-3, 1e-2]}, seed=3)
>>> ens.size, ens.seeds, ens.sweep["learning_rate"].tolist()
(2, [3, 4], [0.0010000000474974513, 0.009999999776482582])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from optax import tree_utils

from .step import TrainState

MEMBER_AXES = TrainState(0, 0, 0, 0, 0, None, 0)   # every field has the member axis first, except the step
QUANTILES = (0.25, 0.75)                           # the chart's band: members between these quantiles


class Ensemble:
    """What ``ensemble=`` asked for: ``size`` members with ``seeds`` and swept hyper-parameters."""

    def __init__(self, size: int, seeds: list[int], sweep: dict[str, np.ndarray]) -> None:
        self.size, self.seeds, self.sweep = size, seeds, sweep

    def __repr__(self) -> str:
        return f"Ensemble(size={self.size}, seeds={self.seeds}, sweep={sorted(self.sweep)})"


def _values(name: str, values: Any, integers: bool = False) -> np.ndarray:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"ensemble[{name!r}] must be a list of numbers, one per member; got {type(values).__name__}")
    try:
        array = np.asarray(values, np.int64 if integers else np.float32)
    except (TypeError, ValueError):
        raise TypeError(f"ensemble[{name!r}] must be a list of numbers; got {values!r}") from None
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"ensemble[{name!r}] must be a non-empty flat list of numbers; got shape {array.shape}")
    if not integers and not np.all(np.isfinite(array)):
        raise ValueError(f"ensemble[{name!r}] must hold finite numbers; got {values!r}")
    return array


def check_ensemble(ensemble: Any, seed: int) -> Ensemble | None:
    """``ensemble=`` checked: None, a member count N >= 1, or ``{hyper-parameter: [one value per member]}``."""
    if ensemble is None:
        return None
    if isinstance(ensemble, (int, np.integer)) and not isinstance(ensemble, bool):
        if ensemble < 1:
            raise ValueError(f"ensemble must be a number of members >= 1; got {ensemble}")
        return Ensemble(int(ensemble), [seed + i for i in range(int(ensemble))], {})
    if not isinstance(ensemble, Mapping) or not ensemble:
        raise TypeError("ensemble must be a number of members (ensemble=16) or a dict of hyper-parameter values, "
                        f"one per member (ensemble={{'learning_rate': [1e-3, 3e-3, 1e-2]}}); got {ensemble!r}")
    sweep = {}
    for name, values in ensemble.items():
        if not isinstance(name, str):
            raise TypeError(f"ensemble keys must be hyper-parameter names (str); got {name!r}")
        sweep[name] = _values(name, values, integers=name == "seed")
    sizes = {name: len(values) for name, values in sweep.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"ensemble: every list needs one value per member, the same length; got lengths {sizes}")
    size = next(iter(sizes.values()))
    seeds = sweep.pop("seed", None)
    if seeds is not None and (np.any(seeds < 0) or len(set(seeds.tolist())) != size):
        raise ValueError(f"ensemble['seed'] must be distinct non-negative integers; got {seeds.tolist()}")
    return Ensemble(size, [seed + i for i in range(size)] if seeds is None else seeds.tolist(), sweep)


def member_params(params: Any, seeds: list[int]) -> list[Any]:
    """Each member's starting ``params``: ``params(jax.random.key(seed))`` for an init function, else
    ``params`` itself for every member."""
    if callable(params) and not hasattr(params, "shape") and not _is_module(params):
        return [params(jax.random.key(s)) for s in seeds]
    return [params] * len(seeds)


def _is_module(value: Any) -> bool:
    from ..nnx_modules import is_nnx_module

    return is_nnx_module(value)


def stack(trees: list[Any], what: str = "params") -> Any:
    """Members' pytrees stacked along a new leading axis (their structures and shapes must agree)."""
    first = jax.tree.structure(trees[0])
    for i, tree in enumerate(trees[1:], 1):
        if jax.tree.structure(tree) != first:
            raise ValueError(f"ensemble: member {i}'s {what} differ in structure from member 0's")
    try:
        return jax.tree.map(lambda *leaves: jnp.stack(leaves), *trees)
    except (TypeError, ValueError) as error:
        raise ValueError(f"ensemble: the members' {what} differ in shape: {error}") from None


def member_slice(tree: Any, i: int) -> Any:
    """Member ``i`` of a stacked pytree (of a TrainState: every field but the shared step)."""
    if isinstance(tree, TrainState):
        return TrainState(*(f if axis is None else member_slice(f, i) for f, axis in zip(tree, MEMBER_AXES)))
    return jax.tree.map(lambda a: a[i], tree)


def with_member(tree: Any, i: int, member: Any) -> Any:
    """``tree`` (stacked) with member ``i`` replaced by ``member``."""
    return jax.tree.map(lambda a, m: a.at[i].set(m), tree, member)


def sweep_state(opt_state: Any, ensemble: Ensemble, lr_mode: str) -> Any:
    """The stacked optimizer state with each member's swept hyper-parameters (``learning_rate`` of a
    *scaled* optimizer is swept through the update scale instead: ``lr_factors``)."""
    for name, values in ensemble.sweep.items():
        if name == "learning_rate" and lr_mode == "scaled":
            continue
        current = tree_utils.tree_get(opt_state, name, default=None, filtering=_injected)
        if current is None or np.shape(current) != (ensemble.size,):
            hint = ("optimizer=<float> injects adam's learning_rate, b1, b2, eps" if name != "learning_rate"
                    else "pass optimizer=<float> or optax.adam(1e-3)")
            raise ValueError(f"ensemble: the optimizer has no hyper-parameter {name!r} to set per member; build it "
                             f"with optax.inject_hyperparams(optax.adam)(learning_rate=1e-3, ...) ({hint})")
        new = jnp.asarray(values, jnp.asarray(current).dtype)
        opt_state = jax.tree_util.tree_map_with_path(
            lambda path, leaf: new if _injected(path, leaf) and getattr(path[-1], "key", None) == name else leaf,
            opt_state)
    return opt_state


def _injected(path: tuple, value: Any) -> bool:
    """A value in the ``hyperparams`` of an ``inject_hyperparams`` state (not a parameter named ``b1``)."""
    return len(path) >= 2 and getattr(path[-2], "name", None) == "hyperparams"


def lr_factors(ensemble: Ensemble, lr_mode: str, base: float | None) -> np.ndarray:
    """Per-member factors of the update scale: a swept learning rate of a *scaled* optimizer."""
    values = ensemble.sweep.get("learning_rate")
    if values is None or lr_mode != "scaled":
        return np.ones(ensemble.size, np.float32)
    return (values / np.float32(base)).astype(np.float32)


def vmapped_step(make_step: Callable[[Any], Callable], source: Any, size: int) -> Callable:
    """``step(state, lr_scale[N], feed)`` of the stacked state: ``make_step(member_source)`` for each
    member, vmapped (the host ``feed`` is shared)."""
    for_member = getattr(source, "for_member", None)

    def step(state: TrainState, lr_scale: jax.Array, feed: Any = None):
        def one(member_state, scale, index):
            member_source = source if for_member is None else for_member(index)
            return make_step(member_source)(member_state, scale, feed)

        return jax.vmap(one, in_axes=(MEMBER_AXES, 0, 0), out_axes=(MEMBER_AXES, 0))(
            state, jnp.broadcast_to(lr_scale, (size,)), jnp.arange(size))

    return step


class Diverged(NamedTuple):
    """A member that stopped: the step it reached, its state there, the loss that was not finite."""

    step: int
    state: TrainState
    loss: float


def row_quantiles(values: np.ndarray, live: np.ndarray, qs=(0.5, *QUANTILES)) -> list[np.ndarray]:
    """Per row of ``values`` [n, N]: the quantiles ``qs`` (linear interpolation) over the entries where
    ``live``; NaN for a row with none. Vectorised (``np.nanquantile`` is ~10x slower here)."""
    n, width = values.shape
    masked = np.where(live, values, np.inf)
    ordered = np.sort(masked, axis=1)
    count = live.sum(axis=1)
    rows = np.arange(n)
    out = []
    for q in qs:
        position = q * np.maximum(count - 1, 0)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, np.maximum(count - 1, 0))
        frac = (position - low).astype(np.float32)
        a, b = ordered[rows, low], ordered[rows, high]
        with np.errstate(invalid="ignore", over="ignore"):   # rows without live entries hold inf
            value = np.where(frac > 0, a + frac * (b - a), a).astype(np.float32)
        out.append(np.where(count > 0, value, np.float32(np.nan)))
    return out


def series_of(name: str, steps: np.ndarray, values: np.ndarray, live: np.ndarray) -> dict[str, tuple]:
    """The history series of one metric of an ensemble: ``name`` (median over live members),
    ``name#lo`` / ``name#hi`` (the band), ``name#<i>`` (member i, its live steps only)."""
    any_live = live.any(axis=1)
    steps, values, live = steps[any_live], values[any_live], live[any_live]
    median, lo, hi = row_quantiles(values, live)
    out = {name: (steps, median), f"{name}#lo": (steps, lo), f"{name}#hi": (steps, hi)}
    for i in range(values.shape[1]):
        out[f"{name}#{i}"] = (steps[live[:, i]], values[live[:, i], i])
    return out


def member_names(names: tuple[str, ...], size: int) -> tuple[str, ...]:
    """Every series an ensemble records for ``names``."""
    return tuple(f"{n}{suffix}" for n in names for suffix in ("", "#lo", "#hi", *(f"#{i}" for i in range(size))))


def with_member_state(state: TrainState, i: int, member: TrainState) -> TrainState:
    """The stacked ``state`` with every per-member field of member ``i`` taken from ``member``."""
    return TrainState(*(f if axis is None else with_member(f, i, m)
                        for f, m, axis in zip(state, member, MEMBER_AXES)))
