"""Layers, activations and skip connections read off a traced forward pass (see traced.py).

A value that holds the batch and descends from the input is on the *stream*; each stream value
remembers the layer that produced it (-1: the network input), so data is followed by the
identity of jaxpr values. Walking the operations in order:

- a kernel product (`dot_general`, `conv_general_dilated`) of the stream with a parameter opens
  a dense or conv layer;
- any other operation mixing the stream with parameters (a bias, a norm's scale, a dropout's
  random key) extends the open layer of the same owner, or opens a layer of the owner's kind;
- an activation names the layer its operand came from (or becomes a layer of its own);
- `reduce_window_*` is pooling, and so is a reduction over the windows a reshape split off
  (`x.reshape(C, H // 2, 2, W // 2, 2).mean((2, 4))`), and so is global pooling (`x.mean((1, 2))`
  of a (C, H, W) map); a reshape merging the axes a broadcast
  inserted (`jnp.repeat`) is an upsampling; a `reshape` to one axis is a flatten and from one
  axis a reshape layer (others only regroup axes: `conv(x[None])[0]` of a vmapped network, the
  steps of the two above; no layer);
- a loop (`scan`, `while`) that the stream enters as its sequence and that uses parameters is a
  recurrent cell: one layer of kind "recurrent" with its gates (recurrent.py);
- an `add` or a `concatenate` of stream values from different layers is a skip connection
  (a U-Net's encoder map joined to its decoder's), and so is a layer fed by an older output
  than the previous layer's; `skip_kinds` says which: "add", "concat" or "" (no join);
- a product of two stream values (`q @ k.T`, attention), a gather of the stream at indices that
  come from the input or a scatter-add of it (message passing) mixes what no neuron diagram shows:
  `mixing` names it, and the diagram draws blocks instead (blocks.py).

Leaves say who owns them (an nnx or linen module; None for plain pytrees, where a bias is
claimed by the layer whose output it is added to).

>>> import jax.numpy as jnp
>>> from jaxscope.inspect.traced import trace
>>> leaves = [Leaf("w", (2, 3)), Leaf("b", (3,))]
>>> traced = trace(lambda p, x: jnp.tanh(x @ p[0] + p[1]), [jnp.ones((2, 3)), jnp.zeros(3)], (2,))
>>> found = read_structure(traced, leaves)
>>> [(l.name, l.kind, l.input_shape, l.output_shape, l.param_count, l.activation) for l in found.layers]
[('w', 'dense', (2,), (3,), 9, 'tanh')]
>>> found.orientation
'in_out'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Sequence

from .activations import activation_of
from .recurrent import LOOPS, read_cell
from .spec import make_layer
from .traced import Traced

KERNEL_OPS = {"dot_general": "dense", "conv_general_dilated": "conv"}
POOLS = {"reduce_window_max": "max_pool", "reduce_window_sum": "avg_pool", "reduce_window_min": "min_pool",
         "reduce_window": "pool"}
# Operations joining two branches of the stream, and the word a skip made by each is drawn with.
JOINS = {"add": "add", "add_any": "add", "sub": "sub", "concatenate": "concat"}
REDUCTIONS = {"reduce_sum": "avg_pool", "reduce_max": "max_pool", "reduce_min": "min_pool"}
PASSIVE = {"activation", "pool", "flatten", "reshape", "recurrent"}  # layers that nothing extends
VIEWS = {"convert_element_type", "copy", "copy_p"}  # a kernel seen through these is still the leaf
GATHERS = {"gather", "scatter-add", "scatter_add", "scatter", "dynamic_slice", "dynamic_update_slice"}


@dataclass(frozen=True)
class Owner:
    """A module parameters belong to: the layer's name, path, kind (None: not a known layer, so
    only its kernel products become layers), its parameters {path: shape} and its class name."""

    name: str
    path: str
    kind: str | None = None
    params: dict = field(default_factory=dict)
    cls: str = ""


@dataclass(frozen=True)
class Leaf:
    """One flattened leaf: path, shape, owner key (None: a plain pytree) and whether it is a
    trainable parameter (counted in a layer's `params`)."""

    path: str
    shape: tuple
    owner: Hashable = None
    param: bool = True


@dataclass(frozen=True)
class Structure:
    layers: tuple
    skips: tuple
    orientation: str | None  # how the first dense kernel is stored; None when no dense layer
    skip_kinds: tuple = ()  # per skip: "add", "concat", "sub", or "" (a layer fed by an older output)
    mixing: tuple = ()  # "attention", "message passing": what mixes samples' positions (see the docstring)
    leaf_order: tuple = ()  # leaf numbers in the order the forward pass first uses them


@dataclass
class _Building:
    """A layer while it is being read (activation and output shape still change)."""

    name: str
    kind: str
    input: tuple | None
    output: tuple | None
    path: str
    owner: Hashable
    params: dict | None  # the owner's parameters; None: the leaves the layer used
    leaves: set = field(default_factory=set)
    activation: str | None = None
    extra: dict = field(default_factory=dict)  # a recurrent layer's cell and gates


def kernel_kind(op) -> str:
    """"dense", "conv", or "conv_transpose" for a convolution that dilates its input
    (`lax.conv_transpose` is a `conv_general_dilated` with `lhs_dilation` > 1)."""
    kind = KERNEL_OPS[op.primitive]
    if kind == "conv" and any(d > 1 for d in op.params.get("lhs_dilation") or ()):
        return "conv_transpose"
    return kind


def without_leading_ones(shape: tuple) -> tuple:
    """`shape` without its leading axes of size 1 (`x[None]` adds one, `y[0]` drops it)."""
    shape = tuple(shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    return shape


def name_by_leaf(kind: str, number: int, kernel: Leaf | None) -> tuple[str, str]:
    """(name, path) of a layer no known module owns: the path of its kernel."""
    path = kernel.path if kernel is not None else f"{kind}_{number}"
    return path, path


def read_structure(traced: Traced, leaves: Sequence[Leaf], owners: dict | None = None,
                   scope_owner: Callable[[str], Hashable] | None = None,
                   name_unowned: Callable[[str, int, Leaf | None], tuple[str, str]] = name_by_leaf) -> Structure:
    """The layers of `traced`. `owners` maps owner keys to Owner; `scope_owner(scope)` gives the
    owner of an operation from its name scope (flax.linen) or None; `name_unowned(kind, number,
    kernel leaf)` names layers of unknown owners."""
    return _Reader(traced, list(leaves), owners or {}, scope_owner, name_unowned).read()


class _Reader:
    def __init__(self, traced: Traced, leaves: list, owners: dict, scope_owner, name_unowned) -> None:
        self.traced, self.graph, self.sample = traced, traced.graph, traced.sample
        self.leaves, self.owners, self.scope_owner, self.name_unowned = leaves, owners, scope_owner, name_unowned
        self.source = {traced.input: -1}  # stream value -> the layer that produced it
        self.derived = {value: frozenset([k]) for k, value in enumerate(traced.leaves)}  # value -> leaves
        self.leaf_index = {value: k for k, value in enumerate(traced.leaves)}
        self.layers: list[_Building] = []
        self.skips: list[tuple[int, int]] = []
        self.skip_kinds: list[str] = []
        self.claimed: set = set()
        self.counts: dict = {}
        self.orientation: str | None = None
        self.mixing: dict = {}
        self.first_use: dict = {}

    def read(self) -> Structure:
        for op in self.graph.ops:
            self.step(op)
        order = tuple(sorted(self.first_use, key=self.first_use.__getitem__))
        return Structure(tuple(self.finish(b) for b in self.layers), tuple(self.skips), self.orientation,
                         tuple(self.skip_kinds), tuple(self.mixing), order)

    def step(self, op) -> None:
        values = [v for v in op.inputs if isinstance(v, int)]
        streams = [v for v in values if v in self.source]
        found = frozenset().union(*(self.derived.get(v, frozenset()) for v in values if v not in self.source))
        for k in found:
            self.first_use.setdefault(k, len(self.first_use))
        if streams:
            self.note_mixing(op)
        if not streams:
            if found:
                self.derived.update((out, found) for out in op.outputs)
            return
        index = self.place(op, streams, found)
        self.source.update((out, index) for out in op.outputs if out in self.sample)

    def note_mixing(self, op) -> None:
        """Attention (a product of two activations) or message passing (activations gathered or
        scattered at indices computed from the input)."""
        operands = [v for v in op.inputs if isinstance(v, int)]
        if op.primitive == "dot_general":
            if len(operands) >= 2 and all(v in self.source and self.floating(v) for v in op.inputs[:2]):
                self.mixing.setdefault("attention", True)
        elif op.primitive in GATHERS and len(op.inputs) >= 2:
            data, indices = op.inputs[0], op.inputs[1]
            if data in self.source and self.floating(data) and indices in self.source and not self.floating(indices):
                self.mixing.setdefault("message passing", True)
            elif op.primitive.startswith("scatter") and len(op.inputs) >= 3 and op.inputs[2] in self.source \
                    and self.floating(op.inputs[2]):
                self.mixing.setdefault("message passing", True)   # segment_sum of messages, at any indices

    def place(self, op, streams: list, found: frozenset) -> int:
        """The layer whose output `op` computes (opening or extending one where it should)."""
        sources = [self.source[v] for v in streams]
        if not found and not any(self.floating(v) for v in streams):
            return max(sources)  # integer / boolean work on the stream computes indices (token ids)
        if op.primitive in LOOPS and found:
            cell = read_cell(op, self.graph, self.leaves, self.leaf_index, self.derived, self.source.__contains__,
                             self.sample, self.traced.main, lambda key: getattr(self.owners.get(key), "cls", ""))
            if cell is not None:
                return self.recurrent(cell, found)
        placed = self.owned(op, streams, sources, found)
        if placed is not None:
            return placed
        if found or not self.traced.main.intersection(op.outputs):
            return max(sources)  # statistics (a norm's variance) are no layer of their own
        return self.unowned(op, streams, sources)

    def owned(self, op, streams: list, sources: list, found: frozenset) -> int | None:
        """A layer of the module that `op` runs in or takes parameters from (None: no such layer)."""
        last = len(self.layers) - 1
        is_open = last >= 0 and self.layers[last].activation is None and self.layers[last].kind not in PASSIVE
        scoped = self.scope_owner(op.scope) if self.scope_owner is not None and op.scope else None
        kernel = self.kernel(op, found)
        if scoped is not None:
            if is_open and self.layers[last].owner == scoped:
                return self.extend(op, found)
            # a kernel product opening the module's layer sees its input as is (not the source's output)
            return self.open(op, streams[0], scoped, self.owners[scoped].kind, found, kernel)
        if kernel is not None:
            owner = self.leaves[kernel].owner
            kind = self.owners[owner].kind if self.known(owner) else kernel_kind(op)
            return self.open(op, streams[0], owner, kind, found, kernel)
        owners = {self.leaves[k].owner for k in found}
        if len(owners) != 1:
            return None  # no parameters, or an opaque loop (scan) over several modules
        owner = owners.pop()
        if is_open and last in sources and self.layers[last].owner == owner:
            if self.known(owner) or not found & self.claimed:  # a plain pytree's bias: a fresh leaf
                return self.extend(op, found)
        if self.known(owner):
            return self.open(op, streams[0], owner, self.owners[owner].kind, found)
        return None

    def recurrent(self, cell, found: frozenset) -> int:
        """One layer for a recurrent cell run over time (recurrent.py), holding every leaf it uses."""
        taken = {layer.name for layer in self.layers}
        name = cell.name if cell.name not in taken else f"{cell.name}_{len(self.layers)}"
        index = self.start(cell.input, _Building(name, "recurrent", self.sample.get(cell.input),
                                                 self.sample.get(cell.output), cell.path, None, None,
                                                 extra={"cell": cell.word, "gates": cell.gates}))
        self.claim(found)
        return index

    def unowned(self, op, streams: list, sources: list) -> int:
        """Activations, pooling, flattening and skips: work on the stream without parameters."""
        name = activation_of(op, self.graph)
        if name is not None:
            return self.activate(op, streams[0], name)
        if op.primitive in POOLS:
            return self.add(op, streams[0], POOLS[op.primitive], "pool")
        pooled = self.pooled_input(op, streams[0]) if op.primitive in REDUCTIONS else None
        if pooled is not None:
            return self.add(op, pooled, REDUCTIONS[op.primitive], "pool")
        if op.primitive == "reshape":
            before, after = self.sample.get(streams[0]), self.out_shape(op)
            if before is not None and after is not None:
                before, after = without_leading_ones(before), without_leading_ones(after)
                repeated = self.repeated(streams[0], after)
                if repeated is not None:
                    return self.upsample(op, repeated)
                if before != after and (len(after) == 1) != (len(before) == 1):
                    kind = "flatten" if len(after) == 1 else "reshape"
                    return self.add(op, streams[0], kind, kind)
        if op.primitive in JOINS:
            # every branch but the newest reaches the next layer, which takes the join
            for source in sorted(set(sources))[:-1]:
                self.skip(source, len(self.layers), JOINS[op.primitive])
        return max(sources)

    def pooled_input(self, op, stream) -> int | None:
        """The value a reduction pools by hand: the input of a reshape that split each spatial axis
        into (blocks, window), reduced back to its rank (`x.reshape(C, H // 2, 2, W // 2, 2).mean((2, 4))`),
        or a value of two or more axes reduced over some (global pooling)."""
        before = self.before(stream, "reshape")
        after = self.out_shape(op)
        if after is None:
            return None
        if before is None:   # global pooling: (C, H, W) -> (C,), a sequence's mean over time
            shape = self.sample.get(stream)
            return stream if shape is not None and len(shape) >= 2 and 1 <= len(after) < len(shape) else None
        if len(after) != len(self.sample[before]):
            return None
        return before if math.prod(after) < math.prod(self.sample[before]) else None

    def repeated(self, stream, after: tuple) -> int | None:
        """The value a reshape upsamples: the input of a `broadcast_in_dim` whose inserted axes the
        reshape merges back to the rank before it (`jnp.repeat(x, 2, axis)`, nearest-neighbour)."""
        before = self.before(stream, "broadcast_in_dim")
        if before is None:
            return None
        shape = without_leading_ones(self.sample[before])
        return before if len(after) == len(shape) and math.prod(after) > math.prod(shape) else None

    def before(self, stream, primitive: str) -> int | None:
        """The batched operand of the `primitive` that computed `stream` (None: another producer)."""
        producer = self.graph.producer(stream)
        if producer is None or producer.primitive != primitive or producer.inputs[0] not in self.sample:
            return None
        return producer.inputs[0]

    def upsample(self, op, stream) -> int:
        """An upsampling layer; the second axis of `jnp.repeat(jnp.repeat(x, 2, 1), 2, 2)` extends the first."""
        source = self.source[stream]
        last = len(self.layers) - 1
        if source == last >= 0 and self.layers[last].name == "upsample":
            self.layers[last].output = self.out_shape(op)
            return last
        return self.add(op, stream, "upsample", "reshape")

    def skip(self, source: int, target: int, kind: str) -> None:
        if (source, target) not in self.skips:
            self.skips.append((source, target))
            self.skip_kinds.append(kind)

    def floating(self, value) -> bool:
        return self.graph.dtypes.get(value, "float").startswith(("float", "bfloat", "complex"))

    def known(self, owner) -> bool:
        return owner is not None and owner in self.owners and self.owners[owner].kind is not None

    def kernel(self, op, found: frozenset) -> int | None:
        """The leaf a kernel product multiplies the stream with (noting the dense orientation)."""
        if op.primitive not in KERNEL_OPS or not found:
            return None
        side = next((k for k, v in enumerate(op.inputs[:2]) if isinstance(v, int) and v not in self.source
                     and self.derived.get(v)), None)
        if side is None:
            return None
        operand = op.inputs[side]
        leaves = sorted(self.derived[operand], key=lambda k: -len(self.leaves[k].shape))
        if op.primitive == "dot_general" and self.orientation is None:
            self.orientation = self.stored(operand, op.params["dimension_numbers"][0][side])
        return leaves[0]

    def stored(self, operand, contracted) -> str | None:
        """'in_out' when a 2-D kernel leaf is contracted on its first axis, 'out_in' on its second."""
        flipped = False
        producer = self.graph.producer(operand)
        while producer is not None and (producer.primitive in VIEWS or producer.primitive == "transpose"):
            flipped ^= producer.primitive == "transpose"
            operand, producer = producer.inputs[0], self.graph.producer(producer.inputs[0])
        if operand not in self.leaf_index or len(contracted) != 1 or len(self.graph.shapes[operand]) != 2:
            return None
        return "in_out" if (contracted[0] == 0) != flipped else "out_in"

    def out_shape(self, op) -> tuple | None:
        return next((self.sample[out] for out in op.outputs if out in self.sample), None)

    def open(self, op, stream, owner, kind: str, found: frozenset, kernel: int | None = None) -> int:
        if self.known(owner):
            info = self.owners[owner]
            name, path, params = info.name, info.path, info.params
        else:
            number = self.counts.get(kind, 0)
            self.counts[kind] = number + 1
            name, path = self.name_unowned(kind, number, None if kernel is None else self.leaves[kernel])
            params = None
        # a kernel sees its input as is; a norm or dropout may first work on statistics of it
        shape = self.sample.get(stream) if kernel is not None else self.output_of(self.source[stream])
        index = self.start(stream, _Building(name, kind, shape, self.out_shape(op), path, owner, params))
        self.claim(found)
        return index

    def output_of(self, layer: int) -> tuple | None:
        return self.sample.get(self.traced.input) if layer < 0 else self.layers[layer].output

    def add(self, op, stream, name: str, kind: str, activation: str | None = None) -> int:
        return self.start(stream, _Building(name, kind, self.sample.get(stream), self.out_shape(op), "", None,
                                            {}, activation=activation))

    def start(self, stream, layer: _Building) -> int:
        index = len(self.layers)
        source = self.source[stream]
        if source != index - 1:
            self.skip(source, index, "")  # fed by an older output than the previous layer's
        self.layers.append(layer)
        return index

    def extend(self, op, found: frozenset) -> int:
        layer = self.layers[-1]
        layer.output = self.out_shape(op) or layer.output
        self.claim(found)
        return len(self.layers) - 1

    def claim(self, found: frozenset) -> None:
        fresh = {k for k in found if k not in self.claimed and self.leaves[k].param}
        self.layers[-1].leaves |= fresh
        self.claimed |= fresh

    def activate(self, op, stream, name: str) -> int:
        source = self.source[stream]
        if source >= 0 and self.layers[source].activation is None:
            self.layers[source].activation = name
            return source
        return self.add(op, stream, name, "activation", activation=name)

    def finish(self, layer: _Building) -> Any:
        params = layer.params
        if params is None:
            params = {self.leaves[k].path: self.leaves[k].shape for k in sorted(layer.leaves)}
        return make_layer(layer.name, layer.kind, layer.input, layer.output, params, layer.activation, layer.path,
                          **layer.extra)
