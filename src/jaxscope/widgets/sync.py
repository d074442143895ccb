"""One lock for everything that talks to the front end: ipywidgets' sync bookkeeping is not thread-safe.

The training worker publishes under it; incoming state updates (``set_state``) take it too.
"""

from __future__ import annotations

import threading

SEND_LOCK = threading.RLock()


class LockedStateMixin:
    """Mixin for widgets updated from a worker thread: front-end state changes take ``SEND_LOCK``."""

    def set_state(self, sync_data):  # called by ipywidgets for front-end trait changes
        with SEND_LOCK:
            super().set_state(sync_data)


def reject_unknown(widget_class: type, kwargs: dict) -> None:
    """Raise a TypeError listing the accepted names when ``kwargs`` holds an unknown one."""
    allowed = {name for name, t in widget_class.class_traits().items() if t.metadata.get("sync")}
    allowed = {n for n in allowed if not n.startswith("_")} | {"layout"}
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise TypeError(f"{widget_class.__name__}() got unexpected argument(s) {unknown}; "
                        f"accepted: {sorted(allowed)}")
