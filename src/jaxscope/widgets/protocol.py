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
           "block_stats_message", "decode_points", "edit_result", "message_kind", "parse_edit", "ping_message", "points_message",
           "ready_ack_message", "weights_message"]

MESSAGE_KINDS = ("ack", "activations", "block_stats", "command", "edit", "edit_result", "ping", "points", "poll",
                 "ready", "ready_ack", "set", "weights")
COMMAND_ACTIONS = ("start", "pause", "step", "reset")
SET_NAMES = ("learning_rate", "early_stopping")
KERNEL_SHELLS = ("main", "subshell")
# LossChart series names beyond a metric (protocol.ts RUN_SEPARATOR / PART_SEPARATOR): "r1:loss" is run
# r1's loss in a comparison chart; "loss#lo" / "loss#hi" an ensemble's band, "loss#3" member 3,
# "diverged#3" the point where member 3 diverged.
RUN_SEPARATOR, PART_SEPARATOR = ":", "#"


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


def weights_message(dense: list, conv: list, version: int, recurrent: list = ()) -> tuple[dict, list[bytes]]:
    """A ``weights`` message from [(layer, kernel (n_in, n_out), bias | None)],
    [(layer, kernel (O, I, KH, KW), bias | None)] and recurrent layers' gates
    [(layer, [(name, input (H, n_in) | None, recurrent (H, H) | None)])], in layer order."""
    entries, buffers = [], []
    layers = [(layer, None, (kernel, bias)) for layer, kernel, bias in [*dense, *conv]]
    layers += [(layer, gates, (None, None)) for layer, gates in recurrent]
    for layer, gates, (kernel, bias) in sorted(layers, key=lambda entry: entry[0]):
        if gates is not None:
            entries.append(_recurrent_entry(layer, gates, buffers))
            continue
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


def _recurrent_entry(layer: int, gates: list, buffers: list) -> dict:
    """A recurrent layer's entry; its gates' matrices (units, inputs) are appended to `buffers`."""
    hidden = next((int(np.shape(m)[0]) for _, *pair in gates for m in pair if m is not None), 0)
    described = []
    for name, inputs, recurrent in gates:
        described.append({"name": str(name), "n_in": 0 if inputs is None else int(np.shape(inputs)[1]),
                          "input": inputs is not None, "recurrent": recurrent is not None})
        buffers.extend(_f32(m) for m in (inputs, recurrent) if m is not None)
    return {"layer": int(layer), "kind": "recurrent", "hidden": hidden, "gates": described}


def activations_message(grid: dict, columns: list, version: int) -> tuple[dict, list[bytes]]:
    """An ``activations`` message from the grid and [(layer, values (G, n))]."""
    entries = [{"layer": int(layer), "n": int(values.shape[1])} for layer, values in columns]
    return ({"v": VERSION, "kind": "activations", "version": int(version), "grid": grid, "columns": entries},
            [_f32(values) for _, values in columns])


def block_stats_message(rms: list, update: list, version: int, step: int | None) -> dict:
    """The block diagram's live numbers, one per block: the RMS of its parameters and its update per
    training step relative to that RMS (None where unknown); plain JSON, no buffers."""
    return {"v": VERSION, "kind": "block_stats", "version": int(version), "step": None if step is None else int(step),
            "rms": list(rms), "update": list(update)}


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
