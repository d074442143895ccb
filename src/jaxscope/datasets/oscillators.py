"""Coupled oscillators: watch the heavy particle, predict a light one (the recurrent-network lecture).

Particle 0 is heavy (mass m_0 = 3, spring k_0 = 3); particles j = 1 … N-1 are light, with mass and
spring each drawn as |1 + 0.2 n|, n ~ N(0, 1). Every light particle couples to the heavy one with
strength D = 0.2:

    m_0 dv_0/dt = -k_0 x_0 + D Σ_j (x_j - x_0) - η v_0 + F(t)
    m_j dv_j/dt = -k_j x_j + D (x_0 - x_j)     - η v_j            (j ≥ 1)

with the damping η = ``damping`` (0 in the lecture's equations) and an optional random force F(t) on the heavy
particle (0 in the lecture's equations). A network sees x_0(t) only and must output x_1(t): the light particle
depends on the past of x_0 and on its own unknown mass and spring, so the task needs memory.
Without damping and force the total energy (:func:`oscillator_energy`) is conserved.

>>> import jax
>>> from jaxscope.datasets.oscillators import coupled_oscillators
>>> heavy, light = coupled_oscillators(batch_size=4)(jax.random.key(0))
>>> heavy.shape, light.shape, str(heavy.dtype)
((4, 60, 1), (4, 60, 1), 'float32')
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import as_float as _as_float
from .arguments import count as _count

__all__ = ["coupled_oscillators", "oscillator_energy", "oscillator_parameters", "solve_oscillators"]

HEAVY_MASS, HEAVY_SPRING = 3.0, 3.0
COUPLING = 0.2
SPREAD = 0.2          # light masses and springs: |1 + SPREAD n|, n ~ N(0, 1)


def _finite(value, name: str, minimum: float | None = None) -> float:
    number = _as_float(value)
    if not math.isfinite(number) or (minimum is not None and number < minimum):
        bound = "" if minimum is None else f" >= {minimum:g}"
        raise ValueError(f"{name} must be a finite number{bound}; got {value!r}")
    return number


def _positive(value, name: str) -> float:
    number = _as_float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    return number


# ---- the physics ----------------------------------------------------------------------------
def oscillator_energy(positions, velocities, masses, springs, coupling: float = COUPLING) -> jax.Array:
    """Total energy Σ_j (m_j v_j² + k_j x_j²)/2 + Σ_{j≥1} (D/2)(x_j - x_0)², over the last axis.

    Arrays (…, N) with particle 0 the heavy one; leading axes (time, batch) broadcast. This is the
    quantity the equations of motion conserve when there is no damping and no force.

    >>> x, v = jnp.array([1.0, 0.0]), jnp.zeros(2)      # spring k_0 x_0²/2 + coupling D x_0²/2
    >>> round(float(oscillator_energy(x, v, masses=jnp.ones(2), springs=jnp.ones(2))), 6)
    0.6
    """
    x, v = jnp.asarray(positions), jnp.asarray(velocities)
    kinetic = 0.5 * jnp.sum(masses * v ** 2, axis=-1)
    springs_energy = 0.5 * jnp.sum(springs * x ** 2, axis=-1)
    coupling_energy = 0.5 * coupling * jnp.sum((x[..., 1:] - x[..., :1]) ** 2, axis=-1)
    return kinetic + springs_energy + coupling_energy


def _system(normals: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(masses, springs) (…, N) from standard normals (…, 2, N - 1) for the light particles."""
    light = jnp.abs(1.0 + SPREAD * normals)
    heavy = jnp.broadcast_to(jnp.array([HEAVY_MASS, HEAVY_SPRING], jnp.float32)[:, None], (*light.shape[:-1], 1))
    both = jnp.concatenate([heavy, light], axis=-1)
    return both[..., 0, :], both[..., 1, :]


def oscillator_parameters(key: jax.Array, particles: int = 6, shape: tuple[int, ...] = ()
                          ) -> tuple[jax.Array, jax.Array]:
    """The lecture's random system: (masses, springs), each float32 (*shape, particles).

    Particle 0 has m_0 = k_0 = 3; the others |1 + 0.2 n| with independent n ~ N(0, 1).

    >>> masses, springs = oscillator_parameters(jax.random.key(0), 4)
    >>> masses.shape, float(masses[0]), float(springs[0])
    ((4,), 3.0, 3.0)
    """
    particles = _count(particles, "particles", minimum=2)
    return _system(jax.random.normal(key, (*shape, 2, particles - 1), jnp.float32))


