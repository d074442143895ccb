"""The end-to-end fixtures themselves: servers, kernels, widgets, clicks, subshells, console.

These use only ipywidgets and an inline anywidget, so they pass before jaxscope exists and tell
a broken harness apart from a broken widget.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from .browser import ConsoleEntry, PageLog, assert_clean_console, unexpected_console
from .jupyter_server import JupyterServer

pytestmark = pytest.mark.timeout(120)

# An anywidget whose button reports clicks to Python. ipykernel >= 7 routes a widget's incoming
# messages to the shell it last published from, and Lab creates the comm-target subshell
# asynchronously, so a message sent right at render may still travel on the main shell. The view
# therefore says "hello" again while the kernel answers "main" (the answer that carries a subshell
# id ends it; without comm subshells the second "main" changes nothing and ends it). Clicks then
# reach the shell that answered last. jaxscope's views need the same care.
PROBE_CELL = '''
import json, threading, time
import anywidget, traitlets

release = threading.Event()
times = {}

class Probe(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.dataset.testid = "probe";
      let hellos = 0;
      let timer = null;
      const hello = () => { hellos += 1; model.send({ kind: "hello" }); };
      const show = () => {
        button.textContent = `clicks: ${model.get("clicks")}`;
        button.dataset.shell = model.get("shell");
      };
      const onShell = () => {
        show();
        if (model.get("shell") === "main" && hellos < 20) timer = setTimeout(hello, 100);
      };
      show();
      model.on("change:clicks", show);
      model.on("change:shell", onShell);
      button.addEventListener("click", () => model.send({ kind: "clicked" }));
      el.appendChild(button);
      hello();
      return () => {
        clearTimeout(timer);
        model.off("change:clicks", show);
        model.off("change:shell", onShell);
      };
    }
    export default { render };
    """
    clicks = traitlets.Int(0).tag(sync=True)
    shell = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_msg(self._on_message)

    def _on_message(self, widget, content, buffers):
        if content.get("kind") == "hello":
            header = get_ipython().kernel.get_parent().get("header", {})
            self.shell = header.get("subshell_id") or "main"
        elif content.get("kind") == "clicked":
            times["clicked"] = time.time()
            times["thread"] = threading.current_thread().name
            release.set()
            self.clicks += 1

