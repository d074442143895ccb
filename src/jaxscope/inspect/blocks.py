"""The model as a block diagram of its modules: what the network diagram draws where it cannot draw
neuron by neuron (attention, message passing, parameters no forward pass explains).

A block is a group of parameters under one path prefix: the top-level modules of an nnx model or
the top-level keys of a pytree, a list's items taken one by one (``blocks[0]``, ``blocks[1]``), and a
lone wrapper (linen's ``params``, an ``nnx.Sequential``'s ``layers``) looked through. Each block
lists its parts (its sub-modules, or its arrays) and, where a traced forward pass tells, the
shapes going in and out; blocks come in the order the forward pass first uses them (else in the
parameters' order).

>>> import numpy as np
>>> params = {"edge": {"w": np.zeros((5, 8)), "b": np.zeros(8)}, "readout": {"w": np.zeros((8, 1))}}
>>> [(b.name, b.param_count, [p.name for p in b.parts]) for b in module_blocks(param_paths(params))]
[('edge', 48, ['b', 'w']), ('readout', 8, ['w'])]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

from .tree import join_path

_PART = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def split_path(path: str) -> tuple:
    """`blocks[0].attn.kernel` -> ('blocks', 0, 'attn', 'kernel'); '' -> ()."""
    return tuple(int(index) if index else name for name, index in _PART.findall(path))


@dataclass(frozen=True)
class Part:
    """One row inside a block: a sub-module (its class, parameter count, a detail such as
    "4 heads × 8") or one array (its shape)."""

    name: str
    cls: str
    shape: tuple | None
    count: int
    detail: str = ""

    def to_json(self) -> dict:
        return {"name": self.name, "cls": self.cls, "shape": None if self.shape is None else list(self.shape),
                "count": int(self.count), "detail": self.detail}


@dataclass(frozen=True)
class Block:
    """One module drawn as a box: its `name` (a path), class (`cls`, '' for a pytree), the paths
    and shapes of its parameters, their count, its `parts`, and per-sample shapes in and out (None
    where no traced forward pass said)."""

    name: str
    cls: str
    params: dict
    param_count: int
    parts: tuple = ()
    input_shape: tuple | None = None
    output_shape: tuple | None = None
    detail: str = ""

    def to_json(self) -> dict:
        shape = lambda s: None if s is None else [None if d is None else int(d) for d in s]
        return {"name": self.name, "cls": self.cls, "params": {k: list(v) for k, v in self.params.items()},
                "param_count": int(self.param_count), "parts": [p.to_json() for p in self.parts],
                "input_shape": shape(self.input_shape), "output_shape": shape(self.output_shape),
                "detail": self.detail}


def param_paths(params: Any) -> dict:
    """{path: shape} of every array leaf of a pytree, in flattening order."""
    from .tree import param_tree

    return {entry.path: entry.shape for entry in param_tree(params)}


def module_blocks(shapes: dict, *, classes: dict | None = None, details: dict | None = None,
                  order: Sequence[str] = (), layers: Sequence = ()) -> tuple[Block, ...]:
    """The blocks of parameters ``shapes`` ({path: shape}). ``classes`` / ``details``: {module path:
    class name / detail}; ``order``: parameter paths in the order the forward pass first used them;
    ``layers``: traced Layers, whose shapes give each block's input and output shape."""
    classes, details = classes or {}, details or {}
    split = {path: split_path(path) for path in shapes}
    prefixes = _block_prefixes(list(split.values()))
    rank = {path: k for k, path in enumerate(order)}
    blocks = []
    for prefix in prefixes:
        mine = {path: shapes[path] for path, parts in split.items() if parts[:len(prefix)] == prefix}
        name = join_path(prefix) or "params"
        parts = _parts(prefix, {split[p]: s for p, s in mine.items()}, classes, details,
                       {split[p]: rank[p] for p in mine if p in rank})
        inside = [layer for layer in layers if _owns(name, layer)] if prefix else []
        blocks.append(Block(name, classes.get(join_path(prefix), ""), mine, sum(math.prod(s) for s in mine.values()),
                            tuple(parts), inside[0].input_shape if inside else None,
                            inside[-1].output_shape if inside else None, details.get(join_path(prefix), "")))
    first = [min((rank[p] for p in b.params if p in rank), default=None) for b in blocks]
    # a block the forward pass never used keeps its place after the block before it
    keys, last = [], -1.0
    for k, used in enumerate(first):
        last = float(used) if used is not None else last + 1e-6
        keys.append((last, k))
    return tuple(blocks[k] for _, k in sorted(keys))


def _owns(name: str, layer: Any) -> bool:
    paths = [layer.path, *layer.params]
    return any(p == name or p.startswith(name + ".") or p.startswith(name + "[") for p in paths if p)


