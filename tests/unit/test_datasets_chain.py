"""The lesson-1 hanging chain: its energy, the Trainer loss and the relaxed shape (force balance)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscope as scope
from jaxscope.datasets.chain import chain_energy, chain_loss, relaxed_chain

K, L, MG, N = 5.0, 0.8, 0.1, 20


def spring_forces(heights, spring=K, length=L):
    """Per spring (N + 1 of them, walls included): horizontal and vertical tension components."""
    y = np.pad(np.asarray(heights, np.float64), 1)
    dy = np.diff(y)
    stretched = np.sqrt(dy ** 2 + 1.0)
    tension = spring * (stretched - length)
    return tension / stretched, tension * dy / stretched


def test_flat_chain_energy_is_the_closed_form():
    # every spring has length 1: (N + 1) (K/2) (1 - l)², no gravity term at y = 0
    assert float(chain_energy(jnp.zeros(N))) == pytest.approx((N + 1) * K / 2 * (1 - L) ** 2, rel=1e-6)
    assert float(chain_energy(jnp.zeros(7), spring=2.0, length=0.5)) == pytest.approx(8 * 1.0 * 0.25, rel=1e-6)


def test_energy_of_a_lowered_chain_adds_gravity_and_stretch():
    y = jnp.full(N, -1.0)
    # two wall springs of length sqrt(2), N - 1 inner springs of length 1, weight N m g (-1)
    expected = 2 * K / 2 * (np.sqrt(2) - L) ** 2 + (N - 1) * K / 2 * (1 - L) ** 2 - N * MG
    assert float(chain_energy(y)) == pytest.approx(expected, rel=1e-6)
    assert chain_energy(y).dtype == jnp.float32 and chain_energy(y).shape == ()


def test_chain_loss_ignores_the_batch_and_accepts_a_bare_array():
    loss = chain_loss(length=1.0, mass_g=0.2)
    y = jnp.linspace(-1.0, 0.0, 5)
    expected = float(chain_energy(y, length=1.0, mass_g=0.2))
    assert float(loss({"heights": y}, 0.0)) == pytest.approx(expected)
    assert float(loss(y, None)) == pytest.approx(expected)


def test_gradient_descent_does_not_converge_in_60_steps_but_adam_does():
    energy = jax.jit(chain_energy)
    gradient = jax.jit(jax.grad(chain_energy))
    minimum = float(energy(relaxed_chain(N)))

    y = jnp.zeros(N)
    for _ in range(60):
        y = y - 0.2 * gradient(y)
    gd_energy, gd_gradient = float(energy(y)), float(jnp.linalg.norm(gradient(y)))

    optimizer = optax.adam(0.1)
    y = jnp.zeros(N)
    state = optimizer.init(y)
    for _ in range(60):
        updates, state = optimizer.update(gradient(y), state)
        y = optax.apply_updates(y, updates)
    adam_energy, adam_gradient = float(energy(y)), float(jnp.linalg.norm(gradient(y)))

    # measured: minimum -0.926; GD 0.498 (|grad| 0.31), adam -0.918 (|grad| 0.030)
    assert minimum == pytest.approx(-0.9263, abs=1e-3)
    assert gd_energy > 0.4 and gd_gradient > 0.25
    assert adam_energy - minimum < 0.01 and adam_gradient < 0.05


def test_trainer_relaxes_the_chain_with_the_batch_ignored():
    trainer = scope.Trainer(params={"heights": jnp.zeros(N)}, loss=chain_loss(),
                            data=None, optimizer=optax.adam(0.1))
    trainer.run(300)
    np.testing.assert_allclose(trainer.params["heights"], relaxed_chain(N), atol=2e-2)
    assert trainer.history["loss"][-1] == pytest.approx(float(chain_energy(relaxed_chain(N))), abs=1e-3)


def test_relaxed_chain_is_symmetric_hangs_below_zero_lowest_in_the_middle():
    y = np.asarray(relaxed_chain(N))
    assert y.shape == (N,) and y.dtype == np.float32
    np.testing.assert_allclose(y, y[::-1], atol=1e-5)
    assert np.all(y < 0)
    assert set(np.flatnonzero(y == y.min())) <= {N // 2 - 1, N // 2}
    assert np.all(np.diff(y[: N // 2]) < 0)          # falls monotonically towards the middle


def test_relaxed_chain_is_in_vertical_force_balance_at_every_mass():
    y = relaxed_chain(N)
    _, vertical = spring_forces(y)
    # mass j: the right spring pulls up by V_{j+1}, the left one down by V_j, gravity by m g
    residual = vertical[1:] - vertical[:-1] - MG
    assert np.max(np.abs(residual)) < 1e-4          # measured ~3e-7
    assert np.max(np.abs(np.asarray(jax.grad(chain_energy)(y)))) < 1e-4
    # each wall carries half the weight
    assert -vertical[0] == pytest.approx(N * MG / 2, abs=1e-4)
    assert vertical[-1] == pytest.approx(N * MG / 2, abs=1e-4)


def test_horizontal_tension_is_not_constant_because_masses_cannot_move_sideways():
    # In a free chain the horizontal tension is constant; here the masses sit at fixed x, and the
    # constraint absorbs the difference: the steep springs near the walls pull harder sideways.
    horizontal, _ = spring_forces(relaxed_chain(N))
    np.testing.assert_allclose(horizontal, horizontal[::-1], rtol=1e-5)
    assert horizontal[0] == pytest.approx(1.605, abs=1e-3)
    assert horizontal[N // 2] == pytest.approx(1.0, abs=1e-3)   # the flat middle spring: K (1 - l)


def test_relaxed_chain_with_slack_springs_and_traced_lengths():
    lengths = jnp.array([0.5, 0.8, 1.0, 1.2])
    chains = jax.vmap(lambda length: relaxed_chain(N, length=length))(lengths)
    np.testing.assert_allclose(chains[1], relaxed_chain(N), atol=1e-5)
    assert np.all(np.diff(chains.min(axis=1)) < 0)   # longer springs hang lower
    for length, y in zip([1.0, 1.2], chains[2:]):
        grad = jax.grad(chain_energy)(y, length=length)
        assert float(jnp.max(jnp.abs(grad))) < 1e-4


@pytest.mark.parametrize("call, message", [
    (lambda: chain_energy(jnp.zeros(3), spring=0.0), "spring must be a positive finite number; got 0.0"),
    (lambda: chain_energy(jnp.zeros(3), length=-1), "length must be a positive finite number; got -1"),
    (lambda: chain_energy(jnp.zeros(3), mass_g="heavy"), "mass_g must be a finite number; got 'heavy'"),
    (lambda: chain_energy(jnp.zeros((2, 3))), r"heights must be a 1-D array .* got shape \(2, 3\)"),
    (lambda: chain_loss(spring=float("inf")), "spring must be a positive finite number; got inf"),
    (lambda: relaxed_chain(0), "n must be a positive integer; got 0"),
    (lambda: relaxed_chain(2.5), "n must be a positive integer; got 2.5"),
    (lambda: chain_loss()({"y": jnp.zeros(3)}, None), r"params = \{'heights'.* keys \['y'\]"),
])
def test_bad_arguments_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
