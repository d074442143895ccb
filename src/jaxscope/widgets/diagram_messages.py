"""The NetworkDiagram's binary messages (docs/protocol.md): weights (dense and conv) and the
neuron maps (activations). Bulk values are little-endian float32 buffers; JSON holds counts.

>>> import numpy as np
>>> content, buffers = weights_message([(0, np.ones((2, 3)), None)], [], version=1)
>>> content["layers"], [len(b) for b in buffers]
([{'layer': 0, 'n_in': 2, 'n_out': 3, 'bias': False}], [24])
"""

from __future__ import annotations

import numpy as np

from .protocol import VERSION


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
