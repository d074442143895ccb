"""Fixtures for end-to-end tests: real Jupyter servers, system Chromium, notebook pages.

Servers are session-scoped and start only when a test asks for them; each test gets a fresh
browser context, and its kernels are shut down when it ends. Every test under tests/e2e is
marked ``e2e`` (deselect with ``-m "not e2e"``).

Example::

    def test_two(lab_page, add_notebook):
        lab_page.open(add_notebook(lab_page.server, ["1+1"]))
        lab_page.run_all()
        lab_page.wait_all_done()
        assert lab_page.cell_text(0) == "2"
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from .browser import ChromiumMissing, PageLog, chromium_path, launch_chromium
from .jupyter_server import JupyterServer
from .notebook_page import ARTIFACTS_DIR, NotebookPage

E2E_DIR = Path(__file__).resolve().parent
VIEWPORT = {"width": 1280, "height": 900}
# Widget round trips on a busy 2-core machine can exceed Playwright's 5 s default.
EXPECT_TIMEOUT_MS = 15_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


# ------------------------------------------------------------------------- collection
def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end test in a real Jupyter with Chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR not in Path(str(item.path)).resolve().parents:
            continue
        item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach each notebook's cells and console, each server's log, and a
    screenshot (in test-artifacts/), while the page is still open."""
    report = yield
    if report.failed and call.when in ("setup", "call"):
        for value in list(getattr(item, "funcargs", {}).values()):
            try:
                if isinstance(value, NotebookPage):
                    shot = value.screenshot(f"{item.name}-{value.ui}")
                    report.sections.append(
                        (f"e2e {value.ui} page (screenshot {shot})", value.describe())
                    )
                elif isinstance(value, JupyterServer):
                    report.sections.append(
                        (f"e2e {value.ui} server log {value.log_path}", value.log_tail(80))
                    )
            except Exception as error:  # diagnostics must never hide the real failure
                report.sections.append(("e2e diagnostics failed", repr(error)))
    return report


# ------------------------------------------------------------------------- servers
@pytest.fixture(scope="session")
def jupyter_server_factory(tmp_path_factory):
    """``make(ui="lab", comms_over_subshells=True, env=None) -> JupyterServer``, started once
    per distinct configuration and stopped (kernels deleted, nothing left) at session end."""
    servers: dict[tuple, JupyterServer] = {}

    def make(ui: str = "lab", comms_over_subshells: bool = True,
             env: dict[str, str] | None = None) -> JupyterServer:
        key = (ui, comms_over_subshells, tuple(sorted((env or {}).items())))
        if key not in servers:
            label = f"{ui}-{'subshells' if comms_over_subshells else 'no-subshells'}"
            server = JupyterServer(
                tmp_path_factory.mktemp(label),
                ui=ui,
                comms_over_subshells=comms_over_subshells,
                env=env,
            )
            server.start()
            servers[key] = server
        return servers[key]

    yield make

    problems = []
    for server in servers.values():
        server.stop()
        left = server.leftover_kernel_pids()
        if left:
            problems.append(f"{server}: kernel processes still alive: {left}")
        if server.process is not None and _group_alive(server.process.pid):
            problems.append(f"{server}: process group {server.process.pid} still alive")
    assert not problems, "\n".join(problems)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def lab_server(jupyter_server_factory) -> JupyterServer:
    """JupyterLab 4 with comms over subshells (its default)."""
    return jupyter_server_factory("lab")


@pytest.fixture(scope="session")
def notebook7_server(jupyter_server_factory) -> JupyterServer:
    """Notebook 7 with comms over subshells (its default)."""
    return jupyter_server_factory("notebook7")


@pytest.fixture(scope="session")
def lab_server_no_subshells(jupyter_server_factory) -> JupyterServer:
    """JupyterLab with ``commsOverSubshells: disabled``, like VS Code, Colab or older Lab."""
    return jupyter_server_factory("lab", comms_over_subshells=False)


@pytest.fixture(scope="session")
def notebook7_server_no_subshells(jupyter_server_factory) -> JupyterServer:
    """Notebook 7 with comms over subshells disabled (applied by NotebookPage.open)."""
    return jupyter_server_factory("notebook7", comms_over_subshells=False)


# ------------------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """Headless system Chromium; fails (never skips) when it is not installed."""
    try:
        chromium_path()
        missing = None
    except ChromiumMissing as error:
        missing = str(error)
    if missing:
        pytest.fail(missing, pytrace=False)
    browser = launch_chromium(playwright_instance)
    yield browser
    browser.close()


@pytest.fixture
def browser_page(browser):
    """``(page, page_log)``: a page in a fresh browser context, its console recorded."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page_log = PageLog.attach(page)
    yield page, page_log
    context.close()


def _notebook_page(server: JupyterServer, browser_page):
    page, page_log = browser_page
    notebook = NotebookPage(page, server, page_log)
    yield notebook
    # Close the page before its kernels go, so it shows no "kernel died" dialogs meanwhile.
    page.context.close()
    server.shutdown_kernels()


@pytest.fixture
def lab_page(lab_server, browser_page):
    """A ``NotebookPage`` on ``lab_server``; its kernels are shut down after the test."""
    yield from _notebook_page(lab_server, browser_page)


@pytest.fixture
def nb7_page(notebook7_server, browser_page):
    """A ``NotebookPage`` on ``notebook7_server``; its kernels are shut down after the test."""
    yield from _notebook_page(notebook7_server, browser_page)


@pytest.fixture
def lab_page_no_subshells(lab_server_no_subshells, browser_page):
    yield from _notebook_page(lab_server_no_subshells, browser_page)


@pytest.fixture
def nb7_page_no_subshells(notebook7_server_no_subshells, browser_page):
    yield from _notebook_page(notebook7_server_no_subshells, browser_page)


@pytest.fixture(params=["lab", "notebook7"])
def ui_page(request):
    """The test runs twice: with ``lab_page``, then with ``nb7_page``."""
    return request.getfixturevalue({"lab": "lab_page", "notebook7": "nb7_page"}[request.param])


@pytest.fixture(params=["lab", "notebook7"])
def ui_page_no_subshells(request):
    """The test runs twice, in Lab and Notebook 7, both without comms over subshells."""
    name = {"lab": "lab_page_no_subshells", "notebook7": "nb7_page_no_subshells"}
    return request.getfixturevalue(name[request.param])


# ------------------------------------------------------------------------- notebooks
@pytest.fixture
def add_notebook(request):
    """``add(server, source, name=None) -> path``: put a notebook in the server's root.

    ``source`` is a list of cells (a string is a code cell; an nbformat cell is used as is)
    or the path of an .ipynb to copy. The python3 kernelspec is set when missing, so no
    kernel picker blocks the page. ``name`` defaults to the test's name; the returned path
    is relative to the root, ready for ``NotebookPage.open``.
    """
    counter = {"n": 0}

    def add(server: JupyterServer, source, name: str | None = None) -> str:
        if name is None:
            counter["n"] += 1
            stem = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name).strip("_")
            name = f"{stem}-{counter['n']}.ipynb"
        target = server.root_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, (str, os.PathLike)):
            notebook = nbformat.read(str(source), as_version=4)
        else:
            cells = [
                nbformat.v4.new_code_cell(cell) if isinstance(cell, str) else cell
                for cell in source
            ]
            notebook = nbformat.v4.new_notebook(cells=cells)
        notebook.metadata.setdefault("kernelspec", dict(KERNELSPEC))
        nbformat.write(notebook, str(target))
        return name

    return add


@pytest.fixture
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the project root (gitignored), created on demand."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR

