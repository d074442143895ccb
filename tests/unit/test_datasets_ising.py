"""Ising configurations: equilibrium physics (exact enumeration, Onsager), layouts, keys, argument errors."""

from __future__ import annotations

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.datasets.ising import T_CRITICAL, ising_configurations, ising_energy, magnetisation, metropolis

KEY = jax.random.key(0)
PHASES = (1.5, 2.0, 3.5)
PER_PHASE = 256
# one generator at the defaults (L = 16, 200 sweeps, ordered starts), 256 chains at each temperature;
# the tolerances below are about 4 standard errors of these means
DATA = ising_configurations(len(PHASES) * PER_PHASE, temperatures=list(PHASES), channels=None)


def onsager_energy(temperature):
    """Exact energy per spin of the infinite lattice: -coth 2K [1 + (2/π)(2 tanh² 2K - 1) K(k)], K = 1/T."""
    k2 = 2.0 / temperature
    modulus = 2 * math.sinh(k2) / math.cosh(k2) ** 2
    a, b = 1.0, math.sqrt(1 - modulus ** 2)
    for _ in range(30):                       # the complete elliptic integral by the arithmetic-geometric mean
        a, b = (a + b) / 2, math.sqrt(a * b)
    elliptic = math.pi / (2 * a)
    return -1 / math.tanh(k2) * (1 + 2 / math.pi * (2 * math.tanh(k2) ** 2 - 1) * elliptic)


def onsager_magnetisation(temperature):
    """Exact spontaneous magnetisation per spin (1 - sinh⁻⁴ 2K)^(1/8) below T_c."""
    return (1 - math.sinh(2.0 / temperature) ** -4) ** 0.125


@pytest.fixture(scope="module")
def phases():
    """|m| and energy per spin, (3, 256) each: rows T = 1.5, 2.0, 3.5."""
    spins, temperature, _ = DATA(KEY)
    np.testing.assert_array_equal(np.asarray(temperature).reshape(PER_PHASE, 3), np.tile(PHASES, (PER_PHASE, 1)))
    order = np.argsort(np.asarray(temperature), kind="stable")
    m = np.abs(np.asarray(magnetisation(spins)))[order].reshape(3, PER_PHASE)
    e = np.asarray(ising_energy(spins))[order].reshape(3, PER_PHASE)
    return m, e


# ---- physics --------------------------------------------------------------------------------
def test_critical_temperature_is_onsagers():
    assert T_CRITICAL == pytest.approx(2.269185, abs=1e-6)


def test_low_temperature_configurations_are_ordered(phases):
    m, e = phases
    assert m[0].min() > 0.9                                                   # every chain at T = 1.5
    assert m[0].mean() == pytest.approx(onsager_magnetisation(1.5), abs=0.005)  # 0.9865; measured 0.986
    assert m[1].mean() == pytest.approx(onsager_magnetisation(2.0), abs=0.015)  # 0.9113; measured 0.909


def test_high_temperature_configurations_are_disordered(phases):
    m, _ = phases
    assert m[2].mean() < 0.2         # |m| ~ 1/L above T_c; measured 0.118 (long runs: 0.124)
    assert m[2].max() < 0.5


def test_energy_per_spin_matches_onsager(phases):
    _, e = phases
    assert onsager_energy(1.5) == pytest.approx(-1.9511, abs=1e-4)
    assert e[0].mean() == pytest.approx(onsager_energy(1.5), abs=0.01)       # measured -1.951
    assert e[1].mean() == pytest.approx(onsager_energy(2.0), abs=0.025)      # -1.7456; measured -1.743
    assert e[2].mean() == pytest.approx(onsager_energy(3.5), abs=0.025)      # -0.6601; measured -0.655


def test_metropolis_samples_the_exact_boltzmann_distribution_of_a_4x4_lattice():
    # all 2^16 states of the periodic 4 x 4 lattice give the exact <e> and <|m|> at T_c
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=16)), np.float32).reshape(-1, 4, 4)
    energy, m = np.asarray(ising_energy(states)), np.abs(states.mean(axis=(1, 2)))
    weight = np.exp(-16 * (energy - energy.min()) / T_CRITICAL)
    exact_e, exact_m = (weight @ energy) / weight.sum(), (weight @ m) / weight.sum()
    spins = metropolis(jnp.ones((32768, 4, 4)), T_CRITICAL, KEY, sweeps=100)
    # exact -1.5656 and 0.8439; standard errors 0.0028 and 0.0015
    assert float(jnp.mean(ising_energy(spins))) == pytest.approx(exact_e, abs=0.012)
    assert float(jnp.mean(jnp.abs(magnetisation(spins)))) == pytest.approx(exact_m, abs=0.006)


def test_random_starts_reach_the_same_disordered_phase():
    spins, _, _ = ising_configurations(512, temperatures=[3.5], start="random", channels=None)(KEY)
    assert float(jnp.mean(ising_energy(spins))) == pytest.approx(onsager_energy(3.5), abs=0.02)  # measured -0.660
    assert float(jnp.mean(jnp.abs(magnetisation(spins)))) < 0.2


def test_metropolis_takes_one_temperature_per_configuration():
    spins = metropolis(jnp.ones((2, 64, 8, 8)), jnp.array([1.0, 5.0])[:, None] * jnp.ones((2, 64)), KEY, sweeps=50)
    m = jnp.abs(magnetisation(spins)).mean(axis=1)
    assert float(m[0]) > 0.99 and float(m[1]) < 0.3
    np.testing.assert_array_equal(metropolis(spins, 1.0, KEY, sweeps=0), spins)


