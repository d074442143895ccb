"""The network diagram of conv nets in a real JupyterLab: lesson 3's CNN labels each conv layer
with its kernel and shapes, and no two labels overlap, wide or narrow; a U-Net draws each skip
connection as a route from its encoder block to its decoder block, labelled concat / add.

The labels and skips are painted on a canvas; its `data-label-boxes` and `data-skip-routes`
(JSON, CSS pixels of the canvas, measured with the font as drawn) say where they went."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .notebook_page import ARTIFACTS_DIR, NotebookPage

pytestmark = pytest.mark.timeout(300)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DIAGRAM = '[data-testid="network-diagram"]'
CANVAS = '[data-testid="diagram-canvas"]'


def canvas_data(nb: NotebookPage, i: int, name: str):
    """The JSON in data-`name` of the i-th diagram's canvas (None before it was drawn)."""
    text = nb.page.locator(f"{DIAGRAM} {CANVAS}").nth(i).get_attribute(f"data-{name}")
    return None if text is None else json.loads(text)


def intersect(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def overlapping(boxes: list) -> list:
    return [(a["text"], b["text"]) for k, a in enumerate(boxes) for b in boxes[k + 1:] if intersect(a, b)]


def shot(nb: NotebookPage, i: int, name: str) -> Path:
    """A PNG of the i-th diagram in test-artifacts/, for people to look at."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS_DIR / f"diagram-{name}.png"
    nb.page.locator(DIAGRAM).nth(i).screenshot(path=str(target))
    return target


def test_lesson3_cnn_labels_each_conv_layer_with_its_shapes_and_no_two_labels_overlap(
        jupyter_server_factory, browser_page, add_notebook):
    server = jupyter_server_factory(ui="lab", env={"JAXSCOPE_EXAMPLE_STEPS": "20"})
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    nb.open(add_notebook(server, EXAMPLES / "lesson3_duffing_images.ipynb"))
    nb.run_all()
    nb.wait_all_done(timeout=240)
    nb.wait_widgets_rendered()
    nb.page.locator(DIAGRAM).nth(0).scroll_into_view_if_needed()
    nb.wait_until(f"const c = document.querySelector('{DIAGRAM} {CANVAS}');"
                  "return !!c && !!c.dataset.labelBoxes;", "the diagram's labels drawn")
    drawn = canvas_data(nb, 0, "label-boxes")
    shot(nb, 0, "lesson3-wide")

    # Every conv layer: its kernel (3x3, channels in -> out), output shape (the course's C x H x W) and the
    # activation its forward applies (traced through the notebook's apply)
    assert [box["text"] for box in drawn["labels"]] == [
        "input · 3×50×50",
        "conv 3×3 3→30 · 30×24×24 · tanh · 840 params",
        "conv 3×3 30→30 · 30×11×11 · tanh · 8,130 params",
        "conv 3×3 30→30 · 30×5×5 · tanh · 8,130 params",
        "conv 3×3 30→10 · 10×2×2 · tanh · 2,710 params",
        "flatten · 40",
        "dense 40→50 · tanh · 2,050 params",
        "dense 50→3 · 153 params",
    ]
    assert [box["lines"] for box in drawn["labels"]][1] == ["conv 3×3 3→30", "30×24×24", "tanh · 840 params"]
    assert all(" · ".join(box["lines"]) == box["text"] for box in drawn["labels"]), "nothing shortened when wide"
    assert overlapping(drawn["labels"]) == []
    assert all(0 <= b["x"] and b["x"] + b["width"] <= drawn["width"] for b in drawn["labels"])

    # Narrow (a side panel, a laptop): the labels stagger on two rows, still apart
    before = drawn["width"]
    for width in (900, 640):
        page.set_viewport_size({"width": width, "height": 900})
        nb.wait_until(f"const c = document.querySelector('{DIAGRAM} {CANVAS}');"
                      f"return !!c && JSON.parse(c.dataset.labelBoxes).width < {before};",
                      f"the diagram redrawn narrower than {before}px")
        narrow = canvas_data(nb, 0, "label-boxes")
        before = narrow["width"]
        assert overlapping(narrow["labels"]) == [], (width, narrow)
        assert all(0 <= b["x"] and b["x"] + b["width"] <= narrow["width"] for b in narrow["labels"])
        assert len({b["y"] for b in narrow["labels"]}) == 2, "two rows of labels"
        shot(nb, 0, f"lesson3-{width}")
    nb.assert_clean_console()


UNET_CELLS = [
    "import jax, jax.numpy as jnp\nfrom flax import nnx\nimport jaxscope as scope",
    "class UNet(nnx.Module):\n"
    "    def __init__(self, rngs):\n"
    "        self.enc1 = nnx.Conv(1, 8, (3, 3), rngs=rngs)\n"
    "        self.enc2 = nnx.Conv(8, 16, (3, 3), rngs=rngs)\n"
    "        self.mid = nnx.Conv(16, 32, (3, 3), rngs=rngs)\n"
    "        self.up2 = nnx.ConvTranspose(32, 16, (2, 2), strides=(2, 2), rngs=rngs)\n"
    "        self.dec2 = nnx.Conv(32, 16, (3, 3), rngs=rngs)\n"
    "        self.up1 = nnx.ConvTranspose(16, 8, (2, 2), strides=(2, 2), rngs=rngs)\n"
    "        self.dec1 = nnx.Conv(16, 8, (3, 3), rngs=rngs)\n"
    "        self.out = nnx.Conv(8, 1, (1, 1), rngs=rngs)\n"
    "    def __call__(self, x):\n"
    "        e1 = nnx.relu(self.enc1(x))\n"
    "        e2 = nnx.relu(self.enc2(nnx.max_pool(e1, (2, 2), strides=(2, 2))))\n"
    "        m = nnx.relu(self.mid(nnx.max_pool(e2, (2, 2), strides=(2, 2))))\n"
    "        d2 = nnx.relu(self.dec2(jnp.concatenate([self.up2(m), e2], axis=-1)))\n"
    "        d1 = nnx.relu(self.dec1(jnp.concatenate([self.up1(d2), e1], axis=-1)))\n"
    "        return x + self.out(d1)\n"
    "unet = scope.NetworkDiagram(UNet(nnx.Rngs(0)), input_shape=(32, 32, 1))\n"
    "unet",
]


def test_a_unet_draws_each_skip_from_its_encoder_block_to_its_decoder_block(
        jupyter_server_factory, browser_page, add_notebook):
    server = jupyter_server_factory(ui="lab")
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    nb.open(add_notebook(server, UNET_CELLS))
    nb.run_all()
    nb.wait_all_done(timeout=120)
    nb.wait_widgets_rendered()
    nb.wait_until(f"const d = document.querySelector('{DIAGRAM}');"
                  "return !!d && d.dataset.skips === '3' && !!d.querySelector('canvas').dataset.skipRoutes;",
                  "the U-Net's three skips drawn")
    routes = canvas_data(nb, 0, "skip-routes")["skips"]
    labels = canvas_data(nb, 0, "label-boxes")["labels"]
    shot(nb, 0, "unet")
    # layers: enc1 0, pool 1, enc2 2, pool 3, mid 4, up2 5, dec2 6, up1 7, dec1 8, out 9
    assert [(r["from"], r["to"], r["kind"]) for r in routes] == [(2, 6, "concat"), (0, 8, "concat"), (-1, 10, "add")]
    by_layer = {tuple(box["layers"]): box for box in labels}
    centre = lambda layer: by_layer[(layer,)]["x"] + by_layer[(layer,)]["width"] / 2
    for route in routes[:2]:  # from above the encoder's label to above the decoder's
        (x0, _), (x1, _) = route["points"][0], route["points"][-1]
        assert abs(x0 - centre(route["from"])) < 1 and abs(x1 - centre(route["to"])) < 1, route
        assert route["label"]["text"] == "concat"
    assert routes[1]["points"][1][1] < routes[0]["points"][1][1], "the outer skip runs above the inner one"
    assert overlapping([r["label"] for r in routes]) == []
    assert overlapping(labels) == []
    assert by_layer[(6,)]["text"] == "conv 3×3 32→16 · 16×16×16 · relu · 4,624 params"
    nb.assert_clean_console()
