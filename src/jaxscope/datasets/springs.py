"""Random 2-D spring networks of a variable number of nodes: graphs for message-passing networks.

Each graph has n nodes (n uniform in ``min_nodes`` … ``max_nodes``), placed at random rest positions
in a square of side ``spacing`` · sqrt(n) (so the density is the same for small and large graphs).
Every node is joined by a spring to its ``neighbours`` nearest nodes (at rest), each spring once. A
spring has a random constant k (uniform in ``spring_range``) and the rest length l of its two nodes'
rest distance; the nodes are then displaced from rest by Gaussian noise of standard deviation
``displacement``. The targets are the elastic energy of each graph and the force on each node:

    E = Σ_springs (k / 2) (|r_i - r_j| - l)²,        F_i = -∂E/∂r_i.

Graphs are padded to ``max_nodes`` nodes and ``neighbours`` · ``max_nodes`` springs (the most n nodes
can have; fewer when that exceeds the number of pairs), with masks saying which nodes and springs are
real; padded springs join node 0 to itself, padded nodes sit at the origin, and both have zero
energy, tension and force.

>>> import jax
>>> from jaxscope.datasets.springs import spring_networks
>>> graphs = spring_networks(8)(jax.random.key(0))
>>> graphs["positions"].shape, graphs["senders"].shape, graphs["edge_features"].shape, graphs["energy"].shape
((8, 20, 2), (8, 60), (8, 60, 2), (8,))
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .arguments import as_float as _as_float
from .arguments import count as _count

__all__ = ["spring_energy", "spring_forces", "spring_networks", "spring_tension"]


def _lengths(positions, senders, receivers) -> tuple[jax.Array, jax.Array]:
    """(r_sender - r_receiver, its length) per spring; a zero-length padded spring gets length 1 (no NaN)."""
    delta = positions[..., senders, :] - positions[..., receivers, :]
    squared = jnp.sum(delta ** 2, axis=-1)
    return delta, jnp.sqrt(jnp.where(squared > 0, squared, 1.0))


def spring_tension(positions, senders, receivers, edge_features, edge_mask) -> jax.Array:
    """k (|r_i - r_j| - l) per spring (E,) of one graph: positive stretched, negative compressed, 0 padded.

    ``positions`` (N, 2), ``senders`` / ``receivers`` (E,) node indices, ``edge_features`` (E, 2) = (k, l),
    ``edge_mask`` (E,). It is ∂E/∂|r_i - r_j|: the force the spring pulls its two ends together with.

    >>> positions = jnp.array([[0.0, 0.0], [2.0, 0.0]])
    >>> float(spring_tension(positions, jnp.array([0]), jnp.array([1]), jnp.array([[3.0, 1.5]]), jnp.array([True]))[0])
    1.5
    """
    _, length = _lengths(positions, senders, receivers)
    k, rest = edge_features[..., 0], edge_features[..., 1]
    return jnp.where(edge_mask, k * (length - rest), 0.0)


def spring_energy(positions, senders, receivers, edge_features, edge_mask) -> jax.Array:
    """The elastic energy Σ (k / 2) (|r_i - r_j| - l)² of one graph (arguments as in :func:`spring_tension`).

    >>> positions = jnp.array([[0.0, 0.0], [2.0, 0.0]])
    >>> float(spring_energy(positions, jnp.array([0]), jnp.array([1]), jnp.array([[3.0, 1.5]]), jnp.array([True])))
    0.375
    """
    _, length = _lengths(positions, senders, receivers)
    k, rest = edge_features[..., 0], edge_features[..., 1]
    return jnp.sum(jnp.where(edge_mask, 0.5 * k * (length - rest) ** 2, 0.0))


def spring_forces(positions, senders, receivers, edge_features, edge_mask) -> jax.Array:
    """The force -∂E/∂r_i on every node (N, 2) of one graph, analytically: each spring pulls its ends
    toward each other with its tension along the unit vector between them.

    >>> positions = jnp.array([[0.0, 0.0], [2.0, 0.0]])
    >>> spring_forces(positions, jnp.array([0]), jnp.array([1]), jnp.array([[3.0, 1.5]]), jnp.array([True])).tolist()
    [[1.5, 0.0], [-1.5, 0.0]]
    """
    delta, length = _lengths(positions, senders, receivers)
    pull = (spring_tension(positions, senders, receivers, edge_features, edge_mask) / length)[:, None] * delta
    forces = jnp.zeros_like(positions)
    return forces.at[receivers].add(pull).at[senders].add(-pull)


def _range(value, name: str) -> tuple[float, float]:
    try:
        lo, hi = (_as_float(v) for v in value)
    except (TypeError, ValueError):
        lo = hi = math.nan
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
        raise ValueError(f"{name} must be (low, high) with 0 < low <= high; got {value!r}")
    return lo, hi


def _non_negative(value, name: str) -> float:
    number = _as_float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return number


def _one_graph(key: jax.Array, nodes: jax.Array, max_nodes: int, neighbours: int, pairs: tuple[np.ndarray, np.ndarray],
               max_edges: int, springs: tuple[float, float], displacement: float, spacing: float) -> dict:
    """One padded graph of ``nodes`` real nodes (a traced integer)."""
    rest_key, spring_key, shift_key = jax.random.split(key, 3)
    node_mask = jnp.arange(max_nodes) < nodes
    side = spacing * jnp.sqrt(nodes.astype(jnp.float32))
    rest = jnp.where(node_mask[:, None], side * (jax.random.uniform(rest_key, (max_nodes, 2)) - 0.5), 0.0)
    # each real node to its `neighbours` nearest real nodes, at rest; a spring for every such pair, once
    distance = jnp.sqrt(jnp.sum((rest[:, None] - rest[None]) ** 2, axis=-1))
    usable = node_mask[:, None] & node_mask[None] & ~jnp.eye(max_nodes, dtype=bool)
    _, nearest = jax.lax.top_k(-jnp.where(usable, distance, jnp.inf), neighbours)
    chosen = jnp.zeros((max_nodes, max_nodes), bool).at[jnp.arange(max_nodes)[:, None], nearest].set(True)
    chosen = (chosen & node_mask[:, None]) | (chosen & node_mask[:, None]).T
    first, second = pairs
    present = chosen[first, second]
    order = jnp.argsort(~present, stable=True)[:max_edges]       # real springs first (at most neighbours · n)
    edge_mask = present[order]
    senders = jnp.where(edge_mask, jnp.asarray(first)[order], 0).astype(jnp.int32)
    receivers = jnp.where(edge_mask, jnp.asarray(second)[order], 0).astype(jnp.int32)
    k = jax.random.uniform(spring_key, (max_edges,), minval=springs[0], maxval=springs[1])
    rest_length = distance[senders, receivers]
    edge_features = jnp.where(edge_mask[:, None], jnp.stack([k, rest_length], axis=-1), 0.0)
    shift = displacement * jax.random.normal(shift_key, (max_nodes, 2))
    positions = jnp.where(node_mask[:, None], rest + shift, 0.0)
    graph = (positions, senders, receivers, edge_features, edge_mask)
    _, length = _lengths(positions, senders, receivers)
    return {"positions": positions, "node_mask": node_mask, "senders": senders, "receivers": receivers,
            "edge_mask": edge_mask, "edge_features": edge_features,
            "distances": jnp.where(edge_mask, length, 0.0), "nodes": nodes.astype(jnp.int32),
            "edges": jnp.sum(edge_mask).astype(jnp.int32), "energy": spring_energy(*graph),
            "tension": spring_tension(*graph), "forces": spring_forces(*graph)}


def spring_networks(batch_size: int = 32, *, min_nodes: int = 5, max_nodes: int = 20, neighbours: int = 3,
                    spring_range: tuple[float, float] = (0.5, 2.0), displacement: float = 0.15,
                    spacing: float = 1.0) -> Callable[[jax.Array], dict]:
    """Random spring networks (see the module docstring): ``data(key) -> graphs``, a dict of arrays:

    - ``positions`` float32 (B, N, 2), ``node_mask`` bool (B, N), ``nodes`` int32 (B,) real nodes;
    - ``senders``, ``receivers`` int32 (B, E) node indices of each spring, ``edge_mask`` bool (B, E),
      ``edges`` int32 (B,) real springs, ``edge_features`` float32 (B, E, 2) = (k, l) per spring;
    - targets: ``energy`` (B,), ``forces`` (B, N, 2), per spring ``tension`` k (d - l) and the
      current length ``distances`` d (B, E);

    with N = ``max_nodes`` and E = ``neighbours`` · ``max_nodes`` (at most every pair of nodes). Pure and jitted: the same key
    gives the same graphs; it runs inside a compiled training loop.

    >>> graphs = spring_networks(4, min_nodes=6, max_nodes=6)(jax.random.key(1))
    >>> graphs["nodes"].tolist(), bool(graphs["node_mask"].all())
    ([6, 6, 6, 6], True)
    """
    batch_size = _count(batch_size, "batch_size")
    neighbours = _count(neighbours, "neighbours")
    min_nodes = _count(min_nodes, "min_nodes", minimum=neighbours + 1)
    max_nodes = _count(max_nodes, "max_nodes")
    if max_nodes < min_nodes:
        raise ValueError(f"max_nodes must be >= min_nodes ({min_nodes}); got {max_nodes!r}")
    springs = _range(spring_range, "spring_range")
    displacement = _non_negative(displacement, "displacement")
    spacing = _as_float(spacing)
    if not math.isfinite(spacing) or spacing <= 0:
        raise ValueError(f"spacing must be a finite number > 0; got {spacing!r}")
    pairs = np.triu_indices(max_nodes, 1)
    max_edges = min(neighbours * max_nodes, len(pairs[0]))     # the most n <= max_nodes nodes can have

    @jax.jit
    def data(key: jax.Array) -> dict:
        size_key, graph_key = jax.random.split(key)
        nodes = jax.random.randint(size_key, (batch_size,), min_nodes, max_nodes + 1)
        return jax.vmap(lambda k, n: _one_graph(k, n, max_nodes, neighbours, pairs, max_edges, springs,
                                                displacement, spacing))(jax.random.split(graph_key, batch_size), nodes)

    return data
