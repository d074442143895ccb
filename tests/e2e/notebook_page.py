"""Drive one notebook in JupyterLab or Notebook 7 through its own JavaScript objects.

Results are read from the notebook model (execution counts, output JSON), never from rendered
text; clicks on widgets are real Playwright clicks, made by the test on the page itself.

Example::

    notebook = NotebookPage(page, lab_server, page_log)
    notebook.open("smoke.ipynb")
    notebook.run_all()
    notebook.wait_all_done()
    assert notebook.cell_text(1) == "2"
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .browser import PageLog, assert_clean_console

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = PROJECT_ROOT / "test-artifacts"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"

# Prepended to every script: the notebook panel showing `path`, in either UI (both expose a
# JupyterLab-style shell whose main-area widgets are NotebookPanels).
_FIND_PANEL = """
const findPanel = (path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  const current = app.shell.currentWidget;
  if (current && current.context && current.context.path === path && current.content) {
    return current;
  }
  for (const widget of app.shell.widgets('main')) {
    if (widget.context && widget.context.path === path && widget.content) return widget;
  }
  return null;
};
const cellsOf = (panel) => panel.content.widgets;
const kernelOf = (panel) =>
  panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
"""


def _script(body: str) -> str:
    """A page function `({path, ...}) => ...` with findPanel/cellsOf/kernelOf in scope."""
    return f"(args) => {{ {_FIND_PANEL}\n const path = args.path;\n {body} }}"


_READY = _script(
    """
  const panel = findPanel(path);
  if (!panel) return false;
  const kernel = kernelOf(panel);
  return Boolean(kernel && kernel.status === 'idle' && panel.content.widgets.length > 0);
"""
)

_SNAPSHOT = _script(
    """
  const panel = findPanel(path);
  if (!panel) return null;
  const kernel = kernelOf(panel);
  return {
    kernel: kernel ? kernel.status : null,
    commsOverSubshells: kernel ? kernel.commsOverSubshells : null,
    dirty: panel.context.model.dirty,
    cells: cellsOf(panel).map((cell) => ({
      type: cell.model.type,
      executionCount: cell.model.type === 'code' ? cell.model.executionCount : null,
      executionState: cell.model.type === 'code' ? cell.model.executionState : null,
      outputs: cell.model.type === 'code' ? cell.model.outputs.toJSON() : [],
      source: cell.model.sharedModel.getSource(),
    })),
  };
"""
)

_RUN_CELL = _script(
    """
  const panel = findPanel(path);
  const cells = cellsOf(panel);
  if (args.index < 0 || args.index >= cells.length) {
    throw new Error(`cell ${args.index} out of range (notebook has ${cells.length} cells)`);
  }
  panel.content.activeCellIndex = args.index;
  panel.content.deselectAll();
  // Not awaited: the command resolves only when the cell has finished.
  window.jupyterapp.commands.execute('notebook:run-cell');
  const model = cells[args.index].model;
  return { executionCount: model.executionCount, executionState: model.executionState };
"""
)

_RUN_ALL = _script(
    """
  const panel = findPanel(path);
  window.jupyterapp.shell.activateById(panel.id);
  // Not awaited: the command resolves only when every cell has finished.
  window.jupyterapp.commands.execute('notebook:run-all-cells');
  return cellsOf(panel).length;
"""
)

_CELL_DONE = _script(
    """
  const panel = findPanel(path);
  if (!panel) return false;
  const model = cellsOf(panel)[args.index].model;
  return model.executionCount !== null && model.executionState === 'idle';
"""
)

# Every code cell finished (or was skipped after an error) and the kernel is idle.
_ALL_DONE = _script(
    """
  const panel = findPanel(path);
  if (!panel) return false;
  const kernel = kernelOf(panel);
  if (!kernel || kernel.status !== 'idle') return false;
  let errored = false;
  for (const cell of cellsOf(panel)) {
    if (cell.model.type !== 'code') continue;
    const outputs = cell.model.outputs.toJSON();
    if (cell.model.executionState !== 'idle') return false;
    if (cell.model.executionCount === null && !errored) return false;
    if (outputs.some((output) => output.output_type === 'error')) errored = true;
  }
  return true;
