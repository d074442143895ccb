"""Driven Duffing oscillator: response curves and force-sweep images for the inverse problem (lesson 3).

The complex amplitude z in the frame rotating with the drive obeys

    dz/dt = -i (ω0 - ω(t)) z - (γ/2) z - i ε |z|² z + i f,    z(0) = 0,

while the drive frequency ω(t) sweeps linearly from ``omega_start`` to ``omega_stop`` over ``t_end``.
A network sees |z| along the sweep and infers (ω0, γ, ε). Everything is float32 and jit-compatible,
so the generators run inside a compiled training loop.

>>> import jax
>>> from jaxscope.datasets.duffing import duffing_curves
>>> x, y = duffing_curves(batch_size=4)(jax.random.key(0))
>>> x.shape, y.shape, str(x.dtype)
((4, 50), (4, 3), 'float32')
"""

from __future__ import annotations

import math
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import count as _count

__all__ = ["duffing_curves", "duffing_images", "solve_duffing"]

OMEGA0, GAMMA, EPSILON = (-1.0, 1.0), (0.5, 1.5), (0.0, 0.15)
SWEEP = (-4.0, 4.0)


# ---- argument checks ------------------------------------------------------------------------
def _number(value, name: str, minimum: float | None = None, strict: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if minimum is not None and (number < minimum or (strict and number == minimum)):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum}; got {value!r}")
    return number


def _range(value, name: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        lo = hi = math.nan
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"{name} must be a (lo, hi) pair of finite numbers with lo <= hi; got {value!r}")
    return lo, hi


# ---- the simulator --------------------------------------------------------------------------
def solve_duffing(omega0, gamma, epsilon, force=1.0, *, steps: int = 400, t_end: float = 200.0,
                  omega_start: float = SWEEP[0], omega_stop: float = SWEEP[1]) -> jax.Array:
    """|z| along one linear frequency sweep, integrated with RK4 in ``lax.scan``; shape (steps,).

    Solves dz/dt = -i (ω0 - ω(t)) z - (γ/2) z - i ε |z|² z + i f from z(0) = 0 in the rotating frame;
    for ε = 0 and a slow sweep |z| follows f / sqrt((ω - ω0)² + (γ/2)²), peaking at 2f/γ.
    Sample n is taken at time ``t_end * n / (steps - 1)``, where the drive frequency is
    ``linspace(omega_start, omega_stop, steps)[n]`` (sample 0 is z(0) = 0). ``omega0``, ``gamma``,
    ``epsilon`` and ``force`` are scalars and may be traced, so the function jits and vmaps.

    >>> solve_duffing(0.0, 1.0, 0.0).shape
    (400,)
    """
    steps = _count(steps, "steps", minimum=2)
    t_end = _number(t_end, "t_end", minimum=0.0, strict=True)
    omega_start, omega_stop = _number(omega_start, "omega_start"), _number(omega_stop, "omega_stop")
    omega0, gamma, epsilon, force = (jnp.asarray(v, jnp.float32) for v in (omega0, gamma, epsilon, force))
    dt = t_end / (steps - 1)
    sweep_rate = (omega_stop - omega_start) / t_end

    def rhs(z, t):
        detuning = omega0 - (omega_start + sweep_rate * t)
        return -1j * (detuning + epsilon * (z.real**2 + z.imag**2)) * z - 0.5 * gamma * z + 1j * force

    def rk4_step(z, t):
        k1 = rhs(z, t)
        k2 = rhs(z + 0.5 * dt * k1, t + 0.5 * dt)
        k3 = rhs(z + 0.5 * dt * k2, t + 0.5 * dt)
        k4 = rhs(z + dt * k3, t + dt)
        z = z + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
        return z, jnp.abs(z)

    times = dt * jnp.arange(steps - 1, dtype=jnp.float32)
    _, amplitude = jax.lax.scan(rk4_step, jnp.zeros((), jnp.complex64), times)
    return jnp.concatenate([jnp.zeros(1, jnp.float32), amplitude.astype(jnp.float32)])


def _resample(values: jax.Array, shape: tuple[int, ...], method: str) -> jax.Array:
    """Resize corner-aligned: the first and last samples stay on the grid ends.

    Output index j sits at input position j (n - 1) / (m - 1) on each axis, so a linspace grid
    stays a linspace grid with the same end points. Axes whose length does not change are kept.
    """
    axes = tuple(range(values.ndim))
    scale = jnp.array([1.0 if m == n else (m - 1) / (n - 1) for m, n in zip(shape, values.shape)], jnp.float32)
    return jax.image.scale_and_translate(values, shape, axes, scale, 0.5 - 0.5 * scale, method)


