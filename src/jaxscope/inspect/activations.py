"""Recognise activation functions in a flattened jaxpr, by what jax records for them.

`jax.nn` leaves recognisable marks: a primitive (`tanh`, `logistic`), a named jitted or
custom-derivative call (`relu`, `silu`, `leaky_relu`, ...), or a short pattern of primitives
(`max(x, 0)`, gelu's cubic inside a `tanh`, softmax's `exp / sum(exp)`).

>>> import jax, jax.numpy as jnp
>>> from jaxscope.inspect.jaxpr_graph import flatten
>>> graph = flatten(jax.make_jaxpr(lambda x: jax.nn.softmax(jax.nn.relu(x)))(jnp.ones((2, 3))), call_activation)
>>> [name for op in graph.ops if (name := activation_of(op, graph))]
['relu', 'softmax']
"""

from __future__ import annotations

import numpy as np

from .jaxpr_graph import Const, Graph, Op, inner_jaxpr

PRIMITIVES = {"tanh": "tanh", "logistic": "sigmoid", "erf": "gelu", "erfc": "gelu"}
# Names of jitted / custom_jvp functions in jax.nn (and flax, which re-exports them).
CALL_NAMES = {
    "relu": "relu", "relu6": "relu6", "silu": "silu", "swish": "silu", "gelu": "gelu", "softplus": "softplus",
    "softmax": "softmax", "log_softmax": "log_softmax", "leaky_relu": "leaky_relu", "elu": "elu", "celu": "celu",
    "selu": "selu", "mish": "mish", "hard_tanh": "hard_tanh", "log_sigmoid": "log_sigmoid", "sigmoid": "sigmoid",
    "hard_sigmoid": "hard_sigmoid", "hard_silu": "hard_silu", "hard_swish": "hard_silu", "sparse_plus": "sparse_plus",
    "squareplus": "squareplus", "tanh": "tanh",
}
# Operations that carry a value towards gelu's tanh: x + 0.044715 x**3, scaled.
_GELU_STEPS = {"mul", "add", "convert_element_type"}


def call_activation(eqn) -> str | None:
    """The activation a call equation computes (`relu` for jax.nn.relu's custom_jvp_call), or None."""
    name = str(eqn.params.get("name", "")).lstrip("_")
    if name in CALL_NAMES:
        return CALL_NAMES[name]
    inner = inner_jaxpr(eqn)
    if eqn.primitive.name == "custom_jvp_call" and inner is not None:
        # an unnamed custom_jvp_call around max(x, 0) is relu
        ops = [e for e in inner[0].eqns]
        while len(ops) == 1 and inner_jaxpr(ops[0]) is not None:
            ops = list(inner_jaxpr(ops[0])[0].eqns)
        if len(ops) == 1 and ops[0].primitive.name == "max" and any(is_zero(v) for v in ops[0].invars):
            return "relu"
    return None


def is_zero(operand) -> bool:
    value = operand.value if isinstance(operand, Const) else getattr(operand, "val", None)
    if value is None:
        return False
    try:
        return bool(np.all(np.asarray(value) == 0))
    except (TypeError, ValueError):
        return False


def activation_of(op: Op, graph: Graph) -> str | None:
    """The activation `op` applies, or None."""
    if op.label is not None:
        return op.label
    if op.primitive == "tanh":
        return "gelu" if _cubic_before(op.inputs[0], graph) else "tanh"
    if op.primitive in PRIMITIVES:
        return PRIMITIVES[op.primitive]
    if op.primitive == "max" and len(op.inputs) == 2 and any(is_zero(v) for v in op.inputs):
        return "relu"
    if op.primitive == "div" and _is_softmax(op, graph):
        return "softmax"
    return None


def _cubic_before(value, graph: Graph, depth: int = 4) -> bool:
    """True when `value` is built (by a few mul / add) from an integer_pow of power 3."""
    op = graph.producer(value)
    if op is None or depth == 0:
        return False
    if op.primitive == "integer_pow" and op.params.get("y") == 3:
        return True
    return op.primitive in _GELU_STEPS and any(_cubic_before(v, graph, depth - 1) for v in op.inputs)


def _is_softmax(op: Op, graph: Graph) -> bool:
    """exp(z) / sum(exp(z)): the numerator comes from `exp`, the denominator sums that same value."""
    numerator, denominator = op.inputs
    if not (graph.producer(numerator) and graph.producer(numerator).primitive == "exp"):
        return False
    total = graph.producer(denominator)
    while total is not None and total.primitive in ("broadcast_in_dim", "reshape", "expand_dims"):
        total = graph.producer(total.inputs[0])
    return total is not None and total.primitive == "reduce_sum" and total.inputs[0] == numerator
