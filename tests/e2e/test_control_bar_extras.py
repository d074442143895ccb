"""The control bar's additions of issue 13 in a real JupyterLab: the target and ETA of a blocking
``run(n)``, ``show(scale=...)`` on the dashboard element, controls enabled once the kernel answers,
and with the page live neither a progress line nor a rewritten output."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.timeout(300)

DASHBOARD = '[data-testid="jaxscope-dashboard"]'
CELLS = [
    "import jax, jax.numpy as jnp, jaxscope as scope\n"
    "trainer = scope.Trainer(params={'w': jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p['w'] - b) ** 2),\n"
    "                        data=lambda key: jax.random.normal(key, (3,)), optimizer=0.01, name='tiny')\n"
    "trainer.show(scale=1.5)",
    "trainer.run(1_000_000_000)",
]


def test_run_shows_target_and_eta_and_pause_ends_it_quietly(lab_page, add_notebook):
    nb = lab_page
    nb.open(add_notebook(nb.server, CELLS))
    nb.run_cell(0)
    nb.wait_cell_done(0, timeout=120)
    nb.wait_widgets_rendered()
    board = nb.page.locator(DASHBOARD).first
    assert board.evaluate("(b) => getComputedStyle(b).getPropertyValue('--jaxscope-scale').trim()") == "1.5"
    controls = board.locator('[data-testid="jaxscope-controls"]')
    nb.wait_until("return document.querySelector('[data-testid=jaxscope-controls]').dataset.kernel === 'connected';",
                  "the kernel to answer ready")
    assert board.locator('[data-action="save"]').evaluate("(b) => b.style.display") == "none"  # no checkpoint_dir

    nb.run_cell(1)
    nb.wait_until("const t = document.querySelector('[data-testid=target]');"
                  "return !t.hidden && / · ETA /.test(t.textContent);", "the target and ETA while running")
    text = board.locator('[data-testid="target"]').text_content()
    assert re.fullmatch(r"/ 1,000,000,000 · ETA \d+(:\d{2}){1,2}", text), text

    board.locator('[data-action="pause"]').click()
    nb.wait_cell_done(1, timeout=60)
    nb.wait_until("return document.querySelector('[data-testid=status]').dataset.status === 'paused';", "paused")
    assert board.locator('[data-testid="target"]').is_hidden()
    assert controls.get_attribute("data-kernel") == "connected"
    assert nb.cell_outputs(1) == []                       # a page showed the run: no progress line
    (shown,) = nb.cell_outputs(0)                         # and its output was not replaced
    assert shown["data"]["text/plain"] == "tiny · idle · step 0"
    assert "image/png" in shown["data"]
    nb.assert_clean_console()