def _parameters(key: jax.Array, batch_size: int, ranges) -> jax.Array:
    lo, hi = jnp.array(ranges, jnp.float32).T
    return jax.random.uniform(key, (batch_size, 3), jnp.float32, lo, hi)


# ---- data generators ------------------------------------------------------------------------
def duffing_curves(batch_size: int = 32, *, bins: int = 50, noise: float = 0.0,
                   omega0=OMEGA0, gamma=GAMMA, epsilon=EPSILON, force: float = 1.0,
                   steps: int = 400) -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """A generator ``data(key) -> (x, y)`` of response curves for ``Trainer(data=...)``.

    x: float32 (batch_size, bins), |z| resampled linearly so that column j is at drive frequency
    ``linspace(-4, 4, bins)[j]``, plus Gaussian noise of std ``noise``. y: float32 (batch_size, 3) =
    (ω0, γ, ε), each uniform in its (lo, hi) range. Pure and jitted: the same key gives the same batch.

    >>> x, y = duffing_curves(8, bins=20)(jax.random.key(1))
    >>> x.shape, y.shape
    ((8, 20), (8, 3))
    """
    batch_size, bins = _count(batch_size, "batch_size"), _count(bins, "bins", minimum=2)
    steps = _count(steps, "steps", minimum=2)
    noise, force = _number(noise, "noise", minimum=0.0), _number(force, "force")
    ranges = (_range(omega0, "omega0"), _range(gamma, "gamma"), _range(epsilon, "epsilon"))
    solve = jax.vmap(lambda p: solve_duffing(p[0], p[1], p[2], force, steps=steps))

    @jax.jit
    def data(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        parameter_key, noise_key = jax.random.split(key)
        y = _parameters(parameter_key, batch_size, ranges)
        x = _resample(solve(y), (batch_size, bins), "linear")
        if noise > 0:
            x = x + noise * jax.random.normal(noise_key, x.shape, jnp.float32)
        return x, y

    return data


def duffing_images(batch_size: int = 16, *, size: int = 50, forces: int = 50,
                   force_range=(0.1, 2.0), noise: float = 0.5, steps: int = 400,
                   omega0=OMEGA0, gamma=GAMMA, epsilon=EPSILON
                   ) -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """A generator ``data(key) -> (x, y)`` of force-sweep images for a CNN (channels first).

    x: float32 (batch_size, 3, size, size). Channel 0 is |z| for ``forces`` drive strengths
    (rows, ascending in ``force_range``) × the frequency sweep (columns), cubic-resized to
    size × size, plus Gaussian noise of std ``noise``; channel 1 holds each column's frequency
    ``linspace(-4, 4, size)``, channel 2 each row's force ``linspace(*force_range, size)``.
    y: float32 (batch_size, 3) = (ω0, γ, ε), uniform in the ranges. Pure and jitted.

    >>> x, y = duffing_images(2, size=10, forces=10, steps=100)(jax.random.key(0))
    >>> x.shape, y.shape
    ((2, 3, 10, 10), (2, 3))
    """
    batch_size, size = _count(batch_size, "batch_size"), _count(size, "size", minimum=2)
    forces, steps = _count(forces, "forces", minimum=2), _count(steps, "steps", minimum=2)
    noise = _number(noise, "noise", minimum=0.0)
    force_lo, force_hi = _range(force_range, "force_range")
    ranges = (_range(omega0, "omega0"), _range(gamma, "gamma"), _range(epsilon, "epsilon"))
    force_values = np.linspace(force_lo, force_hi, forces).astype(np.float32)
    frequency = np.broadcast_to(np.linspace(*SWEEP, size).astype(np.float32), (size, size))
    force_grid = np.broadcast_to(np.linspace(force_lo, force_hi, size).astype(np.float32)[:, None], (size, size))

    def image(p: jax.Array) -> jax.Array:
        rows = jax.vmap(lambda f: solve_duffing(p[0], p[1], p[2], f, steps=steps))(force_values)
        return _resample(rows, (size, size), "cubic")

    @jax.jit
    def data(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        parameter_key, noise_key = jax.random.split(key)
        y = _parameters(parameter_key, batch_size, ranges)
        amplitude = jax.vmap(image)(y)
        if noise > 0:
            amplitude = amplitude + noise * jax.random.normal(noise_key, amplitude.shape, jnp.float32)
        coordinates = jnp.broadcast_to(np.stack([frequency, force_grid]), (batch_size, 2, size, size))
        return jnp.concatenate([amplitude[:, None], coordinates], axis=1), y

    return data
