"""``GridWorldWidget``: the anywidget a ``GridWorldView`` draws into. The layout travels once as JSON;
each redraw sends the policy and the trajectories as float32 / int32 binary traits in one message
(``hold_sync``). The browser replays the trajectories on its own (requestAnimationFrame), so the
animation costs the kernel nothing. Front end: ``js/grid_world/widget.ts``.
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from ..widgets.bundle import bundle
from ..widgets.sync import LockedStateMixin


class GridWorldWidget(LockedStateMixin, anywidget.AnyWidget):
    """The grid, the policy arrows and the replay (traits mirrored in ``js/grid_world/traits.ts``).

    >>> GridWorldWidget()  # doctest: +SKIP
    """

    _esm = bundle("grid_world.js")
    _css = bundle("jaxscope.css")

    grid = traitlets.Dict({}).tag(sync=True)                  # GridLayout.trait()
    probabilities = traitlets.Bytes(b"").tag(sync=True)      # float32 (rows, cols, 4)
    positions = traitlets.Bytes(b"").tag(sync=True)          # int32 (n, T + 1, 2), the start first
    rewards = traitlets.Bytes(b"").tag(sync=True)            # float32 (n, T)
    trajectories = traitlets.Int(0).tag(sync=True)           # n
    length = traitlets.Int(0).tag(sync=True)                 # T, moves per trajectory
    returns = traitlets.List(traitlets.Float(allow_none=True)).tag(sync=True)   # None: not finite
    step = traitlets.Int(0).tag(sync=True)                   # the trainer step drawn
    frame = traitlets.Int(0).tag(sync=True)                  # counts redraws: the front end reloads on change
    title = traitlets.Unicode("").tag(sync=True)
    cell_size = traitlets.Int(40, min=12, max=96).tag(sync=True)
    speed = traitlets.Float(12.0, min=0.5, max=120.0).tag(sync=True)   # replay moves per second

    def show(self, probabilities: np.ndarray, positions: np.ndarray, rewards: np.ndarray, returns: np.ndarray,
             step: int) -> None:
        """Send one redraw (call under ``SEND_LOCK``)."""
        with self.hold_sync():
            self.probabilities = np.ascontiguousarray(probabilities, np.float32).tobytes()
            self.positions = np.ascontiguousarray(positions, np.int32).tobytes()
            self.rewards = np.ascontiguousarray(rewards, np.float32).tobytes()
            self.trajectories, self.length = int(rewards.shape[0]), int(rewards.shape[1])
            self.returns = [float(r) if np.isfinite(r) else None for r in returns]
            self.step = int(step)
            self.frame += 1
