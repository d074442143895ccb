"""The 2-D densities: samplers checked against their definitions in numpy (points on the arcs, near the
ring's centres, on the dark squares, in the right proportions), and log-densities checked against
numpy formulas written out here and normalised to 1 over the plane."""

import jax
import numpy as np
import pytest

from jaxscope.datasets import densities
from jaxscope.datasets.densities import (checkerboard, checkerboard_log_density, ring_of_gaussians,
                                         ring_of_gaussians_log_density, two_moons, two_moons_log_density)

KEY = jax.random.key(3)


def grid_points(half: float = 5.0, n: int = 201):
    g = np.linspace(-half, half, n)
    x, y = np.meshgrid(g, g)
    return np.stack([x.ravel(), y.ravel()], axis=1), (g[1] - g[0]) ** 2


@pytest.mark.parametrize("make", [two_moons, ring_of_gaussians, checkerboard])
def test_each_sampler_gives_float32_points_fixed_by_the_key(make):
    data = make(300)
    xy = data(KEY)
    assert xy.shape == (300, 2) and str(xy.dtype) == "float32"
    np.testing.assert_array_equal(np.asarray(data(KEY)), np.asarray(xy))
    assert not np.array_equal(np.asarray(data(jax.random.key(4))), np.asarray(xy))
    inside = jax.jit(lambda k: data(k).sum())(KEY)      # it traces inside a compiled loop
    assert float(inside) == pytest.approx(float(np.asarray(xy, np.float64).sum()), rel=1e-5, abs=1e-3)


@pytest.mark.parametrize("log_density, options", [
    (two_moons_log_density, {}), (two_moons_log_density, {"noise": 0.3, "radius": 1.5}),
    (ring_of_gaussians_log_density, {}), (ring_of_gaussians_log_density, {"modes": 3, "radius": 1.0, "width": 0.5}),
    (checkerboard_log_density, {}), (checkerboard_log_density, {"squares": 3, "size": 3.0}),
])
def test_each_log_density_integrates_to_one_over_the_plane(log_density, options):
    xy, area = grid_points()
    assert np.exp(log_density(xy, **options)).sum() * area == pytest.approx(1.0, abs=2e-3)


def test_two_moons_without_noise_lie_on_the_two_arcs_in_equal_numbers_uniform_in_angle():
    xy = np.asarray(two_moons(4000, noise=0.0, radius=2.0)(KEY), np.float64)
    centre = np.array([-1.0, -0.5])                      # the upper arc's centre; the lower's is -centre
    upper = np.abs(np.linalg.norm(xy - centre, axis=1) - 2.0) < 1e-5
    lower = np.abs(np.linalg.norm(xy + centre, axis=1) - 2.0) < 1e-5
    assert np.all(upper | lower)
    assert np.all(xy[upper, 1] >= -0.5 - 1e-6) and np.all(xy[lower & ~upper, 1] <= 0.5 + 1e-6)
    assert abs(upper.mean() - 0.5) < 0.03
    t = np.arctan2(xy[upper, 1] - centre[1], xy[upper, 0] - centre[0])
    assert t.min() >= -1e-6 and t.max() <= np.pi + 1e-6
    np.testing.assert_allclose(np.histogram(t, bins=4, range=(0, np.pi))[0] / upper.sum(), 0.25, atol=0.03)


def test_two_moons_noise_is_gaussian_of_the_given_std():
    clean = np.asarray(two_moons(4000, noise=0.0)(KEY), np.float64)
    noisy = np.asarray(two_moons(4000, noise=0.1)(KEY), np.float64)
    assert np.std(noisy - clean) == pytest.approx(0.1, rel=0.05)


def test_two_moons_log_density_is_the_noise_averaged_over_the_arcs():
    rng = np.random.default_rng(0)
    xy = rng.uniform(-3, 3, size=(100, 2))
    noise, radius = 0.2, 2.0
    t = np.linspace(0, np.pi, 40001)                     # the trapezoid rule on 40 times as many nodes
    arc = radius * np.stack([np.cos(t) - 0.5, np.sin(t) - 0.25], axis=1)
    want = []
    for point in xy:
        density = 0.0
        for side in (1.0, -1.0):
            gauss = np.exp(-np.sum((point - side * arc) ** 2, axis=1) / (2 * noise ** 2)) / (2 * np.pi * noise ** 2)
            density += 0.5 * np.trapezoid(gauss, t) / np.pi
        want.append(np.log(density))
    want = np.array(want)
    near = want > -20                                     # most of the square; farther out, to 1e-5 relative
    assert 30 <= near.sum() < 100
    got = two_moons_log_density(xy, noise=noise, radius=radius)
    np.testing.assert_allclose(got[near], want[near], rtol=0, atol=1e-4)
    np.testing.assert_allclose(got[~near], want[~near], rtol=1e-5)


