"""Labelled points in the plane: the 2-D playground's targets (AND, XOR, disk, ring, spiral, two clouds).

Points (x, y) are drawn from a centred Gaussian of standard deviation ``scale`` and labelled 1 or 0
by a target region:

    "and"            x > 0 and y > 0                            (1/4 of the points)
    "xor"            x > 0 differs from y > 0                    (1/2)
    "disk"           x² + y² < 1  ("circle" is the same)         (1 - exp(-1 / 2 scale²), 0.29 at 1.2)
    "ring"           |sqrt(x² + y²) - 1.2| < 0.4                 (0.39 at scale 1.2)
    "spiral"         sin(atan2(y, x) + 2.5 sqrt(x² + y²)) > 0    (about 1/2)
    "two_gaussians"  two clouds of std ``scale`` around (1, 1) (label 1) and (-1, -1) (label 0),
                     with equal odds; the label is the cloud a point came from

>>> import jax
>>> from jaxscope.datasets.plane import plane_points
>>> xy, label = plane_points("xor", batch_size=4)(jax.random.key(0))
>>> xy.shape, label.shape, str(label.dtype)
((4, 2), (4, 1), 'float32')
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp

from .arguments import count as _count

__all__ = ["TARGETS", "plane_points", "plane_target"]


def _and(x, y):
    return (x > 0) & (y > 0)


def _xor(x, y):
    return (x > 0) != (y > 0)


def _disk(x, y):
    return x ** 2 + y ** 2 < 1.0


def _ring(x, y):
    return jnp.abs(jnp.sqrt(x ** 2 + y ** 2) - 1.2) < 0.4


def _spiral(x, y):
    return jnp.sin(jnp.arctan2(y, x) + 2.5 * jnp.sqrt(x ** 2 + y ** 2)) > 0


def _two_gaussians(x, y):
    # the best possible decision between clouds of equal width around (1, 1) and (-1, -1)
    return x + y > 0


_FUNCTIONS = {"and": _and, "xor": _xor, "disk": _disk, "ring": _ring, "spiral": _spiral,
              "two_gaussians": _two_gaussians}
_ALIASES = {"circle": "disk"}
TARGETS = (*_FUNCTIONS, *_ALIASES)   # every name plane_points and plane_target accept


def _target_name(target) -> str:
    name = target.lower() if isinstance(target, str) else target
    name = _ALIASES.get(name, name)
    if name not in _FUNCTIONS:
        raise ValueError(f"target must be one of {', '.join(map(repr, TARGETS))}; got {target!r}")
    return name


def _number(value, name: str, low: float, high: float | None, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    ok = not isinstance(value, bool) and math.isfinite(number) and number >= low
    ok = ok and (high is None or number <= high) and (high is not None or number > low)
    if not ok:
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return number


def plane_target(target: str) -> Callable[[jax.Array, jax.Array], jax.Array]:
    """The labelling rule ``f(x, y) -> bool array`` of ``target`` (see the module docstring).

    Use it to draw the ideal map next to a network's output. Case is ignored; "circle" is "disk".
    For "two_gaussians" the labels are not a function of the point: this returns the best
    possible decision, x + y > 0.

    >>> f = plane_target("xor")
    >>> f(jnp.array([1.0, 1.0]), jnp.array([1.0, -1.0])).tolist()
    [False, True]
    """
    return _FUNCTIONS[_target_name(target)]


def plane_points(target: str, batch_size: int = 128, *, noise: float = 0.0,
                 scale: float = 1.2) -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """Random labelled points: ``data(key) -> (xy, label)``.

    xy (batch_size, 2) float32, drawn from a Gaussian of std ``scale`` around the origin (for
    "two_gaussians", around (1, 1) or (-1, -1)); label (batch_size, 1) float32, 1.0 inside the
    target region. ``noise`` is the probability that a label is flipped, independently per point:
    that fraction of the labels is wrong on average (0 clean, 0.5 pure noise, 1 inverted).

    >>> data = plane_points("disk", 1000, noise=0.1)
    >>> xy, label = data(jax.random.key(0))
    >>> xy.shape, label.shape
    ((1000, 2), (1000, 1))
    """
    name = _target_name(target)
    batch_size = _count(batch_size, "batch_size")
    noise = _number(noise, "noise", 0.0, 1.0, "a fraction of flipped labels in [0, 1]")
    scale = _number(scale, "scale", 0.0, None, "a positive finite number (the points' standard deviation)")
    rule = _FUNCTIONS[name]

    def batch(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        k_points, k_cloud, k_flip = jax.random.split(key, 3)
        xy = scale * jax.random.normal(k_points, (batch_size, 2), jnp.float32)
        if name == "two_gaussians":
            label = jax.random.bernoulli(k_cloud, 0.5, (batch_size, 1))
            xy = xy + jnp.where(label, 1.0, -1.0)
        else:
            label = rule(xy[:, :1], xy[:, 1:])
        label = label != jax.random.bernoulli(k_flip, noise, (batch_size, 1))
        return xy, label.astype(jnp.float32)

    compiled = jax.jit(batch)

    def data(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        return compiled(key)

    return data
