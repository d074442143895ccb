"""``trainer.snapshot()``: one consistent, immutable look at a trainer, safe from any thread.

Everything is read under the trainer's lock at one moment; the parameters are the immutable jax
arrays of that step (later training makes new ones), and an nnx module is rebuilt only when asked.

>>> snap = trainer.snapshot()                       # doctest: +SKIP
>>> snap.step, snap.status, snap.params             # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Step, status, message, learning rate, best step, steps/s, and the parameters of that step."""

    step: int
    status: str
    message: str
    learning_rate: float | None
    best_step: int | None
    early_stopping: int | None
    steps_per_second: float
    strategy: str | None
    params_version: int            # grows at every reset, edit or restore (not at training steps)
    error: BaseException | None
    state: Any = dataclasses.field(repr=False, compare=False)      # the TrainState of that step
    adapter: Any = dataclasses.field(repr=False, compare=False)

    @property
    def params(self) -> Any:
        """The parameters at ``step`` (for an nnx module: its ``nnx.Param`` state)."""
        return self.adapter.user_params(self.state.params, self.state.rest)

    @property
    def model(self) -> Any:
        """A new ``nnx.Module`` holding the state at ``step`` (trained from a module only)."""
        if self.adapter.kind != "nnx":
            raise AttributeError("snapshot.model exists when training an nnx.Module; use snapshot.params")
        return self.adapter.module(self.state.params, self.state.rest)

    @property
    def model_or_params(self) -> Any:
        """What runs the network: the module (nnx) or the parameters (any other pytree)."""
        return self.model if self.adapter.kind == "nnx" else self.params
