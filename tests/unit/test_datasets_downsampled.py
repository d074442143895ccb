"""Super-resolution and denoising pairs: downsampling, the bicubic baseline, PSNR, shapes, keys, argument errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.datasets.downsampled import bicubic_upsample, downsample, downsampled_images, noisy_images, psnr
from jaxscope.datasets.shapes import random_circles

KEY = jax.random.key(0)
B = 32
# shared generators: each compiles the force-sweep simulator once
LOW = downsampled_images(batch_size=B)                       # factor 4, noise 0.05, low resolution
CLEAN = downsampled_images(batch_size=B, noise=0.0, upsample=True)


def nearest_upsample(low, factor):
    return np.repeat(np.repeat(low, factor, axis=2), factor, axis=3)


def gaussian_blob(size=48, width=8.0):
    rows, columns = np.mgrid[0:size, 0:size] + 0.5
    return np.exp(-((columns - 20) ** 2 + (rows - 26) ** 2) / (2 * width ** 2)).astype(np.float32)[None, None]


# ---- downsample, bicubic_upsample, psnr -----------------------------------------------------
def test_downsample_averages_blocks():
    images = np.random.default_rng(0).normal(size=(2, 3, 8, 12)).astype(np.float32)
    expected = images.reshape(2, 3, 2, 4, 3, 4).mean(axis=(3, 5))
    np.testing.assert_allclose(downsample(images, 4), expected, rtol=1e-5, atol=1e-6)
    last = downsample(np.moveaxis(images, 1, -1), 4, channels="last")
    np.testing.assert_allclose(last, np.moveaxis(expected, 1, -1), rtol=1e-5, atol=1e-6)


def test_bicubic_upsample_keeps_constants_and_shapes():
    up = bicubic_upsample(jnp.full((2, 3, 5, 4), 0.7), 4)
    assert up.shape == (2, 3, 20, 16)
    np.testing.assert_allclose(up, 0.7, rtol=1e-5)
    assert bicubic_upsample(jnp.ones((2, 5, 4, 3)), 2, channels="last").shape == (2, 10, 8, 3)


def test_bicubic_recovers_a_smooth_image_far_better_than_nearest_neighbour():
    image = gaussian_blob()
    low = downsample(image, 4)
    assert float(psnr(bicubic_upsample(low, 4), image)) > 40.0        # measured 46.1 dB
    assert float(psnr(nearest_upsample(low, 4), image)) < 30.0        # measured 27.8 dB


def test_psnr_matches_numpy_and_scales_with_the_peak():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(size=(2, 4, 1, 8, 8)).astype(np.float32)
    expected = 10 * np.log10(1.0 / np.mean((a.astype(np.float64) - b) ** 2))
    assert float(psnr(a, b)) == pytest.approx(expected, rel=1e-5)
    assert float(psnr(255 * a, 255 * b, peak=255)) == pytest.approx(expected, rel=1e-5)
    per_image = jax.vmap(psnr)(a, b)
    assert per_image.shape == (4,)
    np.testing.assert_allclose(per_image, [10 * np.log10(1 / np.mean((x - y) ** 2)) for x, y in zip(a, b)], rtol=1e-5)


# ---- super-resolution pairs -----------------------------------------------------------------
def test_default_pairs_are_force_sweep_images_and_their_noisy_block_averages():
    low, full = LOW(KEY)
    assert (low.shape, full.shape) == ((B, 1, 12, 12), (B, 1, 48, 48))
    assert low.dtype == full.dtype == jnp.float32
    np.testing.assert_allclose(jnp.max(full, axis=(1, 2, 3)), 1.0)   # each image scaled to a peak of 1
    assert float(jnp.min(full)) > -0.05                               # |z| >= 0, up to cubic-resize ringing
    assert float(jnp.std(low - downsample(full, 4))) == pytest.approx(0.05, rel=0.05)


def test_upsample_returns_the_bicubic_baseline_at_full_size():
    up, full = downsampled_images(batch_size=B, upsample=True)(KEY)
    low, same_full = LOW(KEY)
    np.testing.assert_array_equal(full, same_full)
    assert up.shape == full.shape
    np.testing.assert_allclose(up, bicubic_upsample(low, 4), rtol=1e-5, atol=1e-6)


def test_bicubic_baseline_on_force_sweep_images():
    # the score a super-resolution network has to beat: without noise, and with the default noise
    up, full = CLEAN(KEY)
    assert float(jnp.mean(jax.vmap(psnr)(up, full))) == pytest.approx(33.6, abs=1.0)   # measured 33.6 dB
    low, full = LOW(KEY)
    noisy_baseline = float(jnp.mean(jax.vmap(psnr)(bicubic_upsample(low, 4), full)))
    assert noisy_baseline == pytest.approx(26.4, abs=1.0)                              # measured 26.4 dB
    assert noisy_baseline > float(jnp.mean(jax.vmap(psnr)(nearest_upsample(low, 4), full))) + 2


def test_channels_last_holds_the_same_images():
    low, full = downsampled_images(batch_size=B, channels="last")(KEY)
    first_low, first_full = LOW(KEY)
    np.testing.assert_array_equal(full, np.moveaxis(first_full, 1, -1))
    np.testing.assert_allclose(low, np.moveaxis(first_low, 1, -1), rtol=1e-6, atol=1e-6)


def test_pairs_are_deterministic_per_key_and_differ_between_keys():
    low, full = LOW(KEY)
    np.testing.assert_array_equal(low, LOW(KEY)[0])
    other_low, other_full = LOW(jax.random.key(1))
    assert not np.allclose(full, other_full) and not np.allclose(low, other_low)


def test_any_image_generator_can_be_downsampled():
    circles = random_circles(4, size=32, noise=0.0)              # returns (noisy, clean): the first item is used
    low, full = downsampled_images(circles, factor=2, noise=0.0, channels="last")(KEY)
    assert (low.shape, full.shape) == ((4, 16, 16, 1), (4, 32, 32, 1))
    np.testing.assert_allclose(low, downsample(full, 2, channels="last"), rtol=1e-6)


# ---- denoising pairs ------------------------------------------------------------------------
def test_noisy_images_add_noise_to_the_same_clean_images():
    noisy, clean = noisy_images(batch_size=B)(KEY)
    np.testing.assert_array_equal(clean, LOW(KEY)[1])
    assert noisy.shape == clean.shape == (B, 1, 48, 48)
    assert float(jnp.std(noisy - clean)) == pytest.approx(0.1, rel=0.02)
    assert float(psnr(noisy, clean)) == pytest.approx(20.0, abs=0.2)        # noise 0.1 on a peak of 1


def test_pairs_run_inside_jit_and_feed_a_trainer():
    data = noisy_images(batch_size=4, size=16)
    np.testing.assert_array_equal(jax.jit(data)(KEY)[0], data(KEY)[0])
    loss = lambda p, batch: jnp.mean((p["gain"] * batch[0] - batch[1]) ** 2)
    trainer = scope.Trainer(params={"gain": jnp.zeros(())}, loss=loss, data=data, optimizer=0.1, strategy="loop")
    trainer.run(5)
    assert len(trainer.history["loss"]) == 5 and np.all(np.isfinite(np.asarray(trainer.history["loss"])))


# ---- argument errors ------------------------------------------------------------------------
@pytest.mark.parametrize("make, error, message", [
    (lambda: downsampled_images(factor=0), ValueError, "factor must be a positive integer; got 0"),
    (lambda: downsampled_images(size=50), ValueError, "size must be a multiple of factor=4; got 50"),
    (lambda: downsampled_images(noise=-0.1), ValueError, "noise must be a finite number >= 0"),
    (lambda: downsampled_images(upsample="yes"), ValueError, "upsample must be True or False; got 'yes'"),
    (lambda: downsampled_images(channels="NHWC"), ValueError, "channels must be one of ('first', 'last'); got 'NHWC'"),
    (lambda: downsampled_images(batch_size=0), ValueError, "batch_size must be a positive integer; got 0"),
    (lambda: downsampled_images(size="a"), ValueError, "size must be an integer >= 2; got 'a'"),
    (lambda: downsampled_images(np.zeros((2, 1, 8, 8))), TypeError, "images must be a generator images(key) -> array"),
    (lambda: noisy_images(lambda key: jnp.zeros((2, 1, 8, 8)), size=8), ValueError,
     "batch_size and size shape the default force-sweep images only"),
    (lambda: noisy_images(noise=float("nan")), ValueError, "noise must be a finite number >= 0"),
    (lambda: downsampled_images(lambda key: jnp.zeros((2, 8, 8)))(KEY), ValueError,
     "images must have shape (batch, channels, height, width)"),
    (lambda: downsampled_images(lambda key: jnp.zeros((2, 1, 10, 8)))(KEY), ValueError,
     "the image size 10 x 8 must be a multiple of factor=4"),
    (lambda: downsample(jnp.zeros((1, 1, 4, 4)), 0), ValueError, "factor must be a positive integer; got 0"),
    (lambda: bicubic_upsample(jnp.zeros((1, 4, 4)), 2), ValueError, "images must have shape"),
    (lambda: psnr(jnp.zeros(2), jnp.ones(2), peak=0), ValueError, "peak must be a finite number > 0; got 0"),
    (lambda: psnr(jnp.zeros(2), jnp.ones(2), peak="max"), ValueError, "peak must be a finite number > 0; got 'max'"),
])
def test_bad_arguments_raise_errors_naming_them(make, error, message):
    with pytest.raises(error) as raised:
        make()
    assert str(raised.value).startswith(message)
