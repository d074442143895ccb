"""A traced function as a flat list of operations over numbered values: the bookkeeping that lets
the inspectors follow data from one operation to the next.

`jax.make_jaxpr` nests jitted and custom-derivative functions as call equations holding their own
jaxprs; `flatten` inlines them (unless `label` names the call, e.g. `relu`, which then stays one
operation), numbers every value once, and keeps each equation's name scope (flax.linen's module
path). Identity of these numbers is what says "this value came from that operation".

>>> import jax, jax.numpy as jnp
>>> graph = flatten(jax.make_jaxpr(lambda w, x: jnp.tanh(x @ w) * 2.0)(jnp.ones((2, 3)), jnp.ones((4, 2))))
>>> [op.primitive for op in graph.ops], graph.inputs, graph.outputs
(['dot_general', 'tanh', 'mul'], (0, 1), (4,))
>>> graph.producer(3).primitive, graph.ops[2].inputs[1]
('tanh', Const(value=2.0))
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import jax.extend.core as jax_core

# Call-like primitives: a jaxpr run once on the operands (inlined by `flatten`, replayed by probe.py).
CALLS = {"pjit", "jit", "closed_call", "core_call", "custom_jvp_call", "custom_vjp_call",
         "custom_vjp_call_jaxpr", "checkpoint", "remat", "remat2"}
INNER_JAXPRS = ("jaxpr", "call_jaxpr", "fun_jaxpr")


def inner_jaxpr(eqn) -> tuple[Any, Sequence] | None:
    """(open jaxpr, consts) of a call-like equation whose jaxpr maps its operands one to one."""
    if eqn.primitive.name not in CALLS:
        return None
    for name in INNER_JAXPRS:
        inner = eqn.params.get(name)
        if inner is None:
            continue
        jaxpr, consts = (inner.jaxpr, inner.consts) if hasattr(inner, "consts") else (inner, ())
        if hasattr(jaxpr, "invars") and len(jaxpr.invars) == len(eqn.invars):
            return jaxpr, consts
    return None


@dataclass(frozen=True)
class Const:
    """An operand known at trace time: a literal (`mul x 2.0`) or a captured constant."""

    value: Any

    def __repr__(self) -> str:
        try:
            return f"Const(value={float(self.value)!r})"
        except (TypeError, ValueError):
            return f"Const(shape={getattr(self.value, 'shape', None)})"


@dataclass(frozen=True)
class Op:
    """One primitive application: `inputs` are value numbers or Consts, `outputs` value numbers.
    `scope` is the name stack (e.g. `Model/Dense_0`); `label` names a call kept whole."""

    primitive: str
    inputs: tuple
    outputs: tuple
    params: Mapping = field(repr=False)
    scope: str = ""
    label: str | None = None


@dataclass
class Graph:
    """Operations in execution order; `shapes[value]` / `dtypes[value]`: each value's full shape
    and dtype name."""

    ops: list
    inputs: tuple
    outputs: tuple
    shapes: dict
    dtypes: dict = field(default_factory=dict)
    _producers: dict | None = field(default=None, repr=False)

    def producer(self, value) -> Op | None:
        """The operation that computed `value` (None for inputs and constants)."""
        if self._producers is None:
            self._producers = {out: op for op in self.ops for out in op.outputs}
        return self._producers.get(value) if isinstance(value, int) else None

    def live(self) -> "Graph":
        """Only the operations that the outputs depend on (state updates nobody returns drop out)."""
        needed = {v for v in self.outputs if isinstance(v, int)}
        kept = []
        for op in reversed(self.ops):
            if needed.intersection(op.outputs):
                kept.append(op)
                needed.update(v for v in op.inputs if isinstance(v, int))
        return Graph(kept[::-1], self.inputs, self.outputs, self.shapes, self.dtypes)


def join_scope(outer: str, inner: str) -> str:
    # an inlined jaxpr's name stack is relative to its call site
    return "/".join(part for part in (outer, inner) if part)


def flatten(closed, label: Callable[[Any], str | None] | None = None) -> Graph:
    """The Graph of a ClosedJaxpr; a call equation for which `label(eqn)` is a string stays one Op."""
    counter = itertools.count()
    shapes: dict = {}
    dtypes: dict = {}
    ops: list = []

    def number(var) -> int:
        value = next(counter)
        shapes[value] = tuple(getattr(var.aval, "shape", ()))
        dtypes[value] = str(getattr(var.aval, "dtype", ""))
        return value

    def operand(env, var):
        return Const(var.val) if isinstance(var, jax_core.Literal) else env[var]

    def walk(jaxpr, consts, env, scope):
        env.update((var, Const(value)) for var, value in zip(jaxpr.constvars, consts))
        for eqn in jaxpr.eqns:
            inputs = tuple(operand(env, var) for var in eqn.invars)
            here = join_scope(scope, str(eqn.source_info.name_stack))
            name = label(eqn) if label is not None else None
            inner = None if name is not None else inner_jaxpr(eqn)
            if inner is not None:
                inner_jaxpr_, inner_consts = inner
                inner_env = dict(zip(inner_jaxpr_.invars, inputs))
                walk(inner_jaxpr_, inner_consts, inner_env, here)
                env.update((var, operand(inner_env, out)) for var, out in zip(eqn.outvars, inner_jaxpr_.outvars))
                continue
            outputs = tuple(number(var) for var in eqn.outvars)
            env.update(zip(eqn.outvars, outputs))
            ops.append(Op(eqn.primitive.name, inputs, outputs, eqn.params, here, name))

    env: dict = {}
    inputs = tuple(number(var) for var in closed.jaxpr.invars)
    env.update(zip(closed.jaxpr.invars, inputs))
    walk(closed.jaxpr, closed.consts, env, "")
    outputs = tuple(operand(env, var) for var in closed.jaxpr.outvars)
    return Graph(ops, inputs, outputs, shapes, dtypes)
