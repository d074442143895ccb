"""What differs between compared runs: each trainer described by its settings, and a legend label
per run naming only the settings that differ (``lr 1e-3 · seed 1``), after its name when it has one.

>>> describe_runs([{"lr": "lr 1e-3", "seed": "seed 0"}, {"lr": "lr 1e-2", "seed": "seed 0"}], ["", ""])
['lr 1e-3', 'lr 1e-2']
>>> describe_runs([{"lr": "lr 1e-3"}, {"lr": "lr 1e-3"}], ["small", "big"])
['small', 'big']
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

# The settings a label may name, in the order it names them.
FIELDS = ("lr", "optimizer", "seed", "model", "ensemble", "batch", "eval_every")
# Optimizer states that say nothing about which optimizer it is.
NEUTRAL_STATES = {"EmptyState", "InjectHyperparamsState", "InjectStatefulHyperparamsState", "ScaleByScheduleState",
                  "ScaleByLearningRateState", "MaskedState", "MultiStepsState", "ApplyIfFiniteState"}


def short_number(value: float) -> str:
    """A learning rate as people write it.

    >>> [short_number(v) for v in (1e-3, 3e-4, 2.5e-3, 0.01, 0.1, 1.0)]
    ['1e-3', '3e-4', '2.5e-3', '1e-2', '0.1', '1']
    """
    value = float(value)
    if value != 0 and abs(value) < 0.1:
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{value:.3g}"


def optimizer_name(opt_state: Any) -> str | None:
    """The optimizer an optax state belongs to, read off its state types: ``ScaleByAdamState`` is
    adam, ``TraceState`` momentum; no telling state (plain sgd) is "sgd".

    >>> import optax, jax.numpy as jnp
    >>> p = {"w": jnp.zeros(2)}
    >>> optimizer_name(optax.adam(1e-3).init(p)), optimizer_name(optax.sgd(0.1).init(p))
    ('adam', 'sgd')
    """
    names: list[str] = []

    def visit(node: Any) -> None:
        kind = type(node).__name__
        if isinstance(node, tuple):
            if kind.endswith("State") and kind not in NEUTRAL_STATES:
                name = kind[:-len("State")]
                name = name[len("ScaleBy"):] if name.startswith("ScaleBy") else name
                name = {"Trace": "momentum"}.get(name, name.lower())
                if name not in names:
                    names.append(name)
            for child in node:
                visit(child)
        elif isinstance(node, dict):
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    try:
        visit(opt_state)
    except Exception:
        return None
    return "+".join(names) if names else "sgd"


def model_name(params: Any) -> str | None:
    """The network's layer sizes when its matrices chain (``2-16-1``), else its parameter count.

    >>> import numpy as np
    >>> model_name({"w1": np.zeros((2, 16)), "b1": np.zeros(16), "w2": np.zeros((16, 1)), "b2": np.zeros(1)})
    '2-16-1'
    >>> model_name({"w": np.zeros(3)})
    '3 params'
    """
    try:
        leaves = [np.shape(leaf) for leaf in jax.tree.leaves(params)]
    except Exception:
        return None
    matrices = [shape for shape in leaves if len(shape) == 2]
    if matrices and all(a[1] == b[0] for a, b in zip(matrices, matrices[1:])):
        return "-".join(str(d) for d in [matrices[0][0], *(m[1] for m in matrices)])
    return f"{sum(int(np.prod(shape)) for shape in leaves):,} params"


def batch_size(trainer: Any) -> int | None:
    """The leading size of the first array of a training batch, or None."""
    try:
        leaves = jax.tree.leaves(trainer.data.batch_shapes())
        return int(leaves[0].shape[0]) if leaves and leaves[0].shape else None
    except Exception:
        return None


def settings_of(trainer: Any) -> dict[str, str]:
    """A trainer's settings as label parts, ``{"lr": "lr 1e-3", "seed": "seed 0", ...}`` (the
    settings it cannot tell are left out)."""
    parts: dict[str, str] = {}
    rate = getattr(trainer, "learning_rate", None)
    if isinstance(rate, (int, float)) and not isinstance(rate, bool):   # a sweep's rates are no one number
        parts["lr"] = f"lr {short_number(rate)}"
    optimizer = optimizer_name(getattr(trainer, "opt_state", None))
    if optimizer is not None:
        parts["optimizer"] = optimizer
    seed = trainer.seed
    if seed is not None:
        parts["seed"] = f"seed {seed}"
    size = getattr(trainer, "ensemble_size", None)
    if size:   # an ensemble's params stack its members: describe one member's network
        parts["ensemble"] = f"ensemble {size}"
    try:
        model = model_name(trainer.member(0) if size else getattr(trainer, "params", None))
    except Exception:
        model = None
    if model is not None:
        parts["model"] = model
    batch = batch_size(trainer)
    if batch is not None:
        parts["batch"] = f"batch {batch}"
    every = trainer.eval_every
    if every is not None and getattr(getattr(trainer, "data", None), "has_validation", False):
        parts["eval_every"] = f"eval every {every}"
    return parts


def describe_runs(settings: list[dict[str, str]], names: list[str]) -> list[str]:
    """One label per run: its name when given, then the settings that differ between the runs;
    ``run k`` (from 1) when nothing tells them apart."""
    differing = [field for field in FIELDS if len({s.get(field) for s in settings}) > 1]
    labels = []
    for k, (own, name) in enumerate(zip(settings, names)):
        parts = ([name] if name else []) + [own[f] for f in differing if f in own]
        labels.append(" · ".join(parts) or f"run {k + 1}")
    if len(set(labels)) < len(labels):   # still alike: number them
        labels = [f"{label} ({k + 1})" if labels.count(label) > 1 else label for k, label in enumerate(labels)]
    return labels


def run_labels(trainers: list[Any]) -> list[str]:
    """The legend labels of ``trainers`` compared on one chart.

    >>> run_labels([trainer_a, trainer_b])   # doctest: +SKIP
    ['lr 1e-3', 'lr 1e-2']
    """
    return describe_runs([settings_of(t) for t in trainers], [str(getattr(t, "name", "") or "") for t in trainers])
