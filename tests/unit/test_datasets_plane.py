"""Labelled points in the plane for the 2-D playground."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxscope.datasets.plane import TARGETS, plane_points, plane_target

KEY = jax.random.key(0)
B = 4096


@functools.cache
def points(target, noise=0.0, scale=1.2):
    """One generator per configuration, shared by the tests: each compiles once."""
    return plane_points(target, B, noise=noise, scale=scale)


@pytest.mark.parametrize("target, points, labels", [
    ("and", [(1, 1), (1, -1), (-1, 1), (-1, -1)], [1, 0, 0, 0]),
    ("xor", [(1, 1), (1, -1), (-1, 1), (-1, -1)], [0, 1, 1, 0]),
    ("disk", [(0, 0), (0.9, 0), (0, -0.7), (2, 2), (1.1, 0)], [1, 1, 1, 0, 0]),
    ("circle", [(0, 0), (2, 2)], [1, 0]),
    ("ring", [(0, 0), (1.2, 0), (0, -1.5), (0.7, 0), (3, 0)], [0, 1, 1, 0, 0]),
    # sin(angle + 2.5 r) > 0: angle 0 -> sin(1.25) > 0; angle π -> sin(π + 1.25) < 0
    ("spiral", [(0.5, 0), (-0.5, 0), (0, 0.5)], [1, 0, 1]),
    ("two_gaussians", [(1, 1), (-1, -1), (2, -1), (-2, 1)], [1, 0, 1, 0]),
])
def test_each_target_labels_hand_picked_points(target, points, labels):
    x, y = jnp.array(points, jnp.float32).T
    assert plane_target(target)(x, y).tolist() == [bool(v) for v in labels]


def test_the_generated_labels_follow_the_target_rule():
    for target in ("and", "xor", "disk", "ring", "spiral"):
        xy, label = points(target)(KEY)
        assert xy.shape == (B, 2) and label.shape == (B, 1)
        assert xy.dtype == label.dtype == jnp.float32
        expected = plane_target(target)(xy[:, 0], xy[:, 1])
        np.testing.assert_array_equal(label[:, 0], expected.astype(np.float32))


@pytest.mark.parametrize("target, fraction", [
    ("xor", 0.5), ("and", 0.25), ("disk", 1 - np.exp(-1 / (2 * 1.2 ** 2))),
    ("ring", np.exp(-0.8 ** 2 / (2 * 1.2 ** 2)) - np.exp(-1.6 ** 2 / (2 * 1.2 ** 2))),
])
def test_label_balance_matches_the_gaussian_probability_of_the_region(target, fraction):
    _, label = points(target)(KEY)
    assert float(jnp.mean(label)) == pytest.approx(fraction, abs=0.02)


def test_points_have_standard_deviation_scale():
    xy, _ = points("xor", scale=0.5)(KEY)
    np.testing.assert_allclose(jnp.std(xy, axis=0), 0.5, rtol=0.05)
    np.testing.assert_allclose(jnp.mean(xy, axis=0), 0.0, atol=0.03)


def test_two_gaussians_are_clouds_around_plus_and_minus_one_one():
    xy, label = points("two_gaussians", scale=0.8)(KEY)
    ones = np.asarray(label[:, 0]) > 0.5
    assert ones.mean() == pytest.approx(0.5, abs=0.03)
    np.testing.assert_allclose(xy[ones].mean(axis=0), [1, 1], atol=0.06)
    np.testing.assert_allclose(xy[~ones].mean(axis=0), [-1, -1], atol=0.06)
    np.testing.assert_allclose(xy[ones].std(axis=0), 0.8, rtol=0.05)


@pytest.mark.parametrize("noise", [0.1, 0.3])
def test_noise_flips_that_fraction_of_the_labels(noise):
    xy, clean = points("disk")(KEY)
    same_xy, noisy = points("disk", noise=noise)(KEY)
    np.testing.assert_array_equal(xy, same_xy)
    assert float(jnp.mean(clean != noisy)) == pytest.approx(noise, abs=0.02)


def test_points_are_deterministic_per_key_and_run_with_a_traced_key():
    data = points("spiral")
    np.testing.assert_array_equal(data(KEY)[0], data(KEY)[0])
    assert not np.array_equal(data(KEY)[0], data(jax.random.key(1))[0])
    means = jax.lax.map(lambda k: jnp.mean(data(k)[1]), jax.random.split(KEY, 3))
    assert means.shape == (3,)


def test_target_names_ignore_case_and_circle_is_disk():
    assert set(TARGETS) == {"and", "xor", "disk", "ring", "spiral", "two_gaussians", "circle"}
    assert plane_target("XOR") is plane_target("xor")
    assert plane_target("circle") is plane_target("disk")
    np.testing.assert_array_equal(plane_points("Circle", B)(KEY)[1], points("disk")(KEY)[1])


def test_unknown_target_lists_the_valid_names():
    message = ("target must be one of 'and', 'xor', 'disk', 'ring', 'spiral', 'two_gaussians', 'circle'; "
               "got 'smiley'")
    with pytest.raises(ValueError, match=message):
        plane_points("smiley")
    with pytest.raises(ValueError, match=message):
        plane_target("smiley")


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size must be a positive integer; got 0"),
    ({"noise": 1.5}, r"noise must be a fraction of flipped labels in \[0, 1\]; got 1.5"),
    ({"noise": -0.1}, r"noise must be a fraction of flipped labels in \[0, 1\]; got -0.1"),
    ({"scale": 0}, "scale must be a positive finite number .*; got 0"),
])
def test_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plane_points("xor", **kwargs)
