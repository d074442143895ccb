"""Two coordinates for a layer's activations: the units themselves when there are two, else the
first two principal components, with signs kept from one refresh to the next so points don't flip.

>>> rng = np.random.default_rng(0)
>>> a = rng.normal(size=(200, 3)) * [5.0, 1.0, 0.1]
>>> xy, labels, components = project(a)
>>> xy.shape, labels[0]
((200, 2), 'PC 1 (96 %)')
"""

from __future__ import annotations

import numpy as np


def project(activations: np.ndarray, previous: np.ndarray | None = None) -> tuple[np.ndarray, list[str], np.ndarray | None]:
    """(N, 2) coordinates, axis labels and the components used (None for raw units).

    ``previous``: the components of the last call; each new component's sign is chosen to point
    the same way. One unit: the unit against the sample index.
    """
    a = np.asarray(activations, dtype=np.float64).reshape(len(activations), -1)
    if a.shape[1] == 1:
        return np.stack([a[:, 0], np.arange(len(a), dtype=np.float64)], axis=1), ["unit 0", "sample"], None
    if a.shape[1] == 2:
        return a, ["unit 0", "unit 1"], None
    centred = a - a.mean(axis=0)
    # eigenvectors of the d x d scatter matrix: the SVD's right singular vectors, ~8x cheaper here
    if a.shape[1] <= 256:
        variance, vectors = np.linalg.eigh(centred.T @ centred)
        order = np.argsort(variance)[::-1]
        variance = np.clip(variance[order], 0.0, None)
        components = vectors[:, order[:2]].T.copy()
    else:
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        variance, components = s ** 2, vt[:2].copy()
    if previous is not None and previous.shape == components.shape:
        signs = np.sign(np.sum(components * previous, axis=1))
        components *= np.where(signs == 0, 1.0, signs)[:, None]
    share = variance[:2] / variance.sum() if variance.sum() > 0 else np.zeros(2)
    labels = [f"PC {k + 1} ({100 * share[k]:.0f} %)" for k in range(2)]
    return centred @ components.T, labels, components
