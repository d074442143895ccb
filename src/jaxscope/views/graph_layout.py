"""Node positions for graphs that come without any: a deterministic force-directed layout
(Fruchterman-Reingold) in numpy, started from a circle, done once when a view is made.

>>> ring = spring_layout(6, np.arange(6), (np.arange(6) + 1) % 6)       # a ring stays a regular hexagon
>>> round(float(np.linalg.norm(ring[0] - ring[1]) / np.linalg.norm(ring[0] - ring[3])), 3)
0.5
"""

from __future__ import annotations

import numpy as np


def spring_layout(nodes: int, senders: np.ndarray, receivers: np.ndarray, iterations: int = 200) -> np.ndarray:
    """(nodes, 2) float64 positions in about [-1, 1]²: joined nodes attract (d²/k), all nodes repel (k²/d),
    the step shrinking linearly to zero over ``iterations``."""
    angle = 2 * np.pi * np.arange(nodes) / max(nodes, 1)
    xy = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    if nodes < 3:
        return xy
    senders, receivers = np.asarray(senders, int), np.asarray(receivers, int)
    k = np.sqrt(4.0 / nodes)                     # ideal distance for an area of 4
    for step in range(iterations):
        delta = xy[:, None] - xy[None]
        distance = np.maximum(np.linalg.norm(delta, axis=-1), 1e-3)
        push = (k * k / distance ** 2)[..., None] * delta
        move = push.sum(axis=1) - push[np.arange(nodes), np.arange(nodes)]
        pull = (np.linalg.norm(xy[senders] - xy[receivers], axis=-1) / k)[:, None] * (xy[senders] - xy[receivers])
        np.add.at(move, senders, -pull)
        np.add.at(move, receivers, pull)
        length = np.maximum(np.linalg.norm(move, axis=-1, keepdims=True), 1e-9)
        limit = 0.1 * (1 - step / iterations)
        xy = xy + move / length * np.minimum(length, limit)
    xy = xy - xy.mean(axis=0)
    return xy / max(np.abs(xy).max(), 1e-9)
