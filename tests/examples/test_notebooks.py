"""Every example notebook runs headless, top to bottom, with a small step count."""

from __future__ import annotations

import os
import re
import tempfile
import time
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


PARALLEL = 2   # notebooks executed at once (each kernel is a process: 2 cores here)
SHORT = 200    # steps per training call of the shared runs
FULL = None    # ``steps`` for a notebook's own default length (JAXSCOPE_EXAMPLE_STEPS unset)


def execute(path: Path, steps: int | None, environ: dict | None = None, hide: tuple[str, ...] = ()
            ) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel with ``environ`` (default: this process's) and
    ``JAXSCOPE_EXAMPLE_STEPS=steps`` (unset for ``FULL``), given to that kernel only, so several can run
    at once. The packages named in ``hide`` raise ImportError in that kernel, as if not installed."""
    nb = nbformat.read(path, as_version=4)
    env = {key: value for key, value in (os.environ if environ is None else environ).items()
           if key != "JAXSCOPE_EXAMPLE_STEPS"}
    if steps is not FULL:
        env["JAXSCOPE_EXAMPLE_STEPS"] = str(steps)
    with tempfile.TemporaryDirectory(prefix="hidden-") as hidden:
        for name in hide:
            os.mkdir(os.path.join(hidden, name))
            with open(os.path.join(hidden, name, "__init__.py"), "w") as stub:
                stub.write(f"raise ImportError({name + ' is hidden by the test'!r})\n")
        if hide:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [hidden, env.get("PYTHONPATH")]))
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(EXAMPLES)}}).execute(env=env)
    return nb


class Run(NamedTuple):
    """One execution: the notebook with its outputs, the seconds it took (its own execution, not the
    wait for a free slot) and the load average when it ended."""
    nb: nbformat.NotebookNode
    seconds: float
    load: float


def timed(path: Path, steps: int | None, environ: dict, hide: tuple[str, ...] = ()) -> Run:
    started = time.perf_counter()
    nb = execute(path, steps, environ, hide)
    return Run(nb, time.perf_counter() - started, os.getloadavg()[0])


_pool: ProcessPoolExecutor | None = None
_environ: dict = {}
_runs: dict[tuple, Future] = {}
# (notebook, steps, hidden packages) of every run the session's selected tests need, in the order they first
# need them (set by conftest.py, which starts them early: the first test that is not end-to-end calls start())
PREFETCH: list[tuple[Path, int | None, tuple[str, ...]]] = []


def start() -> None:
    """Start every run in ``PREFETCH`` in the background, ``PARALLEL`` at a time, in that order (once per
    session; the kernels get this process's environment as it is now, not as a later test may patch it)."""
    global _pool
    if _pool is None:
        _environ.update(os.environ)
        # driven from worker processes, so that none of the notebook clients' threads and event loops share
        # this process with the tests running meanwhile
        _pool = ProcessPoolExecutor(PARALLEL, mp_context=multiprocessing.get_context("spawn"))
        for path, steps, hide in PREFETCH:
            _runs[path, steps, hide] = _pool.submit(timed, path, steps, _environ, hide)


def stop() -> None:
    """Drop the runs not started yet (a session stopped early, ``-x``) instead of waiting for them at exit."""
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)


def run(path: Path, steps: int | None, hide: tuple[str, ...] = ()) -> Run:
    """``path`` executed with ``steps`` (and ``hide``: see ``execute``) once per test session, in the shared
    pool: every test that asks gets the same run (started early if ``PREFETCH`` has it, else now, behind
    the others)."""
    start()
    if (path, steps, hide) not in _runs:
        _runs[path, steps, hide] = _pool.submit(timed, path, steps, _environ, hide)
    return _runs[path, steps, hide].result()


def executed(path: Path) -> nbformat.NotebookNode:
    """``path`` run with 200 steps per training call, once per test session (shared)."""
    return run(path, SHORT).nb


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
