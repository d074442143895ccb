"""The graphs a ``GraphView`` shows: checks of what the user gave (every problem a ValueError naming
the entry and the shape expected, before anything compiles), and the fixed geometry drawn from them.

Graphs come as one dict of arrays with the graphs on the first axis, as ``scope.datasets.spring_networks``
gives them (or as jraph-style padded batches): ``senders`` / ``receivers`` (G, E) node indices, optional
``node_mask`` (G, N) and ``edge_mask`` (G, E), optional positions (G, N, 2), anything else the model needs.

>>> g = check_graphs({"senders": np.array([[0, 1]]), "receivers": np.array([[1, 2]])}, 4)
>>> g.nodes, g.edges, g.node_count.tolist(), g.edge_count.tolist()
(3, 2, [3], [2])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

@dataclass
class Graphs:
    """G graphs of N (padded) nodes and E (padded) edges, numpy, cut to the graphs shown."""
    arrays: dict                 # every entry of the user's dict, its first G graphs
    senders: np.ndarray          # (G, E) int
    receivers: np.ndarray        # (G, E) int
    node_mask: np.ndarray        # (G, N) bool
    edge_mask: np.ndarray        # (G, E) bool

    @property
    def count(self) -> int:
        return self.senders.shape[0]

    @property
    def nodes(self) -> int:
        return self.node_mask.shape[1]

    @property
    def edges(self) -> int:
        return self.senders.shape[1]

    @property
    def node_count(self) -> np.ndarray:
        return self.node_mask.sum(axis=1)

    @property
    def edge_count(self) -> np.ndarray:
        return self.edge_mask.sum(axis=1)


def _array(graphs: Mapping, key: str) -> np.ndarray:
    try:
        value = np.asarray(graphs[key])
    except Exception as error:      # noqa: BLE001 - anything numpy cannot take
        raise ValueError(f"GraphView: graphs[{key!r}] must be an array; got {type(graphs[key]).__name__} ({error})") from None
    if value.dtype == object:
        raise ValueError(f"GraphView: graphs[{key!r}] must be an array of numbers; got {type(graphs[key]).__name__}")
    return value


def _mask(graphs: dict, key: str, shape: tuple) -> np.ndarray:
    if key not in graphs:
        return np.ones(shape, bool)
    mask = graphs[key]
    if mask.shape != shape:
        raise ValueError(f"GraphView: graphs[{key!r}] has shape {mask.shape}; expected {shape} (graphs, "
                         f"{'nodes' if key == 'node_mask' else 'edges'})")
    if mask.dtype != bool and not np.isin(mask, (0, 1)).all():
        raise ValueError(f"GraphView: graphs[{key!r}] must be True/False (or 1/0) per "
                         f"{'node' if key == 'node_mask' else 'edge'}")
    return mask.astype(bool)


def check_graphs(graphs: Any, count: int, positions: str = "positions") -> Graphs:
    """The first ``count`` graphs of ``graphs`` (a dict of arrays, the graphs on axis 0), checked."""
    if not isinstance(graphs, Mapping):
        raise ValueError("graphs must be a dict of arrays with the graphs on the first axis ('senders', "
                         "'receivers' (graphs, edges) and optionally 'node_mask', 'edge_mask', positions); "
                         f"got {type(graphs).__name__}")
    missing = [k for k in ("senders", "receivers") if k not in graphs]
    if missing:
        raise ValueError(f"GraphView: graphs needs {' and '.join(repr(k) for k in missing)}: the node index at "
                         f"each end of every edge, shape (graphs, edges); it has {sorted(map(str, graphs))}")
    arrays = {str(k): _array(graphs, k) for k in graphs}
    senders, receivers = arrays["senders"], arrays["receivers"]
    if senders.ndim != 2 or receivers.shape != senders.shape:
        raise ValueError(f"GraphView: graphs['senders'] and graphs['receivers'] must both have shape (graphs, edges); "
                         f"got {senders.shape} and {receivers.shape} (one graph: add a first axis, v[None])")
    if not (np.issubdtype(senders.dtype, np.integer) and np.issubdtype(receivers.dtype, np.integer)):
        raise ValueError(f"GraphView: graphs['senders'] and graphs['receivers'] must hold integer node indices; "
                         f"got {senders.dtype} and {receivers.dtype}")
    total = senders.shape[0]
    if total == 0:
        raise ValueError("GraphView: graphs holds no graph (the first axis has length 0)")
    wrong = [k for k, v in arrays.items() if v.ndim == 0 or v.shape[0] != total]
    if wrong:
        raise ValueError(f"GraphView: every entry of graphs needs the {total} graphs on its first axis; "
                         f"{', '.join(f'{k!r} has shape {arrays[k].shape}' for k in wrong)}")
    arrays = {k: v[:count] for k, v in arrays.items()}
    senders, receivers = arrays["senders"], arrays["receivers"]
    edge_mask = _mask(arrays, "edge_mask", senders.shape)
    if "node_mask" in arrays:
        nodes = arrays["node_mask"].shape[1] if arrays["node_mask"].ndim == 2 else -1
    elif positions in arrays:
        nodes = arrays[positions].shape[1] if arrays[positions].ndim == 3 else -1
    else:
        nodes = int(max(senders[edge_mask].max(initial=0), receivers[edge_mask].max(initial=0))) + 1
    node_mask = _mask(arrays, "node_mask", (len(senders), nodes))
    if positions in arrays:
        shape = arrays[positions].shape
        if shape != (len(senders), nodes, 2):
            raise ValueError(f"GraphView: graphs[{positions!r}] has shape {shape}; expected (graphs, nodes, 2) = "
                             f"{(len(senders), nodes, 2)}")
        if not np.isfinite(arrays[positions][node_mask]).all():
            raise ValueError(f"GraphView: graphs[{positions!r}] holds NaN or infinite positions of real nodes")
    for name, ends in (("senders", senders), ("receivers", receivers)):
        used = ends[edge_mask]
        bad = (used < 0) | (used >= nodes)
        if bad.any() or not node_mask[np.nonzero(edge_mask)[0], ends[edge_mask]].all():
            raise ValueError(f"GraphView: graphs[{name!r}] has edges to nodes that do not exist or are padding "
                             f"(indices must be real nodes in 0 … {nodes - 1}; mask padded edges with 'edge_mask')")
    return Graphs(arrays, senders.astype(np.int64), receivers.astype(np.int64), node_mask, edge_mask)


def role_shape(role: str, graphs: Graphs) -> tuple:
    """The shape of a ``role`` quantity: node (G, N), edge (G, E), vector (G, N, 2), graph (G,)."""
    return {"node": (graphs.count, graphs.nodes), "edge": (graphs.count, graphs.edges),
            "vector": (graphs.count, graphs.nodes, 2), "graph": (graphs.count,)}[role]


WHAT = {"node": "(graphs, nodes)", "edge": "(graphs, edges)", "vector": "(graphs, nodes, 2)", "graph": "(graphs,)"}


def fitted(value: np.ndarray, role: str, graphs: Graphs, what: str) -> np.ndarray:
    """``value`` as float64 of the role's shape ((G, 1) counts as (G,) for a per-graph value), or a ValueError."""
    value = np.asarray(value)
    want = role_shape(role, graphs)
    if role == "graph" and value.shape == (graphs.count, 1):
        value = value[:, 0]
    if value.shape != want:
        raise ValueError(f"GraphView: {what} has shape {value.shape}; {role}= expects {WHAT[role]} = {want}")
    return value.astype(np.float64)


def arrows(tails: np.ndarray, vectors: np.ndarray, scale: float, head: float) -> np.ndarray:
    """Arrows as polylines (n, 5, 2): tail, tip, one barb, tip, the other barb; the tip at
    tail + scale · vector, barbs at 25° from the shaft, of length min(0.3 · arrow length, ``head``).

    >>> arrows(np.zeros((1, 2)), np.array([[1.0, 0.0]]), 2.0, 1.0)[0, :2].tolist()
    [[0.0, 0.0], [2.0, 0.0]]
    """
    tails = np.asarray(tails, np.float64)
    shaft = scale * np.asarray(vectors, np.float64)
    tips = tails + shaft
    length = np.linalg.norm(shaft, axis=-1, keepdims=True)
    unit = np.divide(shaft, length, out=np.zeros_like(shaft), where=length > 0)
    barb = np.minimum(0.3 * length, head)
    out = []
    for angle in (np.radians(25), -np.radians(25)):
        c, s = np.cos(angle), np.sin(angle)
        back = -np.stack([c * unit[:, 0] - s * unit[:, 1], s * unit[:, 0] + c * unit[:, 1]], axis=-1)
        out.append(tips + barb * back)
    return np.stack([tails, tips, out[0], tips, out[1]], axis=1)
