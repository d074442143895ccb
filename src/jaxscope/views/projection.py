"""Two coordinates for a layer's activations: the units themselves when there are two, else the
first two principal components, with signs kept from one refresh to the next so points don't flip.

The first projection solves the eigenproblem of the units' scatter matrix exactly. Later ones,
given the previous components, refine them by subspace iteration (a few products with the d x d
scatter matrix and a 2 x 2 eigenproblem): training moves the activations a little between two
refreshes, so this tracks the exact components at a fraction of the cost, off the training thread.

>>> rng = np.random.default_rng(0)
>>> a = rng.normal(size=(200, 3)) * [5.0, 1.0, 0.1]
>>> xy, labels, components = project(a)
>>> xy.shape, labels[0]
((200, 2), 'PC 1 (96 %)')
"""

from __future__ import annotations

import numpy as np

ITERATIONS = 8      # subspace iterations per refresh when the previous components are known
TOLERANCE = 1e-3    # |S v - λ v| / λ1 above which refined components are recomputed exactly


def _exact(scatter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    variance, vectors = np.linalg.eigh(scatter)
    order = np.argsort(variance)[::-1][:2]
    return np.clip(variance[order], 0.0, None), vectors[:, order].T


def _refined(scatter: np.ndarray, previous: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    basis = previous.T                                   # (d, 2)
    for _ in range(ITERATIONS):
        basis, _ = np.linalg.qr(scatter @ basis)
    small = basis.T @ scatter @ basis                    # Rayleigh-Ritz: the best pair in the span
    variance, rotation = np.linalg.eigh(small)
    order = np.argsort(variance)[::-1]
    return np.clip(variance[order], 0.0, None), (basis @ rotation[:, order]).T


def _converged(scatter: np.ndarray, variance: np.ndarray, components: np.ndarray) -> bool:
    residual = np.linalg.norm(scatter @ components.T - components.T * variance, axis=0)
    return bool(np.all(residual <= TOLERANCE * max(float(variance[0]), 1e-300)))


def project(activations: np.ndarray, previous: np.ndarray | None = None) -> tuple[np.ndarray, list[str], np.ndarray | None]:
    """(N, 2) coordinates, axis labels and the components used (None for raw units).

    ``previous``: the components of the last call; they seed the iteration, and each new
    component's sign is chosen to point the same way. One unit: the unit against the sample index.
    """
    a = np.asarray(activations, dtype=np.float64).reshape(len(activations), -1)
    if a.shape[1] == 1:
        return np.stack([a[:, 0], np.arange(len(a), dtype=np.float64)], axis=1), ["unit 0", "sample"], None
    if a.shape[1] == 2:
        return a, ["unit 0", "unit 1"], None
    centred = a - a.mean(axis=0)
    scatter = centred.T @ centred
    total = float(np.trace(scatter))
    seeded = previous is not None and previous.shape == (2, a.shape[1]) and np.all(np.isfinite(previous))
    variance, components = _refined(scatter, previous) if seeded else _exact(scatter)
    if seeded and not _converged(scatter, variance, components):
        variance, components = _exact(scatter)   # a jump (reset, edit, new data): no time to catch up
    if seeded:
        signs = np.sign(np.sum(components * previous, axis=1))
        components = components * np.where(signs == 0, 1.0, signs)[:, None]
    share = variance / total if total > 0 else np.zeros(2)
    labels = [f"PC {k + 1} ({100 * share[k]:.0f} %)" for k in range(2)]
    return centred @ components.T, labels, components
