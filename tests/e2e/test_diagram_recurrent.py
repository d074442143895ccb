"""The network diagram of a recurrent model in a real JupyterLab: the recurrent notebook's LSTM
(scanned over time with `jax.lax.scan`) is one block holding a heatmap of each gate's input and
recurrent weights, with a loop from its output back into it labelled h(t−1); no two labels overlap,
and the heatmaps change while the network trains.

The block is painted on a canvas; its `data-recurrent` and `data-label-boxes` (JSON, CSS pixels of
the canvas, measured with the font as drawn) say where everything went, and the test reads the
canvas's pixels inside each heatmap."""

from __future__ import annotations

import pytest

from .notebook_page import NotebookPage
from .test_diagram_conv_labels import CANVAS, DIAGRAM, canvas_data, intersect, overlapping, shot

pytestmark = pytest.mark.timeout(300)

DASHBOARD = '[data-testid="jaxscope-dashboard"]'

CELLS = [
    "import jax, jax.numpy as jnp, optax\nfrom flax import nnx\nimport jaxscope as scope",
    "class LightParticle(nnx.Module):\n"
    "    def __init__(self, rngs, hidden=10, dense=20):\n"
    "        self.lstm = nnx.OptimizedLSTMCell(1, hidden, rngs=rngs)\n"
    "        self.dense = nnx.Linear(hidden, dense, rngs=rngs)\n"
    "        self.out = nnx.Linear(dense, 1, rngs=rngs)\n"
    "    def __call__(self, x):\n"
    "        zeros = jnp.zeros((x.shape[0], self.lstm.hidden_features))\n"
    "        _, h = jax.lax.scan(lambda s, x_t: self.lstm(s, x_t), (zeros, zeros), jnp.swapaxes(x, 0, 1))\n"
    "        return self.out(jnp.tanh(self.dense(jnp.swapaxes(h, 0, 1))))\n"
    "def data(key):\n"
    "    x = jax.random.normal(key, (16, 30, 1))\n"
    "    return x, jnp.cumsum(x, axis=1) * 0.2\n"
    "trainer = scope.Trainer(LightParticle(nnx.Rngs(0)), loss=lambda m, b: jnp.mean((m(b[0]) - b[1]) ** 2),\n"
    "                        data=data, optimizer=optax.adam(1e-2), name='LSTM')\n"
    "trainer.show()",
]

# The canvas pixels inside each gate's heatmaps (device pixels: the canvas is scaled by its ratio),
# read from a copy made for reading, so the diagram's own context is never read back.
HEATMAP_PIXELS = f"""
const canvas = document.querySelector('{DIAGRAM} {CANVAS}');
const ratio = canvas.width / canvas.getBoundingClientRect().width;
const copy = document.createElement('canvas');
copy.width = canvas.width;
copy.height = canvas.height;
const context = copy.getContext('2d', {{willReadFrequently: true}});
context.drawImage(canvas, 0, 0);
const block = JSON.parse(canvas.dataset.recurrent).blocks[0];
return block.gates.map((gate) => [gate.input, gate.recurrent].map((box) => {{
  const x = Math.ceil(box.x * ratio), y = Math.ceil(box.y * ratio);
  const w = Math.floor(box.width * ratio) - 1, h = Math.floor(box.height * ratio) - 1;
  return Array.from(context.getImageData(x, y, w, h).data);
}}));
"""


def version(nb: NotebookPage) -> int:
    return int(nb.page.locator(DIAGRAM).nth(0).get_attribute("data-version") or -1)


def test_an_lstm_is_a_block_of_gate_heatmaps_with_a_loop_and_its_weights_change_while_training(
        jupyter_server_factory, browser_page, add_notebook):
    server = jupyter_server_factory(ui="lab")
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    nb.open(add_notebook(server, CELLS))
    nb.run_all()
    nb.wait_all_done(timeout=120)
    nb.wait_widgets_rendered()
    nb.page.locator(DIAGRAM).nth(0).scroll_into_view_if_needed()
    nb.wait_until(f"const d = document.querySelector('{DIAGRAM}');"
                  "return !!d && d.dataset.gates === '8' && !!d.querySelector('canvas').dataset.recurrent;",
                  "the LSTM's 4 gates drawn with their weights (input and recurrent heatmaps)")
    drawn = canvas_data(nb, 0, "recurrent")
    labels = canvas_data(nb, 0, "label-boxes")
    shot(nb, 0, "lstm")

    # One block for the LSTM, then the dense layers after the scan with their shapes
    assert [box["text"] for box in labels["labels"]] == [
        "input · 30×1",
        "LSTM 1→10 · 30×10 · 4 gates · 480 params",
        "dense 10→20 · tanh · 220 params",
        "dense 20→1 · 21 params",
    ]
    (lstm,) = drawn["blocks"]
    assert (lstm["layer"], lstm["cell"], [g["name"] for g in lstm["gates"]]) == (0, "LSTM", ["i", "f", "g", "o"])
    for gate in lstm["gates"]:
        inputs, recurrent = gate["input"], gate["recurrent"]
        assert recurrent["width"] == recurrent["height"] == 10 * inputs["width"], gate   # 10x1 beside 10x10
        assert inputs["x"] + inputs["width"] < recurrent["x"], gate              # side by side
        assert gate["label"]["y"] > recurrent["y"] + recurrent["height"], gate   # the name under them
        assert all(intersect(box, lstm["box"]) for box in (inputs, recurrent)), gate

    # The loop: out of the block's right side, under it, back into its left side, labelled h(t−1)
    loop = lstm["loop"]
    box = lstm["box"]
    assert loop["label"]["text"] == "h(t−1)"
    assert abs(loop["points"][0][0] - (box["x"] + box["width"])) < 1 and abs(loop["points"][-1][0] - box["x"]) < 1
    assert loop["label"]["y"] > box["y"] + box["height"]
    texts = labels["labels"] + [loop["label"]] + [{**g["label"], "text": g["name"]} for g in lstm["gates"]]
    assert overlapping(texts) == []

    # The heatmaps are weights (blue, orange, white), and they change while the network trains
    before = nb.evaluate(HEATMAP_PIXELS)
    assert all(len(pixels) > 0 and max(pixels) > 0 for gate in before for pixels in gate)
    board = nb.page.locator(DASHBOARD).nth(0)
    seen = version(nb)
    board.locator('[data-action="start"]').click()
    nb.wait_until(f"return Number(document.querySelector('{DIAGRAM}').dataset.version) > {seen + 3};",
                  "new weights drawn while training", timeout=60)
    board.locator('[data-action="pause"]').click()
    nb.wait_until(f"return document.querySelector('{DASHBOARD} [data-testid=status]').dataset.status === 'paused';",
                  "the trainer to pause")
    after = nb.evaluate(HEATMAP_PIXELS)
    changed = [name for name, old, new in zip("ifgo", before, after) if old != new]
    assert changed == ["i", "f", "g", "o"], changed
    shot(nb, 0, "lstm-trained")
    nb.assert_clean_console()
