"""The quickstart in a real JupyterLab and Notebook 7, driven through Chromium like a user would."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from .notebook_page import NotebookPage

pytestmark = pytest.mark.timeout(300)

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"
STEPS = 200  # per training cell, through JAXSCOPE_EXAMPLE_STEPS
PROBES = {  # cells appended to the quickstart; re-run later to read the kernel's view
    "lr": 'print("lr", trainer.learning_rate)',
    "busy": "import time\ns0 = trainer.current_step\ntime.sleep(2.0)\n"
            "print('advanced', trainer.current_step - s0, trainer.status)",
    "status": "print('status', trainer.status, module_trainer.status, trainer.current_step)",
}

DASHBOARD = '[data-testid="jaxscope-dashboard"]'


@pytest.fixture(scope="module")
def steps_env():
    return {"JAXSCOPE_EXAMPLE_STEPS": str(STEPS)}


def quickstart_with_probes(tmp_path) -> tuple[Path, dict[str, int]]:
    nb = nbformat.read(QUICKSTART, as_version=4)
    index = {}
    for name, source in PROBES.items():
        index[name] = len(nb.cells)
        nb.cells.append(nbformat.v4.new_code_cell(source))
    path = tmp_path / "quickstart.ipynb"
    nbformat.write(nb, path)
    return path, index


def dashboard(nb: NotebookPage, i: int):
    return nb.page.locator(DASHBOARD).nth(i)


def attr(locator, name: str) -> str:
    return locator.get_attribute(name)


def status_of(board) -> tuple[str, int]:
    status = board.locator('[data-testid="status"]')
    return attr(status, "data-status"), int(attr(status, "data-step"))


def points_of(board) -> int:
    return int(attr(board.locator('[data-testid="loss-chart"]'), "data-points"))


def wait_status(nb: NotebookPage, i: int, status: str, timeout: float = 30) -> None:
    nb.wait_until(
        f"const b = document.querySelectorAll('{DASHBOARD}')[{i}];"
        f"return b && b.querySelector('[data-testid=status]').dataset.status === '{status}';",
        f"dashboard {i} status {status}", timeout=timeout)


def wait_points_at_least(nb: NotebookPage, i: int, n: int, timeout: float = 30) -> None:
    nb.wait_until(
        f"const b = document.querySelectorAll('{DASHBOARD}')[{i}];"
        f"return b && Number(b.querySelector('[data-testid=loss-chart]').dataset.points) >= {n};",
        f"dashboard {i} to hold {n} loss points", timeout=timeout)


def wait_points_equal_step(nb: NotebookPage, i: int, timeout: float = 30) -> None:
    nb.wait_until(
        f"const b = document.querySelectorAll('{DASHBOARD}')[{i}];"
        "const s = b.querySelector('[data-testid=status]').dataset.step;"
        "return b.querySelector('[data-testid=loss-chart]').dataset.points === s;",
        f"dashboard {i}: every step's loss drawn", timeout=timeout)


def diagram_version(board) -> int:
    value = attr(board.locator('[data-testid="network-diagram"]'), "data-version")
    return int(value) if value else -1


def hover_until_readout(page, board) -> str:
    """Sweep the pointer across the diagram like a user looking for an edge; return the read-out."""
    canvas = board.locator('[data-testid="diagram-canvas"]')
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    readout = board.locator('[data-testid="diagram-readout"]')
    for fy in (0.5, 0.45, 0.55, 0.4, 0.6):
        for k in range(1, 60):
            page.mouse.move(box["x"] + box["width"] * k / 60, box["y"] + box["height"] * fy)
            text = readout.text_content() or ""
            if "=" in text:
                return text
    return ""


def drawn_pixels(board) -> int:
    """Canvas pixels in the train-loss blue (#1f77b4), counted in the page."""
    return board.locator('[data-testid="loss-canvas"]').evaluate("""(canvas) => {
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
            if (Math.abs(data[i] - 31) < 40 && Math.abs(data[i+1] - 119) < 40 && Math.abs(data[i+2] - 180) < 40
                && data[i+3] > 100) n++;
        }
        return n;
    }""")


def pause_latency(nb: NotebookPage, i: int) -> float:
    """Click Pause; seconds from the click event to the status showing paused, timed in the page."""
    board = dashboard(nb, i)
    board.evaluate("""(b) => {
        const status = b.querySelector('[data-testid=status]');
        b.__pause = {};
        b.querySelector('[data-action=pause]').addEventListener(
            'click', () => { b.__pause.clicked = performance.now(); }, { once: true, capture: true });
        const seen = new MutationObserver(() => {
            if (status.dataset.status === 'paused' && b.__pause.clicked !== undefined) {
                b.__pause.paused = performance.now();
                seen.disconnect();
            }
        });
        seen.observe(status, { attributes: true });
    }""")
    board.locator('[data-action="pause"]').click()
    wait_status(nb, i, "paused", timeout=10)
    nb.wait_until(f"return document.querySelectorAll('{DASHBOARD}')[{i}].__pause.paused !== undefined;",
                  "the pause to be timed")
    latency = board.evaluate("(b) => (b.__pause.paused - b.__pause.clicked) / 1000")
    print(f"pause latency {latency:.3f} s")
    return latency


def open_and_run(nb: NotebookPage, add_notebook, tmp_path) -> dict[str, int]:
    source, index = quickstart_with_probes(tmp_path)
    path = add_notebook(nb.server, source)
    nb.open(path)
    nb.run_all()
    nb.wait_all_done(timeout=180)
    nb.wait_widgets_rendered()
    return index


def test_quickstart_in_jupyterlab(jupyter_server_factory, browser_page, add_notebook, tmp_path, steps_env):
    server = jupyter_server_factory(ui="lab", env=steps_env)
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    index = open_and_run(nb, add_notebook, tmp_path)
    first, second = dashboard(nb, 0), dashboard(nb, 1)
    assert nb.page.locator(DASHBOARD).count() == 2

    # run(STEPS) streamed every step's loss to the chart
    wait_points_equal_step(nb, 0)
    assert status_of(first) == ("done", STEPS) and points_of(first) == STEPS

    # Start: training runs in the background, points stream in, the canvas draws them
    first.locator('[data-action="start"]').click()
    wait_status(nb, 0, "running")
    wait_points_at_least(nb, 0, STEPS + 2000)
    assert drawn_pixels(first) > 200
    assert status_of(second) == ("done", STEPS)  # the other trainer is untouched

    # The network diagram redraws live with new weights
    diagram = first.locator('[data-testid="network-diagram"]')
    assert attr(diagram, "data-edges") == "650"  # 1x30 + 30x20 + 20x1, every edge drawn
    assert attr(diagram, "data-thumbnails") == "52"  # apply= in the quickstart: every neuron's curve
    seen = diagram_version(first)
    nb.wait_until(f"return Number(document.querySelectorAll('{DASHBOARD}')[0]"
                  f".querySelector('[data-testid=network-diagram]').dataset.version) > {seen + 2};",
                  "the diagram to draw new weights while training")

    # Pause lands within 0.5 s and the step counter stops
    assert pause_latency(nb, 0) < 0.5
    stopped = status_of(first)[1]
    version = diagram_version(first)
    page.wait_for_timeout(1000)  # an observation window: nothing may move while paused
    if diagram_version(first) != version:   # the final frame (the paused weights) may land just after the status
        version = diagram_version(first)
        page.wait_for_timeout(1000)
    assert status_of(first) == ("paused", stopped)
    assert diagram_version(first) == version
    wait_points_equal_step(nb, 0)
    readout = hover_until_readout(page, first)
    assert ("weight" in readout or "bias" in readout) and "=" in readout, readout
    diagram.screenshot(path=str(Path(nb.screenshot("quickstart-lab")).with_name("diagram-lab.png")))

    # The learning rate typed in the bar reaches the trainer
    lr = first.locator('[data-testid="learning-rate"]')
    lr.fill("0.003")
    lr.press("Enter")
    nb.run_cell(index["lr"])
    nb.wait_output_contains(index["lr"], "lr 0.003")

    # Training continues while another cell runs, and Pause works while that cell is busy
    first.locator('[data-action="start"]').click()
    wait_status(nb, 0, "running")
    nb.run_cell(index["busy"])
    nb.wait_until(f"return panel.content.widgets[{index['busy']}].model.executionState === 'running';",
                  "the busy cell to start")
    page.wait_for_timeout(300)  # let the busy cell reach its sleep
    assert pause_latency(nb, 0) < 0.5
    nb.wait_cell_done(index["busy"])
    advanced = nb.cell_text(index["busy"]).split()
    assert advanced[0] == "advanced" and int(advanced[1]) > 0

    # Two trainers run side by side without interfering
    first.locator('[data-action="start"]').click()
    second.locator('[data-action="start"]').click()
    wait_status(nb, 0, "running")
    wait_status(nb, 1, "running")
    assert pause_latency(nb, 1) < 0.5
    still = status_of(second)[1]
    wait_points_at_least(nb, 0, status_of(first)[1] + 1000)
    assert status_of(second) == ("paused", still)
    assert pause_latency(nb, 0) < 0.5
    wait_points_equal_step(nb, 0)
    nb.screenshot("quickstart-lab")
    first.screenshot(path=str(Path(nb.screenshot("quickstart-lab")).with_name("dashboard-lab.png")))

    # A reload brings the whole curve back from the kernel
    held = points_of(first)
    nb.reload(save=True)
    nb.wait_widgets_rendered()
    wait_points_at_least(nb, 0, held)
    assert points_of(dashboard(nb, 0)) == held
    assert status_of(dashboard(nb, 0)) == ("paused", held)
    nb.assert_clean_console()


def test_quickstart_in_notebook7(jupyter_server_factory, browser_page, add_notebook, tmp_path, steps_env):
    server = jupyter_server_factory(ui="notebook7", env=steps_env)
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    open_and_run(nb, add_notebook, tmp_path)
    first = dashboard(nb, 0)
    wait_points_equal_step(nb, 0)
    first.locator('[data-action="start"]').click()
    wait_status(nb, 0, "running")
    wait_points_at_least(nb, 0, STEPS + 2000)
    assert drawn_pixels(first) > 200
    assert pause_latency(nb, 0) < 0.5
    wait_points_equal_step(nb, 0)
    # The diagram with every neuron's curve (1 + 30 + 20 + 1) renders in Notebook 7 too
    nb.wait_until(f"const d = document.querySelector('{DASHBOARD} [data-testid=network-diagram]');"
                  "return !!d && d.dataset.thumbnails === '52' && d.dataset.edges === '650';",
                  "the quickstart diagram with 52 neuron maps")
    nb.screenshot("quickstart-notebook7")
    nb.assert_clean_console()


def test_controls_work_without_comms_over_subshells(jupyter_server_factory, browser_page, add_notebook,
                                                    tmp_path, steps_env):
    """Front ends without comm subshells (VS Code, Colab, older Lab): clicks still drive training."""
    server = jupyter_server_factory(ui="lab", comms_over_subshells=False, env=steps_env)
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    open_and_run(nb, add_notebook, tmp_path)
    first = dashboard(nb, 0)
    first.locator('[data-action="start"]').click()
    wait_status(nb, 0, "running")
    wait_points_at_least(nb, 0, STEPS + 1000)
    assert pause_latency(nb, 0) < 0.5
    paused_at = status_of(first)[1]
    first.locator('[data-action="step"]').click()  # step size 10
    nb.wait_until(
        f"const s = document.querySelector('{DASHBOARD} [data-testid=status]');"
        f"return s.dataset.status === 'paused' && Number(s.dataset.step) === {paused_at + 10};",
        "the Step click to train exactly 10 steps")
    wait_points_equal_step(nb, 0)
    first.locator('[data-action="reset"]').click()
    nb.wait_until(
        f"const b = document.querySelector('{DASHBOARD}');"
        "return b.querySelector('[data-testid=status]').dataset.status === 'idle'"
        " && b.querySelector('[data-testid=loss-chart]').dataset.points === '0';",
        "Reset to clear the chart")
    nb.assert_clean_console()