def test_energy_and_magnetisation_of_simple_states():
    stripes = jnp.tile(jnp.array([1.0, -1.0]), (4, 2))           # columns alternate: rows aligned, columns not
    checkerboard = stripes * jnp.array([[1.0], [-1.0], [1.0], [-1.0]])
    assert float(ising_energy(jnp.ones((4, 4)))) == -2.0
    assert float(ising_energy(stripes)) == 0.0
    assert float(ising_energy(checkerboard)) == 2.0
    assert float(magnetisation(-jnp.ones((4, 4)))) == -1.0 and float(magnetisation(checkerboard)) == 0.0


# ---- the generator --------------------------------------------------------------------------
def test_shapes_dtypes_and_labels():
    spins, temperature, ordered = DATA(KEY)
    assert (spins.shape, spins.dtype) == ((768, 16, 16), jnp.float32)
    assert (temperature.shape, ordered.shape) == ((768,), (768, 1))
    assert set(np.unique(spins)) == {-1.0, 1.0}
    np.testing.assert_array_equal(ordered[:, 0], (np.asarray(temperature) < T_CRITICAL).astype(np.float32))


def test_channels_first_and_last_hold_the_same_configurations():
    small = dict(size=8, sweeps=5, temperatures=(1.0, 3.5))
    first, t_first, _ = ising_configurations(4, channels="first", **small)(KEY)
    last, t_last, _ = ising_configurations(4, channels="last", **small)(KEY)
    assert first.shape == (4, 1, 8, 8) and last.shape == (4, 8, 8, 1)
    np.testing.assert_array_equal(first[:, 0], last[..., 0])
    np.testing.assert_array_equal(t_first, t_last)


def test_a_temperature_range_is_drawn_uniformly_and_labelled_by_the_critical_temperature():
    _, temperature, ordered = ising_configurations(2000, size=4, sweeps=0, temperatures=(1.0, 3.5))(KEY)
    temperature = np.asarray(temperature)
    assert temperature.min() >= 1.0 and temperature.max() <= 3.5
    assert temperature.mean() == pytest.approx(2.25, abs=0.05)
    assert ordered.mean() == pytest.approx((T_CRITICAL - 1.0) / 2.5, abs=0.03)


def test_configurations_are_deterministic_per_key_and_differ_between_keys():
    spins, temperature, _ = DATA(KEY)
    np.testing.assert_array_equal(spins, DATA(KEY)[0])
    other, other_temperature, _ = DATA(jax.random.key(1))
    np.testing.assert_array_equal(temperature, other_temperature)       # fixed temperatures ...
    assert not np.array_equal(spins, other)                             # ... fresh configurations


def test_generator_runs_inside_jit_and_feeds_a_trainer():
    data = ising_configurations(16, size=8, sweeps=10)
    np.testing.assert_array_equal(jax.jit(data)(KEY)[0], data(KEY)[0])

    def loss(params, batch):   # logistic regression on |m|
        spins, _, ordered = batch
        logit = params["w"] * jnp.abs(spins.mean(axis=(1, 2, 3)))[:, None] + params["b"]
        return jnp.mean(jnp.logaddexp(0.0, logit) - ordered * logit)

    trainer = scope.Trainer(params={"w": jnp.zeros(()), "b": jnp.zeros(())}, loss=loss, data=data, optimizer=0.1,
                            strategy="loop")
    trainer.run(5)
    assert len(trainer.history["loss"]) == 5 and np.all(np.isfinite(np.asarray(trainer.history["loss"])))


# ---- argument errors ------------------------------------------------------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: ising_configurations(0), "batch_size must be a positive integer; got 0"),
    (lambda: ising_configurations(size=15), "size must be an even integer (checkerboard updates on a periodic "
                                            "lattice); got 15"),
    (lambda: ising_configurations(size=0), "size must be an integer >= 2; got 0"),
    (lambda: ising_configurations(sweeps=-1), "sweeps must be an integer >= 0; got -1"),
    (lambda: ising_configurations(start="hot"), "start must be one of ('ordered', 'random'); got 'hot'"),
    (lambda: ising_configurations(channels="NCHW"), "channels must be one of ('first', 'last', None); got 'NCHW'"),
    (lambda: ising_configurations(temperatures=(3.5, 1.0)), "temperatures must be a (lo, hi) tuple with 0 < lo <= hi"),
    (lambda: ising_configurations(temperatures=(0.0, 1.0)), "temperatures must be a (lo, hi) tuple"),
    (lambda: ising_configurations(temperatures=(1.0, 2.0, 3.0)), "temperatures must be a (lo, hi) tuple"),
    (lambda: ising_configurations(temperatures=[]), "temperatures must be a (lo, hi) tuple"),
    (lambda: ising_configurations(temperatures=[1.0, -2.0]), "temperatures must be a (lo, hi) tuple"),
    (lambda: ising_configurations(temperatures="hot"), "temperatures must be a (lo, hi) tuple"),
    (lambda: metropolis(jnp.ones((5, 5)), 1.0, KEY), "spins must have shape (..., L, L) with an even L >= 2"),
    (lambda: metropolis(jnp.ones((4, 6)), 1.0, KEY), "spins must have shape (..., L, L)"),
    (lambda: metropolis(jnp.ones((3, 4, 4)), jnp.ones(2), KEY), "temperature must be a scalar or have the leading "
                                                                "shape (3,) of spins; got shape (2,)"),
    (lambda: metropolis(jnp.ones((4, 4)), 1.0, KEY, sweeps=2.5), "sweeps must be an integer >= 0; got 2.5"),
])
def test_bad_arguments_raise_errors_naming_them(make, message):
    with pytest.raises(ValueError) as error:
        make()
    assert str(error.value).startswith(message)
