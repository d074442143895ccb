"""``FrameAck``: an invisible widget inside each bqplot view that answers the display loop's pings
(bqplot's own front end does not), so views are paced by the browser like the other widgets."""

from __future__ import annotations

import anywidget

from .bundle import bundle
from .sync import LockedStateMixin


class FrameAck(LockedStateMixin, anywidget.AnyWidget):
    """Answers ``ping`` with ``ack`` once the page has handled and painted what came before.

    >>> FrameAck()  # doctest: +SKIP
    """

    _esm = bundle("frame_ack.js")
