"""Which example notebook runs this session's selected tests need (200 steps, or a notebook's full
length for its slow test), so they run in one shared pool, two at a time, in the order the tests need
them, and only those. The pool starts at the first test that is not end-to-end (those time the UI and
run alone, first): its kernels work in the background beside the unit, widget and packaging tests, and
the examples tests, ordered last (tests/conftest.py), mostly find their runs done."""

from __future__ import annotations

import pytest

from . import test_notebooks
from .test_notebooks import FULL, SHORT


# tests that read a variant run of their own: name -> (notebook, steps, packages hidden from the kernel)
VARIANTS = {"test_your_own_data_without_h5py_says_so_and_skips_the_hdf5_file": ("your_own_data", SHORT, ("h5py",))}


def needs(item, stems: dict) -> tuple | None:
    """(notebook, steps, hidden packages) of the run ``item`` reads, if it is an examples test: the
    notebook is the parameter (test_notebooks.py), the one the test's name starts with, or the one its
    module is named after; slow tests read the full-length run (``..._full_run_...``). A test this
    misses still gets its run, only not started early."""
    if item.get_closest_marker("examples") is None:
        return None
    if item.name in VARIANTS:
        stem, steps, hide = VARIANTS[item.name]
        return stems[stem], steps, hide
    name = item.name.removeprefix("test_")
    if "slow" in item.keywords and "_full_run" not in name:
        return None
    steps = FULL if "slow" in item.keywords else SHORT
    spec = getattr(item, "callspec", None)
    named = [stem for stem in stems if name.startswith(stem + "_")]
    module = item.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    if spec is not None and spec.id in stems:
        return stems[spec.id], steps, ()
    if named:
        return stems[max(named, key=len)], steps, ()
    return (stems[module], steps, ()) if module in stems else None


class _StartAfterEndToEnd:
    """A plugin (so it sees every test, not only this folder's): start the pool at the first test that
    is not end-to-end."""

    @staticmethod
    def pytest_runtest_setup(item):
        if "e2e" not in item.keywords:
            test_notebooks.start()


def pytest_collection_finish(session):
    stems = {path.stem: path for path in test_notebooks.NOTEBOOKS}
    wanted = [needs(item, stems) for item in session.items]   # after -k / -m deselection, in run order
    test_notebooks.PREFETCH[:] = list(dict.fromkeys(run for run in wanted if run is not None))
    plugins = session.config.pluginmanager
    if test_notebooks.PREFETCH and not plugins.has_plugin("jaxscope-notebook-pool"):
        plugins.register(_StartAfterEndToEnd(), "jaxscope-notebook-pool")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    test_notebooks.stop()
