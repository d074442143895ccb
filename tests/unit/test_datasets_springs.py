"""Spring networks: shapes and masks, the springs (each node to its nearest neighbours, each once), energy,
tension and forces against a numpy loop, forces = -grad E, variable sizes, keys, argument errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxscope.datasets.springs import spring_energy, spring_forces, spring_networks, spring_tension

B = 64
DATA = spring_networks(B)                  # one compile, shared
GRAPHS = {k: np.asarray(v) for k, v in DATA(jax.random.key(0)).items()}
N, E = 20, 60


def graph(g: dict, b: int) -> tuple:
    return tuple(jnp.asarray(g[k][b]) for k in ("positions", "senders", "receivers", "edge_features", "edge_mask"))


def numpy_springs(g: dict, b: int) -> tuple[float, np.ndarray, np.ndarray]:
    """(energy, tension (E,), forces (N, 2)) of graph b by a loop over its real springs, in float64."""
    r = g["positions"][b].astype(np.float64)
    energy, tension, forces = 0.0, np.zeros(E), np.zeros((N, 2))
    for e in np.flatnonzero(g["edge_mask"][b]):
        i, j = g["senders"][b, e], g["receivers"][b, e]
        k, rest = g["edge_features"][b, e].astype(np.float64)
        d = np.linalg.norm(r[i] - r[j])
        energy += 0.5 * k * (d - rest) ** 2
        tension[e] = k * (d - rest)
        forces[i] -= tension[e] * (r[i] - r[j]) / d
        forces[j] += tension[e] * (r[i] - r[j]) / d
    return energy, tension, forces


def test_shapes_and_dtypes():
    want = {"positions": ((B, N, 2), np.float32), "node_mask": ((B, N), np.bool_), "nodes": ((B,), np.int32),
            "senders": ((B, E), np.int32), "receivers": ((B, E), np.int32), "edge_mask": ((B, E), np.bool_),
            "edges": ((B,), np.int32), "edge_features": ((B, E, 2), np.float32), "energy": ((B,), np.float32),
            "forces": ((B, N, 2), np.float32), "tension": ((B, E), np.float32), "distances": ((B, E), np.float32)}
    assert {k: (v.shape, v.dtype.type) for k, v in GRAPHS.items()} == want


def test_graph_sizes_vary_over_the_whole_range_and_the_masks_say_which_nodes_and_springs_are_real():
    g = GRAPHS
    assert g["nodes"].min() == 5 and g["nodes"].max() == 20 and len(np.unique(g["nodes"])) >= 12
    np.testing.assert_array_equal(g["node_mask"], np.arange(N)[None] < g["nodes"][:, None])
    np.testing.assert_array_equal(g["edges"], g["edge_mask"].sum(1))
    for b in range(B):
        real = g["edge_mask"][b]
        assert real[:g["edges"][b]].all() and not real[g["edges"][b]:].any()          # real springs first
        assert (g["senders"][b, ~real] == 0).all() and (g["receivers"][b, ~real] == 0).all()
        assert (g["edge_features"][b, ~real] == 0).all() and (g["tension"][b, ~real] == 0).all()
        assert (g["positions"][b, ~g["node_mask"][b]] == 0).all() and (g["forces"][b, ~g["node_mask"][b]] == 0).all()
        assert (g["senders"][b, real] < g["receivers"][b, real]).all()                  # each spring once
        assert (g["receivers"][b, real] < g["nodes"][b]).all()                          # between real nodes
    k = g["edge_features"][..., 0][g["edge_mask"]]
    assert 0.5 <= k.min() and k.max() <= 2.0 and k.std() > 0.3


def test_every_real_node_has_at_least_three_springs_and_padded_nodes_none():
    g = GRAPHS
    for b in range(B):
        n, real = g["nodes"][b], g["edge_mask"][b]
        pairs = set(zip(g["senders"][b, real].tolist(), g["receivers"][b, real].tolist()))
        assert len(pairs) == g["edges"][b]                       # no spring twice
        degree = np.bincount(np.r_[g["senders"][b, real], g["receivers"][b, real]], minlength=N)
        assert (degree[:n] >= 3).all() and (degree[n:] == 0).all()
        assert 3 * n / 2 <= g["edges"][b] <= 3 * n


def test_nearest_neighbours_with_no_displacement():
    # without displacement the positions are the rest positions: each node's 3 nearest nodes are joined to it,
    # every spring has its rest length (zero energy, tension and force), and no spring is longer than needed
    data = spring_networks(16, displacement=0.0)
    g = {k: np.asarray(v) for k, v in data(jax.random.key(3)).items()}
    for b in range(16):
        n, real = g["nodes"][b], g["edge_mask"][b]
        r = g["positions"][b, :n].astype(np.float64)
        distance = np.linalg.norm(r[:, None] - r[None], axis=-1) + np.diag(np.full(n, np.inf))
        want = {tuple(sorted((i, j))) for i in range(n) for j in np.argsort(distance[i])[:3]}
        assert set(zip(g["senders"][b, real].tolist(), g["receivers"][b, real].tolist())) == want
        s, t = g["senders"][b, real], g["receivers"][b, real]
        np.testing.assert_allclose(g["edge_features"][b, real, 1], distance[s, t], rtol=1e-5)
    np.testing.assert_allclose(g["energy"], 0.0, atol=1e-9)
    np.testing.assert_allclose(g["forces"], 0.0, atol=1e-5)


def test_energy_tension_and_forces_agree_with_a_numpy_loop():
    for b in range(12):
        energy, tension, forces = numpy_springs(GRAPHS, b)
        assert GRAPHS["energy"][b] == pytest.approx(energy, rel=1e-5)
        np.testing.assert_allclose(GRAPHS["tension"][b], tension, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(GRAPHS["forces"][b], forces, rtol=1e-4, atol=1e-5)
        real = GRAPHS["edge_mask"][b]
        r = GRAPHS["positions"][b]
        d = np.linalg.norm(r[GRAPHS["senders"][b, real]] - r[GRAPHS["receivers"][b, real]], axis=-1)
        np.testing.assert_allclose(GRAPHS["distances"][b, real], d, rtol=1e-5)
    assert GRAPHS["energy"].min() > 0 and np.abs(GRAPHS["forces"]).max() > 0.5


def test_the_analytic_forces_are_minus_the_gradient_of_the_energy_and_sum_to_zero():
    grad = jax.jit(jax.vmap(jax.grad(spring_energy)))
    g = GRAPHS
    minus_grad = -np.asarray(grad(*(jnp.asarray(g[k]) for k in ("positions", "senders", "receivers",
                                                                 "edge_features", "edge_mask"))))
    assert np.isfinite(minus_grad).all()          # padded springs of zero length give no NaN
    np.testing.assert_allclose(g["forces"], minus_grad, rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(g["forces"].sum(axis=1), 0.0, atol=2e-5)   # Newton's third law
    # the tension is the energy's derivative along each spring's length
    b = 0
    one = graph(g, b)
    np.testing.assert_allclose(spring_tension(*one), g["tension"][b], rtol=1e-6)
    np.testing.assert_allclose(spring_forces(*one), g["forces"][b], rtol=1e-6)


def test_small_and_large_graphs_have_the_same_density():
    g = GRAPHS
    mean_rest = [g["edge_features"][b, g["edge_mask"][b], 1].mean() for b in range(B)]
    small = np.mean([m for m, n in zip(mean_rest, g["nodes"]) if n <= 10])
    large = np.mean([m for m, n in zip(mean_rest, g["nodes"]) if n >= 15])
    assert 0.8 < small / large < 1.25


def test_the_same_key_gives_the_same_graphs_and_the_generator_runs_with_a_traced_key():
    again = DATA(jax.random.key(0))
    for name, value in GRAPHS.items():
        np.testing.assert_array_equal(value, again[name])
    assert not np.array_equal(GRAPHS["positions"], DATA(jax.random.key(1))["positions"])
    energies = jax.lax.map(lambda k: jnp.sum(DATA(k)["energy"]), jax.random.split(jax.random.key(0), 2))
    assert energies.shape == (2,) and np.isfinite(energies).all()


def test_options_set_the_sizes_and_ranges():
    data = spring_networks(8, min_nodes=7, max_nodes=9, neighbours=2, spring_range=(1.0, 1.0))
    g = data(jax.random.key(2))
    assert g["positions"].shape == (8, 9, 2) and g["senders"].shape == (8, 18)
    assert set(np.asarray(g["nodes"]).tolist()) <= {7, 8, 9}
    np.testing.assert_array_equal(np.asarray(g["edge_features"][..., 0])[np.asarray(g["edge_mask"])], 1.0)


def test_small_complete_graphs_are_padded_to_every_pair_at_most():
    g = spring_networks(4, min_nodes=4, max_nodes=4)(jax.random.key(5))    # 3 neighbours of 4 nodes: all 6 pairs
    assert g["senders"].shape == (4, 6)
    np.testing.assert_array_equal(g["edges"], 6)
    np.testing.assert_array_equal(g["senders"][0], [0, 0, 0, 1, 1, 2])
    np.testing.assert_array_equal(g["receivers"][0], [1, 2, 3, 2, 3, 3])


@pytest.mark.parametrize("options, message", [
    (dict(batch_size=0), r"batch_size must be a positive integer; got 0"),
    (dict(min_nodes=3), r"min_nodes must be an integer >= 4; got 3"),
    (dict(min_nodes=2, neighbours=2), r"min_nodes must be an integer >= 3; got 2"),
    (dict(max_nodes=4), r"max_nodes must be >= min_nodes \(5\); got 4"),
    (dict(neighbours=0), r"neighbours must be a positive integer; got 0"),
    (dict(spring_range=(0.0, 1.0)), r"spring_range must be \(low, high\) with 0 < low <= high; got \(0.0, 1.0\)"),
    (dict(spring_range=2.0), r"spring_range must be \(low, high\) with 0 < low <= high; got 2.0"),
    (dict(displacement=-0.1), r"displacement must be a finite number >= 0; got -0.1"),
    (dict(spacing=0), r"spacing must be a finite number > 0; got 0"),
])
def test_bad_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        spring_networks(**{"batch_size": 4, **options})
