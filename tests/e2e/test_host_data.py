"""Host data in a real JupyterLab: examples/your_own_data.ipynb trains a numpy simulator (data=simulate,
fed by the prefetch thread) from its dashboard. Start makes the step counter and the loss chart grow,
Pause stops them, and the kernel's trainer agrees with what the control bar shows."""

from __future__ import annotations

import re

import pytest

from .test_quickstart import DASHBOARD, pause_latency, status_of, wait_points_equal_step, wait_status
from .test_views import VIEWS, run_lesson

pytestmark = pytest.mark.timeout(240)

PROBE = "print('kernel', trainer.status, trainer.current_step, trainer.data.kind, trainer.data.path.split(' (')[0])"


def test_simulator_dashboard_starts_grows_and_pauses_on_the_step_the_kernel_reports(
        jupyter_server_factory, browser_page, add_notebook, tmp_path):
    nb, probe = run_lesson(jupyter_server_factory, browser_page, add_notebook, tmp_path, "your_own_data", PROBE)
    page = nb.page
    assert page.locator(DASHBOARD).count() == 1             # the simulator's; the other trainers only print
    board = page.locator(DASHBOARD).first
    nb.wait_until(f"return document.querySelectorAll('{VIEWS}').length === 1"
                  f" && !!document.querySelector('{VIEWS} .bqplot.figure svg .plotarea_background')",
                  "the function plot drawn in the dashboard")

    # trainer.run(200) in the notebook: every step's loss is in the chart
    wait_points_equal_step(nb, 0)
    assert status_of(board) == ("done", 200)

    # Start: the simulator feeds training in the background; the step counter and the chart keep growing
    board.locator('[data-action="start"]').click()
    wait_status(nb, 0, "running")
    seen = [200]
    for _ in range(3):
        nb.wait_until("const s = document.querySelector(args.board + ' [data-testid=status]');"
                      "return Number(s.dataset.step) > args.step"
                      " && Number(document.querySelector(args.board + ' [data-testid=loss-chart]').dataset.points)"
                      " > args.step;",
                      "the step counter and the loss chart to grow", timeout=20, board=DASHBOARD, step=seen[-1])
        seen.append(status_of(board)[1])
    assert seen == sorted(set(seen))                       # strictly growing while running

    # Pause: status paused within a second, on a step that no longer moves
    assert pause_latency(nb, 0) < 1.0
    status, step = status_of(board)
    assert status == "paused" and step >= seen[-1]
    text = board.locator('[data-testid="status"]').text_content()
    assert text == f"paused · step {step:,}", text
    wait_points_equal_step(nb, 0)                          # every step's loss drawn, none after the pause

    # The kernel's trainer is paused on that same step, still on the host path of data=simulate
    nb.run_cell(probe)
    nb.wait_cell_done(probe, timeout=60)
    kernel = re.fullmatch(r"kernel (\S+) (\d+) (\S+) (.+)\n?", nb.cell_text(probe))
    assert kernel, nb.cell_text(probe)
    assert kernel.groups() == ("paused", str(step), "host", "host: data() called for every batch by a prefetch thread")
    page.wait_for_timeout(500)                             # nothing moves while paused
    assert status_of(board) == ("paused", step)
    board.screenshot(path=str(nb.screenshot("host-data-lab").with_name("host-data-dashboard.png")))
    nb.assert_clean_console()
