"""Trace a forward pass `fn(leaves, x)` to a Graph and tell which values carry the batch.

The forward is traced twice, on batches of 2 and of 3 samples: a value whose shape differs
between the two traces holds the batch, on the axes that differ, and removing those axes gives
its per-sample shape. This works wherever the batch axis ends up (a `vmap`ped course network
computes `W @ x` with the batch last), with no rule per primitive.

>>> import jax.numpy as jnp
>>> traced = trace(lambda leaves, x: jnp.tanh(leaves[0] @ x.T).T, [jnp.ones((3, 2))], (2,))
>>> [(op.primitive, traced.sample.get(op.outputs[0])) for op in traced.graph.ops]
[('transpose', (2,)), ('dot_general', (3,)), ('tanh', (3,)), ('transpose', (3,))]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp

from .activations import call_activation
from .jaxpr_graph import Graph, flatten

BATCHES = (2, 3)
# Elementwise primitives: an operand smaller than the result is broadcast into it (a statistic).
ELEMENTWISE = {"add", "sub", "mul", "div", "max", "min", "pow", "select_n", "atan2", "rem", "and", "or",
               "add_any", "clamp", "nextafter"}


@dataclass
class Traced:
    """The live operations of `fn` on a batch of 2, the value numbers of the parameter `leaves`
    and of the `input` batch, `sample[value]`: the per-sample shape of every batched value, and
    `main`: the batched values the output is computed from, statistics (a LayerNorm's mean and
    variance, a softmax's sum) left out."""

    graph: Graph
    leaves: tuple
    input: int
    sample: dict
    main: frozenset = frozenset()


def input_struct(input_shape: Any, batch: int) -> jax.ShapeDtypeStruct:
    """A batch of `batch` abstract samples; `input_shape` may be a ShapeDtypeStruct (token ids)."""
    if isinstance(input_shape, jax.ShapeDtypeStruct):
        return jax.ShapeDtypeStruct((batch, *input_shape.shape), input_shape.dtype)
    return jax.ShapeDtypeStruct((batch, *tuple(int(d) for d in input_shape)), jnp.float32)


def trace(fn: Callable, leaves: Sequence, input_shape: Any) -> Traced:
    """Trace `fn(leaves, x)` (leaves: a list of arrays) at two batch sizes; see the module docstring."""
    graphs = [flatten(jax.make_jaxpr(fn)(list(leaves), input_struct(input_shape, b)), call_activation).live()
              for b in BATCHES]
    first, second = graphs
    count = len(leaves)
    same = ([op.primitive for op in first.ops] == [op.primitive for op in second.ops]
            and first.shapes.keys() == second.shapes.keys())
    sample = {}
    for value, shape in first.shapes.items():
        if same:
            other = second.shapes[value]
            if len(other) == len(shape) and other != shape:
                sample[value] = tuple(d for d, e in zip(shape, other) if d == e)
        elif shape[:1] == (BATCHES[0],):  # the traces differ (code branching on the batch size)
            sample[value] = shape[1:]
    return Traced(first, first.inputs[:count], first.inputs[count], sample, main_path(first, sample))


def main_path(graph: Graph, sample: dict) -> frozenset:
    """The batched values the outputs are computed from, walking back from the outputs and
    leaving out values broadcast into a larger one (per-sample statistics)."""
    main = {value for value in graph.outputs if isinstance(value, int) and value in sample}
    for op in reversed(graph.ops):
        if not main.intersection(op.outputs):
            continue
        result = graph.shapes[op.outputs[0]]
        batched = [v for v in op.inputs if isinstance(v, int) and v in sample]
        if op.primitive in ELEMENTWISE:
            full = [v for v in batched if graph.shapes[v] == result and not enlarged(graph, v)]
            # a statistic meets the full-size operand it is broadcast against; where every operand
            # was enlarged (an outer product of two batched vectors) all of them are the stream
            batched = full or [v for v in batched if graph.shapes[v] == result]
        main.update(batched)
    return frozenset(main)


def enlarged(graph: Graph, value: int) -> bool:
    """Whether `value` is a `broadcast_in_dim` of something smaller (a statistic spread over the
    axes it was reduced on). A broadcast that feeds anything but an elementwise operation (the
    `reshape` of `jnp.repeat`, an upsampling) is followed back as the stream."""
    producer = graph.producer(value)
    if producer is None or producer.primitive != "broadcast_in_dim" or not isinstance(producer.inputs[0], int):
        return False
    return math.prod(graph.shapes[producer.inputs[0]]) < math.prod(graph.shapes[value])