def _children(paths: list, prefix: tuple) -> list:
    """The distinct next parts below ``prefix``, in first-seen order (None: a leaf at ``prefix``)."""
    seen: dict = {}
    for parts in paths:
        if parts[:len(prefix)] == prefix:
            seen.setdefault(parts[len(prefix)] if len(parts) > len(prefix) else None, True)
    return list(seen)


def _block_prefixes(paths: list) -> list:
    """The path prefixes that become blocks: the top level, a lone wrapper looked through, list
    items one by one."""
    prefix: tuple = ()
    kids = _children(paths, prefix)
    while len(kids) == 1 and kids[0] is not None:   # linen's "params", a Sequential's "layers"
        prefix += (kids[0],)
        kids = _children(paths, prefix)
    if kids == [None] or not kids:
        return [prefix]
    found = []
    for kid in kids:
        if kid is None:
            continue
        inner = _children(paths, prefix + (kid,))
        if inner and all(isinstance(i, int) for i in inner):   # a list of modules: one block each
            found += [prefix + (kid, i) for i in inner]
        else:
            found.append(prefix + (kid,))
    return found


def _parts(prefix: tuple, shapes: dict, classes: dict, details: dict, rank: dict) -> list:
    """The rows of a block: each sub-module (or array) one level below ``prefix``, in the order the
    forward pass first uses them (``rank``: {path parts: position}), the others after them."""
    rows: dict = {}
    first: dict = {}
    for parts, shape in shapes.items():
        if len(parts) == len(prefix):
            continue
        key = parts[:len(prefix) + 1]
        count, _ = rows.get(key, (0, None))
        rows[key] = (count + math.prod(shape), shape if len(parts) == len(prefix) + 1 else None)
        if parts in rank:
            first[key] = min(first.get(key, rank[parts]), rank[parts])
    made = []
    ordered = sorted(rows, key=lambda key: (key not in first, first.get(key, 0)))
    for key in ordered:
        count, shape = rows[key]
        path = join_path(key)
        made.append(Part(join_path(key[len(prefix):]).lstrip("."), classes.get(path, ""), shape, count,
                         details.get(path, "")))
    return made


def nnx_classes(model: Any) -> tuple[dict, dict]:
    """({module path: class name}, {module path: detail}) of an nnx model: attention modules say
    their heads ("4 heads × 8")."""
    from flax import nnx

    classes, details = {}, {}
    for path, node in nnx.iter_graph(model):
        if not isinstance(node, nnx.Module):
            continue
        key = join_path(tuple(path))
        classes[key] = type(node).__name__
        heads = getattr(node, "num_heads", None)
        width = getattr(node, "head_dim", None)
        if isinstance(heads, int) and isinstance(width, int):
            details[key] = f"{heads} heads × {width}"
    return classes, details


WHY = {"attention": "attention (a product of two activations)",
       "message passing": "message passing (activations gathered and summed at indices taken from the input)"}


def mixing_note(words: Sequence[str]) -> str:
    """Why a traced model is drawn as blocks."""
    return f"drawn as blocks: it uses {' and '.join(WHY.get(w, w) for w in words)}, which no neuron diagram shows"


def as_blocks(arch: Any, model_or_params: Any, note: str, order: Sequence[str] = ()) -> Any:
    """``arch`` drawn as the blocks of its parameters (``arch.tree``; of flax.linen variables, the
    ``params`` collection), ``note`` saying why; ``arch`` itself when it has no parameters."""
    from ..nnx_modules import is_nnx_module
    from .spec import replace

    shapes = {entry.path: tuple(entry.shape) for entry in arch.tree}
    linen = [path for path in shapes if split_path(path)[:1] == ("params",)]
    if linen and len(linen) < len(shapes) and _is_linen(model_or_params):
        shapes = {path: shapes[path] for path in linen}   # batch statistics are no parameters
    if not shapes:
        return arch
    classes, details = nnx_classes(model_or_params) if is_nnx_module(model_or_params) else ({}, {})
    blocks = module_blocks(shapes, classes=classes, details=details, order=order, layers=arch.layers)
    return replace(arch, mode="blocks", blocks=blocks, note=note)


def _is_linen(variables: Any) -> bool:
    try:
        from .from_linen import is_linen_variables

        return bool(is_linen_variables(variables))
    except Exception:   # not a mapping of collections
        return False


def traced_blocks(arch: Any, structure: Any, leaves: Sequence, model_or_params: Any) -> Any:
    """``arch`` as blocks when its traced ``structure`` mixes activations (attention, message
    passing) or found no layer; otherwise unchanged."""
    order = [leaves[k].path for k in structure.leaf_order]
    if structure.mixing:
        return as_blocks(arch, model_or_params, mixing_note(structure.mixing), order)
    if not arch.drawable:
        return as_blocks(arch, model_or_params, arch.reason, order)
    return arch
