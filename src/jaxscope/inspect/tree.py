"""List every array leaf of a pytree with a readable path (`weights[0]`, `hidden.kernel`).

>>> import numpy as np
>>> [e.path for e in param_tree({"weights": [np.zeros((3, 2))]})]
['weights[0]']
"""

from __future__ import annotations

import math
import re

import jax
import numpy as np

from .spec import ParamEntry


def key_name(key) -> str:
    """One path element as text: dict keys and attributes by name, sequence items as [i]."""
    if isinstance(key, jax.tree_util.SequenceKey):
        return f"[{key.idx}]"
    if isinstance(key, jax.tree_util.DictKey):
        return f".{key.key}"
    if isinstance(key, jax.tree_util.GetAttrKey):
        return f".{key.name}"
    if isinstance(key, jax.tree_util.FlattenedIndexKey):
        return f"[{key.key}]"
    return f".{key}"


def raw_key(key):
    """A jax path key as the plain name or index it stands for (`DictKey('w')` -> 'w')."""
    for attribute in ("key", "name", "idx"):
        if hasattr(key, attribute):
            return getattr(key, attribute)
    return key


def join_path(parts) -> str:
    """Join path parts (strings or ints, or jax key objects) into `a.b[0].c`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif isinstance(part, str):
            text += f".{part}"
        else:
            text += key_name(part)
    return text[1:] if text.startswith(".") else text


def leaf_shape(leaf) -> tuple | None:
    shape = getattr(leaf, "shape", None)
    if shape is None and isinstance(leaf, (int, float, complex, np.number)):
        return ()
    return None if shape is None else tuple(int(d) for d in shape)


def param_tree(params) -> tuple[ParamEntry, ...]:
    """Every array-like leaf with its path, shape and element count, in flattening order."""
    entries = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        shape = leaf_shape(leaf)
        if shape is not None:
            entries.append(ParamEntry(join_path(path), shape, math.prod(shape)))
    return tuple(entries)


def canonical_path(path: str) -> str:
    """One spelling for the paths of an nnx module and of its state: `layers.0.kernel.value`
    and `layers[0].kernel` both become `layers[0].kernel`."""
    path = path[: -len(".value")] if path.endswith(".value") else path
    return re.sub(r"\.(\d+)(?=[.\[]|$)", r"[\1]", path)


def leaf_indices(tree) -> dict[str, int]:
    """{canonical path: index among `jax.tree_util.tree_leaves(tree)`}."""
    return {canonical_path(join_path(path)): k
            for k, (path, _) in enumerate(jax.tree_util.tree_flatten_with_path(tree)[0])}
