"""The hanging chain of lesson 1: an energy to minimise, with no network and no data.

N point masses hang at unit horizontal spacing between two walls at height 0. Neighbours (and the
outermost masses and the walls) are joined by springs of constant ``spring`` = K and rest length
``length`` = l; each mass has weight ``mass_g`` = m g. Only the heights y_j move, so the energy is

    E(y) = Σ_{i=0..N} (K/2) (sqrt((y_{i+1} - y_i)² + 1) - l)²  +  Σ_{j=1..N} m g y_j,    y_0 = y_{N+1} = 0

(N + 1 springs, walls included). The course's defaults are K = 5, l = 0.8, m g = 0.1 and N = 20.
With l <= 1 the energy is convex and has a single minimum, the relaxed chain. There dE/dy_j = 0 is
the vertical force balance at mass j: with T_i = K (L_i - l) the tension of spring i of length L_i,
its vertical pull V_i = T_i (y_{i+1} - y_i) / L_i obeys V_j - V_{j-1} = m g, and each wall carries
half the weight, N m g / 2. The horizontal tension T_i / L_i is *not* constant along the chain (as it
would be for a free chain): the masses are held at fixed x, which takes up the difference.

>>> import jax.numpy as jnp, optax
>>> import jaxscope as scope
>>> from jaxscope.datasets.chain import chain_energy, chain_loss, relaxed_chain
>>> trainer = scope.Trainer(params={"heights": jnp.zeros(20)}, loss=chain_loss(),
...                         data=None, optimizer=optax.adam(0.1))
>>> trainer.run(300)
>>> round(float(trainer.history["loss"][-1]), 2), round(float(chain_energy(relaxed_chain(20))), 3)
(-0.93, -0.926)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import count as _count

__all__ = ["chain_energy", "chain_loss", "relaxed_chain"]

SPRING, LENGTH, MASS_G = 5.0, 0.8, 0.1
NEWTON_STEPS = 60
_STEP_SIZES = 0.5 ** np.arange(32)   # backtracking: try 1, 1/2, ..., 2^-31 of the Newton step


def _constant(value, name: str, positive: bool) -> Any:
    """Check a concrete number; a traced value (e.g. ``jax.vmap`` over lengths) passes unchecked."""
    what = "a positive finite number" if positive else "a finite number"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number, np.ndarray, jax.Array)):
        raise ValueError(f"{name} must be {what}; got {value!r}")
    try:
        number = float(value)
    except TypeError:   # traced, or not a scalar
        if jnp.ndim(value) != 0:
            raise ValueError(f"{name} must be {what} (a scalar); got shape {jnp.shape(value)}") from None
        return value
    if not math.isfinite(number) or (positive and number <= 0):
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return value


def _constants(spring, length, mass_g) -> tuple:
    return (_constant(spring, "spring", True), _constant(length, "length", True),
            _constant(mass_g, "mass_g", False))


def _energy(heights: jax.Array, spring, length, mass_g) -> jax.Array:
    y = jnp.pad(jnp.asarray(heights, jnp.float32), 1)       # the walls: y = 0 at both ends
    stretch = jnp.sqrt(jnp.diff(y) ** 2 + 1.0) - length
    return 0.5 * spring * jnp.sum(stretch ** 2) + mass_g * jnp.sum(y)


def chain_energy(heights: jax.Array, *, spring: float = SPRING, length: float = LENGTH,
                 mass_g: float = MASS_G) -> jax.Array:
    """Energy of the chain with the given heights (N,), a float32 scalar (see the module docstring).

    The flat chain has E = (N + 1) (K/2) (1 - l)², 2.1 for the course's N = 20.

    >>> float(chain_energy(jnp.zeros(20)))  # doctest: +ELLIPSIS
    2.1...
    """
    spring, length, mass_g = _constants(spring, length, mass_g)
    if jnp.ndim(heights) != 1:
        raise ValueError(f"heights must be a 1-D array (one height per mass); got shape {jnp.shape(heights)}")
    return _energy(heights, spring, length, mass_g)


def chain_loss(*, spring: float = SPRING, length: float = LENGTH,
               mass_g: float = MASS_G) -> Callable[[Any, Any], jax.Array]:
    """A Trainer loss ``loss(params, batch) -> energy`` with ``params = {"heights": (N,)}``.

    The batch is ignored (the chain needs no data): pass ``data=None`` (the loss then receives ``None``).
    A bare (N,) array is accepted as params too, as in the course's ``y``.

    >>> loss = chain_loss(length=1.0)
    >>> float(loss({"heights": jnp.zeros(20)}, None))
    0.0
    """
    spring, length, mass_g = _constants(spring, length, mass_g)

    def loss(params, batch=None):
        heights = params["heights"] if isinstance(params, dict) and "heights" in params else params
        if isinstance(heights, dict):
            raise ValueError(f"chain_loss expects params = {{'heights': array of shape (N,)}}; "
                             f"got a dict with keys {sorted(heights)}")
        return chain_energy(heights, spring=spring, length=length, mass_g=mass_g)

    return loss


def relaxed_chain(n: int = 20, *, spring: float = SPRING, length: float = LENGTH,
                  mass_g: float = MASS_G) -> jax.Array:
    """The minimum-energy heights (n,) float32: where every mass is in force balance.

    Found by Newton's method on the exact Hessian (``jax.hessian``, tridiagonal, n × n), started
    from the flat chain and run for 60 steps. Each step uses the absolute values of the Hessian's
    eigenvalues, floored at 1e-6 K (so it always goes downhill, also for slack springs with
    ``length`` >= 1), and halves the step until the energy does not increase. For l <= 1 the energy is convex and the answer is the
    unique minimum to float32 precision (|dE/dy| ~ 1e-7). ``spring``, ``length`` and ``mass_g``
    may be traced, e.g. ``jax.vmap`` over a range of lengths.

    >>> y = relaxed_chain(20)
    >>> bool(y[9] < y[0] < 0)
    True
    """
    n = _count(n, "n")
    spring, length, mass_g = _constants(spring, length, mass_g)
    return _relax(n, jnp.float32(spring), jnp.float32(length), jnp.float32(mass_g))


@partial(jax.jit, static_argnums=0)
def _relax(n: int, spring: jax.Array, length: jax.Array, mass_g: jax.Array) -> jax.Array:
    def energy(y):
        return _energy(y, spring, length, mass_g)

    gradient, hessian = jax.grad(energy), jax.hessian(energy)
    step_sizes = jnp.asarray(_STEP_SIZES, jnp.float32)

    def newton_step(_, y):
        eigenvalues, vectors = jnp.linalg.eigh(hessian(y))
        # a flat, exactly slack chain (l = 1) has zero curvature: the floor keeps the step finite
        curvature = jnp.maximum(jnp.abs(eigenvalues), 1e-6 * spring)
        step = -vectors @ ((vectors.T @ gradient(y)) / curvature)
        trials = jax.vmap(energy)(y + step_sizes[:, None] * step)
        # float32 rounding of E (~1e-7 relative) must not block the last, tiny Newton steps
        current = energy(y)
        better = trials <= current + 1e-6 * (1.0 + jnp.abs(current))
        scale = jnp.where(jnp.any(better), step_sizes[jnp.argmax(better)], 0.0)
        return y + scale * step

    return jax.lax.fori_loop(0, NEWTON_STEPS, newton_step, jnp.zeros(n, jnp.float32))
