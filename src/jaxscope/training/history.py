"""Every recorded metric of a training run, per step, as growable numpy arrays."""

from __future__ import annotations

import threading

import numpy as np


class _Series:
    """One metric: steps (int64) and values (float32), amortised O(1) append."""

    __slots__ = ("steps", "values", "count")

    def __init__(self) -> None:
        self.steps = np.empty(1024, dtype=np.int64)
        self.values = np.empty(1024, dtype=np.float32)
        self.count = 0

    def extend(self, steps: np.ndarray, values: np.ndarray) -> None:
        k = len(steps)
        need = self.count + k
        if need > len(self.steps):
            capacity = max(need, 2 * len(self.steps))
            self.steps = np.resize(self.steps, capacity)
            self.values = np.resize(self.values, capacity)
        self.steps[self.count:need] = steps
        self.values[self.count:need] = values
        self.count = need


def _read_only(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.setflags(write=False)
    return view


class History:
    """Metrics recorded per step: ``history["loss"]``, ``history.steps``, ``history.to_pandas()``.

    >>> h = History(); h.extend("loss", [1, 2], [0.5, 0.25]); h["loss"].tolist()
    [0.5, 0.25]

    Steps count completed optimisation steps (the train loss of step s is the loss computed at
    step s, on the parameters before its update). Validation series (``val_loss``...) hold
    fewer points: one per evaluation, at the step after which it ran.
    """

    def __init__(self) -> None:
        self._series: dict[str, _Series] = {}
        self._lock = threading.Lock()

    def extend(self, name: str, steps, values) -> None:
        """Append points to one series (creating it)."""
        with self._lock:
            self._series.setdefault(name, _Series()).extend(
                np.asarray(steps, dtype=np.int64), np.asarray(values, dtype=np.float32)
            )

    def clear(self) -> None:
        with self._lock:
            self._series.clear()

    def load(self, series) -> None:
        """Replace every series by ``series``, ``(name, steps, values)`` in order (a restored checkpoint)."""
        loaded = {}
        for name, steps, values in series:
            loaded[name] = _Series()
            loaded[name].extend(np.asarray(steps, dtype=np.int64), np.asarray(values, dtype=np.float32))
        with self._lock:
            self._series = loaded

    def truncate(self, step: int) -> None:
        """Keep only the points at steps <= ``step`` (``trainer.rewind.continue_from``). The kept points
        are copied: arrays handed out before (``history["loss"]``) never change.

        >>> h = History(); h.extend("loss", [1, 2, 3], [0.5, 0.25, 0.125]); h.truncate(2); h["loss"].tolist()
        [0.5, 0.25]
        """
        with self._lock:
            for name, series in self._series.items():
                kept = int(np.searchsorted(series.steps[:series.count], step, side="right"))
                fresh = _Series()
                fresh.extend(series.steps[:kept].copy(), series.values[:kept].copy())
                self._series[name] = fresh

    def declare(self, names) -> None:
        """Make sure each of ``names`` exists (empty until its first point), e.g. every metric a
        loss declares, so ``history["val_loss"]`` is an empty array before the first step."""
        with self._lock:
            for name in names:
                self._series.setdefault(name, _Series())

    @property
    def names(self) -> list[str]:
        """Series names in the order they were first recorded."""
        return list(self._series)

    def count(self, name: str) -> int:
        series = self._series.get(name)
        return 0 if series is None else series.count

    def tail(self, name: str, start: int) -> tuple[np.ndarray, np.ndarray]:
        """Steps and values of one series from index ``start`` on (views, no copy)."""
        series = self._series.get(name)
        if series is None:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        n = series.count
        return _read_only(series.steps[start:n]), _read_only(series.values[start:n])

    def steps_of(self, name: str) -> np.ndarray:
        """The steps at which ``name`` was recorded."""
        return self.tail(name, 0)[0]

    @property
    def primary(self) -> str:
        """The series recorded at every step: ``loss`` (with ``update=`` and no loss: its first metric)."""
        return "loss" if "loss" in self._series or not self._series else next(iter(self._series))

    @property
    def steps(self) -> np.ndarray:
        """Steps of the train loss: 1, 2, ... one per optimisation step."""
        return self.steps_of(self.primary)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._series:
            raise KeyError(f"no metric {name!r} in the history; recorded: {self.names}")
        return self.tail(name, 0)[1]

    def __contains__(self, name: str) -> bool:
        return name in self._series

    def __len__(self) -> int:
        return self.count(self.primary)

    def to_pandas(self):
        """One DataFrame indexed by step, a column per metric (NaN where not recorded; of several
        values at one step, e.g. ``edit_loss`` after hand edits, the last)."""
        import pandas as pd

        columns = {}
        for name in self.names:
            series = pd.Series(self[name], index=self.steps_of(name))
            columns[name] = series[~series.index.duplicated(keep="last")]  # hand edits: the last one
        frame = pd.DataFrame(columns)
        frame.index.name = "step"
        return frame

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}: {self.count(name)}" for name in self.names)
        return f"History({parts})"
