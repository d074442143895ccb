"""A ``flax.linen`` model trained through the Trainer: ``Trainer(params=variables, module=model, ...)``.

``variables`` is what ``model.init`` returns (``{"params": ..., "batch_stats": ...}``); only
``"params"`` is trained, every other collection (batch statistics) is carried along. The loss
receives a ``LinenModel``: ``net(x)`` runs ``model.apply`` in training mode, with the batch
statistics updated (``mutable``) and dropout keyed by a fresh key at every step (and a different
one at every call within a step). Validation, ``trainer.apply`` (the views) and the network
diagram run the model in evaluation mode: running averages, no dropout.

Training or evaluation mode is passed the flax way: a parameter of ``__call__`` named ``train`` /
``training`` / ``is_training`` (True when training) or ``deterministic`` (False when training),
else a module attribute of that name (the module is cloned with it set). A value the loss passes
itself (``net(x, train=False)``) is left alone. A model with neither runs as it is.

>>> import flax.linen as nn
>>> class Net(nn.Module):
...     @nn.compact
...     def __call__(self, x, train: bool):
...         x = nn.BatchNorm(use_running_average=not train)(nn.Dense(4)(x))
...         return nn.Dense(1)(nn.Dropout(0.5, deterministic=not train)(nn.relu(x)))
>>> model = Net()
>>> variables = model.init(jax.random.key(0), jnp.ones((1, 2)), train=False)
>>> adapter = LinenAdapter(variables, model)
>>> params, rest = adapter.initial(); sorted(rest)
['batch_stats']
>>> net = adapter.view(params, rest, jax.random.key(1))
>>> net(jnp.ones((8, 2))).shape                    # what the loss does
(8, 1)
>>> new = adapter.rest_after(net, rest)             # the batch statistics of that batch
>>> bool(jnp.any(new["batch_stats"]["BatchNorm_0"]["mean"] != rest["batch_stats"]["BatchNorm_0"]["mean"]))
True
>>> adapter.eval_apply(adapter.user_params(params, new), jnp.ones((3, 2))).shape   # views, diagram
(3, 1)
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

# A flag's name -> its value in training mode (evaluation passes the opposite).
TRAIN_FLAGS = {"train": True, "training": True, "is_training": True, "deterministic": False}


def _plain(tree: Any) -> Any:
    """Nested Mappings (FrozenDicts included) as plain dicts, so structures compare equal."""
    if isinstance(tree, Mapping):
        return {k: _plain(v) for k, v in tree.items()}
    return tree


def _key_order(tree: Any) -> Any:
    """The nesting of ``tree``'s dicts with their keys in order (leaves: None)."""
    return {k: _key_order(v) for k, v in tree.items()} if isinstance(tree, Mapping) else None


def _in_order(tree: Any, order: Any) -> Any:
    """``tree``'s dicts with their keys in ``order``: jax sorts dict keys, flax keeps call order (Dense_0,
    BatchNorm_0, Dense_1), and the diagram reads the layers of linen variables in their dict order."""
    if not isinstance(order, Mapping) or not isinstance(tree, Mapping) or set(order) != set(tree):
        return tree
    return {k: _in_order(tree[k], order[k]) for k in order}


def _copy_leaves(tree: Any) -> Any:
    return jax.tree.map(lambda a: jnp.array(a, copy=True), tree)


def _is_linen_module(obj: Any) -> bool:
    from flax import linen

    return isinstance(obj, linen.Module)