"""
)

_OUTPUT_CONTAINS = _script(
    """
  const panel = findPanel(path);
  if (!panel) return false;
  const joined = (text) => Array.isArray(text) ? text.join('') : (text || '');
  const outputs = cellsOf(panel)[args.index].model.outputs.toJSON();
  const text = outputs.map((output) => output.output_type === 'stream'
    ? joined(output.text)
    : joined((output.data || {})['text/plain'])).join('');
  return text.includes(args.text);
"""
)

_ANY_ERROR = _script(
    """
  const panel = findPanel(path);
  if (!panel) return null;
  const cells = cellsOf(panel);
  for (let index = 0; index < cells.length; index++) {
    const model = cells[index].model;
    if (model.type !== 'code') continue;
    if (model.outputs.toJSON().some((output) => output.output_type === 'error')) return index;
  }
  return null;
"""
)

# Each widget-view output whose view exists: ipywidgets' renderer replaces its
# "Loading widget..." text with the view's element (errors leave text only).
_WIDGETS_RENDERED = _script(
    """
  const panel = findPanel(path);
  if (!panel) return false;
  for (const cell of cellsOf(panel)) {
    if (cell.model.type !== 'code') continue;
    const outputs = cell.model.outputs.toJSON();
    // Direct children only: an Output widget nests output areas of its own.
    const area = cell.outputArea ? cell.outputArea.node : cell.node.querySelector('.jp-OutputArea');
    const children = area
      ? Array.from(area.children).filter((node) => node.classList.contains('jp-OutputArea-child'))
      : [];
    for (let index = 0; index < outputs.length; index++) {
      const data = outputs[index].data || {};
      const view = data[args.mime];
      if (!view || !view.model_id) continue;
      const child = children[index];
      const node = child && child.querySelector('.jp-OutputArea-output');
      if (!node || node.children.length === 0) return false;
    }
  }
  return true;
"""
)

_SAVE = _script(
    """
  const panel = findPanel(path);
  window.jupyterapp.shell.activateById(panel.id);
  window.jupyterapp.commands.execute('docmanager:save');
  return true;
"""
)

_CLEAN = _script(
    """
  const panel = findPanel(path);
  return Boolean(panel && !panel.context.model.dirty);
"""
)

_TAG_CELLS = _script(
    """
  const panel = findPanel(path);
  cellsOf(panel).forEach((cell, index) => cell.node.setAttribute('data-e2e-cell-index', index));
  return panel.id;
