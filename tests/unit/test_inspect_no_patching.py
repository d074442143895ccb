"""Deriving an architecture reads the jaxpr; it changes nothing in jax, flax or optax, so another
thread tracing at the same time sees the libraries as they are."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import flax.linen as linen
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

import jaxscope
from course_models import init_mlp, mlp_batch
from jaxscope.inspect import architecture

SRC = Path(jaxscope.__file__).resolve().parent
LIBRARIES = ("jax", "jaxlib", "flax", "optax", "numpy")


def library_names(tree: ast.AST) -> set[str]:
    """Names a module binds to jax / flax / optax / numpy modules or their members."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.asname or alias.name.split(".")[0]
                         for alias in node.names if alias.name.split(".")[0] in LIBRARIES)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in LIBRARIES:
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def assigned(target: ast.AST):
    """The attribute / item targets of an assignment (unpacking tuples and lists)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for item in target.elts:
            yield from assigned(item)
    elif isinstance(target, (ast.Attribute, ast.Subscript)):
        yield target


def patching(text: str, name: str) -> list[str]:
    """`setattr` / `delattr` calls, private jax imports, and assignments to library attributes."""
    tree = ast.parse(text)
    libraries = library_names(tree)
    where = lambda node, what: f"{name}:{node.lineno} {what}"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if called in ("setattr", "delattr", "__setattr__", "__delattr__"):
                found.append(where(node, f"{called}(...)"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
            found += [where(node, f"imports {m}") for m in modules if m.startswith("jax") and "_src" in m]
        elif isinstance(node, ast.Attribute) and node.attr == "_src" and root_name(node) in libraries:
            found.append(where(node, "uses a private jax module"))
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for part in assigned(target):
                if root_name(part) in libraries:
                    found.append(where(node, f"assigns to {ast.unparse(part)}"))
    return found


def test_the_scanner_finds_each_kind_of_patch():
    sample = ("import jax.numpy as jnp\nfrom flax import nnx\nfrom jax._src import core\n"
              "jnp.tanh = abs\nnnx.Linear.__call__, x = None, 1\nsetattr(jnp, 'tanh', abs)\n"
              "local = {}\nlocal['x'] = 1\nlocal.y = jnp.tanh\n")
    assert patching(sample, "sample.py") == [
        "sample.py:3 imports jax._src", "sample.py:4 assigns to jnp.tanh",
        "sample.py:5 assigns to nnx.Linear.__call__", "sample.py:6 setattr(...)",
    ]


def test_no_source_file_patches_jax_flax_or_optax_or_imports_their_private_modules():
    found = [entry for path in sorted(SRC.rglob("*.py"))
             for entry in patching(path.read_text(), str(path.relative_to(SRC)))]
    assert found == []


def test_the_patching_helpers_are_gone():
    assert not (SRC / "inspect" / "trace.py").exists()
    assert "jax._src" not in "".join(path.read_text() for path in SRC.rglob("*.py"))


class CNN(nnx.Module):
    def __init__(self, rngs):
        self.conv = nnx.Conv(1, 4, (3, 3), rngs=rngs)
        self.norm = nnx.BatchNorm(4, rngs=rngs)
        self.dense = nnx.Linear(4 * 4 * 4, 2, rngs=rngs)

    def __call__(self, x):
        x = nnx.max_pool(jnp.tanh(self.norm(self.conv(x))), (2, 2), (2, 2))
        return self.dense(jax.numpy.reshape(x, (x.shape[0], -1)))


class LinenMLP(linen.Module):
    @linen.compact
    def __call__(self, x):
        return linen.Dense(1)(linen.relu(linen.Dense(4)(x)))


def watched():
    """The library objects the old mechanism replaced while tracing."""
    return {
        "jnp.tanh": jnp.tanh, "jax.numpy.reshape": jax.numpy.reshape, "jax.nn.relu": jax.nn.relu,
        "nnx.relu": nnx.relu, "nnx.max_pool": nnx.max_pool, "linen.avg_pool": linen.avg_pool,
        "nnx.Linear.__call__": nnx.Linear.__call__, "nnx.Conv.__call__": nnx.Conv.__call__,
        "nnx.Sequential.__call__": nnx.Sequential.__call__, "jax.Array.__add__": jax.Array.__add__,
    }


def test_another_thread_sees_the_original_functions_while_architectures_are_derived():
    originals = watched()
    cnn, mlp_module = CNN(nnx.Rngs(0)), LinenMLP()
    variables = mlp_module.init(jax.random.key(0), jnp.zeros((1, 3)))
    params = init_mlp(jax.random.key(0), [2, 8, 1])
    stop, changed, checks = threading.Event(), set(), [0]

    def watch():
        while not stop.is_set():
            now = watched()
            changed.update(name for name, fn in originals.items() if now[name] is not fn)
            checks[0] += 1

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(3):
            assert [l.kind for l in architecture(cnn, input_shape=(8, 8, 1)).layers] == [
                "conv", "norm", "pool", "flatten", "dense"]
            assert [l.activation for l in architecture(variables, module=mlp_module, input_shape=(3,)).layers] == ["relu", None]
            assert architecture(params, apply=lambda p, x: mlp_batch(x, p)).layers[0].activation == "tanh"
    finally:
        stop.set()
        watcher.join()
    assert changed == set()
    assert checks[0] > 10


def test_another_thread_computes_the_same_values_while_architectures_are_derived():
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    expected = np.asarray(jax.jit(lambda v: jnp.tanh(v).reshape(-1) + 1)(x))
    cnn = CNN(nnx.Rngs(0))
    results, stop = [], threading.Event()

    def compute():
        while not stop.is_set():  # a fresh trace each time: jnp.tanh / reshape looked up now
            results.append(np.asarray(jax.jit(lambda v: jnp.tanh(v).reshape(-1) + 1)(x)))

    worker = threading.Thread(target=compute)
    worker.start()
    try:
        for _ in range(3):
            architecture(cnn, input_shape=(8, 8, 1))
    finally:
        stop.set()
        worker.join()
    assert results and all(np.array_equal(r, expected) for r in results)