probe = Probe()
probe
'''

SLIDER_CELL = """
import ipywidgets as widgets
slider = widgets.IntSlider(value=3, min=0, max=10)
seen = widgets.Label().add_class("e2e-kernel-sees")
widgets.dlink((slider, "value"), (seen, "value"), lambda value: f"kernel sees {value}")
widgets.VBox([slider, seen])
"""


def blocking_cell(wait_s: float) -> str:
    return (
        'times["started"] = time.time()\n'
        'print("waiting", flush=True)\n'
        f"released = release.wait({wait_s})\n"
        'times["ended"] = time.time()\n'
        "print(released)"
    )


PRINT_TIMES_CELL = "print(json.dumps(times))"


def probe_button(notebook):
    return notebook.page.get_by_test_id("probe")


SUBSHELL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def wait_probe_ready(notebook, subshells: bool = True):
    """Wait until the kernel has answered the probe's hello from the shell clicks will use."""
    shell = SUBSHELL_ID if subshells else "main"
    expect(probe_button(notebook)).to_have_attribute("data-shell", shell, timeout=30_000)


def drag_slider_to_the_right_end(notebook, cell_index: int):
    cell = notebook.cell(cell_index)
    handle = cell.locator(".noUi-handle")
    track = cell.locator(".noUi-base").bounding_box()
    box = handle.bounding_box()
    notebook.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    notebook.page.mouse.down()
    notebook.page.mouse.move(track["x"] + track["width"] + 60, box["y"] + box["height"] / 2,
                             steps=5)
    notebook.page.mouse.up()


# ------------------------------------------------------------------------- no browser
def test_allow_lists_pass_debug_and_known_notebook7_noise_only():
    log = PageLog(
        messages=[
            ConsoleEntry("debug", 'Starting application in workspace: "default"'),
            ConsoleEntry("warning", "Menu entry for command 'toc:show-panel' is duplicated."),
            ConsoleEntry("warning", "[yjs#509] Not same Y.Doc"),
            ConsoleEntry("error", "jaxscope: protocol mismatch"),
            ConsoleEntry("log", "hello"),
        ],
        page_errors=[
            ConsoleEntry("pageerror", "TypeError: Cannot read properties of undefined "
                                      "(reading 'schema')"),
        ],
    )
    lab = [str(entry) for entry in unexpected_console(log, "lab")]
    notebook7 = [str(entry) for entry in unexpected_console(log, "notebook7")]
    assert lab == [
        "[warning] Menu entry for command 'toc:show-panel' is duplicated.",
        "[warning] [yjs#509] Not same Y.Doc",
        "[error] jaxscope: protocol mismatch",
        "[log] hello",
        "[pageerror] TypeError: Cannot read properties of undefined (reading 'schema')",
    ]
    assert notebook7 == ["[error] jaxscope: protocol mismatch", "[log] hello"]


def test_server_seeds_settings_and_leaves_no_process_behind(tmp_path):
    server = JupyterServer(tmp_path, ui="lab", comms_over_subshells=False).start()
    try:
        kernel = requests.post(f"{server.url}/api/kernels", json={"name": "python3"},
                               timeout=30).json()
        assert [k["id"] for k in server.kernels()] == [kernel["id"]]
        assert len(server.leftover_kernel_pids()) == 1
        docmanager = server.get("/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
        kernels = server.get("/lab/api/settings/@jupyterlab/apputils-extension:kernels-settings")
        assert docmanager["settings"]["autosave"] is False
        assert kernels["settings"]["commsOverSubshells"] == "disabled"
    finally:
        server.stop()
    assert server.leftover_kernel_pids() == []
    with pytest.raises(ProcessLookupError):
        os.killpg(server.process.pid, 0)


# ------------------------------------------------------------------------- in the browser
def test_console_check_reports_a_console_error(browser_page):
    page, page_log = browser_page
    page.evaluate("() => console.error('e2e harness probe')")
    with pytest.raises(AssertionError, match=r"\[error\] e2e harness probe"):
        assert_clean_console(page_log, "lab")


def test_cells_run_in_the_venv_kernel(ui_page, add_notebook):
    notebook = ui_page
    notebook.open(add_notebook(notebook.server, ["import sys; print(sys.executable)", "1+1"]))
    notebook.run_all()
    notebook.wait_all_done(timeout=60)

    kernel_python = Path(notebook.cell_text(0))
    assert kernel_python.parent == Path(sys.executable).parent
    assert kernel_python.resolve() == Path(sys.executable).resolve()
    assert notebook.cell_outputs(1) == [
        {"output_type": "execute_result", "execution_count": 2,
         "data": {"text/plain": "2"}, "metadata": {}}
    ]
    assert [notebook.execution_count(0), notebook.execution_count(1)] == [1, 2]
    notebook.assert_clean_console()


def test_real_clicks_on_widgets_reach_the_kernel(ui_page, add_notebook):
    notebook = ui_page
    notebook.open(add_notebook(notebook.server,
                               [SLIDER_CELL, PROBE_CELL, "print(slider.value, probe.clicks)"]))
    notebook.run_cell(0)
    notebook.run_cell(1)
    notebook.wait_cell_done(1)
    slider_cell = notebook.cell(0)
    expect(slider_cell.locator(".widget-readout")).to_have_text("3")
    wait_probe_ready(notebook)

    drag_slider_to_the_right_end(notebook, 0)
    expect(slider_cell.locator(".e2e-kernel-sees")).to_have_text("kernel sees 10")
    probe_button(notebook).click()
    expect(probe_button(notebook)).to_have_text("clicks: 1")

    notebook.run_cell(2)
    notebook.wait_cell_done(2)
    assert notebook.cell_text(2) == "10 1"
    notebook.assert_clean_console()


def test_run_cell_queues_behind_a_busy_cell_while_clicks_arrive_on_a_subshell(
    ui_page, add_notebook
):
    notebook = ui_page
    notebook.open(add_notebook(notebook.server,
                               [PROBE_CELL, blocking_cell(20), PRINT_TIMES_CELL]))
    notebook.run_cell(0)
    first = notebook.wait_cell_done(0)
    wait_probe_ready(notebook)

    notebook.run_cell(1)
    notebook.wait_output_contains(1, "waiting")
    notebook.run_cell(2)
    assert notebook.execution_count(1) is None
    assert notebook.execution_count(2) is None
    clicked_after = time.time()  # same machine and clock as the kernel
    probe_button(notebook).click()
    notebook.wait_cell_done(2, timeout=40)

    assert notebook.cell_text(1) == "waiting\nTrue"
    times = json.loads(notebook.cell_text(2))
    assert times["started"] < clicked_after <= times["clicked"] <= times["ended"]
    assert times["ended"] - times["clicked"] < 1.0
    assert times["thread"].startswith("subshell-")
    assert [notebook.execution_count(i) for i in range(3)] == [first, first + 1, first + 2]
    expect(probe_button(notebook)).to_have_text("clicks: 1")
    notebook.assert_clean_console()


def test_without_subshells_a_click_waits_for_the_busy_cell(ui_page_no_subshells, add_notebook):
    notebook = ui_page_no_subshells
    notebook.open(add_notebook(notebook.server,
                               [PROBE_CELL, blocking_cell(2), PRINT_TIMES_CELL]))
    assert notebook.snapshot()["commsOverSubshells"] == "disabled"
    notebook.run_cell(0)
    notebook.wait_cell_done(0)
    wait_probe_ready(notebook, subshells=False)

    notebook.run_cell(1)
    notebook.wait_output_contains(1, "waiting")
    probe_button(notebook).click()
    notebook.wait_cell_done(1, timeout=30)
    expect(probe_button(notebook)).to_have_text("clicks: 1")
    notebook.run_cell(2)
    notebook.wait_cell_done(2)

    assert notebook.cell_text(1) == "waiting\nFalse"
    times = json.loads(notebook.cell_text(2))
    assert times["started"] < times["ended"] <= times["clicked"]
    assert times["thread"] == "MainThread"
    notebook.assert_clean_console()


def test_reload_shows_the_saved_widgets_with_their_live_state(ui_page, add_notebook):
    notebook = ui_page
    notebook.open(add_notebook(notebook.server, [SLIDER_CELL, PROBE_CELL]))
    notebook.run_all()
    notebook.wait_all_done()
    wait_probe_ready(notebook)
    probe_button(notebook).click()
    expect(probe_button(notebook)).to_have_text("clicks: 1")
    kernel_id = notebook.evaluate("return panel.sessionContext.session.kernel.id;")

    notebook.reload()

    assert notebook.evaluate("return panel.sessionContext.session.kernel.id;") == kernel_id
    expect(notebook.cell(0).locator(".widget-readout")).to_have_text("3")
    expect(probe_button(notebook)).to_have_text("clicks: 1")
    wait_probe_ready(notebook)
    probe_button(notebook).click()
    expect(probe_button(notebook)).to_have_text("clicks: 2")
    notebook.assert_clean_console()
