"""The network diagram in a real JupyterLab: neuron maps in the playground, a weight edited by
clicking and typing (read back from the kernel), and an nnx CNN's kernels with a channel picker."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from .notebook_page import NotebookPage

pytestmark = pytest.mark.timeout(300)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DASHBOARD = '[data-testid="jaxscope-dashboard"]'
DIAGRAM = '[data-testid="network-diagram"]'


def diagram(nb: NotebookPage, i: int):
    return nb.page.locator(DASHBOARD).nth(i).locator(DIAGRAM)


def data(locator, name: str) -> str:
    return locator.get_attribute(f"data-{name}") or ""


def wait_diagram(nb: NotebookPage, i: int, condition: str, what: str, timeout: float = 30) -> None:
    """Wait until JS `condition` holds for `d`, the i-th dashboard's diagram root."""
    nb.wait_until(f"const d = document.querySelectorAll('{DASHBOARD} {DIAGRAM}')[{i}];"
                  f"return !!d && ({condition});", what, timeout=timeout)


def sweep_for(page, target, pattern: str):
    """Move the pointer over the diagram's canvas until the read-out matches `pattern`;
    return (match, x, y) of the first position that does."""
    canvas = target.locator('[data-testid="diagram-canvas"]')
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    readout = target.locator('[data-testid="diagram-readout"]')
    for k in range(1, 120):
        for fy in (0.5, 0.42, 0.58, 0.35, 0.65, 0.28, 0.72):
            # whole pixels: a click's clientX/Y are integers, a move's need not be
            x, y = round(box["x"] + box["width"] * k / 120), round(box["y"] + box["height"] * fy)
            page.mouse.move(x, y)
            found = re.search(pattern, readout.text_content() or "")
            if found:
                return found, x, y
    raise AssertionError(f"no position on the diagram reads {pattern!r}")


def playground_with_probe(tmp_path) -> tuple[Path, int]:
    nb = nbformat.read(EXAMPLES / "playground_2d.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import numpy as np\nprint('W', np.asarray(by_hand.params['weights'][1]).tolist(), "
        "np.asarray(by_hand.params['biases'][1]).tolist())"))
    path = tmp_path / "playground_2d.ipynb"
    nbformat.write(nb, path)
    return path, len(nb.cells) - 1


def test_playground_neuron_maps_enlarge_and_a_weight_edited_by_hand_reaches_the_kernel(
        jupyter_server_factory, browser_page, add_notebook, tmp_path):
    server = jupyter_server_factory(ui="lab", env={"JAXSCOPE_EXAMPLE_STEPS": "200"})
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    source, probe = playground_with_probe(tmp_path)
    nb.open(add_notebook(server, source))
    nb.run_all()
    nb.wait_all_done(timeout=240)
    nb.wait_widgets_rendered()
    assert nb.page.locator(DASHBOARD).count() == 3  # XOR, regression, by hand

    # Every neuron of the 2-8-8-1 network shows its map over the plane
    xor = diagram(nb, 0)
    wait_diagram(nb, 0, "d.dataset.thumbnails === '19'", "19 neuron maps in the XOR diagram")
    assert data(xor, "edges") == str(2 * 8 + 8 * 8 + 8)

    # Live: Start, the maps and weights redraw, Pause stops them
    board = nb.page.locator(DASHBOARD).nth(0)
    board.locator('[data-action="start"]').click()
    seen = int(data(xor, "version") or -1)
    wait_diagram(nb, 0, f"Number(d.dataset.version) > {seen + 2}", "new weights drawn while training")
    board.locator('[data-action="pause"]').click()
    nb.wait_until(f"return document.querySelector('{DASHBOARD} [data-testid=status]').dataset.status === 'paused';",
                  "the XOR trainer to pause")

    # Click the output neuron: its map (the network's decision) opens large
    found, x, y = sweep_for(page, xor, r"dense_2 neuron 0 bias = ")
    page.mouse.click(x, y)
    enlarged = xor.locator('[data-testid="diagram-enlarged"]')
    enlarged.wait_for(state="visible")
    caption = xor.locator('[data-testid="diagram-enlarged-caption"]').text_content()
    assert re.match(r"dense_2 neuron 0 · min -?\d", caption), caption
    xor.screenshot(path=str(Path(nb.screenshot("playground-lab")).with_name("diagram-playground.png")))
    page.keyboard.press("Escape")
    enlarged.wait_for(state="hidden")

    # Edit mode on the hand-designed AND network: click an edge, type a weight, Enter
    hand = diagram(nb, 2)
    hand.locator('[data-testid="diagram-edit-toggle"]').click()
    wait_diagram(nb, 2, "d.dataset.editing === 'true'", "edit mode")
    found, x, y = sweep_for(page, hand, r"dense_1 weight \[(\d)→0\] = (\S+)")
    source_neuron = int(found.group(1))
    page.mouse.click(x, y)
    field = hand.locator('[data-testid="diagram-edit-input"]')
    field.wait_for(state="visible")
    assert float(field.input_value()) == float(found.group(2))
    field.fill("-2.5")
    field.press("Enter")
    field.wait_for(state="hidden")
    nb.run_cell(probe)
    nb.wait_output_contains(probe, "W [[")
    weights = eval(re.search(r"W (\[\[.*?\]\])", nb.cell_text(probe)).group(1))
    assert weights[0][source_neuron] == -2.5  # course layout (n_out, n_in): row = output neuron 0
    # the driver applied the edit; the control bar shows the loss after it once the display loop sent it
    nb.wait_until(f"return document.querySelectorAll('{DASHBOARD}')[2].textContent.includes('loss now')",
                  "the control bar to show the loss after the edit")
    nb.assert_clean_console()


