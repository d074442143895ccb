"""Image-to-image pairs: super-resolution (downsampled, noisy → full) and denoising (noisy → clean).

The default images are the lesson-3 force-sweep images: |z| of the driven Duffing oscillator for
a range of forces (rows) along the frequency sweep (columns), without noise and scaled so that
each image's maximum is 1 (``duffing_images`` channel 0 / its maximum). Any generator
``images(key) -> array`` (or a tuple whose first item is the images) can replace them.

Downsampling averages ``factor`` × ``factor`` blocks, as a coarse detector pixel integrates the
light falling on it; :func:`bicubic_upsample` is the baseline a network must beat, :func:`psnr`
the score.

>>> import jax
>>> from jaxscope.datasets.downsampled import downsampled_images
>>> low, full = downsampled_images(batch_size=2)(jax.random.key(0))
>>> low.shape, full.shape
((2, 1, 12, 12), (2, 1, 48, 48))
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp

from .arguments import as_float as _as_float
from .arguments import count as _count
from .arguments import noise_std as _noise
from .duffing import duffing_images

__all__ = ["bicubic_upsample", "downsample", "downsampled_images", "noisy_images", "psnr"]

CHANNELS = ("first", "last")
SIZE = 48          # force-sweep images: divisible by 4 (and 8, for three poolings of a U-Net)
BATCH_SIZE = 16


def _channels(value) -> str:
    if value not in CHANNELS:
        raise ValueError(f"channels must be one of {CHANNELS}; got {value!r}")
    return value


def _spatial_axes(images: jax.Array, channels: str) -> tuple[int, int]:
    if images.ndim != 4:
        raise ValueError(f"images must have shape (batch, channels, height, width) for channels='first' or "
                         f"(batch, height, width, channels) for 'last'; got shape {images.shape}")
    return (2, 3) if channels == "first" else (1, 2)


def downsample(images, factor: int, channels: str = "first") -> jax.Array:
    """Average ``factor`` × ``factor`` blocks of images (batch, C, H, W) (or (batch, H, W, C) with
    ``channels="last"``); H and W must be multiples of ``factor``.

    >>> downsample(jnp.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    factor, channels = _count(factor, "factor"), _channels(channels)
    images = jnp.asarray(images)
    rows, columns = _spatial_axes(images, channels)
    height, width = images.shape[rows], images.shape[columns]
    if height % factor or width % factor:
        raise ValueError(f"the image size {height} x {width} must be a multiple of factor={factor}")
    shape = list(images.shape)
    shape[columns:columns + 1] = [width // factor, factor]
    shape[rows:rows + 1] = [height // factor, factor]
    return jnp.mean(images.reshape(shape), axis=(rows + 1, columns + 2))


def bicubic_upsample(low, factor: int, channels: str = "first") -> jax.Array:
    """The bicubic baseline: images (batch, C, h, w) resized to (batch, C, h·factor, w·factor).

    ``jax.image.resize(..., "cubic")`` (Keys, a = -0.5) on pixel centres, consistent with
    :func:`downsample`: a block's average sits at the block's centre. ``channels="last"`` for
    (batch, h, w, C).

    >>> bicubic_upsample(jnp.ones((1, 1, 3, 3)), 4).shape
    (1, 1, 12, 12)
    """
    factor, channels = _count(factor, "factor"), _channels(channels)
    low = jnp.asarray(low)
    rows, columns = _spatial_axes(low, channels)
    shape = list(low.shape)
    shape[rows], shape[columns] = shape[rows] * factor, shape[columns] * factor
    return jax.image.resize(low, tuple(shape), "cubic")


def psnr(estimate, target, peak: float = 1.0) -> jax.Array:
    """Peak signal-to-noise ratio in dB: 10 log10(peak² / mean((estimate - target)²)), a scalar.

    ``peak`` is the largest value a clean image can take: 1.0 for the default images here (each
    scaled to a maximum of 1), 255 for 8-bit images. The mean runs over every element; for one value
    per image use ``jax.vmap(psnr)(estimates, targets)``. Higher is better; +3 dB halves the error.

    >>> round(float(psnr(jnp.full(4, 0.1), jnp.zeros(4))), 3)   # error 0.1 on a peak of 1
    20.0
    """
    number = _as_float(peak)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"peak must be a finite number > 0; got {peak!r}")
    error = jnp.mean((jnp.asarray(estimate, jnp.float32) - jnp.asarray(target, jnp.float32)) ** 2)
    return 10.0 * jnp.log10(number ** 2 / error)


def _source(images, batch_size, size, channels: str) -> Callable[[jax.Array], jax.Array]:
    """``key -> images`` (batch, C, H, W) or (batch, H, W, C): the given generator or the force sweeps."""
    if images is not None:
        if not callable(images):
            raise TypeError(f"images must be a generator images(key) -> array; got {type(images).__name__}")
        if batch_size is not None or size is not None:
            raise ValueError("batch_size and size shape the default force-sweep images only; "
                             "with your own images generator, set them there")

        def given(key: jax.Array) -> jax.Array:
            out = images(key)
            out = jnp.asarray(out[0] if isinstance(out, (tuple, list)) else out, jnp.float32)
            _spatial_axes(out, channels)
            return out

        return given
    batch_size = _count(BATCH_SIZE if batch_size is None else batch_size, "batch_size")
    size = _count(SIZE if size is None else size, "size", minimum=2)
    sweeps = duffing_images(batch_size, size=size, noise=0.0)

    def force_sweeps(key: jax.Array) -> jax.Array:
        amplitude = sweeps(key)[0][:, :1]                              # drop the coordinate channels
        amplitude = amplitude / jnp.max(amplitude, axis=(1, 2, 3), keepdims=True)
        return amplitude if channels == "first" else jnp.moveaxis(amplitude, 1, -1)

    return force_sweeps


def _generator(batch: Callable) -> Callable:
    compiled = jax.jit(batch)

    def data(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        return compiled(key)

    return data


def downsampled_images(images: Callable | None = None, *, batch_size: int | None = None, size: int | None = None,
                       factor: int = 4, noise: float = 0.05, upsample: bool = False,
                       channels: str = "first") -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """Super-resolution pairs: ``data(key) -> (low, full)``.

    full: the clean images, float32 (batch, C, H, W) (``channels="first"``, the default) or
    (batch, H, W, C). low: their ``factor`` × ``factor`` block averages (:func:`downsample`) plus
    Gaussian noise of std ``noise``, at low resolution (batch, C, H/factor, W/factor); with
    ``upsample=True`` the noisy low-resolution images are then brought back to full size by
    :func:`bicubic_upsample`, so a network maps (batch, C, H, W) to the same shape and only has to
    learn the correction to the bicubic baseline.

    By default: ``batch_size`` (16) force-sweep images of ``size`` × ``size`` (48) pixels, one
    channel, each scaled to a maximum of 1 (so ``noise`` is relative to the peak, and
    :func:`psnr` takes ``peak=1``). Or ``images``: any generator ``images(key)`` returning a batch
    of images in the ``channels`` layout, or a tuple whose first item is that batch; H and W must
    be multiples of ``factor``. Pure and jitted.

    >>> low, full = downsampled_images(batch_size=2, size=16, upsample=True)(jax.random.key(0))
    >>> low.shape == full.shape == (2, 1, 16, 16)
    True
    """
    factor, noise = _count(factor, "factor"), _noise(noise)
    if not isinstance(upsample, bool):
        raise ValueError(f"upsample must be True or False; got {upsample!r}")
    channels = _channels(channels)
    if images is None and _count(SIZE if size is None else size, "size", minimum=2) % factor:
        raise ValueError(f"size must be a multiple of factor={factor}; got {size!r}")
    source = _source(images, batch_size, size, channels)

    def batch(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        image_key, noise_key = jax.random.split(key)
        full = source(image_key)
        low = downsample(full, factor, channels)
        low = low + noise * jax.random.normal(noise_key, low.shape, jnp.float32)
        return (bicubic_upsample(low, factor, channels) if upsample else low), full

    return _generator(batch)


def noisy_images(images: Callable | None = None, *, batch_size: int | None = None, size: int | None = None,
                 noise: float = 0.1, channels: str = "first") -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """Denoising pairs: ``data(key) -> (noisy, clean)``, both float32 of the same shape.

    clean: the images, as in :func:`downsampled_images` (by default ``batch_size`` (16) force-sweep
    images of ``size`` (48) pixels, maximum 1, (batch, 1, size, size)); noisy: clean plus Gaussian
    noise of std ``noise``. Pure and jitted.

    >>> noisy, clean = noisy_images(batch_size=2, size=16)(jax.random.key(0))
    >>> noisy.shape, round(float(jnp.std(noisy - clean)), 1)
    ((2, 1, 16, 16), 0.1)
    """
    noise, channels = _noise(noise), _channels(channels)
    source = _source(images, batch_size, size, channels)

    def batch(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        image_key, noise_key = jax.random.split(key)
        clean = source(image_key)
        return clean + noise * jax.random.normal(noise_key, clean.shape, jnp.float32), clean

    return _generator(batch)
