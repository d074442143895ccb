"""``trainer.data``: what a trainer trains on, described for widgets and views (and users).

>>> import numpy as np
>>> info = DataInfo(ArrayData((np.linspace(-3, 3, 50)[:, None], np.zeros(50)), None, jax.random.key(0)),
...                 None, jax.random.key(1))
>>> info.kind, info.input_shape, info.input_range()
('arrays', (1,), [(-3.5, 3.5)])
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .data_source import ArrayData, NoData
from .host_data import MAX_SEEN, HostData
from .samples import take_samples

SAMPLE_KEYS = {"training": 4321, "validation": 8765}   # fixed: views show the same samples every time


INPUT_NAMES = ("x", "input", "inputs", "image", "images")


def first_input(batch: Any) -> Any:
    """The network's input in a batch: ``batch[0]`` of a tuple, ``batch["x"]`` (or "input", "image", else
    the first entry) of a dict, else the batch itself."""
    if isinstance(batch, (tuple, list)):
        return batch[0]
    if isinstance(batch, dict) and batch:
        return next((batch[k] for k in INPUT_NAMES if k in batch), next(iter(batch.values())))
    return batch


def rounded_range(x: np.ndarray) -> list[tuple[float, float]]:
    """Per column of ``x`` (N, D), its span padded by 5 % and rounded outward to quarter decades."""
    x = x.reshape(len(x), -1).astype(np.float64)
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    pad = np.where(hi > lo, 0.05 * (hi - lo), 1.0)
    lo, hi = lo - pad, hi + pad
    tick = 10.0 ** np.floor(np.log10(hi - lo)) / 4  # round outward: [-3.27, 3.29] -> [-3.5, 3.5]
    lo, hi = np.round(np.floor(lo / tick) * tick, 12), np.round(np.ceil(hi / tick) * tick, 12)
    return [(float(a), float(b)) for a, b in zip(lo, hi)]


class DataInfo:
    """The training data (and validation data) of a trainer: kind, input shape and range, samples."""

    def __init__(self, source: Any, validation: Any, key: jax.Array, feeder: Any = None) -> None:
        self._source, self._validation, self._key, self._feeder = source, validation, key, feeder
        self._range: Any = False     # not computed yet

    @property
    def kind(self) -> str:
        """``"arrays"`` (a fixed data set, in epochs), ``"generator"`` (``key -> batch``, generated
        inside the compiled loop), ``"host"`` (made by Python code on the host and fed to the
        compiled loop: see ``path``) or ``"none"`` (``data=None``: the loss needs no batch)."""
        if isinstance(self._source, NoData):
            return "none"
        if isinstance(self._source, HostData):
            return "host"
        return "arrays" if isinstance(self._source, ArrayData) else "generator"

    @property
    def path(self) -> str:
        """Which way the batches take, in words (and why, for a function jaxscope calls on the host)."""
        source = self._source
        if isinstance(source, HostData):
            return source.path
        return {"none": "none: the loss receives None",
                "arrays": "device: fixed arrays on the device, batches drawn inside the compiled loop",
                "generator": "device: data(key) traced and generated inside the compiled loop from a fresh key "
                             "every step"}[self.kind]

    @property
    def on_policy(self) -> bool:
        """True when batches are made from the current parameters, step by step (``data(params)``)."""
        return isinstance(self._source, HostData) and self._source.mode == "on_policy"

    @property
    def has_validation(self) -> bool:
        return self._validation is not None

    @property
    def arrays(self) -> tuple | None:
        """The fixed training arrays (x, y, ...), or None for a generator."""
        return self._source.arrays if isinstance(self._source, ArrayData) else None

    @property
    def validation_arrays(self) -> tuple | None:
        return self._validation.arrays if isinstance(self._validation, ArrayData) else None

    def batch_shapes(self) -> Any:
        """Shapes and dtypes of one training batch (``jax.ShapeDtypeStruct``s; nothing is computed)."""
        source = self._source
        return jax.eval_shape(lambda k: source.next(source.init_state(), k, jnp.int32(0))[0], self._key)

    @property
    def input_shape(self) -> tuple | None:
        """Per-sample shape of the first input of a batch, e.g. ``(1,)`` or ``(3, 50, 50)``."""
        shape = getattr(first_input(self.batch_shapes()), "shape", None)
        return tuple(shape[1:]) if shape else None

    def input_range(self, batches: int = 8) -> list[tuple[float, float]] | None:
        """Per input dimension, the (lo, hi) a few batches span, padded by 5 % and rounded
        (all of a fixed data set); None when the inputs cannot be read. Computed once."""
        if self._range is False:
            try:
                source = self._source
                if isinstance(source, HostData):
                    x = np.asarray(first_input(source.samples()))
                else:
                    keys = jax.random.split(self._key, 1 if self.kind == "arrays" else batches)
                    x = np.concatenate([np.asarray(first_input(source.full(k))) for k in keys])
                self._range = rounded_range(x)
            except Exception:
                self._range = None
        return self._range

    def sample(self, count: int | None, which: str = "training", key: Any = None) -> tuple[np.ndarray, ...] | None:
        """A fixed set of ``count`` samples (x, y, ...) as numpy arrays: the first ``count`` of the
        arrays (None: all), or batches of the generator at a fixed key. None when there is no
        such data (``which="validation"`` without validation data)."""
        if which not in SAMPLE_KEYS:
            raise ValueError(f"which must be 'training' or 'validation'; got {which!r}")
        source = self._source if which == "training" else self._validation
        if source is None or isinstance(source, NoData):
            return None
        if isinstance(source, HostData):   # the first batches of the data (pulled now if needed; they train too)
            while (self._feeder is not None and not self.on_policy and len(source.seen) < MAX_SEEN
                   and (count is None or len(first_input(source.samples())) < count)):
                try:
                    self._feeder.pull_now()
                except Exception:   # the data ended or failed: training will report it
                    break
            data = source.samples()
        else:
            data = source.arrays if isinstance(source, ArrayData) else source.fn
        key = jax.random.key(SAMPLE_KEYS[which]) if key is None else key
        return take_samples(data, count, key, which)

    def __repr__(self) -> str:
        return (f"<jaxscope data: {self.path}, input shape {self.input_shape}"
                f"{', with validation' if self.has_validation else ''}>")
