"""``trainer.snapshot()``: one consistent, immutable look at a trainer, safe from any thread.

Everything is read under the trainer's lock at one moment; the parameters are the immutable jax
arrays of that step (later training makes new ones), and an nnx module is rebuilt only when asked.

>>> snap = trainer.snapshot()                       # doctest: +SKIP
>>> snap.step, snap.status, snap.params             # doctest: +SKIP

``model_or_params`` is what the diagram and views draw: the step ``trainer.rewind.show(step)`` chose
(``shown``), else the live one; ``drawn_key`` says when it changed.
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
    shown: Any = dataclasses.field(default=None, repr=False, compare=False)   # (step, TrainState): rewind.show(step)
    member: int | None = None      # an ensemble: the member the diagram and views draw (``trainer.focus``)

    # ---- what the diagram and views draw: the rewound step shown, else the live state --------------
    @property
    def drawn_step(self) -> int:
        """The step whose parameters the diagram and views draw (``trainer.rewind.show``), else ``step``."""
        return self.step if self.shown is None else self.shown[0]

    @property
    def drawn_key(self) -> tuple:
        """Equal for two snapshots whose drawings are the same: (drawn step, params version, rewound?, member)."""
        return (self.drawn_step, self.params_version, self.shown is not None, self.member)

    @property
    def members_tree(self) -> Any:
        """An ensemble's members stacked as a view's forward takes them (nnx: (params, rest) states;
        else the parameters) for ``jax.vmap`` over the members; None for a single run."""
        if self.member is None:
            return None
        state = self.state if self.shown is None else self.shown[1]
        if self.adapter.kind == "nnx":
            return (state.params, state.rest)
        return self.adapter.user_params(state.params, state.rest)

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
        """What the diagram and views run: the module (nnx) or the parameters (any other pytree) of
        ``drawn_step``."""
        state = self.state if self.shown is None else self.shown[1]
        if self.member is not None:    # an ensemble: one member's lane
            from .ensemble import member_slice

            state = member_slice(state, self.member)
        if self.adapter.kind == "nnx":
            return self.adapter.module(state.params, state.rest)
        return self.adapter.user_params(state.params, state.rest)
