"""The block diagram in a real JupyterLab: a model with attention (which no neuron diagram shows) is
drawn as its modules, with their classes, heads, shapes and parameter counts; each block's live
statistic is the kernel's (the RMS of its parameters at the step drawn), it changes while the model
trains and stops when paused, and the toolbar recolours the blocks by update size, darkest where
the kernel's relative update per step is largest."""

from __future__ import annotations

import json

import pytest

from .notebook_page import NotebookPage
from .test_diagram_conv_labels import DIAGRAM, shot

pytestmark = pytest.mark.timeout(300)

DASHBOARD = '[data-testid="jaxscope-dashboard"]'
BLOCK = f'{DIAGRAM} [data-testid="diagram-block"]'
SETUP, KERNEL = 0, 1

CELLS = [
    "import json\nimport jax, jax.numpy as jnp, numpy as np, optax\nfrom flax import nnx\nimport jaxscope as scope\n"
    "class Attention(nnx.Module):\n"
    "    def __init__(self, rngs):\n"
    "        self.attn = nnx.MultiHeadAttention(2, 4, qkv_features=8, decode=False, rngs=rngs)\n"
    "        self.out = nnx.Linear(4, 1, rngs=rngs)\n"
    "    def __call__(self, x):\n"
    "        return self.out(self.attn(x).mean(1))\n"
    "def batch(key):\n"
    "    x = jax.random.normal(key, (16, 6, 4))\n"
    "    return x, x[:, :, :1].sum(1)\n"
    "trainer = scope.Trainer(Attention(nnx.Rngs(0)), loss=lambda m, b: jnp.mean((m(b[0]) - b[1]) ** 2),\n"
    "                        data=batch, optimizer=optax.sgd(0.02), name='attention')\n"
    "board = trainer.show()\n"
    "board",
    # the kernel's numbers for the step drawn: each block's RMS, and the step
    "from jaxscope.inspect.dense import leaves_by_path\n"
    "leaves = leaves_by_path(trainer.model)\n"
    "rms = [float(np.sqrt(np.mean(np.concatenate([np.asarray(leaves[p], np.float64).ravel() for p in b.params]) ** 2)))\n"
    "       for b in board.diagram.spec.blocks]\n"
    "print(json.dumps({'step': trainer.current_step, 'rms': rms}))",
]

BLOCKS = f"""return Array.from(document.querySelectorAll('{BLOCK}')).map((b) => ({{
  name: b.dataset.name, value: b.dataset.value, shade: b.dataset.shade, text: b.textContent,
  stats: b.querySelector('[data-testid="diagram-block-stats"]').textContent}}));"""


def version(nb: NotebookPage) -> int:
    return int(nb.page.locator(DIAGRAM).nth(0).get_attribute("data-version") or -1)


def test_attention_is_drawn_as_blocks_shaded_live_by_the_kernel_s_statistics(
        jupyter_server_factory, browser_page, add_notebook):
    server = jupyter_server_factory(ui="lab")
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    nb.open(add_notebook(server, CELLS))
    nb.run_cell(SETUP)
    nb.wait_cell_done(SETUP, timeout=120)
    nb.wait_widgets_rendered()
    nb.page.locator(DIAGRAM).nth(0).scroll_into_view_if_needed()
    nb.wait_until(f"const d = document.querySelector('{DIAGRAM}');"
                  "return !!d && d.dataset.mode === 'blocks' && d.dataset.blocks === '2' && d.dataset.version !== '';",
                  "the attention model drawn as two blocks with their statistics")
    diagram = nb.page.locator(DIAGRAM).nth(0)
    assert diagram.locator('[data-testid="diagram-canvas"]').is_hidden()
    assert diagram.locator('[data-testid="diagram-note"]').inner_text() == (
        "drawn as blocks: it uses attention (a product of two activations), which no neuron diagram shows")
    blocks = nb.evaluate(BLOCKS)
    assert [b["name"] for b in blocks] == ["attn", "out"]
    attention, readout = (b["text"] for b in blocks)
    for words in ("attn · MultiHeadAttention", "2 heads × 4", "(6, 4) → (6, 4)", "156 params", "query", "key", "value"):
        assert words in attention, (words, attention)
    for words in ("out · Linear", "(4,) → (1,)", "5 params"):
        assert words in readout, (words, readout)
    assert all(b["stats"].startswith("RMS ") for b in blocks)
    at_start = [float(b["value"]) for b in blocks]

    # while training, the statistics follow the parameters; paused, they stop
    board = nb.page.locator(DASHBOARD).nth(0)
    seen = version(nb)
    board.locator('[data-action="start"]').click()
    nb.wait_until(f"return Number(document.querySelector('{DIAGRAM}').dataset.version) > {seen + 3};",
                  "new statistics drawn while training", timeout=60)
    board.locator('[data-action="pause"]').click()
    nb.wait_until(f"return document.querySelector('{DASHBOARD} [data-testid=status]').dataset.status === 'paused';",
                  "the trainer to pause")
    nb.run_cell(KERNEL)
    nb.wait_cell_done(KERNEL, timeout=60)
    kernel = json.loads(nb.cell_text(KERNEL))
    nb.wait_until(f"""const shown = Array.from(document.querySelectorAll('{BLOCK}'), (b) => Number(b.dataset.value));
                  return shown.length === 2 && shown.every((v, k) => Math.abs(v - args.rms[k]) <= 1e-4 * args.rms[k]);""",
                  "each block's RMS equal to the kernel's at the step it paused at", rms=kernel["rms"])
    settled = version(nb)
    assert [float(b["value"]) for b in nb.evaluate(BLOCKS)] != at_start

    # coloured by update size: the block the kernel moved most (relative to its size) is darkest
    diagram.locator('[data-testid="diagram-blocks-colour"][data-statistic="update"]').click()
    nb.wait_until(f"return document.querySelector('{DIAGRAM} [data-testid=\"diagram-blocks\"]').dataset.statistic "
                  "=== 'update';", "the blocks coloured by update size")
    updates = nb.evaluate(BLOCKS)
    values = [float(b["value"]) for b in updates]
    assert all(v > 0 for v in values), updates
    assert sorted(b["shade"] for b in updates) == ["0.000", "1.000"]
    darkest = max(range(2), key=lambda k: values[k])
    assert updates[darkest]["shade"] == "1.000"
    assert all("/ step" in b["stats"] for b in updates)
    assert version(nb) == settled                       # nothing drawn while paused
    shot(nb, 0, "blocks-attention")
    nb.assert_clean_console()