def solve_oscillators(positions, velocities, masses, springs, *, steps: int = 60, dt: float = 0.5,
                      coupling: float = COUPLING, damping: float = 0.0, force=0.0,
                      substeps: int = 8) -> tuple[jax.Array, jax.Array]:
    """Integrate the coupled oscillators with RK4 in ``lax.scan``: (positions, velocities) over time.

    Starts from ``positions`` and ``velocities`` (N,) with ``masses``, ``springs`` (N,), particle 0
    the heavy one. Returns two float32 arrays (steps, N), row n at time n·``dt`` (row 0 is the
    initial state). Each interval ``dt`` takes ``substeps`` RK4 steps: with the defaults (step
    1/16) the energy of random lecture systems stays within 6e-6 (relative, float32) of its start
    over 60 steps, 3e-5 over 1000. ``force`` is the force on the heavy particle, a scalar or an
    array (steps - 1,) held constant over each interval. All array arguments may be traced, so
    the function jits and vmaps.

    >>> x, v = solve_oscillators(jnp.array([1.0, 0.0]), jnp.zeros(2), jnp.ones(2), jnp.ones(2), steps=5)
    >>> x.shape, float(x[0, 0])
    ((5, 2), 1.0)
    """
    steps = _count(steps, "steps", minimum=2)
    substeps = _count(substeps, "substeps")
    dt = _positive(dt, "dt")
    coupling = _finite(coupling, "coupling")
    damping = _finite(damping, "damping", minimum=0.0)
    x0, v0, m, k = (jnp.asarray(a, jnp.float32) for a in (positions, velocities, masses, springs))
    forces = jnp.broadcast_to(jnp.asarray(force, jnp.float32), (steps - 1,))
    particles = x0.shape[-1]
    h = dt / substeps
    # m a = stiffness @ x - η v + F e_0; the D-springs join particle 0 to every other one
    links = np.zeros((particles, particles), np.float32)
    links[0, 1:] = links[1:, 0] = coupling
    stiffness = links - np.diag(links.sum(1)) - jnp.diag(k)
    pull, friction, push = stiffness / m[:, None], damping / m, jnp.zeros(particles).at[0].set(1.0) / m

    def acceleration(x, v, f):
        return pull @ x - friction * v + f * push

    def rk4(x, v, f):
        a1 = acceleration(x, v, f)
        x2, v2 = x + 0.5 * h * v, v + 0.5 * h * a1
        a2 = acceleration(x2, v2, f)
        x3, v3 = x + 0.5 * h * v2, v + 0.5 * h * a2
        a3 = acceleration(x3, v3, f)
        x4, v4 = x + h * v3, v + h * a3
        a4 = acceleration(x4, v4, f)
        return x + (h / 6) * (v + 2 * v2 + 2 * v3 + v4), v + (h / 6) * (a1 + 2 * a2 + 2 * a3 + a4)

    def interval(state, f):
        state = jax.lax.fori_loop(0, substeps, lambda _, s: rk4(*s, f), state)
        return state, state

    _, (x, v) = jax.lax.scan(interval, (x0, v0), forces)
    return jnp.concatenate([x0[None], x]), jnp.concatenate([v0[None], v])


# ---- the data generator ---------------------------------------------------------------------
def coupled_oscillators(batch_size: int = 50, *, steps: int = 60, dt: float = 0.5, particles: int = 6,
                        target: int = 1, damping: float = 0.0, force: float = 0.0,
                        amplitude: float = 1.0, substeps: int = 8
                        ) -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """Heavy-particle input, light-particle target: ``data(key) -> (inputs, targets)``.

    Each sample is a fresh random system of ``particles`` particles (the heavy one and
    ``particles - 1`` light ones), drawn as in :func:`oscillator_parameters`, started from
    random positions and velocities, each N(0, ``amplitude``²), and integrated by
    :func:`solve_oscillators`. The defaults span t = 0 … 29.5, about five periods of the heavy
    particle (ω = sqrt(k_0/m_0) = 1). inputs: float32 (batch_size, steps, 1) = x_0 at times n·``dt``
    (``data.times``); targets: float32 (batch_size, steps, 1) = x_``target`` at the same times.
    ``force`` > 0 adds a random force on the heavy particle, N(0, ``force``²) and held constant over
    each interval ``dt`` (a random drive the network cannot see, only its effect on x_0).
    Pure and jitted: the same key gives the same batch.

    >>> data = coupled_oscillators(8, steps=20)
    >>> heavy, light = data(jax.random.key(1))
    >>> heavy.shape, data.times[:3].tolist()
    ((8, 20, 1), [0.0, 0.5, 1.0])
    """
    batch_size = _count(batch_size, "batch_size")
    steps = _count(steps, "steps", minimum=2)
    particles = _count(particles, "particles", minimum=2)
    target = _count(target, "target")
    if target >= particles:
        raise ValueError(f"target must be a light particle, 1 <= target <= {particles - 1}; got {target!r}")
    dt = _positive(dt, "dt")
    substeps = _count(substeps, "substeps")
    damping = _finite(damping, "damping", minimum=0.0)
    force = _finite(force, "force", minimum=0.0)
    amplitude = _finite(amplitude, "amplitude", minimum=0.0)

    light = 2 * (particles - 1)
    starts = 2 * particles

    @jax.jit
    def batch(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        # one draw for everything: random-number code is the slow part to compile on CPU
        normals = jax.random.normal(key, (batch_size, light + starts + steps - 1), jnp.float32)
        masses, springs = _system(normals[:, :light].reshape(batch_size, 2, particles - 1))
        x0, v0 = jnp.moveaxis(amplitude * normals[:, light:light + starts].reshape(batch_size, 2, particles), 1, 0)
        drive = force * normals[:, light + starts:]

        def one(x0, v0, masses, springs, drive):
            x, _ = solve_oscillators(x0, v0, masses, springs, steps=steps, dt=dt, damping=damping,
                                     force=drive, substeps=substeps)
            return x[:, 0, None], x[:, target, None]

        return jax.vmap(one)(x0, v0, masses, springs, drive)

    def data(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        return batch(key)

    data.times = np.arange(steps, dtype=np.float32) * np.float32(dt)
    return data
