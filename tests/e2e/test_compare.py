"""``scope.compare`` in a real JupyterLab: a finished and a live run on one chart, a legend naming
what differs, the hover read-out of both runs, a run hidden from the legend, each run's own controls."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(300)

COMPARISON = ".jaxscope-comparison"
CHART = f'{COMPARISON} [data-testid="loss-chart"]'
CELLS = [
    "import jax, jax.numpy as jnp, jaxscope as scope\n"
    "def tiny(rate):\n"
    "    return scope.Trainer(params={'w': jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p['w'] - b) ** 2),\n"
    "                         data=lambda key: jax.random.normal(key, (3,)), optimizer=rate)\n"
    "slow, fast = tiny(1e-3), tiny(0.1)\n"
    "slow.run(50)\n"
    "comparison = scope.compare(slow, fast)\n"
    "comparison",
    "fast.run(100)",
    "print([run['visible'] for run in comparison.chart.runs])",
]


def test_two_runs_on_one_chart_with_legend_hover_and_toggle(lab_page, add_notebook):
    nb = lab_page
    nb.open(add_notebook(nb.server, CELLS))
    nb.run_cell(0)
    nb.wait_cell_done(0, timeout=120)
    nb.wait_widgets_rendered()
    chart = nb.page.locator(CHART)
    nb.wait_until(f"return document.querySelector('{CHART}')?.dataset.points === '50';",
                  "the finished run's whole history")
    legend = chart.locator('[data-testid="run-legend"] [data-run]')
    assert legend.all_text_contents() == ["lr 1e-3", "lr 0.1"]
    assert chart.get_attribute("data-runs") == "r1,r2"

    nb.run_cell(1)                                    # the second run trains live, on the same chart
    nb.wait_cell_done(1, timeout=120)
    nb.wait_until(f"return document.querySelector('{CHART}').dataset.points === '150';", "both runs drawn")
    assert chart.get_attribute("data-series") == "r1:loss,r2:loss"
    bars = nb.page.locator(f'{COMPARISON} [data-testid="jaxscope-controls"]')
    assert bars.count() == 2                          # each run keeps its own controls
    nb.wait_until(f"const s = document.querySelectorAll('{COMPARISON} [data-testid=status]');"
                  "return s[0].dataset.step === '50' && s[1].dataset.step === '100';", "each bar's own step")

    canvas = chart.locator('[data-testid="loss-canvas"]')
    box = canvas.bounding_box()
    canvas.hover(position={"x": box["width"] * 0.3, "y": box["height"] / 2})
    nb.wait_until("return /^step [1-9]\\d? · lr 1e-3: loss \\S+ \\(smoothed \\S+\\) · lr 0\\.1: loss \\S+ "
                  f"\\(smoothed \\S+\\)$/.test(document.querySelector('{CHART} [data-testid=readout]').textContent);",
                  "the read-out of both runs at the pointer's step (not the latest)")

    legend.nth(1).click()                             # hide the live run
    nb.wait_until(f"return document.querySelector('{CHART}').dataset.runs === 'r1';", "the run hidden")
    assert chart.get_attribute("data-series") == "r1:loss"
    assert legend.nth(1).get_attribute("aria-pressed") == "false"
    nb.run_cell(2)
    nb.wait_cell_done(2)
    assert nb.cell_text(2).strip() == "[True, False]"   # the page wrote the toggle back to the kernel
    nb.assert_clean_console()
