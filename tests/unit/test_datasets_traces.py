"""Noisy peak traces: Lorentzian vs Gaussian classification and peak counting."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxscope.datasets.traces import gaussian, lorentzian, multi_peak_traces, peak_traces

KEY = jax.random.key(0)
B = 4096
# one generator per configuration, shared by the tests: each compiles once
CLEAN = peak_traces(B, noise=0.0)
CLEAN_PARAMETERS = peak_traces(B, noise=0.0, kind="parameters")
NOISY = peak_traces(B, noise=0.3)
MULTI_CLEAN = multi_peak_traces(B, points=200, max_peaks=3, noise=0.0)
MULTI_NOISY = multi_peak_traces(B, points=200, max_peaks=3, noise=0.05)


def test_peak_traces_shapes_dtypes_and_grid():
    x, label = NOISY(KEY)
    _, parameters = CLEAN_PARAMETERS(KEY)
    assert x.shape == (B, 100) and label.shape == (B, 1) and parameters.shape == (B, 3)
    assert x.dtype == label.dtype == parameters.dtype == jnp.float32
    assert set(np.unique(label)) == {0.0, 1.0}
    np.testing.assert_allclose(NOISY.grid, np.linspace(-1, 1, 100), atol=1e-7)


def test_peak_traces_are_deterministic_per_key_and_run_with_a_traced_key():
    x1, y1 = NOISY(KEY)
    x2, y2 = NOISY(KEY)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(x1, NOISY(jax.random.key(1))[0])
    # as in a compiled training loop: the key is a tracer
    sums = jax.lax.map(lambda k: jnp.sum(NOISY(k)[0]), jax.random.split(KEY, 2))
    assert sums.shape == (2,) and np.all(np.isfinite(sums))


def test_line_shapes_share_height_and_half_width_but_lorentzian_tails_are_larger():
    x0, w, h = 0.1, 0.2, 1.5
    for shape in (lorentzian, gaussian):
        assert float(shape(x0, x0, w, h)) == pytest.approx(h)
        assert float(shape(x0 + w / 2, x0, w, h)) == pytest.approx(h / 2, rel=1e-5)
        assert float(shape(x0 - w / 2, x0, w, h)) == pytest.approx(h / 2, rel=1e-5)
    far = x0 + 2 * w
    tail_ratio = float(lorentzian(far, x0, w, h) / gaussian(far, x0, w, h))
    # two FWHM from the centre: 1/17 for the Lorentzian vs 2^-16 for the Gaussian
    assert tail_ratio == pytest.approx(65536 / 17, rel=1e-3)


def test_noise_free_traces_are_the_line_shapes_named_by_the_label_within_the_ranges():
    x, label = CLEAN(KEY)
    _, parameters = CLEAN_PARAMETERS(KEY)
    centre, width, height = (parameters[:, i:i + 1] for i in range(3))
    expected = np.where(label > 0.5, lorentzian(CLEAN.grid, centre, width, height),
                        gaussian(CLEAN.grid, centre, width, height))
    np.testing.assert_allclose(x, expected, atol=1e-6)
    assert np.all((centre >= -0.5) & (centre <= 0.5))
    assert np.all((width >= 0.1) & (width <= 0.4))
    assert np.all((height >= 0.5) & (height <= 1.5))


def test_generated_lorentzians_carry_more_weight_in_the_tails():
    x, label = CLEAN(KEY)
    _, parameters = CLEAN_PARAMETERS(KEY)
    centre, width, height = (np.asarray(parameters[:, i:i + 1]) for i in range(3))
    tail = np.abs(CLEAN.grid - centre) > 2 * width
    tail_mean = np.sum(np.asarray(x) / height * tail, axis=1) / np.sum(tail, axis=1)
    is_lorentzian = np.asarray(label[:, 0]) > 0.5
    # measured: the least Lorentzian tail is far above the largest Gaussian one
    assert tail_mean[is_lorentzian].min() > 10 * tail_mean[~is_lorentzian].max()


def test_labels_are_balanced():
    _, label = NOISY(KEY)
    assert float(jnp.mean(label)) == pytest.approx(0.5, abs=0.03)


def test_noise_has_the_requested_standard_deviation():
    clean, _ = CLEAN(KEY)
    noisy, _ = NOISY(KEY)
    assert float(jnp.std(noisy - clean)) == pytest.approx(0.3, rel=0.01)
    assert float(jnp.mean(noisy - clean)) == pytest.approx(0.0, abs=0.005)


def test_multi_peak_traces_shapes_counts_and_determinism():
    x, count = MULTI_CLEAN(KEY)
    assert x.shape == (B, 200) and count.shape == (B, 1)
    assert x.dtype == count.dtype == jnp.float32
    frequencies = np.bincount(np.asarray(count[:, 0]).astype(int), minlength=4)
    assert frequencies[0] == 0
    np.testing.assert_allclose(frequencies[1:] / B, 1 / 3, atol=0.03)
    np.testing.assert_array_equal(x, MULTI_CLEAN(KEY)[0])


def test_every_peak_of_a_clean_trace_is_resolved():
    x, count = MULTI_CLEAN(KEY)
    x = np.asarray(x)
    maxima = np.sum((x[:, 1:-1] > x[:, :-2]) & (x[:, 1:-1] > x[:, 2:]), axis=1)
    np.testing.assert_array_equal(maxima, count[:, 0])


def test_multi_peak_noise_has_the_requested_standard_deviation():
    clean, count = MULTI_CLEAN(KEY)
    noisy, same_count = MULTI_NOISY(KEY)
    np.testing.assert_array_equal(count, same_count)
    assert float(jnp.std(noisy - clean)) == pytest.approx(0.05, rel=0.01)


@pytest.mark.parametrize("call, message", [
    (lambda: peak_traces(0), "batch_size must be a positive integer; got 0"),
    (lambda: peak_traces(points=2.0), "points must be a positive integer; got 2.0"),
    (lambda: peak_traces(noise=-0.1), r"noise must be a finite number >= 0 .*; got -0.1"),
    (lambda: peak_traces(kind="regress"), "kind must be one of 'classify', 'parameters'; got 'regress'"),
    (lambda: multi_peak_traces(max_peaks=0), "max_peaks must be a positive integer; got 0"),
    (lambda: multi_peak_traces(noise="loud"), "noise must be a finite number >= 0"),
])
def test_bad_arguments_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
