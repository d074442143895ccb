"""Live views in a real JupyterLab: lesson 3's parity plot moves while training and stops when
paused, its R² agrees with the kernel, and a brush over the latent scatter shows those curves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from .notebook_page import NotebookPage
from .test_quickstart import pause_latency

pytestmark = pytest.mark.timeout(400)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DASHBOARD = '[data-testid="jaxscope-dashboard"]'
VIEWS = f"{DASHBOARD} .jaxscope-views > .jaxscope-view"
# bqplot draws each Scatter point as a <path class="dot"> in a <g> placed by a translate() transform
DOTS = ("(i) => Array.from(document.querySelectorAll('" + VIEWS + "')[0]"
        ".querySelectorAll('.bqplot.figure')[i].querySelectorAll('path.dot')).map(p => p.parentNode.getAttribute('transform'))")

R2_PROBE = """
x_val, y_val = validation[0][:256], validation[1][:256]     # the parity plot's 256 samples
pred = np.asarray(trainer.apply(trainer.params, x_val))
y_val = np.asarray(y_val)
r2 = 1 - ((pred - y_val) ** 2).sum(0) / ((y_val - y_val.mean(0)) ** 2).sum(0)
print('kernel R2', ' '.join(f'{v:.3f}' for v in r2), 'step', trainer.current_step)
"""


def run_lesson(jupyter_server_factory, browser_page, add_notebook, tmp_path, name: str,
               probe: str) -> tuple[NotebookPage, int]:
    """examples/<name>.ipynb at 200 steps with ``probe`` appended as its last cell, run to the end in
    JupyterLab with its widgets rendered: the page and the probe cell's index."""
    server = jupyter_server_factory(ui="lab", env={"JAXSCOPE_EXAMPLE_STEPS": "200"})
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    notebook = nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    nbformat.write(notebook, tmp_path / f"{name}.ipynb")
    nb.open(add_notebook(server, tmp_path / f"{name}.ipynb"))
    nb.run_all()
    nb.wait_all_done(timeout=300)
    nb.wait_widgets_rendered()
    return nb, len(notebook.cells) - 1


def wait_status(nb: NotebookPage, status: str, timeout: float = 30) -> None:
    nb.wait_until(f"const b = document.querySelector('{DASHBOARD}');"
                  f"return b && b.querySelector('[data-testid=status]').dataset.status === '{status}';",
                  f"status {status}", timeout=timeout)


