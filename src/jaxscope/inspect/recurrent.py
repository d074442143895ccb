"""A recurrent cell run over time (`jax.lax.scan`, or a `while` loop) read as one layer, its gates
found in the loop's own jaxpr.

The architecture reader (structure.py) sees a loop as one operation. When the stream enters it as
the scanned sequence (or a loop constant, a `fori_loop` indexing it) and parameters are used inside,
the loop is a recurrent layer: its body is flattened and every kernel product inside that feeds the
carried state is a weight matrix of the cell, *input* when it multiplies the step's input and
*recurrent* when it multiplies the carried state. The hidden size H is what a recurrent kernel
contracts over; a kernel whose output axis holds k * H units stacks k gates (flax's
`OptimizedLSTMCell` keeps i, f, g, o in one kernel per side, `GRUCell` r, z, n); a kernel of one
gate takes its name from its module (`LSTMCell.if_` -> f). A loop whose only way in for the stream
is the carry (a scan over stacked layers) is left to the reader as before. Products that do not
feed the state (a read-out `V h` inside the step) count as the layer's parameters but are no gate.

>>> import jax, jax.numpy as jnp
>>> from jaxscope.inspect.structure import Leaf, read_structure
>>> from jaxscope.inspect.traced import trace
>>> def rnn(p, x):   # x: (batch, time, 1); p: W_in (1, 4), W_rec (4, 4), b (4,)
...     step = lambda h, x_t: (jnp.tanh(x_t @ p[0] + h @ p[1] + p[2]),) * 2
...     return jax.lax.scan(step, jnp.zeros((x.shape[0], 4)), jnp.swapaxes(x, 0, 1))[1]
>>> params = [jnp.ones((1, 4)), jnp.ones((4, 4)), jnp.zeros(4)]
>>> leaves = [Leaf("W_in", (1, 4)), Leaf("W_rec", (4, 4)), Leaf("b", (4,))]
>>> layer = read_structure(trace(rnn, params, (5, 1)), leaves).layers[0]
>>> layer.kind, layer.name, layer.cell, layer.input_shape, layer.output_shape, layer.param_count
('recurrent', 'rnn', 'RNN', (5, 1), (5, 4), 24)
>>> [(g.name, g.input.path, g.input.columns, g.recurrent.path) for g in layer.gates]
[('h', 'W_in', (0, 4), 'W_rec')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Sequence

import numpy as np

from .jaxpr_graph import Graph, flatten
from .spec import Gate, GateMatrix

LOOPS = ("scan", "while")
VIEWS = {"convert_element_type", "copy", "copy_p", "transpose"}  # a kernel seen through these is still the leaf
# Gate names by the number a kernel stacks, in flax's order (OptimizedLSTMCell splits i, f, g, o; GRUCell r, z, n).
STACKED_GATES = {4: ("i", "f", "g", "o"), 3: ("r", "z", "n"), 2: ("r", "u"), 1: ("h",)}
CELL_WORDS = (("lstm", "LSTM"), ("gru", "GRU"))
CELL_BY_GATES = {4: "LSTM", 3: "GRU"}


@dataclass(frozen=True)
class Cell:
    """A recurrent layer read off a loop: its name and path, the cell's word ("LSTM", "GRU", "RNN"),
    the outer values of its input sequence and of its output, and its gates."""

    name: str
    path: str
    word: str
    input: int
    output: int
    gates: tuple


@dataclass(frozen=True)
class _Product:
    leaf: int
    contracted: int  # the leaf's axis the product sums over (its input axis)
    role: str  # "input" or "recurrent"
    part: int = 0  # the leaf's place among `parts` kernels concatenated inside the step (linen's
    parts: int = 1  # OptimizedLSTMCell joins its per-gate kernels there)


def _body(op):
    """(body ClosedJaxpr, outer operands in the order of the body's inputs, their roles, carry count)."""
    if op.primitive == "scan":
        consts, carry = op.params["num_consts"], op.params["num_carry"]
        operands = tuple(op.inputs)
        roles = ("const",) * consts + ("carry",) * carry + ("xs",) * (len(operands) - consts - carry)
        return op.params["jaxpr"], operands, roles, carry
    consts = op.params["body_nconsts"]
    operands = tuple(op.inputs[op.params["cond_nconsts"]:])
    return op.params["body_jaxpr"], operands, ("const",) * consts + ("carry",) * (len(operands) - consts), \
        len(operands) - consts


def leaf_view(graph: Graph, value, leaf_index: dict) -> tuple[int, bool] | None:
    """(leaf, transposed) when `value` is a parameter leaf seen through conversions / transposes."""
    flipped = False
    producer = graph.producer(value)
    while value not in leaf_index and producer is not None and producer.primitive in VIEWS:
        flipped ^= producer.primitive == "transpose"
        value = producer.inputs[0]
        producer = graph.producer(value)
    return (leaf_index[value], flipped) if isinstance(value, int) and value in leaf_index else None


def _products(body: Graph, tags: dict, views: dict, carry_out: int, leaves: Sequence) -> list[_Product]:
    """The kernel products of the body that feed the carried state, in execution order."""
    needed = {v for v in body.outputs[:carry_out] if isinstance(v, int)}
    for op in reversed(body.ops):
        if needed.intersection(op.outputs):
            needed.update(v for v in op.inputs if isinstance(v, int))
    found = []
    for op in body.ops:
        values = [v for v in op.inputs if isinstance(v, int)]
        if op.primitive in VIEWS and values and values[0] in views:
            parts, dim = views[values[0]]
            flip = op.primitive == "transpose"
            views[op.outputs[0]] = (tuple((leaf, flipped ^ flip) for leaf, flipped in parts),
                                    None if dim is None else dim ^ int(flip))
            continue
        if op.primitive == "concatenate" and values and len(values) == len(op.inputs) \
                and all(v in views and views[v][1] is None for v in values):
            views[op.outputs[0]] = (tuple(views[v][0][0] for v in values), op.params["dimension"])
            continue
        carried = frozenset().union(*(tags.get(v, frozenset()) for v in values))
        if carried:
            tags.update((out, carried) for out in op.outputs)
        if op.primitive != "dot_general" or not needed.intersection(op.outputs):
            continue
        contracting = op.params["dimension_numbers"][0]
        for side in (0, 1):
            kernel, other = op.inputs[side], op.inputs[1 - side]
            if kernel not in views or other not in tags or len(contracting[side]) != 1:
                continue
            parts, dim = views[kernel]
            axis = contracting[side][0]
            if axis == dim or any(len(leaves[leaf].shape) != 2 for leaf, _ in parts):
                continue
            role = "recurrent" if "carry" in tags[other] else "input"
            found.extend(_Product(leaf, axis ^ int(flipped), role, j, len(parts))
                         for j, (leaf, flipped) in enumerate(parts))
    return found


def module_gate(path: str) -> str | None:
    """The gate a one-gate kernel belongs to, from its module's name: `ii` / `hi` -> i, `if_` -> f."""
    parts = path.split(".")
    module = parts[-2].rstrip("_") if len(parts) >= 2 else ""
    return module[1] if len(module) == 2 and module[0] in "ih" else None


def _gates(products: list[_Product], hidden: int, leaves: Sequence) -> tuple:
    """One Gate per name, in the order the body computes them, pairing input and recurrent kernels."""
    gates: dict[str, dict] = {}
    for product in products:
        leaf = leaves[product.leaf]
        axis = 1 - product.contracted
        units = leaf.shape[axis]
        if hidden <= 0 or units % hidden:
            continue
        stacked = units // hidden
        named = module_gate(leaf.path) if stacked == 1 else None
        if named is None and stacked == 1 and product.parts > 1:
            named = STACKED_GATES.get(product.parts, tuple(str(j) for j in range(product.parts)))[product.part]
        names = (named,) if named else STACKED_GATES.get(stacked, tuple(str(j) for j in range(stacked)))
        for j, name in enumerate(names):
            slot = gates.setdefault(name, {})
            slot.setdefault(product.role, GateMatrix(leaf.path, (j * hidden, (j + 1) * hidden), axis))
    return tuple(Gate(name, slots.get("input"), slots.get("recurrent")) for name, slots in gates.items())


def _common(parts: list[tuple]) -> tuple:
    prefix = parts[0] if parts else ()
    for other in parts[1:]:
        n = 0
        while n < min(len(prefix), len(other)) and prefix[n] == other[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


def cell_word(texts: Sequence[str], gates: int) -> str:
    """"LSTM" / "GRU" when a class or module name says so, else from the gate count; "RNN" otherwise."""
    for text in texts:
        for mark, word in CELL_WORDS:
            if mark in text.lower():
                return word
    return CELL_BY_GATES.get(gates, "RNN")


def read_cell(op, graph: Graph, leaves: Sequence, leaf_index: dict, derived: dict,
              is_stream: Callable[[int], bool], sample: dict, main: frozenset,
              class_of: Callable[[Hashable], str] = lambda owner: "") -> Cell | None:
    """The recurrent layer a loop operation `op` of the outer `graph` runs, or None when it is no
    recurrent cell over the stream (see the module docstring). `derived[value]` is the set of leaves
    an outer value is computed from; `class_of(owner key)` names a module's class ("" unknown)."""
    if op.primitive not in LOOPS:
        return None
    closed, operands, roles, carry_out = _body(op)
    entries = [k for k, value in enumerate(operands) if isinstance(value, int) and is_stream(value)]
    if not entries or all(roles[k] == "carry" for k in entries):
        return None
    body = flatten(closed)
    tags: dict = {}
    views: dict = {}
    used: set = set()
    for k, value in enumerate(operands):
        inner = body.inputs[k]
        floating = body.dtypes.get(inner, "").startswith(("float", "bfloat", "complex"))
        view = leaf_view(graph, value, leaf_index) if isinstance(value, int) and k not in entries else None
        if k not in entries and isinstance(value, int):
            used |= derived.get(value, frozenset())
        if view is not None:
            views[inner] = ((view,), None)  # a parameter, as a loop constant or carried unchanged (nnx.scan's state)
        elif roles[k] == "carry":
            if floating:
                tags[inner] = frozenset(["carry"])
        elif k in entries:
            tags[inner] = frozenset(["input"])
    if not any(leaves[k].param for k in used):
        return None
    products = _products(body, tags, views, carry_out, leaves)
    recurrent = [p for p in products if p.role == "recurrent"]
    carried = [body.shapes[body.inputs[k]] for k in range(len(operands)) if body.inputs[k] in tags
               and "carry" in tags[body.inputs[k]] and body.shapes[body.inputs[k]]]
    if recurrent:
        hidden = leaves[recurrent[0].leaf].shape[recurrent[0].contracted]
    else:
        hidden = carried[0][-1] if carried else 0
    gates = _gates(products, hidden, leaves)

    params = [leaves[k] for k in sorted(used) if leaves[k].param]
    prefix = _common([tuple(leaf.path.split("."))[:-1] for leaf in params])
    path = ".".join(prefix)
    name = path[len("params."):] if path.startswith("params.") else (path or "rnn")
    owners = [leaf.owner for leaf in params if isinstance(leaf.owner, tuple)]
    module = _common(owners) if len(owners) == len(params) else ()
    texts = [class_of(module[:n]) for n in range(len(module), 0, -1)] + [str(p) for p in reversed(prefix)]
    word = cell_word(texts, len(gates))

    outputs = list(op.outputs)
    ys, carries = outputs[carry_out:], outputs[:carry_out]
    output = next((v for group in (ys, carries) for v in group if v in main and v in sample),
                  next((v for v in outputs if v in sample), outputs[-1]))
    sequence = next(operands[k] for k in entries if roles[k] != "carry")
    return Cell(name, path, word, sequence, output, gates)


def gate_matrix(leaves: dict, matrix: GateMatrix | None):
    """One gate's weights as float32 (units, inputs): row u holds what flows into unit u."""
    if matrix is None:
        return None
    kernel = np.asarray(leaves[matrix.path], dtype=np.float32)
    start, stop = matrix.columns
    block = kernel[:, start:stop] if matrix.axis == 1 else kernel[start:stop, :]
    return np.ascontiguousarray(block.T if matrix.axis == 1 else block)


def gate_weights(model_or_params, arch, leaves: dict | None = None) -> list:
    """[(layer index, [(gate name, input (H, n_in) or None, recurrent (H, H) or None)])] for each
    recurrent layer of `arch`, read from the current parameters (``leaves``: `leaves_by_path(...)`)."""
    from .dense import leaves_by_path

    recurrent = [(k, layer) for k, layer in enumerate(arch.layers) if layer.kind == "recurrent" and layer.gates]
    if not recurrent:
        return []
    leaves = leaves_by_path(model_or_params) if leaves is None else leaves
    return [(k, [(gate.name, gate_matrix(leaves, gate.input), gate_matrix(leaves, gate.recurrent))
                 for gate in layer.gates]) for k, layer in recurrent]
