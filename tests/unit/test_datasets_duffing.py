"""Duffing data sets: the simulator's physics, the generators' shapes and keys, and argument errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from course_models import init_mlp, mse_loss_batch
from jaxscope.datasets.duffing import duffing_curves, duffing_images, solve_duffing

SWEEP_RATE = 8.0 / 200.0      # dω/dt of the default sweep (-4 → 4 over t_end = 200)
SLOW = dict(steps=4000, t_end=2000.0)  # ten times slower, same time step: close to the steady state


def sweep(steps=400):
    return np.linspace(-4.0, 4.0, steps)


def half_width(amplitude, frequencies):
    above = frequencies[amplitude >= amplitude.max() / 2]
    return above.max() - above.min()


@pytest.fixture(scope="module")
def linear_responses():
    """|z| for ε = 0, ω0 = 0, f = 1 and γ = 0.5, 1.0, on the default and the slow sweep (one compile each)."""
    gammas = jnp.array([0.5, 1.0])
    default = jax.vmap(lambda g: solve_duffing(0.0, g, 0.0))(gammas)
    slow = jax.vmap(lambda g: solve_duffing(0.0, g, 0.0, **SLOW))(gammas)
    return {0.5: (np.asarray(default[0]), np.asarray(slow[0])), 1.0: (np.asarray(default[1]), np.asarray(slow[1]))}


@pytest.fixture(scope="module")
def curves():
    return duffing_curves(32)


@pytest.fixture(scope="module")
def images():
    return duffing_images(4, noise=0.0)


# ---- the simulator -------------------------------------------------------------------------
def test_solve_duffing_returns_float32_amplitudes_starting_from_rest():
    amplitude = solve_duffing(0.3, 1.0, 0.1)
    assert amplitude.shape == (400,) and amplitude.dtype == jnp.float32
    assert amplitude[0] == 0.0 and np.all(np.isfinite(amplitude)) and np.all(amplitude >= 0)


def test_solve_duffing_jits_and_vmaps_to_the_same_curves():
    params = jnp.array([[-0.5, 0.7, 0.0], [0.4, 1.2, 0.1]])
    batched = jax.jit(jax.vmap(lambda p: solve_duffing(p[0], p[1], p[2], steps=100)))(params)
    one = solve_duffing(0.4, 1.2, 0.1, steps=100)
    np.testing.assert_allclose(batched[1], one, rtol=1e-5, atol=1e-6)


def test_linear_resonance_peak_lags_omega0_by_the_sweep_delay(linear_responses):
    # The response follows the steady state with a delay of about its relaxation time 2/γ, so the
    # upward sweep puts the peak at ω0 + rate·2/γ = 0.16 for γ = 0.5 to first order; at
    # rate/(γ/2)² = 0.64 higher orders add more (0.23 observed), hence the bound 0.3. A ten times
    # slower sweep must shrink the lag tenfold (first order 0.016; bound 0.05): the lag is the sweep's.
    default, slow = linear_responses[0.5]
    lag = sweep()[default.argmax()]
    slow_lag = sweep(SLOW["steps"])[slow.argmax()]
    assert 0.0 < lag < 0.3
    assert 0.0 < slow_lag < 0.05


def test_slow_sweep_peak_height_is_f_over_half_gamma(linear_responses):
    # Steady state |z| = f / sqrt((ω - ω0)² + (γ/2)²): the peak is f / (γ/2) = 4 for γ = 0.5, f = 1.
    _, slow = linear_responses[0.5]
    assert slow.max() == pytest.approx(4.0, rel=0.01)
    peak = solve_duffing(0.0, 1.0, 0.0, force=0.5, **SLOW).max()
    assert peak == pytest.approx(1.0, rel=0.01)


def test_half_width_grows_with_damping_as_sqrt3_gamma(linear_responses):
    # |z| falls to half its peak where (ω - ω0)² = 3 (γ/2)²: full width √3·γ.
    widths = {g: half_width(slow, sweep(SLOW["steps"])) for g, (_, slow) in linear_responses.items()}
    assert widths[0.5] == pytest.approx(np.sqrt(3) * 0.5, rel=0.03)
    assert widths[1.0] == pytest.approx(np.sqrt(3) * 1.0, rel=0.03)
    default_widths = [half_width(default, sweep()) for default, _ in linear_responses.values()]
    assert default_widths[1] > 1.5 * default_widths[0]


def test_hardening_nonlinearity_drags_the_peak_up_the_backbone():
    # With ε > 0 the resonance sits at ω0 + ε|z|²; sweeping up, the large branch survives until
    # |z| ≈ f/(γ/2) = 4, i.e. to ω ≈ 0.15·16 = 2.4 (the "shark fin"), then drops.
    amplitude = np.asarray(solve_duffing(0.0, 0.5, 0.15))
    assert sweep()[amplitude.argmax()] == pytest.approx(2.4, abs=0.2)
    assert amplitude.max() == pytest.approx(4.0, rel=0.05)
    assert amplitude[-1] < 0.5


# ---- response curves -----------------------------------------------------------------------
def test_curves_have_the_documented_shapes_and_dtypes(curves):
    x, y = curves(jax.random.key(0))
    assert (x.shape, x.dtype, y.shape, y.dtype) == ((32, 50), jnp.float32, (32, 3), jnp.float32)


def test_curves_are_deterministic_per_key(curves):
    x1, y1 = curves(jax.random.key(7))
    x2, y2 = curves(jax.random.key(7))
    x3, y3 = curves(jax.random.key(8))
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(x1, x3) and not np.allclose(y1, y3)


def test_curve_targets_lie_in_their_ranges():
    ranges = np.array([(-0.5, 0.2), (0.8, 1.0), (0.05, 0.1)])
    _, y = duffing_curves(64, omega0=ranges[0], gamma=ranges[1], epsilon=ranges[2], steps=50)(jax.random.key(1))
    y = np.asarray(y)
    assert np.all(y >= ranges[:, 0]) and np.all(y <= ranges[:, 1])
    assert np.all(y.max(0) - y.min(0) > 0.5 * (ranges[:, 1] - ranges[:, 0]))  # spread, not constant


def test_curve_targets_match_their_curves():
    # ε = 0: each curve peaks a sweep lag (0.05-0.3, see above) past its ω0, to within half a bin
    # (8/49/2 = 0.08), at a height near 2f/γ (the sweep and the 400 -> 50 resampling lower it ≤ 10 %).
    x, y = duffing_curves(64, epsilon=(0.0, 0.0))(jax.random.key(3))
    x, y = np.asarray(x), np.asarray(y)
    lag = sweep(50)[x.argmax(1)] - y[:, 0]
    assert np.all(lag > -0.09) and np.all(lag < 0.39)
    assert np.all(x.max(1) / (2 / y[:, 1]) > 0.88) and np.all(x.max(1) / (2 / y[:, 1]) < 1.01)


def test_curve_noise_adds_gaussian_noise_of_the_given_std(curves):
    key = jax.random.key(5)
    clean, y_clean = curves(key)
    noisy, y_noisy = duffing_curves(32, noise=0.1)(key)
    difference = np.asarray(noisy - clean)
    np.testing.assert_array_equal(y_clean, y_noisy)
    assert difference.std() == pytest.approx(0.1, rel=0.08)  # 1600 samples: std error ≈ 2 %
    assert abs(difference.mean()) < 0.01


def test_curves_run_inside_jit_with_a_traced_key(curves):
    key = jax.random.key(2)
    x, y = jax.jit(lambda k: curves(jax.random.fold_in(k, 1)))(key)
    np.testing.assert_allclose(x, curves(jax.random.fold_in(key, 1))[0], rtol=1e-5, atol=1e-6)


def test_curves_train_a_network_in_a_trainer():
    trainer = scope.Trainer(params=init_mlp(jax.random.key(0), [50, 16, 3]),
                            loss=lambda p, b: mse_loss_batch(*b, p), data=duffing_curves(8), optimizer=1e-3, strategy="loop")
    trainer.run(5)
    loss = np.asarray(trainer.history["loss"])
    assert loss.shape == (5,) and np.all(np.isfinite(loss))


# ---- force-sweep images --------------------------------------------------------------------
def test_images_have_the_documented_shapes_and_are_deterministic_per_key(images):
    x, y = images(jax.random.key(0))
    assert (x.shape, x.dtype, y.shape, y.dtype) == ((4, 3, 50, 50), jnp.float32, (4, 3), jnp.float32)
    np.testing.assert_array_equal(x, images(jax.random.key(0))[0])
    assert not np.allclose(x[:, 0], images(jax.random.key(1))[0][:, 0])


def test_image_coordinate_channels_hold_frequency_per_column_and_force_per_row(images):
    x = np.asarray(images(jax.random.key(0))[0])
    frequency = np.linspace(-4.0, 4.0, 50).astype(np.float32)
    force = np.linspace(0.1, 2.0, 50).astype(np.float32)
    np.testing.assert_array_equal(x[:, 1], np.broadcast_to(frequency, (4, 50, 50)))
    np.testing.assert_array_equal(x[:, 2], np.broadcast_to(force[:, None], (4, 50, 50)))


def test_image_rows_respond_more_strongly_to_larger_forces(images):
    amplitude = np.asarray(images(jax.random.key(0))[0][:, 0])
    assert np.all(amplitude[:, -1].max(1) > 5 * amplitude[:, 0].max(1))   # f = 2 vs f = 0.1
    assert np.all(np.diff(amplitude.max(2), axis=1) > 0)                   # peak grows row by row


def test_image_noise_goes_to_the_amplitude_channel_only(images):
    key = jax.random.key(4)
    clean = np.asarray(images(key)[0])
    noisy = np.asarray(duffing_images(4)(key)[0])                          # default noise 0.5
    assert (noisy[:, 0] - clean[:, 0]).std() == pytest.approx(0.5, rel=0.05)
    np.testing.assert_array_equal(noisy[:, 1:], clean[:, 1:])


# ---- argument errors -----------------------------------------------------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: duffing_curves(0), "batch_size must be a positive integer; got 0"),
    (lambda: duffing_curves(2.5), "batch_size must be a positive integer; got 2.5"),
    (lambda: duffing_curves(bins=1), "bins must be an integer >= 2; got 1"),
    (lambda: duffing_curves(noise=-0.1), "noise must be >= 0.0; got -0.1"),
    (lambda: duffing_curves(force="strong"), "force must be a finite number; got 'strong'"),
    (lambda: duffing_curves(gamma=(1.5, 0.5)), "gamma must be a (lo, hi) pair of finite numbers with lo <= hi; "
                                                "got (1.5, 0.5)"),
    (lambda: duffing_curves(omega0=(1.0,)), "omega0 must be a (lo, hi) pair"),
    (lambda: duffing_curves(epsilon=0.1), "epsilon must be a (lo, hi) pair"),
    (lambda: duffing_images(size=1), "size must be an integer >= 2; got 1"),
    (lambda: duffing_images(forces=0), "forces must be an integer >= 2; got 0"),
    (lambda: duffing_images(force_range=(2.0, 0.1)), "force_range must be a (lo, hi) pair"),
    (lambda: duffing_images(noise=float("nan")), "noise must be a finite number; got nan"),
    (lambda: solve_duffing(0.0, 1.0, 0.0, steps=1), "steps must be an integer >= 2; got 1"),
    (lambda: solve_duffing(0.0, 1.0, 0.0, t_end=0.0), "t_end must be > 0.0; got 0.0"),
])
def test_bad_arguments_raise_errors_naming_them(make, message):
    with pytest.raises(ValueError) as error:
        make()
    assert str(error.value).startswith(message)
