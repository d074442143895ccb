"""Orient a chain of dense weight matrices: which axis is n_in, which is n_out.

Consecutive layers must connect (n_out of one == n_in of the next) and a bias has length n_out.

>>> import numpy as np
>>> orient_chain([np.zeros((30, 1)), np.zeros((1, 30))], [np.zeros(30), np.zeros(1)])
'out_in'
"""

from __future__ import annotations

ORIENTATIONS = ("out_in", "in_out")


def io_dims(shape, orientation: str) -> tuple[int, int]:
    """(n_in, n_out) of a 2-D weight matrix under an orientation."""
    return (shape[1], shape[0]) if orientation == "out_in" else (shape[0], shape[1])


def fits(shapes, bias_lengths, orientation: str) -> bool:
    dims = [io_dims(s, orientation) for s in shapes]
    connects = all(dims[k][1] == dims[k + 1][0] for k in range(len(dims) - 1))
    biases_match = all(b is None or b == d[1] for b, d in zip(bias_lengths, dims))
    return connects and biases_match


def orient_chain(kernels, biases, orientation: str | None = None, first_input: int | None = None) -> str:
    """The orientation ('out_in' or 'in_out') that makes the chain connect.

    Raises ValueError naming `orientation` when both fit (e.g. all square, no biases) and none
    was given, or when the given one does not fit the shapes.
    """
    if orientation is not None and orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be 'out_in' or 'in_out', got {orientation!r}")
    shapes = [tuple(k.shape) for k in kernels]
    bias_lengths = [None if b is None else int(b.shape[0]) for b in biases]
    candidates = [o for o in ORIENTATIONS if fits(shapes, bias_lengths, o)]
    if first_input is not None:
        candidates = [o for o in candidates if io_dims(shapes[0], o)[0] == first_input]
    if orientation is not None:
        if orientation not in candidates:
            raise ValueError(
                f"orientation={orientation!r} does not fit the weight shapes {shapes} "
                f"(bias lengths {bias_lengths}): consecutive layers would not connect"
            )
        return orientation
    if not candidates:
        raise ValueError(
            f"the weight matrices {shapes} (bias lengths {bias_lengths}) do not form a chain "
            "in either orientation"
        )
    if len(candidates) == 2:
        raise ValueError(
            f"cannot tell which axis of the weight matrices {shapes} is the input: pass "
            "orientation='out_in' (W @ x, W has shape (n_out, n_in)) or "
            "orientation='in_out' (x @ W, W has shape (n_in, n_out))"
        )
    return candidates[0]