def _takes_apply_keywords(fn: Callable) -> bool:
    """Whether ``fn`` can be called like ``Module.apply``: with ``rngs=`` and ``mutable=``."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    names = {p.name for p in parameters}
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters) or {"rngs", "mutable"} <= names


def _model_and_apply(module: Any) -> tuple[Any, Callable]:
    """(the linen Module or None, its apply function) from ``module=``, or a TypeError saying what fits."""
    from ..nnx_modules import is_nnx_module

    expected = ("module must be a flax.linen Module instance (module=MLP()) or its apply function "
                "(model.apply, state.apply_fn)")
    if isinstance(module, type):
        raise TypeError(f"{expected}; got the class {module.__name__}: create it first, module={module.__name__}()")
    if is_nnx_module(module):
        raise TypeError(f"{expected}; got an nnx.Module: pass it as params=model, without module=")
    if _is_linen_module(module):
        return module, module.apply
    if hasattr(module, "apply_fn") and hasattr(module, "tx"):
        raise TypeError(f"{expected}; got a TrainState: use Trainer.from_train_state(state, loss=..., data=...)")
    if callable(module) and _takes_apply_keywords(module):
        owner = getattr(module, "__self__", None)   # state.apply_fn is usually model.apply
        return (owner if _is_linen_module(owner) else None), module
    raise TypeError(f"{expected}; got {type(module).__name__}"
                    + (" (a function without rngs= and mutable=)" if callable(module) else ""))


def _variables(params: Any) -> dict:
    """``params`` as plain linen variables ``{"params": ..., other collections}``, or a ValueError."""
    expected = "params must be flax.linen variables, as model.init returns them ({'params': {...}, 'batch_stats': {...}})"
    if not isinstance(params, Mapping):
        raise TypeError(f"{expected}; got {type(params).__name__}")
    variables = _plain(params if "params" in params else {"params": params})
    leaves = jax.tree.leaves(variables)
    if not all(isinstance(x, (jax.Array, np.ndarray, np.generic)) for x in leaves):
        raise ValueError(f"{expected}; got leaves {sorted({type(x).__name__ for x in leaves})}")
    if not any(np.issubdtype(np.asarray(x).dtype, np.inexact) for x in jax.tree.leaves(variables["params"])):
        raise ValueError("params: the linen variables hold no floating-point 'params' to train")
    return variables


def _flag(model: Any, method: Any) -> tuple[str, bool, bool] | None:
    """(name, value when training, is a call argument) of the model's train/deterministic flag."""
    if model is None:
        return None
    function = method if callable(method) else getattr(model, method or "__call__", None)
    if function is not None:
        try:
            names = inspect.signature(function).parameters
        except (TypeError, ValueError):
            names = {}
        for name, training in TRAIN_FLAGS.items():
            if name in names:
                return name, training, True
    fields = {f.name for f in dataclasses.fields(model)} if dataclasses.is_dataclass(model) else set()
    for name, training in TRAIN_FLAGS.items():
        if name in fields:
            return name, training, False
    return None


def _given(model: Any, method: Any, name: str, args: tuple, kwargs: dict) -> bool:
    """Whether the call's own arguments already set ``name`` (``net(x, False)``, ``net(x, train=False)``)."""
    if name in kwargs:
        return True
    try:
        if callable(method):   # method=Model.encode: the function, self first
            bound = inspect.signature(method).bind_partial(model, *args, **kwargs)
        else:
            bound = inspect.signature(getattr(model, method or "__call__")).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return False
    return name in bound.arguments


class LinenModel:
    """What the loss receives: ``net(x, ...)`` runs the linen model on the current variables.

    In training mode each call updates the non-parameter collections (batch statistics) that the
    next call and the next step start from, and gets its own dropout key. ``net.params`` (the
    trained parameters, for a penalty), ``net.variables`` (all collections now) and ``net.module``
    (the linen Module, None when only an apply function was given) are there too. Any rng stream
    other than ``"dropout"`` is the loss's to pass: ``net(x, rngs={"noise": key})``.
    """

    def __init__(self, adapter: "LinenAdapter", params: Any, rest: dict, training: bool, key: Any) -> None:
        self._adapter, self.params, self._rest = adapter, params, rest
        self.training, self._key, self._calls = training, key, 0

    @property
    def module(self) -> Any:
        return self._adapter.module

    @property
    def variables(self) -> dict:
        return {"params": self.params, **self._rest}

    def __call__(self, *args: Any, method: Any = None, rngs: dict | None = None, **kwargs: Any) -> Any:
        adapter = self._adapter
        model, apply = adapter.module, adapter.apply_fn
        flag = _flag(model, method)
        if flag is not None:
            name, training, is_argument = flag
            value = training if self.training else not training
            if is_argument and not _given(model, method, name, args, kwargs):
                kwargs[name] = value
            elif not is_argument:
                apply = model.clone(**{name: value}).apply
        if method is not None:
            kwargs["method"] = method
        if not self.training:
            return apply(self.variables, *args, rngs=rngs, **kwargs)
        if self._key is not None:
            rngs = {"dropout": jax.random.fold_in(self._key, self._calls), **(rngs or {})}
        self._calls += 1
        if not self._rest:
            return apply(self.variables, *args, rngs=rngs, **kwargs)
        out, updated = apply(self.variables, *args, rngs=rngs, mutable=list(self._rest), **kwargs)
        self._rest = adapter.carried(self._rest, updated)
        return out


