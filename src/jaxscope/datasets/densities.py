"""2-D densities to learn to generate (normalizing flows, diffusion models): two moons, a ring of
Gaussians, a checkerboard, each as a jitted sampler ``data(key) -> xy (batch_size, 2)`` float32 and
its exact log-density ``log_density(xy) -> (n,)`` (nats), the "truth" a model's likelihood is measured against.

    two_moons           two interleaved half circles of radius ``radius`` (scikit-learn's moons scaled
                        by ``radius`` and centred on the origin: point-symmetric), Gaussian noise of std
                        ``noise``; the log-density integrates the noise along the arcs (Simpson's rule
                        on 1025 nodes: within 1e-4 nats where log p > -20, for noise >= 0.05 · radius)
    ring_of_gaussians   ``modes`` equal Gaussians of std ``width`` at angles 2πk/modes on a circle of
                        radius ``radius``, equal weights
    checkerboard        uniform on the dark squares of a ``squares`` x ``squares`` board of side
                        ``size`` centred on the origin (square (i, j) from the bottom left is dark when
                        i + j is even); log-density -inf on the light squares and outside

>>> import jax
>>> xy = ring_of_gaussians(4, modes=8, radius=2.0, width=0.2)(jax.random.key(0))
>>> xy.shape, str(xy.dtype)
((4, 2), 'float32')
>>> float(checkerboard_log_density([[0.5, 0.5], [-0.5, 0.5]], squares=4, size=4.0)[0])  # 8 unit squares
-2.0794415416798357
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import as_float
from .arguments import count as _count

__all__ = ["checkerboard", "checkerboard_log_density", "ring_of_gaussians", "ring_of_gaussians_log_density",
           "two_moons", "two_moons_log_density"]

ARC_NODES = 1024     # Simpson intervals along each moon for its log-density
CHUNK = 1024         # points at a time in it


def _positive(value, name: str, what: str) -> float:
    number = as_float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a positive finite number ({what}); got {value!r}")
    return number


def _points(xy) -> np.ndarray:
    points = np.asarray(xy, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"xy must be points of shape (n, 2); got shape {points.shape}")
    return points


def _sampler(draw: Callable[[jax.Array], jax.Array]) -> Callable[[jax.Array], jax.Array]:
    compiled = jax.jit(draw)

    def data(key: jax.Array) -> jax.Array:
        return compiled(key)

    return data


def _logsumexp(values: np.ndarray, axis: int) -> np.ndarray:
    top = np.max(values, axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.sum(np.exp(values - top), axis=axis))


# ---- two moons --------------------------------------------------------------------------------
def _moon_centre(t, radius):
    """The upper moon's arc at angle t in [0, π]; the lower moon is its mirror image through 0."""
    return radius * jnp.stack([jnp.cos(t) - 0.5, jnp.sin(t) - 0.25], axis=-1)


def two_moons(batch_size: int = 256, *, noise: float = 0.15, radius: float = 2.0) -> Callable[[jax.Array], jax.Array]:
    """Two interleaved moons, ``data(key) -> xy (batch_size, 2)``: a uniform angle t in [0, π] on the
    upper arc radius·(cos t - 1/2, sin t - 1/4) or, with equal odds, on its mirror image through the
    origin, plus Gaussian noise of std ``noise``.

    >>> xy = two_moons(1000, noise=0.0)(jax.random.key(0))                  # on the arcs around ∓(1, 0.5)
    >>> centre = jnp.array([1.0, 0.5])
    >>> off = [jnp.abs(jnp.linalg.norm(xy - s * centre, axis=1) - 2.0) for s in (-1, 1)]
    >>> bool(jnp.all(jnp.minimum(*off) < 1e-5))
    True
    """
    batch_size = _count(batch_size, "batch_size")
    if not math.isfinite(as_float(noise)) or as_float(noise) < 0:
        raise ValueError(f"noise must be a finite number >= 0 (the noise standard deviation); got {noise!r}")
    noise = as_float(noise)
    radius = _positive(radius, "radius", "of the moons")

    def draw(key: jax.Array) -> jax.Array:
        k_angle, k_moon, k_noise = jax.random.split(key, 3)
        t = jax.random.uniform(k_angle, (batch_size,), jnp.float32, 0.0, jnp.pi)
        side = jnp.where(jax.random.bernoulli(k_moon, 0.5, (batch_size, 1)), 1.0, -1.0)
        return side * _moon_centre(t, radius) + noise * jax.random.normal(k_noise, (batch_size, 2), jnp.float32)

    return _sampler(draw)


def two_moons_log_density(xy, *, noise: float = 0.15, radius: float = 2.0) -> np.ndarray:
    """log p(xy) (n,) in nats of ``two_moons(noise=, radius=)``, float64: the noise's Gaussian averaged
    over each arc by Simpson's rule on ``ARC_NODES`` + 1 nodes per moon (points in chunks, so any
    number of them fits in memory).

    >>> two_moons_log_density([[-1.0, 1.5], [0.0, 0.0]]).round(2).tolist()    # the top of a moon; between them
    [-1.55, -17.85]
    """
    points = _points(xy)
    noise = _positive(noise, "noise", "the noise standard deviation; the density of noise=0 has no log")
    radius = _positive(radius, "radius", "of the moons")
    t = np.linspace(0.0, np.pi, ARC_NODES + 1)
    weights = np.ones(ARC_NODES + 1)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    log_weights = np.log(np.tile(weights / (3 * ARC_NODES), 2) / 2)          # mean over t, then over the moons
    upper = radius * np.stack([np.cos(t) - 0.5, np.sin(t) - 0.25], axis=1)
    centres = np.concatenate([upper, -upper])                                # (2 · (nodes + 1), 2)
    out = np.empty(len(points))
    for start in range(0, len(points), CHUNK):
        part = points[start:start + CHUNK]
        squared = np.sum((part[:, None, :] - centres[None]) ** 2, axis=2)
        out[start:start + CHUNK] = _logsumexp(log_weights - squared / (2 * noise ** 2), axis=1)
    return out - np.log(2 * np.pi * noise ** 2)


