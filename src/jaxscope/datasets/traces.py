"""Noisy 1-D traces with peaks: "interpret noisy traces" (Lorentzian vs Gaussian, counting peaks).

Each trace samples a line shape on a grid of ``points`` values in [-1, 1] (``data.grid``) and adds
Gaussian noise of standard deviation ``noise``. Both line shapes are parametrised by their centre
x0, full width at half maximum w (FWHM) and height h:

    Lorentzian  h / (1 + (2 (x - x0) / w)²)           tails fall like (w / 2(x - x0))²
    Gaussian    h exp(-4 ln 2 (x - x0)² / w²)         tails fall like exp(-2.77 ((x - x0)/w)²)

so with equal w and h the two agree at the centre and at half maximum and differ in the tails,
which is what a classifier has to see through the noise.

>>> import jax
>>> from jaxscope.datasets.traces import peak_traces
>>> x, label = peak_traces(batch_size=8)(jax.random.key(0))
>>> x.shape, label.shape, str(label.dtype)
((8, 100), (8, 1), 'float32')
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import count as _count
from .arguments import noise_std as _noise

__all__ = ["gaussian", "lorentzian", "multi_peak_traces", "peak_traces"]

POSITION = (-0.5, 0.5)   # peak centre x0
WIDTH = (0.1, 0.4)       # FWHM w
HEIGHT = (0.5, 1.5)      # peak height h
KINDS = ("classify", "parameters")


def lorentzian(x: jax.Array, position, width, height) -> jax.Array:
    """Lorentzian line of centre ``position``, FWHM ``width`` and peak value ``height`` at ``x``.

    >>> float(lorentzian(0.1, 0.0, 0.2, 2.0))   # half maximum at half the width
    1.0
    """
    return height / (1.0 + (2.0 * (jnp.asarray(x) - position) / width) ** 2)


def gaussian(x: jax.Array, position, width, height) -> jax.Array:
    """Gaussian line of centre ``position``, FWHM ``width`` and peak value ``height`` at ``x``.

    >>> round(float(gaussian(0.1, 0.0, 0.2, 2.0)), 6)
    1.0
    """
    return height * jnp.exp(-4.0 * math.log(2.0) * ((jnp.asarray(x) - position) / width) ** 2)


def _generator(batch: Callable, grid: np.ndarray) -> Callable:
    """Compile ``batch`` once (fast when called eagerly, inlined in a compiled loop); attach the grid."""
    compiled = jax.jit(batch)

    def data(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        return compiled(key)

    data.grid = grid
    return data


def _uniform(key, shape, bounds):
    return jax.random.uniform(key, shape, jnp.float32, *bounds)


def peak_traces(batch_size: int = 32, *, points: int = 100, noise: float = 0.1,
                kind: str = "classify") -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """Traces with one Lorentzian or Gaussian peak: ``data(key) -> (x, y)``.

    x (batch_size, points) float32: the peak on the grid ``data.grid`` (``points`` values in
    [-1, 1]) plus noise of std ``noise``. The peak's centre is uniform in [-0.5, 0.5], its FWHM
    in [0.1, 0.4] and its height in [0.5, 1.5]; its shape is Lorentzian or Gaussian with equal odds.

    y, by ``kind``:
      - ``"classify"``: (batch_size, 1) float32, 1.0 for a Lorentzian and 0.0 for a Gaussian;
      - ``"parameters"``: (batch_size, 3) float32, the (centre, FWHM, height) to infer.

    The same key draws the same peaks for either ``kind`` and any ``noise`` (the noise has its own
    key), so ``noise=0`` gives the clean version of a noisy batch.

    >>> x, parameters = peak_traces(4, noise=0.0, kind="parameters")(jax.random.key(1))
    >>> parameters.shape
    (4, 3)
    """
    batch_size = _count(batch_size, "batch_size")
    points = _count(points, "points")
    noise = _noise(noise)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(repr(k) for k in KINDS)}; got {kind!r}")
    grid = np.linspace(-1.0, 1.0, points, dtype=np.float32)

    def data(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        k_shape, k_position, k_width, k_height, k_noise = jax.random.split(key, 5)
        shape = (batch_size, 1)
        is_lorentzian = jax.random.bernoulli(k_shape, 0.5, shape)
        position = _uniform(k_position, shape, POSITION)
        width = _uniform(k_width, shape, WIDTH)
        height = _uniform(k_height, shape, HEIGHT)
        x = jnp.where(is_lorentzian, lorentzian(grid, position, width, height),
                      gaussian(grid, position, width, height))
        x = x + noise * jax.random.normal(k_noise, x.shape, jnp.float32)
        if kind == "classify":
            return x, is_lorentzian.astype(jnp.float32)
        return x, jnp.concatenate([position, width, height], axis=1)

    return _generator(data, grid)


def multi_peak_traces(batch_size: int = 32, *, points: int = 100, max_peaks: int = 3,
                      noise: float = 0.1) -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """Traces with 1 to ``max_peaks`` Gaussian peaks: ``data(key) -> (x, count)``.

    x (batch_size, points) float32 on the grid ``data.grid`` (``points`` values in [-1, 1]), plus
    noise of std ``noise``; count (batch_size, 1) float32, the number of peaks, uniform in
    1..max_peaks. [-0.8, 0.8] is cut into ``max_peaks`` equal slots of width s = 1.6 / max_peaks;
    each peak takes its own random slot and sits within ±s/4 of the slot's centre, with FWHM
    uniform in [0.15 s, 0.4 s] and height uniform in [0.5, 1.5]. Neighbouring peaks are thus at
    least s/2 apart, more than their FWHM: every peak is resolved (a dip between two), so the count
    is well defined.

    >>> x, count = multi_peak_traces(4, noise=0.0)(jax.random.key(0))
    >>> x.shape, count.shape
    ((4, 100), (4, 1))
    """
    batch_size = _count(batch_size, "batch_size")
    points = _count(points, "points")
    max_peaks = _count(max_peaks, "max_peaks")
    noise = _noise(noise)
    grid = np.linspace(-1.0, 1.0, points, dtype=np.float32)
    slot = 1.6 / max_peaks
    centres = (-0.8 + slot * (np.arange(max_peaks) + 0.5)).astype(np.float32)

    def data(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        k_count, k_slots, k_position, k_width, k_height, k_noise = jax.random.split(key, 6)
        shape = (batch_size, max_peaks)
        count = jax.random.randint(k_count, (batch_size, 1), 1, max_peaks + 1)
        # rank of a random number per slot = a random order of the slots; the first `count` are used
        rank = jnp.argsort(jnp.argsort(jax.random.uniform(k_slots, shape), axis=1), axis=1)
        used = rank < count
        position = centres + _uniform(k_position, shape, (-slot / 4, slot / 4))
        width = _uniform(k_width, shape, (0.15 * slot, 0.4 * slot))
        height = jnp.where(used, _uniform(k_height, shape, HEIGHT), 0.0)
        peaks = gaussian(grid, position[..., None], width[..., None], height[..., None])
        x = jnp.sum(peaks, axis=1)
        x = x + noise * jax.random.normal(k_noise, x.shape, jnp.float32)
        return x, count.astype(jnp.float32)

    return _generator(data, grid)