class LinenAdapter:
    """linen variables and their model: trains ``variables["params"]``, carries the other collections.

    ``module`` is a ``flax.linen.Module`` or its apply function (``model.apply``, a TrainState's
    ``apply_fn``). ``needs_key`` is always True: whether a linen model uses dropout cannot be told
    before it runs, and an unused key is only one more split of the step's key.
    """

    kind = "linen"
    needs_key = True

    def __init__(self, variables: Any, module: Any) -> None:
        self.module, self.apply_fn = _model_and_apply(module)
        variables = _variables(variables)
        self._order = _key_order(variables)
        params = variables.pop("params")
        self._initial = (_copy_leaves(params), _copy_leaves(variables))

    def initial(self) -> tuple[Any, dict]:
        return _copy_leaves(self._initial[0]), _copy_leaves(self._initial[1])

    def view(self, trainable: Any, rest: dict, key: Any = None) -> LinenModel:
        """The model in training mode, for the loss (a fresh one inside every trace)."""
        return LinenModel(self, trainable, rest, True, key)

    def eval_view(self, trainable: Any, rest: dict) -> LinenModel:
        """The model in evaluation mode (running averages, no dropout): what validation runs."""
        return LinenModel(self, trainable, rest, False, None)

    def rest_after(self, view: LinenModel, rest: dict) -> dict:
        """The collections after the loss ran on ``view`` (its batch statistics, updated)."""
        return view._rest

    def carried(self, rest: dict, updated: Mapping) -> dict:
        """``rest`` with each collection the call returned, where it kept its shapes; a collection whose
        structure changes with every call (values stored with ``self.sow``) keeps its previous value."""
        updated = _plain(updated)
        new = {}
        for name, old in rest.items():
            value = updated.get(name, old)
            same = jax.tree.structure(value) == jax.tree.structure(old) and all(
                np.shape(a) == np.shape(b) for a, b in zip(jax.tree.leaves(value), jax.tree.leaves(old)))
            new[name] = jax.tree.map(lambda a, b: jnp.asarray(a, b.dtype), value, old) if same else old
        return new

    def user_params(self, trainable: Any, rest: dict) -> dict:
        """The variables as the user holds them: ``{"params": ..., "batch_stats": ...}``."""
        return _in_order({"params": trainable, **rest}, self._order)

    def merge_user_params(self, variables: Any, trainable: Any, rest: dict) -> tuple[Any, dict]:
        """(params, other collections) of variables set by hand; a bare params dict keeps ``rest``."""
        if not isinstance(variables, Mapping):
            raise TypeError(f"params must be the linen variables {{'params': ..., ...}}; got {type(variables).__name__}")
        variables = _plain(variables)
        if "params" not in variables:
            return variables, rest
        unknown = sorted(set(variables) - {"params"} - set(rest))
        if unknown:
            raise ValueError(f"params: collections {unknown} are not among the model's {sorted(['params', *rest])}")
        new = {}
        for name, old in rest.items():
            value = variables.get(name, old)
            if jax.tree.structure(value) != jax.tree.structure(old):
                raise ValueError(f"params: the {name!r} collection must have the same structure as the current one")
            for a, b in zip(jax.tree.leaves(value), jax.tree.leaves(old)):
                if np.shape(a) != np.shape(b):
                    raise ValueError(f"params: {name!r} has shape {np.shape(a)} where {np.shape(b)} was expected")
            new[name] = jax.tree.map(lambda a, b: jnp.asarray(a, b.dtype), value, old)
        return variables["params"], new

    def eval_apply(self, variables: Any, x: Any) -> Any:
        """The model on a batch ``x`` in evaluation mode: ``trainer.apply`` for the views and the diagram."""
        variables = variables if "params" in variables else {"params": variables}
        params = variables["params"]
        return LinenModel(self, params, {k: v for k, v in variables.items() if k != "params"}, False, None)(x)


def eval_apply_of(apply_fn: Callable) -> Callable:
    """``apply(params, x)``: ``apply_fn({"params": params}, x)`` in evaluation mode (a TrainState's forward).

    >>> import flax.linen as nn
    >>> model = nn.Dense(2)
    >>> params = model.init(jax.random.key(0), jnp.ones((1, 3)))["params"]
    >>> eval_apply_of(model.apply)(params, jnp.ones((4, 3))).shape
    (4, 2)
    """
    model = getattr(apply_fn, "__self__", None)
    flag = _flag(model, None) if _is_linen_module(model) else None
    if flag is None:
        return lambda params, x: apply_fn({"params": params}, x)
    name, training, is_argument = flag
    if not is_argument:
        evaluating = model.clone(**{name: not training})
        return lambda params, x: evaluating.apply({"params": params}, x)
    return lambda params, x: apply_fn({"params": params}, x, **{name: not training})
