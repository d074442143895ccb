"""Every example notebook runs headless, top to bottom, with a small step count."""

from __future__ import annotations

import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


PARALLEL = 2   # notebooks executed at once (kernels are separate processes; 2 cores here)


def execute(path: Path, steps: int, environ: dict | None = None) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel with ``environ`` (default: this process's) and
    ``JAXSCOPE_EXAMPLE_STEPS=steps``, given to that kernel only, so several can run at once."""
    nb = nbformat.read(path, as_version=4)
    env = {**(os.environ if environ is None else environ), "JAXSCOPE_EXAMPLE_STEPS": str(steps)}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}).execute(env=env)
    return nb


_pool: ThreadPoolExecutor | None = None
_runs: dict[Path, Future] = {}
PREFETCH: list[Path] = []   # the notebooks this session's selected tests run (set by conftest.py)


def executed(path: Path) -> nbformat.NotebookNode:
    """Each notebook runs once per test session (200 steps per training call): the first call starts
    every notebook the selected tests need, ``PARALLEL`` at a time, and waits for the one asked for."""
    global _pool
    environ = dict(os.environ)     # as it is now, not as a later test may patch it
    if _pool is None:
        _pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="notebook")
        for each in PREFETCH:
            _runs[each] = _pool.submit(execute, each, 200, environ)
    if path not in _runs:
        _runs[path] = _pool.submit(execute, path, 200, environ)
    return _runs[path].result()


def wait_for_shared_runs() -> None:
    """Until the shared runs are over (a timed full run must not share the machine with them)."""
    for run in list(_runs.values()):
        run.exception()


def stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("name") == "stdout")


@pytest.mark.examples
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_example_runs_headless(path):
    nb = executed(path)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


@pytest.mark.examples
def test_quickstart_trains_both_models_and_shows_two_dashboards():
    nb = executed(EXAMPLES / "quickstart.ipynb")
    text = stdout(nb)
    assert re.search(r"step 200: loss \d\.\d\de-\d\d", text), text
    widget_views = [o for c in nb.cells for o in c.get("outputs", [])
                    if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widget_views) == 2


@pytest.mark.examples
def test_playground_trains_every_target_and_the_hand_designed_and_gate_is_exact():
    nb = executed(EXAMPLES / "playground_2d.ipynb")
    text = stdout(nb)
    for name in ["AND", "XOR", "disk", "ring", "spiral", "two Gaussians"]:
        assert re.search(rf"{name}: accuracy [01]\.\d{{3}}", text), (name, text)
    assert re.search(r"regression: mse \d\.\d\de[-+]\d\d after 200 steps", text), text
    assert "set dense_1 bias [0] = -5 · loss now " in text
    hand = float(re.search(r"AND by hand: accuracy ([01]\.\d{3})", text).group(1))
    assert hand >= 0.99  # the recipe's boundary is x > 0 and y > 0, up to tanh's softness at 0
