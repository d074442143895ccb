"""Procedural images: circles vs squares, random circles for denoising."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxscope.datasets.shapes import circles_and_squares, disk_image, random_circles, square_image

KEY = jax.random.key(0)
B = 2048
# one generator per configuration, shared by the tests: each compiles once
SHAPES = circles_and_squares(B)
NOISY_SHAPES = circles_and_squares(B, noise=0.2)
CIRCLES = random_circles(256, size=48, count=(1, 4), noise=0.3)


def bounding_box(image):
    rows, columns = np.nonzero(image)
    return rows.min(), rows.max(), columns.min(), columns.max()


def test_circles_and_squares_shapes_dtypes_and_values():
    x, is_square = SHAPES(KEY)
    assert x.shape == (B, 32, 32, 1) and is_square.shape == (B, 1)
    assert x.dtype == is_square.dtype == jnp.float32
    assert set(np.unique(x)) == {0.0, 1.0}
    assert set(np.unique(is_square)) == {0.0, 1.0}
    assert float(jnp.mean(is_square)) == pytest.approx(0.5, abs=0.04)


def test_circles_and_squares_are_deterministic_per_key_and_run_with_a_traced_key():
    x1, y1 = SHAPES(KEY)
    x2, y2 = SHAPES(KEY)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, SHAPES(jax.random.key(1))[0])
    areas = jax.lax.map(lambda k: jnp.sum(SHAPES(k)[0]), jax.random.split(KEY, 2))
    assert areas.shape == (2,) and np.all(areas > 0)


def test_same_radius_square_over_disk_area_is_four_over_pi():
    key_centre, key_radius = jax.random.split(jax.random.key(5))
    radius = jax.random.uniform(key_radius, (1000,), minval=3.0, maxval=10.0)
    centre = jax.random.uniform(key_centre, (1000, 2), minval=12.0, maxval=20.0)
    squares, disks = square_image(32, centre, radius), disk_image(32, centre, radius)
    assert squares.shape == disks.shape == (1000, 32, 32)
    ratio = float(jnp.sum(squares) / jnp.sum(disks))
    assert ratio == pytest.approx(4 / np.pi, rel=0.005)     # measured 1.2710
    # per shape, each area is the continuous one to within a pixel ring
    np.testing.assert_allclose(jnp.sum(disks, axis=(1, 2)), np.pi * radius ** 2, atol=2 * np.pi * 10)


def test_generated_squares_fill_four_over_pi_times_the_circles_area():
    # radius and half-side follow the same distribution, so the mean areas are in the ratio 4/π
    x, is_square = SHAPES(KEY)
    area = np.asarray(x).sum(axis=(1, 2, 3))
    square = np.asarray(is_square[:, 0]) > 0.5
    assert area[square].mean() / area[~square].mean() == pytest.approx(4 / np.pi, rel=0.05)


def test_every_shape_is_fully_inside_and_a_square_fills_its_bounding_box():
    x, is_square = SHAPES(KEY)
    for image, square in zip(np.asarray(x[:300, ..., 0]), np.asarray(is_square[:300, 0])):
        top, bottom, left, right = bounding_box(image)
        height, width = bottom - top + 1, right - left + 1
        # a shape cut by an edge would be flattened on that side
        assert abs(height - width) <= 1
        assert 2 * 0.15 * 32 - 1 <= height <= 2 * 0.4 * 32 + 1
        if square:
            assert image.sum() == height * width
        else:
            assert not image[[top, top, bottom, bottom], [left, right, left, right]].any()  # round


def test_noise_is_added_on_top_of_the_clean_shapes():
    clean, label = SHAPES(KEY)
    noisy, same_label = NOISY_SHAPES(KEY)
    np.testing.assert_array_equal(label, same_label)
    assert float(jnp.std(noisy - clean)) == pytest.approx(0.2, rel=0.01)


def test_random_circles_shapes_values_and_noise():
    noisy, clean = CIRCLES(KEY)
    assert noisy.shape == clean.shape == (256, 48, 48, 1)
    assert noisy.dtype == clean.dtype == jnp.float32
    assert set(np.unique(clean)) == {0.0, 1.0}
    assert float(jnp.std(noisy - clean)) == pytest.approx(0.3, rel=0.01)
    np.testing.assert_array_equal(clean, CIRCLES(KEY)[1])
    # every image holds at least one circle, never more than 4 circles of radius <= 0.2 size
    area = np.asarray(clean).sum(axis=(1, 2, 3))
    assert area.min() >= np.pi * (0.05 * 48) ** 2 * 0.5
    assert area.max() <= 4 * np.pi * (0.2 * 48 + 1) ** 2


def test_random_circles_count_sets_how_many_circles_are_drawn():
    _, one = random_circles(64, size=32, count=1, noise=0.0)(KEY)
    for image in np.asarray(one[:50, ..., 0]):
        top, bottom, left, right = bounding_box(image)
        diameter = bottom - top + 1
        assert abs(diameter - (right - left + 1)) <= 1                  # one uncut disk ...
        assert image.sum() == pytest.approx(np.pi * diameter ** 2 / 4, rel=0.3)  # ... filling its circle
    _, one_to_four = CIRCLES(KEY)
    mean_area = np.asarray(one_to_four).sum(axis=(1, 2, 3)).mean() / 48 ** 2
    assert mean_area > 1.5 * np.asarray(one).sum(axis=(1, 2, 3)).mean() / 32 ** 2


@pytest.mark.parametrize("call, message", [
    (lambda: circles_and_squares(0), "batch_size must be a positive integer; got 0"),
    (lambda: circles_and_squares(size=4), "size must be an integer >= 8; got 4"),
    (lambda: circles_and_squares(noise=-1), "noise must be a finite number >= 0"),
    (lambda: random_circles(count=(3, 1)), r"count must be a positive integer or a \(min, max\) pair"),
    (lambda: random_circles(count=0), "count must be"),
    (lambda: random_circles(size=True), "size must be an integer >= 8; got True"),
])
def test_bad_arguments_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
