"""Live numbers for the block diagram: per block, the RMS of its parameters and how much they
moved per training step since the last frame, relative to that RMS (the update-to-weight ratio,
about 1e-3 per step for a network that learns steadily; far above, it thrashes; far below, it
has stopped).

>>> import numpy as np
>>> from jaxscope.inspect.blocks import module_blocks
>>> blocks = module_blocks({"a": (2,), "b": (1,)})
>>> stats = BlockStats(blocks)
>>> stats({"a": np.array([3.0, 4.0]), "b": np.array([2.0])}, step=10)
([3.5355, 2.0], [None, None])
>>> stats({"a": np.array([3.0, 4.0]), "b": np.array([2.2])}, step=12)
([3.5355, 2.2], [0.0, 0.045455])
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

DIGITS = 5   # significant digits sent (JSON text stays short)


def rounded(value: float) -> float | None:
    """``value`` to DIGITS significant digits; None for NaN / inf (JSON cannot hold them)."""
    if not math.isfinite(value):
        return None
    return float(f"{value:.{DIGITS}g}")


class BlockStats:
    """Call with {path: array} (``dense.leaves_by_path``) and the step they were taken at:
    (rms per block, relative update per step per block, None where unknown)."""

    def __init__(self, blocks: Sequence) -> None:
        self.paths = [tuple(block.params) for block in blocks]
        self._last: list | None = None
        self._step: int | None = None
        self._updates: list | None = None

    def __call__(self, leaves: dict, step: int | None) -> tuple[list, list]:
        values = [np.concatenate([np.asarray(leaves[p], dtype=np.float64).ravel() for p in paths])
                  if paths else np.zeros(0) for paths in self.paths]
        rms = [math.sqrt(float(np.mean(v * v))) if v.size else math.nan for v in values]
        steps = None if step is None or self._step is None else step - self._step
        if steps == 0 and self._updates is not None:      # the same step again (an edit): as last time
            return [rounded(r) for r in rms], list(self._updates)
        if self._last is None or steps is None or steps <= 0:
            updates = [None] * len(values)
        else:
            updates = []
            for value, last, size in zip(values, self._last, rms):
                if not value.size or value.shape != last.shape or not size > 0:
                    updates.append(None)
                    continue
                moved = math.sqrt(float(np.mean((value - last) ** 2))) / steps
                updates.append(rounded(moved / size))
        self._last, self._step, self._updates = values, step, updates
        return [rounded(r) for r in rms], updates

    def reset(self) -> None:
        """Forget the last frame (after a reset of the parameters)."""
        self._last = self._step = self._updates = None