def test_lesson3_parity_plot_moves_while_training_stops_when_paused_and_the_brush_shows_curves(
        jupyter_server_factory, browser_page, add_notebook, tmp_path):
    nb, probe = run_lesson(jupyter_server_factory, browser_page, add_notebook, tmp_path,
                           "lesson3_duffing_curves", R2_PROBE)
    page = nb.page
    board = page.locator(DASHBOARD).first

    # Two views in the dashboard: the parity plot (3 panels of 512 validation points) and the latent scatter
    nb.wait_until(f"return document.querySelectorAll('{VIEWS}').length === 2", "two views in the dashboard")
    nb.wait_until(f"return ({DOTS})(0).length === 256 && ({DOTS})(2).length === 256", "256 points per parity panel")
    heading = page.locator(VIEWS).first.locator(".widget-html-content").first
    assert re.fullmatch(r"predicted vs true · validation \(256 samples\) · ω0 R² -?\d\.\d{3} · γ R² -?\d\.\d{3} · "
                        r"ε R² -?\d\.\d{3}", heading.text_content()), heading.text_content()

    # Start: the points move, again and again
    before = page.evaluate(DOTS, 0)
    board.locator('[data-action="start"]').click()
    wait_status(nb, "running")
    seen = [before]
    for _ in range(3):
        nb.wait_until(f"return JSON.stringify(({DOTS})(0)) !== args.before", "the parity points to move",
                      timeout=20, before=json.dumps(seen[-1], separators=(",", ":")))
        seen.append(page.evaluate(DOTS, 0))
    assert len({tuple(s) for s in seen}) == 4

    # Pause: one last redraw, then nothing moves
    latency = pause_latency(nb, 0)
    assert latency < 1.0
    step = int(board.locator('[data-testid="status"]').get_attribute("data-step"))
    nb.run_cell(probe)
    nb.wait_cell_done(probe, timeout=60)
    kernel = re.search(r"kernel R2 (\S+) (\S+) (\S+) step (\d+)", nb.cell_text(probe))
    assert kernel and int(kernel.group(4)) == step
    # the heading shows the R² of the parameters training stopped at
    nb.wait_until("return args.values.every(v => document.querySelector(args.heading).textContent.includes(v))",
                  "the parity heading to show the kernel's R²", values=[kernel.group(k) for k in (1, 2, 3)],
                  heading=f"{VIEWS} .widget-html-content")
    paused = page.evaluate(DOTS, 0)
    page.wait_for_timeout(1500)  # an observation window of 6 refresh intervals: nothing may move while paused
    assert page.evaluate(DOTS, 0) == paused

    # Brush over the middle of the latent scatter: the label counts the points and the curves appear
    latent = page.locator(VIEWS).nth(1)
    area = latent.locator(".bqplot.figure").first.locator("rect.plotarea_background")
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    x0, y0 = round(box["x"] + 0.3 * box["width"]), round(box["y"] + 0.3 * box["height"])
    x1, y1 = round(box["x"] + 0.7 * box["width"]), round(box["y"] + 0.7 * box["height"])
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) // 2, (y0 + y1) // 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    label = latent.locator(".jaxscope-selection")
    nb.wait_until("return /^\\d+ selected/.test(document.querySelectorAll(args.views)[1]"
                  ".querySelector('.jaxscope-selection').textContent)", "the brush selection to be counted",
                  views=VIEWS)
    selected = int(re.match(r"(\d+) selected", label.text_content()).group(1))
    assert selected > 0
    curves = latent.locator(".bqplot.figure").nth(1).locator("path.line")
    nb.wait_until("return document.querySelectorAll(args.views)[1].querySelectorAll('.bqplot.figure')[1]"
                  ".querySelectorAll('path.line').length === args.count", "the selected curves to be drawn",
                  views=VIEWS, count=min(selected, 8))
    assert curves.count() == min(selected, 8)
    latent.screenshot(path=str(nb.screenshot("lesson3-views").with_name("latent-brush.png")))
    nb.assert_clean_console()


PATIENCE_PROBE = """
best = trainer.best_step
print('patience', trainer.early_stopping, 'status', trainer.status, 'step', trainer.current_step, 'best', best,
      'restored', f"{float(loss(trainer.params, validation)):.5f}",
      'lowest', f"{float(np.min(trainer.history['val_loss'])):.5f}")
"""


def test_overfitting_early_stopping_checkbox_stops_training_and_restores_the_best_parameters(
        jupyter_server_factory, browser_page, add_notebook, tmp_path):
    nb, probe = run_lesson(jupyter_server_factory, browser_page, add_notebook, tmp_path,
                           "lesson3_overfitting", PATIENCE_PROBE)
    page = nb.page
    board = page.locator(DASHBOARD).first
    chart = board.locator('[data-testid="loss-chart"]')

    # The first trainer trains without early stopping: the box is there, unticked, and the chart marks nothing
    box = board.locator('[data-testid="early-stopping"]')
    assert not box.is_checked()
    assert chart.get_attribute("data-best-step") == "-1"

    # Tick it: the kernel's trainer gets the default patience
    box.click()
    nb.run_cell(probe)
    nb.wait_cell_done(probe, timeout=60)
    assert re.match(r"patience 10 status done step 200 ", nb.cell_text(probe)), nb.cell_text(probe)

    # Start: it trains on until the validation loss stops improving, then stops by itself
    board.locator('[data-action="start"]').click()
    nb.wait_until(f"const s = document.querySelector('{DASHBOARD} [data-testid=status]');"
                  "return s.dataset.status === 'done' && Number(s.dataset.step) > 200;",
                  "training to go on past step 200 and stop by itself", timeout=120)
    message = board.locator('[data-testid="message"]').text_content()
    assert "early stopping at step" in message, message
    nb.run_cell(probe)
    nb.wait_cell_done(probe, timeout=60)
    found = re.match(r"patience 10 status done step (\d+) best (\d+) restored (\S+) lowest (\S+)", nb.cell_text(probe))
    assert found, nb.cell_text(probe)
    step, best = int(found.group(1)), int(found.group(2))
    assert 200 < best < step and (step - best) >= 10 * 20      # patience 10 evaluations, every 20 steps
    restored, lowest = float(found.group(3)), float(found.group(4))
    assert abs(restored - lowest) <= 2e-5 + 1e-4 * lowest       # the parameters of the lowest validation loss
    # the chart marks that step
    nb.wait_until("return document.querySelector(args.chart).dataset.bestStep === args.best",
                  "the chart to mark the best step", chart=f"{DASHBOARD} [data-testid=loss-chart]", best=str(best))
    nb.assert_clean_console()




