"""Coupled oscillators: energy conservation, exact solutions, the generator's shapes and keys, argument errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.datasets.oscillators import (coupled_oscillators, oscillator_energy, oscillator_parameters,
                                           solve_oscillators)

KEY = jax.random.key(0)
DATA = coupled_oscillators(64)   # one compile, shared


def random_systems(n, particles=6, seed=0):
    """n random lecture systems and N(0, 1) starts as arrays (numpy: no random-number code to compile)."""
    rng = np.random.default_rng(seed)
    light = np.abs(1 + 0.2 * rng.standard_normal((2, n, particles - 1)))
    masses = np.concatenate([np.full((n, 1), 3.0), light[0]], axis=1).astype(np.float32)
    springs = np.concatenate([np.full((n, 1), 3.0), light[1]], axis=1).astype(np.float32)
    x0, v0 = rng.standard_normal((2, n, particles)).astype(np.float32)
    return x0, v0, masses, springs


def energies(systems, **solve):
    """Energy (n, steps) of each system along its trajectory from solve_oscillators."""
    def one(x0, v0, masses, springs):
        x, v = solve_oscillators(x0, v0, masses, springs, **solve)
        return oscillator_energy(x, v, masses, springs)
    return np.asarray(jax.jit(jax.vmap(one))(*systems))


# ---- the physics ----------------------------------------------------------------------------
def test_energy_is_conserved_without_damping_and_force():
    energy = energies(random_systems(200))
    drift = np.abs(energy - energy[:, :1]) / energy[:, :1]
    assert energy.shape == (200, 60)
    assert drift.max() < 3e-5          # measured 6e-6 (float32) with the defaults: dt 0.5, 8 RK4 substeps


def test_energy_is_conserved_over_a_long_run():
    energy = energies(random_systems(20), steps=1000)   # t = 500, about 80 periods
    assert (np.abs(energy - energy[:, :1]) / energy[:, :1]).max() < 1e-4   # measured 3e-5


def test_damping_makes_the_energy_decrease_at_every_step():
    energy = energies(random_systems(50), damping=0.1)
    assert np.all(np.diff(energy, axis=1) < 0)
    # each particle loses energy at rate η v²/m ... ≈ η/m per unit energy: m ≈ 1-3, so e^-(0.03..0.1) t
    assert np.all(energy[:, -1] < 0.5 * energy[:, 0])


def test_uncoupled_heavy_particle_oscillates_at_its_own_frequency():
    # D = 0: x_0 = x cos(ω t) + (v/ω) sin(ω t) with ω = sqrt(k_0/m_0) = 1
    masses, springs = oscillator_parameters(KEY)
    x, v = solve_oscillators(jnp.array([0.7, 1, 1, 1, 1, 1.0]), jnp.array([-0.4, 0, 0, 0, 0, 0.0]),
                             masses, springs, coupling=0.0, steps=40)
    t = np.arange(40) * 0.5
    np.testing.assert_allclose(x[:, 0], 0.7 * np.cos(t) - 0.4 * np.sin(t), atol=2e-5)
    np.testing.assert_allclose(v[:, 0], -0.7 * np.sin(t) - 0.4 * np.cos(t), atol=2e-5)


def test_a_light_particle_at_rest_is_set_moving_only_through_the_coupling():
    masses, springs = jnp.array([3.0, 1.0]), jnp.array([3.0, 1.0])
    start = jnp.array([1.0, 0.0]), jnp.zeros(2)
    coupled, _ = solve_oscillators(*start, masses, springs, steps=20)
    free, _ = solve_oscillators(*start, masses, springs, steps=20, coupling=0.0)
    np.testing.assert_array_equal(free[:, 1], 0.0)
    assert np.abs(coupled[1:, 1]).max() > 0.05


def test_a_constant_force_shifts_the_heavy_particle_by_force_over_stiffness():
    # at rest at the new equilibrium x_0 = F / (k_0 + D) for one light particle held at the origin by k_1 ≫ D
    masses, springs = jnp.array([3.0, 1.0]), jnp.array([3.0, 1e4])
    equilibrium = 0.64 / (3.0 + 0.2 * 1e4 / (1e4 + 0.2))
    x, v = solve_oscillators(jnp.array([equilibrium, 0.0]), jnp.zeros(2), masses, springs, force=0.64,
                             steps=10, dt=0.01)
    np.testing.assert_allclose(x[:, 0], equilibrium, rtol=1e-5)


def test_oscillator_parameters_follow_the_lecture():
    masses, springs = oscillator_parameters(KEY, 6, shape=(2000,))
    assert masses.shape == springs.shape == (2000, 6)
    np.testing.assert_array_equal(masses[:, 0], 3.0)
    np.testing.assert_array_equal(springs[:, 0], 3.0)
    light = np.asarray(jnp.stack([masses[:, 1:], springs[:, 1:]]))
    assert light.min() > 0
    assert light.mean() == pytest.approx(1.0, abs=0.01)
    assert light.std() == pytest.approx(0.2, rel=0.03)


# ---- the generator --------------------------------------------------------------------------
def test_generator_shapes_dtypes_and_times():
    heavy, light = DATA(KEY)
    assert (heavy.shape, heavy.dtype, light.shape, light.dtype) == ((64, 60, 1), jnp.float32, (64, 60, 1), jnp.float32)
    np.testing.assert_allclose(DATA.times, 0.5 * np.arange(60))
    assert np.all(np.isfinite(heavy)) and np.all(np.isfinite(light))


def test_generator_is_deterministic_per_key_and_differs_between_keys():
    heavy, light = DATA(KEY)
    np.testing.assert_array_equal(heavy, DATA(KEY)[0])
    np.testing.assert_array_equal(light, DATA(KEY)[1])
    other_heavy, other_light = DATA(jax.random.key(1))
    assert not np.allclose(heavy, other_heavy) and not np.allclose(light, other_light)


def test_generator_starts_from_random_positions_of_unit_amplitude():
    heavy, light = DATA(KEY)
    starts = np.concatenate([heavy[:, 0, 0], light[:, 0, 0]])
    assert starts.std() == pytest.approx(1.0, abs=0.2)      # 128 draws of N(0, 1)


def test_amplitude_scales_every_trajectory_of_the_same_systems():
    # the equations are linear: half the initial amplitude, half the motion
    heavy, light = DATA(KEY)
    half_heavy, half_light = coupled_oscillators(64, amplitude=0.5)(KEY)
    np.testing.assert_allclose(half_heavy, 0.5 * heavy, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(half_light, 0.5 * light, rtol=1e-4, atol=1e-6)


def test_target_chooses_the_light_particle_of_the_same_systems():
    heavy_1, light_1 = DATA(KEY)
    heavy_3, light_3 = coupled_oscillators(64, target=3)(KEY)
    np.testing.assert_array_equal(heavy_1, heavy_3)
    assert not np.allclose(light_1, light_3)


def test_a_random_force_moves_the_heavy_particle_away_from_the_free_motion():
    free, _ = DATA(KEY)
    driven, _ = coupled_oscillators(64, force=0.5)(KEY)
    np.testing.assert_array_equal(free[:, 0], driven[:, 0])
    assert float(jnp.std(driven[:, -1] - free[:, -1])) > 0.2


def test_generator_runs_inside_jit_with_a_traced_key():
    traced = jax.jit(lambda k: DATA(jax.random.fold_in(k, 3)))(KEY)
    np.testing.assert_allclose(traced[0], DATA(jax.random.fold_in(KEY, 3))[0], rtol=1e-6, atol=1e-6)


def test_generator_feeds_a_trainer():
    loss = lambda p, batch: jnp.mean((p["gain"] * batch[0] - batch[1]) ** 2)
    trainer = scope.Trainer(params={"gain": jnp.zeros(())}, loss=loss, data=coupled_oscillators(8), optimizer=1e-2,
                            strategy="loop")
    trainer.run(5)
    assert np.all(np.isfinite(np.asarray(trainer.history["loss"]))) and len(trainer.history["loss"]) == 5


# ---- argument errors ------------------------------------------------------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: coupled_oscillators(0), "batch_size must be a positive integer; got 0"),
    (lambda: coupled_oscillators(steps=1), "steps must be an integer >= 2; got 1"),
    (lambda: coupled_oscillators(particles=1), "particles must be an integer >= 2; got 1"),
    (lambda: coupled_oscillators(target=0), "target must be a positive integer; got 0"),
    (lambda: coupled_oscillators(target=6), "target must be a light particle, 1 <= target <= 5; got 6"),
    (lambda: coupled_oscillators(dt=0.0), "dt must be a finite number > 0; got 0.0"),
    (lambda: coupled_oscillators(damping=-0.1), "damping must be a finite number >= 0; got -0.1"),
    (lambda: coupled_oscillators(force="strong"), "force must be a finite number >= 0; got 'strong'"),
    (lambda: coupled_oscillators(amplitude=float("inf")), "amplitude must be a finite number >= 0; got inf"),
    (lambda: coupled_oscillators(substeps=0), "substeps must be a positive integer; got 0"),
    (lambda: solve_oscillators(jnp.zeros(2), jnp.zeros(2), jnp.ones(2), jnp.ones(2), steps=1),
     "steps must be an integer >= 2; got 1"),
    (lambda: solve_oscillators(jnp.zeros(2), jnp.zeros(2), jnp.ones(2), jnp.ones(2), coupling=None),
     "coupling must be a finite number; got None"),
    (lambda: oscillator_parameters(KEY, 1), "particles must be an integer >= 2; got 1"),
])
def test_bad_arguments_raise_errors_naming_them(make, message):
    with pytest.raises(ValueError) as error:
        make()
    assert str(error.value).startswith(message)
