"""A recording comm: what a widget sends, exactly as ipywidgets hands it to the kernel."""

from __future__ import annotations

import threading
import time

from comm.base_comm import BaseComm

from jaxscope.widgets import protocol


class RecordingComm(BaseComm):
    """A real ``comm`` whose outgoing messages are recorded instead of published."""

    kernel = object()  # ipywidgets sends only through a comm that has a kernel

    def __init__(self) -> None:
        self.sent: list[tuple[dict, list]] = []
        self.times: list[float] = []
        self.lock = threading.Lock()
        super().__init__(primary=False)

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        if msg_type != "comm_msg":
            return
        with self.lock:
            self.sent.append((data, list(buffers or [])))
            self.times.append(time.monotonic())

    def custom(self, kind: str | None = None) -> list[tuple[dict, list]]:
        """Custom messages (optionally of one ``kind``) as (content, buffers)."""
        with self.lock:
            return [(d["content"], b) for d, b in self.sent if d.get("method") == "custom"
                    and (kind is None or d["content"].get("kind") == kind)]

    def states(self) -> list[dict]:
        with self.lock:
            return [d["state"] for d, _ in self.sent if d.get("method") == "update"]


def attach(widget) -> RecordingComm:
    comm = RecordingComm()
    widget.comm = comm
    return comm


def from_front_end(widget, content: dict, buffers=None) -> None:
    """Deliver a custom message as the front end would."""
    widget._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": buffers or []})


def points(content: dict, buffers: list) -> dict:
    return {name: (steps.tolist(), values.tolist())
            for name, (steps, values) in protocol.decode_points(content, buffers).items()}


def settle(widget, timeout: float = 10.0) -> None:
    """Wait until the display loop feeding ``widget`` (a widget, view or dashboard) has sent
    everything asked of it so far; a trainer's commands must have been handled first (``trainer.wait()``)."""
    assert widget.monitor.wait(timeout), "the display loop did not settle in time"
