"""The plain architecture spec that the network diagram draws: frozen dataclasses, JSON-able.

>>> Layer("dense_0", "dense", (2,), (3,), {"kernel": (2, 3)}, 6, "tanh", "[0]").param_count
6
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "dense", "conv", "conv_transpose", "pool", "norm", "dropout",
    "activation", "flatten", "reshape", "embed", "recurrent", "other",
)


@dataclass(frozen=True)
class ParamEntry:
    """One parameter leaf: its path in the user's tree, its shape and element count."""

    path: str
    shape: tuple
    count: int

    def to_json(self) -> dict:
        return {"path": self.path, "shape": list(self.shape), "count": self.count}


@dataclass(frozen=True)
class GateMatrix:
    """Where one gate's weights sit in a stored kernel: leaf `path`, the slice `columns` = (start,
    stop) along its output `axis` (1 for flax's (n_in, n_out) kernels, 0 for `W @ h` storage)."""

    path: str
    columns: tuple
    axis: int = 1

    def to_json(self) -> dict:
        return {"path": self.path, "columns": [int(c) for c in self.columns], "axis": int(self.axis)}


@dataclass(frozen=True)
class Gate:
    """One gate of a recurrent cell (`i`, `f`, `g`, `o` of an LSTM; `r`, `z`, `n` of a GRU; `h` of a
    simple cell): its input-to-hidden and hidden-to-hidden weights (None where the cell has none)."""

    name: str
    input: GateMatrix | None = None
    recurrent: GateMatrix | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "input": None if self.input is None else self.input.to_json(),
                "recurrent": None if self.recurrent is None else self.recurrent.to_json()}


@dataclass(frozen=True)
class Layer:
    """One drawn layer. Shapes are per sample (no batch axis); `path` locates its parameters."""

    name: str
    kind: str
    input_shape: tuple | None
    output_shape: tuple | None
    params: dict = field(default_factory=dict)
    param_count: int = 0
    activation: str | None = None
    path: str = ""
    cell: str | None = None  # a recurrent layer's cell: "LSTM", "GRU" or "RNN"
    gates: tuple = ()  # a recurrent layer's Gates

    def to_json(self) -> dict:
        shape = lambda s: None if s is None else [None if d is None else int(d) for d in s]
        extra = {} if self.cell is None else {"cell": self.cell, "gates": [gate.to_json() for gate in self.gates]}
        return {
            "name": self.name,
            "kind": self.kind,
            "input_shape": shape(self.input_shape),
            "output_shape": shape(self.output_shape),
            "params": {k: [int(d) for d in v] for k, v in self.params.items()},
            "param_count": self.param_count,
            "activation": self.activation,
            "path": self.path,
            **extra,
        }


@dataclass(frozen=True)
class Architecture:
    """Layers in call order, skip connections, and the full parameter tree.

    `skips` holds (from, to) pairs: the output of layer `from` (-1 = the network input) also
    reaches the input of layer `to` (len(layers) = the network output), bypassing the layers
    in between. `skip_kinds` says, per skip, how it joins: "add" (a residual sum), "concat" (a
    U-Net's encoder map concatenated to its decoder's), "sub", or "" (the layer simply takes the
    older output); empty when nothing told. `tree` lists every parameter leaf; `orientation` says whether dense kernels
    are stored (n_in, n_out) ('in_out') or (n_out, n_in) ('out_in'). `reason` says why no diagram could be derived when `drawable` is False.
    `mode` is "blocks" where the diagram draws `blocks` (blocks.py: the model's modules as boxes) instead of
    neurons, `note` saying why (attention, message passing, or `reason`).
    """

    layers: tuple = ()
    skips: tuple = ()
    total_params: int = 0
    drawable: bool = True
    reason: str = ""
    tree: tuple = ()
    orientation: str = "in_out"  # how dense kernels are stored: (n_in, n_out) or "out_in"
    skip_kinds: tuple = ()  # per skip: "add", "concat", "sub" or ""; () when not known
    mode: str = "neurons"  # or "blocks"
    blocks: tuple = ()  # Blocks (blocks.py) when mode is "blocks"
    note: str = ""  # why the diagram draws blocks

    def to_json(self) -> dict:
        """Plain lists and dicts; a skip is `[from, to]`, or `[from, to, kind]` when its kind is known."""
        kinds = self.skip_kinds if len(self.skip_kinds) == len(self.skips) else ("",) * len(self.skips)
        return {
            "orientation": self.orientation,
            "layers": [layer.to_json() for layer in self.layers],
            "skips": [[int(a), int(b), str(kind)] if kind else [int(a), int(b)]
                      for (a, b), kind in zip(self.skips, kinds)],
            "total_params": self.total_params,
            "drawable": self.drawable,
            "reason": self.reason,
            "tree": [entry.to_json() for entry in self.tree],
            "mode": self.mode,
            "blocks": [block.to_json() for block in self.blocks],
            "note": self.note,
        }


def make_layer(name, kind, input_shape, output_shape, params=None, activation=None, path="", cell=None,
               gates=()) -> Layer:
    """A Layer whose param_count is computed from `params` (name -> shape)."""
    params = {k: tuple(int(d) for d in v) for k, v in (params or {}).items()}
    as_shape = lambda s: None if s is None else tuple(s)
    return Layer(
        name=name,
        kind=kind,
        input_shape=as_shape(input_shape),
        output_shape=as_shape(output_shape),
        params=params,
        param_count=sum(math.prod(s) for s in params.values()),
        activation=activation,
        path=path,
        cell=cell,
        gates=tuple(gates),
    )


def replace(obj: Any, **changes) -> Any:
    return dataclasses.replace(obj, **changes)


def from_structure(structure, tree: tuple, total_params: int, empty_reason: str,
                   orientation: str | None = None) -> Architecture:
    """The Architecture of a traced forward: its structure's layers and skips, the parameter tree;
    ``empty_reason`` says why nothing can be drawn when no layer was found."""
    return Architecture(layers=structure.layers, skips=structure.skips, total_params=total_params,
                        drawable=bool(structure.layers), reason="" if structure.layers else empty_reason,
                        tree=tree, orientation=orientation or "in_out", skip_kinds=structure.skip_kinds)
