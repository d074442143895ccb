"""The wire format between the Python widgets and their front ends (mirrored by js/shared/protocol.ts).

See docs/protocol.md. Bulk data travels as little-endian binary buffers in custom messages;
JSON carries only names and counts (never NaN or inf, which JSON cannot hold).
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

VERSION = 1


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
    return kind if isinstance(kind, str) else None


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