# (notebook, views in its first dashboard, ui): the lessons, then the course's later topics (issue 11)
LIVE = [("lesson1_chain", 1, "lab"), ("lesson2_curve_fit", 1, "lab"), ("lesson3_duffing_images", 2, "lab"),
        ("classify_traces", 2, "lab"), ("lesson2_curve_fit", 1, "notebook7"),
        ("simulation_surrogate", 4, "lab"), ("super_resolution", 1, "lab"), ("autoencoder", 2, "lab"),
        ("denoising_unet", 1, "lab"), ("recurrent_oscillators", 2, "lab"), ("ising_phases", 2, "notebook7"),
        ("graph_network", 1, "lab"), ("reinforcement_maze", 1, "lab"), ("normalizing_flow", 1, "lab"),
        ("diffusion", 1, "notebook7"), ("transformer", 1, "lab"), ("tsne_embedding", 1, "lab")]
DRAWN = ".bqplot.figure svg .plotarea_background, img, [data-testid=grid-world-svg]"   # what a drawn view holds
REPLAY = "[data-testid=grid-world]"     # a GridWorldView: its replay animates on its own until paused


@pytest.mark.parametrize("name, views, ui", LIVE)
def test_a_lessons_views_render_and_follow_training_live(jupyter_server_factory, browser_page, add_notebook,
                                                          name, views, ui):
    server = jupyter_server_factory(ui=ui, env={"JAXSCOPE_EXAMPLE_STEPS": "200"})
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    nb.open(add_notebook(server, EXAMPLES / f"{name}.ipynb"))
    nb.run_all()
    nb.wait_all_done(timeout=300)
    nb.wait_widgets_rendered()
    row = f"{DASHBOARD} .jaxscope-views"
    nb.wait_until("const r = document.querySelector(args.row);"
                  "return !!r && r.querySelectorAll(':scope > .jaxscope-view').length === args.views"
                  " && r.querySelectorAll(args.drawn).length >= args.views",
                  f"{views} views drawn in the first dashboard", row=row, views=views, drawn=DRAWN)
    for replay in page.locator(f"{row} {REPLAY}").all():   # the test watches the kernel's redraws only
        replay.locator("[data-action=play]").click()
        nb.wait_until("return [...document.querySelectorAll(args.replays)].every((r) => r.dataset.playing === 'false');",
                      "the replay paused", replays=f"{row} {REPLAY}")
    signature = lambda: page.evaluate("(row) => document.querySelector(row).innerHTML", row)
    before = signature()
    board = page.locator(DASHBOARD).first
    board.locator('[data-action="start"]').click()
    nb.wait_until("return document.querySelector(args.row).innerHTML !== args.before",
                  "the views to redraw while training", timeout=30, row=row, before=before)
    board.locator('[data-action="pause"]').click()
    nb.wait_until(f"const s = document.querySelector('{DASHBOARD} [data-testid=status]');"
                  "return s.dataset.status === 'paused' || s.dataset.status === 'done';", "training to stop")
    settled = signature()
    page.wait_for_timeout(1000)  # an observation window: four refresh intervals
    if signature() != settled:   # the final redraw after the pause may land just now; then nothing more
        settled = signature()
        page.wait_for_timeout(1000)
    assert signature() == settled
    board.screenshot(path=str(nb.screenshot(f"{name}-{ui}").with_name(f"{name}-{ui}-dashboard.png")))
    nb.assert_clean_console()
