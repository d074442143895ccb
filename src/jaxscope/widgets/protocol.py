"""The wire contract between the Python widgets and their front ends: every message kind, status
name and the protocol version, mirrored by js/shared/protocol.ts (a test checks that they agree).

See docs/protocol.md. Bulk data travels as little-endian binary buffers in custom messages;
JSON carries only names and counts (never NaN or inf, which JSON cannot hold). Every message
carries ``"v": VERSION``; ``message_kind`` is the one check of incoming messages.

>>> content, buffers = weights_message([(0, np.ones((2, 3)), None)], [], version=1)
>>> content["layers"], [len(b) for b in buffers]
([{'layer': 0, 'n_in': 2, 'n_out': 3, 'bias': False}], [24])
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..training import STATUSES  # the trainer's status names travel as they are

VERSION = 2
__all__ = ["COMMAND_ACTIONS", "KERNEL_SHELLS", "MESSAGE_KINDS", "SET_NAMES", "STATUSES", "VERSION", "activations_message",
           "decode_points", "edit_result", "message_kind", "parse_edit", "ping_message", "points_message",
           "ready_ack_message", "weights_message"]

MESSAGE_KINDS = ("ack", "activations", "command", "edit", "edit_result", "ping", "points", "poll", "ready",
                 "ready_ack", "set", "weights")
COMMAND_ACTIONS = ("start", "pause", "step", "reset")
SET_NAMES = ("learning_rate", "early_stopping")
KERNEL_SHELLS = ("main", "subshell")


def ping_message(frame: int) -> dict:
    """Sent after a frame; the front end answers ``{"kind": "ack", "frame": frame}`` once it applied it."""
    return {"v": VERSION, "kind": "ping", "frame": int(frame)}


def ready_ack_message(on_main_shell: bool) -> dict:
    """The ControlBar's answer to every ``ready``: on which kernel shell it was handled."""
    return {"v": VERSION, "kind": "ready_ack", "shell": "main" if on_main_shell else "subshell"}


def points_message(series: Iterable[tuple[str, np.ndarray, np.ndarray]], reset: bool) -> tuple[dict, list[bytes]]:
    """A ``points`` message: for each (name, steps, values), a uint32 steps and a float32 values buffer."""
    entries, buffers = [], []
    for name, steps, values in series:
        entries.append({"name": name, "count": int(len(steps))})
        buffers.append(np.ascontiguousarray(steps, dtype="<u4").tobytes())
        buffers.append(np.ascontiguousarray(values, dtype="<f4").tobytes())
    return {"v": VERSION, "kind": "points", "reset": bool(reset), "series": entries}, buffers


def message_kind(content: Any) -> str | None:
    """The ``kind`` of a front-end message, or None when it is not one of ours (or another version)."""
    if not isinstance(content, dict) or content.get("v") != VERSION:
        return None
    kind = content.get("kind")
    return kind if kind in MESSAGE_KINDS else None


def decode_points(content: dict, buffers: list) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Inverse of ``points_message`` (for tests and tools): name -> (steps, values)."""
    out = {}
    for i, entry in enumerate(content["series"]):
        steps = np.frombuffer(bytes(buffers[2 * i]), dtype="<u4")
        values = np.frombuffer(bytes(buffers[2 * i + 1]), dtype="<f4")
        if len(steps) != entry["count"] or len(values) != entry["count"]:
            raise ValueError(f"series {entry['name']!r}: buffers do not hold {entry['count']} points")
        out[entry["name"]] = (steps, values)
    return out


# ---- NetworkDiagram: weights (dense and conv), neuron maps (activations), edits ----
def _f32(values) -> bytes:
    return np.ascontiguousarray(values, dtype="<f4").tobytes()


def weights_message(dense: list, conv: list, version: int) -> tuple[dict, list[bytes]]:
    """A ``weights`` message from [(layer, kernel (n_in, n_out), bias | None)] and
    [(layer, kernel (O, I, KH, KW), bias | None)], in layer order."""
    entries, buffers = [], []
    for layer, kernel, bias in sorted(dense + conv, key=lambda entry: entry[0]):
        kernel = np.asarray(kernel)
        if kernel.ndim == 2:
            entries.append({"layer": int(layer), "n_in": int(kernel.shape[0]), "n_out": int(kernel.shape[1]),
                            "bias": bias is not None})
        else:
            entries.append({"layer": int(layer), "kind": "conv", "shape": [int(d) for d in kernel.shape],
                            "bias": bias is not None})
        buffers.append(_f32(kernel))
        if bias is not None:
            buffers.append(_f32(bias))
    return {"v": VERSION, "kind": "weights", "version": int(version), "layers": entries}, buffers


def activations_message(grid: dict, columns: list, version: int) -> tuple[dict, list[bytes]]:
    """An ``activations`` message from the grid and [(layer, values (G, n))]."""
    entries = [{"layer": int(layer), "n": int(values.shape[1])} for layer, values in columns]
    return ({"v": VERSION, "kind": "activations", "version": int(version), "grid": grid, "columns": entries},
            [_f32(values) for _, values in columns])


def edit_result(ok: bool, message: str = "") -> dict:
    return {"v": VERSION, "kind": "edit_result", "ok": bool(ok), "message": str(message)}


def parse_edit(content: dict) -> dict:
    """The keyword arguments of `inspect.edit.edited` from an ``edit`` message (ValueError if malformed)."""
    try:
        layer, param, i, value = content["layer"], content["param"], content["i"], content["value"]
    except KeyError as missing:
        raise ValueError(f"edit message without {missing}") from None
    j = content.get("j")
    if isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    return {"layer": layer, "param": param, "i": i, "j": j, "value": value}