# ---- a ring of Gaussians ----------------------------------------------------------------------
def _ring_centres(modes: int, radius: float) -> np.ndarray:
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(batch_size: int = 256, *, modes: int = 8, radius: float = 2.0,
                      width: float = 0.2) -> Callable[[jax.Array], jax.Array]:
    """``modes`` Gaussians of std ``width`` on a circle of radius ``radius``, ``data(key) -> xy (batch_size, 2)``:
    mode k (drawn uniformly) is centred at radius·(cos 2πk/modes, sin 2πk/modes).

    >>> xy = ring_of_gaussians(2000, width=0.01)(jax.random.key(1))
    >>> round(float(jnp.mean(jnp.linalg.norm(xy, axis=1))), 2)
    2.0
    """
    batch_size = _count(batch_size, "batch_size")
    modes = _count(modes, "modes")
    radius = _positive(radius, "radius", "of the ring")
    width = _positive(width, "width", "the standard deviation of each Gaussian")
    centres = jnp.asarray(_ring_centres(modes, radius), jnp.float32)

    def draw(key: jax.Array) -> jax.Array:
        k_mode, k_noise = jax.random.split(key)
        mode = jax.random.randint(k_mode, (batch_size,), 0, modes)
        return centres[mode] + width * jax.random.normal(k_noise, (batch_size, 2), jnp.float32)

    return _sampler(draw)


def ring_of_gaussians_log_density(xy, *, modes: int = 8, radius: float = 2.0, width: float = 0.2) -> np.ndarray:
    """log p(xy) (n,) in nats of ``ring_of_gaussians(modes=, radius=, width=)``, float64 (exact).

    >>> value = ring_of_gaussians_log_density([[2.0, 0.0]], modes=1, radius=2.0, width=1.0)[0]
    >>> bool(np.isclose(value, -np.log(2 * np.pi)))
    True
    """
    points = _points(xy)
    modes = _count(modes, "modes")
    radius = _positive(radius, "radius", "of the ring")
    width = _positive(width, "width", "the standard deviation of each Gaussian")
    centres = _ring_centres(modes, radius)
    squared = np.sum((points[:, None, :] - centres[None]) ** 2, axis=2)
    return _logsumexp(-squared / (2 * width ** 2), axis=1) - np.log(2 * np.pi * width ** 2) - np.log(modes)


# ---- a checkerboard ---------------------------------------------------------------------------
def _dark_squares(squares: int) -> np.ndarray:
    """(column i, row j) of each dark square, counted from the bottom left: i + j even."""
    i, j = np.meshgrid(np.arange(squares), np.arange(squares), indexing="ij")
    dark = (i + j) % 2 == 0
    return np.stack([i[dark], j[dark]], axis=1)


def checkerboard(batch_size: int = 256, *, squares: int = 4, size: float = 4.0) -> Callable[[jax.Array], jax.Array]:
    """Uniform on the dark squares of a ``squares`` x ``squares`` board of side ``size`` centred on the
    origin, ``data(key) -> xy (batch_size, 2)``; the bottom-left square is dark.

    >>> xy = checkerboard(500, squares=2, size=2.0)(jax.random.key(0))     # the squares [-1, 0]² and [0, 1]²
    >>> bool(jnp.all(xy[:, 0] * xy[:, 1] >= 0))
    True
    """
    batch_size = _count(batch_size, "batch_size")
    squares = _count(squares, "squares")
    size = _positive(size, "size", "the side of the board")
    dark = jnp.asarray(_dark_squares(squares), jnp.float32)
    side = size / squares

    def draw(key: jax.Array) -> jax.Array:
        k_square, k_place = jax.random.split(key)
        corner = dark[jax.random.randint(k_square, (batch_size,), 0, len(dark))]
        return (corner + jax.random.uniform(k_place, (batch_size, 2), jnp.float32)) * side - size / 2

    return _sampler(draw)


def checkerboard_log_density(xy, *, squares: int = 4, size: float = 4.0) -> np.ndarray:
    """log p(xy) (n,) in nats of ``checkerboard(squares=, size=)``, float64: -log(dark area) on the
    dark squares, -inf elsewhere."""
    points = _points(xy)
    squares = _count(squares, "squares")
    size = _positive(size, "size", "the side of the board")
    cell = np.floor((points + size / 2) / (size / squares))
    inside = np.all((cell >= 0) & (cell < squares), axis=1)
    dark = inside & (np.sum(cell, axis=1) % 2 == 0)
    area = len(_dark_squares(squares)) * (size / squares) ** 2
    return np.where(dark, -np.log(area), -np.inf)