def test_ring_samples_sit_around_the_modes_with_the_given_width_in_equal_numbers():
    xy = np.asarray(ring_of_gaussians(8000, modes=6, radius=3.0, width=0.1)(KEY), np.float64)
    angles = 2 * np.pi * np.arange(6) / 6
    centres = 3.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    nearest = np.argmin(np.linalg.norm(xy[:, None] - centres[None], axis=2), axis=1)
    np.testing.assert_allclose(np.bincount(nearest, minlength=6) / len(xy), 1 / 6, atol=0.015)
    offsets = xy - centres[nearest]
    np.testing.assert_allclose(offsets.mean(axis=0), 0.0, atol=0.005)
    np.testing.assert_allclose(offsets.std(axis=0), 0.1, rtol=0.03)


def test_ring_log_density_is_the_mixture_of_gaussians():
    rng = np.random.default_rng(1)
    xy = rng.normal(size=(40, 2)) * 2
    modes, radius, width = 5, 1.5, 0.4
    density = np.zeros(len(xy))
    for k in range(modes):
        centre = radius * np.array([np.cos(2 * np.pi * k / modes), np.sin(2 * np.pi * k / modes)])
        density += np.exp(-np.sum((xy - centre) ** 2, axis=1) / (2 * width ** 2)) / (2 * np.pi * width ** 2) / modes
    np.testing.assert_allclose(ring_of_gaussians_log_density(xy, modes=modes, radius=radius, width=width),
                               np.log(density), rtol=1e-10)
    far = ring_of_gaussians_log_density(np.array([[30.0, 0.0]]), width=0.1)      # no underflow to -inf
    assert np.isfinite(far[0]) and far[0] < -30_000


def test_checkerboard_samples_fill_the_dark_squares_uniformly():
    xy = np.asarray(checkerboard(8000, squares=4, size=4.0)(KEY), np.float64)
    column, row = np.floor(xy[:, 0] + 2).astype(int), np.floor(xy[:, 1] + 2).astype(int)
    assert np.all((column >= 0) & (column < 4) & (row >= 0) & (row < 4))
    assert np.all((column + row) % 2 == 0)               # the bottom-left square (0, 0) is dark
    counts = np.bincount(column * 4 + row, minlength=16).reshape(4, 4)
    dark = (np.add.outer(np.arange(4), np.arange(4)) % 2 == 0)
    np.testing.assert_allclose(counts[dark] / len(xy), 1 / 8, atol=0.012)
    assert np.all(counts[~dark] == 0)
    inside = xy - np.floor(xy)                           # the place within the square: uniform
    np.testing.assert_allclose(np.histogram(inside[:, 0], bins=4, range=(0, 1))[0] / len(xy), 0.25, atol=0.015)


def test_checkerboard_log_density_is_one_over_the_dark_area_and_minus_infinity_elsewhere():
    points = np.array([[-1.5, -1.5], [-0.5, -1.5], [0.5, 0.5], [1.5, -0.5], [2.5, 0.5], [0.0, 5.0]])
    np.testing.assert_array_equal(checkerboard_log_density(points), [-np.log(8)] * 1 + [-np.inf] + [-np.log(8)] * 2
                                  + [-np.inf] * 2)
    three = checkerboard_log_density(np.array([[-1.0, -1.0], [0.0, 0.0]]), squares=3, size=3.0)
    np.testing.assert_allclose(three, -np.log(5.0))       # 5 dark unit squares of 9


@pytest.mark.parametrize("call, message", [
    (lambda: two_moons(0), r"batch_size must be a positive integer; got 0"),
    (lambda: two_moons(8, noise=-0.1), r"noise must be a finite number >= 0 \(the noise standard deviation\); "
                                       r"got -0.1"),
    (lambda: two_moons(8, radius=0), r"radius must be a positive finite number \(of the moons\); got 0"),
    (lambda: two_moons_log_density(np.zeros((3, 2)), noise=0.0), r"noise must be a positive finite number"),
    (lambda: two_moons_log_density(np.zeros(3)), r"xy must be points of shape \(n, 2\); got shape \(3,\)"),
    (lambda: ring_of_gaussians(8, modes=0), r"modes must be a positive integer; got 0"),
    (lambda: ring_of_gaussians(8, width=float("nan")), r"width must be a positive finite number"),
    (lambda: ring_of_gaussians_log_density(np.zeros((2, 3))), r"xy must be points of shape \(n, 2\)"),
    (lambda: checkerboard(8, squares=1.5), r"squares must be a positive integer; got 1.5"),
    (lambda: checkerboard_log_density(np.zeros((1, 2)), size=-1), r"size must be a positive finite number"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_module_lists_what_it_exports():
    assert sorted(densities.__all__) == sorted(name for name in dir(densities) if not name.startswith("_")
                                               and callable(getattr(densities, name)) and name.islower()
                                               and getattr(densities, name).__module__ == densities.__name__)
