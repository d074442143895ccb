"""Procedural images, no download: circles vs squares to classify, random circles to denoise.

Images are float32, channels-last (batch, size, size, 1), with the shapes filled at 1.0 on a 0.0
background before any noise. Pixel (row i, column j) covers [i, i+1) × [j, j+1) and is filled when
its centre (i + 1/2, j + 1/2) lies inside the shape, so a disk of radius r fills about π r² pixels
and a square of half-side r about 4 r²: the same "radius" gives areas in the ratio 4/π ≈ 1.27.
Every shape lies fully inside its image.

>>> import jax
>>> from jaxscope.datasets.shapes import circles_and_squares
>>> x, is_square = circles_and_squares(batch_size=8)(jax.random.key(0))
>>> x.shape, is_square.shape
((8, 32, 32, 1), (8, 1))
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import count as _count
from .arguments import noise_std as _noise

__all__ = ["circles_and_squares", "disk_image", "random_circles", "square_image"]

SHAPE_RADIUS = (0.15, 0.4)     # circles_and_squares: radius / half-side, as a fraction of size
CIRCLE_RADIUS = (0.05, 0.2)    # random_circles: radius, as a fraction of size
MIN_SIZE = 8


def _count_range(value) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value, value)
    ok = (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
          and 1 <= value[0] <= value[1])
    if not ok:
        raise ValueError(f"count must be a positive integer or a (min, max) pair with 1 <= min <= max; "
                         f"got {value!r}")
    return int(value[0]), int(value[1])


def _pixel_offsets(size: int, centre) -> tuple[jax.Array, jax.Array]:
    """Row and column distance of every pixel centre from ``centre`` = (row, column), broadcastable."""
    centre = jnp.asarray(centre, jnp.float32)
    pixels = jnp.arange(size, dtype=jnp.float32) + 0.5
    rows = pixels[:, None] - centre[..., 0, None, None]
    columns = pixels[None, :] - centre[..., 1, None, None]
    return rows, columns


def disk_image(size: int, centre, radius) -> jax.Array:
    """A (size, size) float32 image, 1.0 on the pixels whose centre is within ``radius`` of ``centre``.

    ``centre`` is (row, column) in pixel units (the image spans [0, size) on both axes). A leading
    batch axis on ``centre`` (…, 2) and ``radius`` (…) gives a batch of images (…, size, size).

    >>> int(disk_image(16, (8.5, 8.5), 3.0).sum())   # π 3² ≈ 28
    29
    """
    rows, columns = _pixel_offsets(size, centre)
    radius = jnp.asarray(radius, jnp.float32)[..., None, None]
    return (rows ** 2 + columns ** 2 <= radius ** 2).astype(jnp.float32)


def square_image(size: int, centre, half_side) -> jax.Array:
    """A (size, size) float32 image, 1.0 on the pixels whose centre is in the axis-aligned square.

    The square has side 2 ``half_side`` around ``centre`` = (row, column), in pixel units; batches
    as in :func:`disk_image`.

    >>> int(square_image(16, (8.0, 8.0), 3.0).sum())   # (2·3)²
    36
    """
    rows, columns = _pixel_offsets(size, centre)
    half_side = jnp.asarray(half_side, jnp.float32)[..., None, None]
    return (jnp.maximum(jnp.abs(rows), jnp.abs(columns)) <= half_side).astype(jnp.float32)


def _place(key: jax.Array, shape: tuple, size: int, radius_fraction: tuple) -> tuple[jax.Array, jax.Array]:
    """Random radii and centres (…, 2) such that a shape of that radius stays inside the image."""
    k_radius, k_centre = jax.random.split(key)
    lo, hi = radius_fraction
    radius = jax.random.uniform(k_radius, shape, jnp.float32, lo * size, hi * size)
    unit = jax.random.uniform(k_centre, (*shape, 2), jnp.float32)
    centre = radius[..., None] + unit * (size - 2 * radius[..., None])
    return radius, centre


def _compiled(batch: Callable) -> Callable:
    """Compile once: fast when called eagerly, inlined when called inside a compiled loop."""
    compiled = jax.jit(batch)

    def data(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        return compiled(key)

    data.__doc__ = batch.__doc__
    return data


def circles_and_squares(batch_size: int = 32, *, size: int = 32,
                        noise: float = 0.0) -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """One filled circle or square per image: ``data(key) -> (x, is_square)``.

    x (batch_size, size, size, 1) float32: the shape (1.0) on 0.0, plus Gaussian noise of std
    ``noise`` (so pixel values leave [0, 1] when ``noise`` > 0). is_square (batch_size, 1) float32:
    1.0 for a square, 0.0 for a circle, with equal odds. The circle's radius or the square's
    half-side is uniform in [0.15, 0.4] × size, the centre uniform over the positions that keep
    the shape fully inside the image.

    >>> x, is_square = circles_and_squares(4, size=16, noise=0.1)(jax.random.key(1))
    >>> x.shape
    (4, 16, 16, 1)
    """
    batch_size = _count(batch_size, "batch_size")
    size = _count(size, "size", MIN_SIZE)
    noise = _noise(noise)

    def batch(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        """A batch (x (B, size, size, 1), is_square (B, 1)) of circles and squares."""
        k_label, k_place, k_noise = jax.random.split(key, 3)
        is_square = jax.random.bernoulli(k_label, 0.5, (batch_size,))
        radius, centre = _place(k_place, (batch_size,), size, SHAPE_RADIUS)
        image = jnp.where(is_square[:, None, None], square_image(size, centre, radius),
                          disk_image(size, centre, radius))[..., None]
        image = image + noise * jax.random.normal(k_noise, image.shape, jnp.float32)
        return image, is_square.astype(jnp.float32)[:, None]

    return _compiled(batch)


def random_circles(batch_size: int = 16, *, size: int = 64, count: int | tuple[int, int] = (1, 4),
                   noise: float = 0.3) -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """Images of a few filled circles, noisy and clean: ``data(key) -> (noisy, clean)``.

    For image-to-image training (denoising, autoencoders): the input is ``noisy`` and the target
    ``clean``, both (batch_size, size, size, 1) float32. ``clean`` is 1.0 inside any circle and 0.0
    elsewhere; ``noisy`` adds Gaussian noise of std ``noise``. Each image holds a number of circles
    uniform in ``count`` = (min, max), inclusive (an int means exactly that many); they may
    overlap. Radii are uniform in [0.05, 0.2] × size; every circle lies fully inside the image.

    >>> noisy, clean = random_circles(2, size=32)(jax.random.key(0))
    >>> noisy.shape == clean.shape == (2, 32, 32, 1)
    True
    """
    batch_size = _count(batch_size, "batch_size")
    size = _count(size, "size", MIN_SIZE)
    fewest, most = _count_range(count)
    noise = _noise(noise)

    def batch(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        """A batch (noisy (B, size, size, 1), clean (B, size, size, 1)) of random circles."""
        k_count, k_place, k_noise = jax.random.split(key, 3)
        circles = jax.random.randint(k_count, (batch_size, 1), fewest, most + 1)
        radius, centre = _place(k_place, (batch_size, most), size, CIRCLE_RADIUS)
        drawn = (jnp.arange(most) < circles).astype(jnp.float32)   # (B, most): the first `circles`
        clean = jnp.max(disk_image(size, centre, radius) * drawn[..., None, None], axis=1)[..., None]
        noisy = clean + noise * jax.random.normal(k_noise, clean.shape, jnp.float32)
        return noisy, clean

    return _compiled(batch)