CNN_CELLS = [
    "import jax, jax.numpy as jnp\nfrom flax import nnx\nimport jaxscope as scope",
    "class CNN(nnx.Module):\n"
    "    def __init__(self, rngs):\n"
    "        self.conv1 = nnx.Conv(3, 8, (3, 3), strides=2, rngs=rngs)\n"
    "        self.conv2 = nnx.Conv(8, 4, (3, 3), strides=2, rngs=rngs)\n"
    "        self.out = nnx.Linear(4 * 4 * 4, 3, rngs=rngs)\n"
    "    def __call__(self, x):\n"
    "        x = nnx.relu(self.conv1(x))\n"
    "        x = nnx.avg_pool(nnx.relu(self.conv2(x)), (1, 1))\n"
    "        return self.out(x.reshape(x.shape[0], -1))\n"
    "diagram = scope.NetworkDiagram(CNN(nnx.Rngs(0)), input_shape=(16, 16, 3))\n"
    "diagram",
    "class Residual(nnx.Module):\n"
    "    def __init__(self, rngs):\n"
    "        self.inp = nnx.Linear(2, 8, rngs=rngs)\n"
    "        self.block = nnx.Linear(8, 8, rngs=rngs)\n"
    "        self.out = nnx.Linear(8, 1, rngs=rngs)\n"
    "    def __call__(self, x):\n"
    "        h = jnp.tanh(self.inp(x))\n"
    "        h = h + jnp.tanh(self.block(h))\n"
    "        return self.out(h)\n"
    "residual = scope.NetworkDiagram(Residual(nnx.Rngs(0)), input_shape=(2,))\n"
    "residual",
]


def test_an_nnx_cnn_draws_its_kernels_and_the_channel_picker_switches_them(
        jupyter_server_factory, browser_page, add_notebook):
    server = jupyter_server_factory(ui="lab")
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    nb.open(add_notebook(server, CNN_CELLS))
    nb.run_all()
    nb.wait_all_done(timeout=120)
    nb.wait_widgets_rendered()
    root = nb.page.locator(DIAGRAM).nth(0)
    nb.wait_until(f"return document.querySelector('{DIAGRAM}').dataset.kernels === '12';",
                  "8 + 4 kernel tiles")
    assert int(data(root, "layers")) >= 4
    picker = root.locator('[data-testid="diagram-channel"][data-layer="1"]')  # conv2: 8 input channels
    assert picker.locator("option").count() == 8
    before = root.locator('[data-testid="diagram-canvas"]').screenshot()
    picker.select_option("5")
    page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => r(true)))")
    after = root.locator('[data-testid="diagram-canvas"]').screenshot()
    assert before != after  # conv2's tiles now show input channel 5
    found, _, _ = sweep_for(page, root, r"conv2 kernel\[out \d, in 5\]")
    root.screenshot(path=str(Path(nb.screenshot("cnn-lab")).with_name("diagram-cnn.png")))

    # A residual block: the skip connection is drawn as an arc over the layer it bypasses,
    # and every neuron shows its map (an nnx module runs itself, no apply= needed)
    residual = nb.page.locator(DIAGRAM).nth(1)
    nb.wait_until(f"const d = document.querySelectorAll('{DIAGRAM}')[1];"
                  "return !!d && d.dataset.skips === '1' && d.dataset.thumbnails === '19';",
                  "the residual diagram with one skip arc and 2 + 8 + 8 + 1 maps")
    assert data(residual, "edges") == str(2 * 8 + 8 * 8 + 8)
    residual.screenshot(path=str(Path(nb.screenshot("cnn-lab")).with_name("diagram-residual.png")))
    nb.assert_clean_console()