"""
)

_APP_READY = "() => Boolean(window.jupyterapp && window.jupyterapp.serviceManager)"
_DISABLE_SUBSHELLS = (
    "() => { window.jupyterapp.serviceManager.kernels.commsOverSubshells = 'disabled'; }"
)


class NotebookPage:
    """One notebook open in a Playwright page, in the UI its server runs.

    Args:
      page: a Playwright ``Page`` (sync API).
      server: the ``JupyterServer`` to open notebooks from; its ``ui`` picks the URL scheme.
      page_log: the page's console log (``PageLog``), used in failure messages.
    """

    def __init__(self, page, server, page_log: PageLog | None = None):
        self.page = page
        self.server = server
        self.ui = server.ui
        self.page_log = page_log if page_log is not None else PageLog.attach(page)
        self.path: str | None = None

    # ----------------------------------------------------------------- opening
    def open(self, path: str, timeout: float = 60) -> "NotebookPage":
        """Open ``path`` (relative to the server root) and wait for its kernel to be idle."""
        self.path = path
        url = self.server.page_url(quote(path))
        self.page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
        self._wait_open(timeout)
        return self

    def _wait_open(self, timeout: float) -> None:
        if self.ui == "notebook7" and not self.server.comms_over_subshells:
            # Notebook 7 has no setting for it; set it before the widget manager opens comms.
            self._wait(_APP_READY, timeout, "window.jupyterapp to exist", with_script=False)
            self.page.evaluate(_DISABLE_SUBSHELLS)
        self._wait(_READY, timeout, f"{self.path} to open with an idle kernel")

    def reload(self, save: bool = True, timeout: float = 60) -> "NotebookPage":
        """Reload the page (as F5 would) and wait for the notebook, kernel and widget views.

        With ``save`` (the default) the notebook is saved first: autosave is off, so without it
        the reloaded page shows the file as it was on disk, without outputs or widget views.
        """
        self._require_open()
        if save:
            self.save(timeout)
        self.page.reload(wait_until="domcontentloaded", timeout=timeout * 1000)
        self._wait_open(timeout)
        self.wait_widgets_rendered(timeout)
        return self

    def save(self, timeout: float = 30) -> None:
        """Save the notebook and wait until the model is clean."""
        self._evaluate(_SAVE)
        self._wait(_CLEAN, timeout, f"{self.path} to be saved")

    # ----------------------------------------------------------------- running cells
    def run_all(self) -> None:
        """Start ``notebook:run-all-cells`` and return at once (use ``wait_all_done``)."""
        self._evaluate(_RUN_ALL)

    def run_cell(self, index: int) -> None:
        """Queue code cell ``index`` for execution; works while another cell is running."""
        state = self._evaluate(_RUN_CELL, index=index)
        if state["executionCount"] is not None:
            raise AssertionError(
                f"cell {index} did not start: after notebook:run-cell its model is {state}\n"
                + self.describe()
            )

    def wait_cell_done(self, index: int, timeout: float = 60, allow_error: bool = False) -> int:
        """Wait until cell ``index`` has an execution count and is idle; return the count.

        Raises AssertionError (with the notebook's outputs and the server log) when the cell
        raised and ``allow_error`` is False, or on timeout.
        """
        self._wait(_CELL_DONE, timeout, f"cell {index} to finish", index=index)
        if not allow_error:
            error = self.cell_error(index)
            if error is not None:
                raise AssertionError(self._error_message(index, error))
        return self.execution_count(index)

    def wait_all_done(self, timeout: float = 120, allow_errors: bool = False) -> None:
        """Wait until every code cell has run (or was skipped after an error) and the kernel
        is idle. Fails fast, with the traceback, on the first cell error unless allowed."""
        if allow_errors:
            self._wait(_ALL_DONE, timeout, "every cell to finish")
            return
        finished = _script(
            f"""
  const done = ({_ALL_DONE})(args);
  const errored = ({_ANY_ERROR})(args);
  return done || errored !== null;
"""
        )
        self._wait(finished, timeout, "every cell to finish")
        errored = self._evaluate(_ANY_ERROR)
        if errored is not None:
            error = self.cell_error(errored)
            raise AssertionError(self._error_message(errored, error))

    def wait_output_contains(self, index: int, text: str, timeout: float = 30) -> None:
        """Wait until cell ``index``'s stream or ``text/plain`` output contains ``text``;
        works while the cell is still running (e.g. a line it prints before blocking)."""
        self._wait(_OUTPUT_CONTAINS, timeout, f"cell {index} to print {text!r}",
                   index=index, text=text)

    def wait_until(self, body: str, what: str, timeout: float = 30, **args) -> None:
        """Wait until JS ``body`` returns truthy, with ``panel`` and ``args`` in scope, e.g.
        ``wait_until("return panel.content.widgets.length === 3;", "three cells")``."""
        self._wait(_script(f"const panel = findPanel(path);\nif (!panel) return false;\n{body}"),
                   timeout, what, **args)

    def wait_widgets_rendered(self, timeout: float = 30) -> None:
        """Wait until every widget output in the notebook shows a view (not a placeholder)."""
        self._wait(_WIDGETS_RENDERED, timeout, "every widget output to render",
                   mime=WIDGET_VIEW_MIME)

    # ----------------------------------------------------------------- reading results
    def snapshot(self) -> dict:
        """The kernel status and, per cell, its type, count, state, outputs and source."""
        self._require_open()
        snapshot = self._evaluate(_SNAPSHOT)
        if snapshot is None:
            raise AssertionError(f"{self.path} is not open in the page")
        return snapshot

    def cell_count(self) -> int:
        return len(self.snapshot()["cells"])

    def execution_count(self, index: int) -> int | None:
        return self.snapshot()["cells"][index]["executionCount"]

    def cell_outputs(self, index: int) -> list[dict]:
        """The outputs of cell ``index`` as nbformat JSON (dicts), from the model."""
        return self.snapshot()["cells"][index]["outputs"]

    def cell_text(self, index: int) -> str:
        """Stream text and ``text/plain`` results of cell ``index`` joined, trailing newline
        stripped: ``print(1); 2`` gives ``"1\\n2"``."""
        parts = []
        for output in self.cell_outputs(index):
            if output["output_type"] == "stream":
                parts.append(_joined(output["text"]))
            elif output["output_type"] in ("execute_result", "display_data"):
                text = output.get("data", {}).get("text/plain")
                if text is not None:
                    parts.append(_joined(text) + "\n")
        return "".join(parts).rstrip("\n")

    def cell_error(self, index: int) -> dict | None:
        """``{"ename", "evalue", "traceback"}`` of the error cell ``index`` raised, or None."""
        for output in self.cell_outputs(index):
            if output["output_type"] == "error":
                return {
                    "ename": output["ename"],
                    "evalue": output["evalue"],
                    "traceback": _strip_ansi("\n".join(output.get("traceback", []))),
                }
        return None

    def kernel_status(self) -> str | None:
        return self.snapshot()["kernel"]

    def cell(self, index: int):
        """A Playwright ``Locator`` for cell ``index``'s DOM node (to click inside outputs)."""
        # Tag every cell node with its index now: Lab 4 wraps cells in a windowing viewport,
        # so DOM position is not a reliable index.
        panel_id = self._evaluate(_TAG_CELLS)
        return self.page.locator(f'#{panel_id} [data-e2e-cell-index="{index}"]')

    def evaluate(self, body: str, **args):
        """Run JS ``body`` in the page with ``panel`` (this notebook's NotebookPanel) and
        ``args`` in scope; e.g. ``evaluate("return panel.content.widgets.length;")``."""
        return self._evaluate(
            _script(f"const panel = findPanel(path);\n{body}"), **args
        )

    # ----------------------------------------------------------------- artefacts, checks
    def screenshot(self, name: str) -> Path:
        """Save a full-page PNG as ``test-artifacts/<name>.png`` at the project root."""
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    def assert_clean_console(self) -> None:
        """Fail when the page printed anything its UI's allow-list does not cover."""
        assert_clean_console(self.page_log, self.ui)

    def describe(self, output_chars: int = 1500) -> str:
        """Cells, outputs, console and server log: the context a failure message needs."""
        lines = [f"--- notebook {self.path} in {self.ui} ({self.page.url}) ---"]
        try:
            snapshot = self._evaluate(_SNAPSHOT) if self.path else None
        except PlaywrightError as error:
            snapshot = None
            lines.append(f"(could not read the notebook: {error})")
        if snapshot:
            lines.append(f"kernel: {snapshot['kernel']}, "
                         f"commsOverSubshells: {snapshot['commsOverSubshells']}")
            for index, cell in enumerate(snapshot["cells"]):
                outputs = json.dumps([
                    {"error": f"{output['ename']}: {output['evalue']}"}
                    if output.get("output_type") == "error" else output
                    for output in cell["outputs"]
                ])
                if len(outputs) > output_chars:
                    outputs = outputs[:output_chars] + "..."
                first_line = cell["source"].splitlines()[0] if cell["source"] else ""
                lines.append(
                    f"[{index}] {cell['type']} count={cell['executionCount']} "
                    f"state={cell['executionState']} | {first_line[:80]}\n      {outputs}"
                )
        elif self.path:
            lines.append("(notebook panel not found in the page)")
        lines.append("--- browser console ---")
        lines.append(str(self.page_log)[-4000:] or "(empty)")
        lines.append("--- server log (tail) ---")
        lines.append(self.server.log_tail(40))
        return "\n".join(lines)

    # ----------------------------------------------------------------- internals
    def _error_message(self, index: int, error: dict) -> str:
        return (f"cell {index} raised {error['ename']}: {error['evalue']}\n"
                f"{error['traceback']}\n{self.describe()}")

    def _require_open(self) -> None:
        if self.path is None:
            raise RuntimeError("call NotebookPage.open(path) first")

    def _evaluate(self, script: str, **args):
        self._require_open()
        return self.page.evaluate(script, {"path": self.path, **args})

    def _wait(self, script: str, timeout: float, what: str, with_script: bool = True, **args):
        try:
            if with_script:
                self.page.wait_for_function(
                    script, arg={"path": self.path, **args}, timeout=timeout * 1000, polling=100
                )
            else:
                self.page.wait_for_function(script, timeout=timeout * 1000, polling=100)
        except PlaywrightTimeout:
            raise AssertionError(
                f"timed out after {timeout} s waiting for {what}\n" + self.describe()
            ) from None


def _joined(text) -> str:
    return "".join(text) if isinstance(text, list) else text


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)
