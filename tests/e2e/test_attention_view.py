"""AttentionView in a real JupyterLab, on a small notebook that compiles in seconds (a 2-layer, 3-head
attention model in plain jax learning the recall task): the grid of 2 x 3 heads is the kernel's very PNG,
it follows background training (``trainer.start()``), stops when the control bar pauses it, and a click
on a head enlarges that head: the enlarged panel shows that layer/head's weights (the kernel's PNG) with
the sequence's tokens on its axes; a click on another head switches, a second click closes it."""

from __future__ import annotations

import pytest

from .test_course_views import (SOURCES, VIEWS, assert_nothing_moves, kernel, open_course_notebook, start, text_of,
                                wait_changed, wait_digests)
from .test_quickstart import pause_latency

pytestmark = pytest.mark.timeout(240)

SETUP = """
import hashlib, json
import jax, jax.numpy as jnp, numpy as np, optax
import jaxscope as scope
from jaxscope.views import AttentionView

T, D, LAYERS, HEADS = 10, 8, 2, 3
data = scope.datasets.recall_sequences(32, length=T, symbols=3, gap=2)
rng = np.random.default_rng(0)
params = {"embed": rng.normal(size=(5, D)), "position": rng.normal(size=(T, D)),
          "q": rng.normal(size=(LAYERS, HEADS, D, D)) / 3, "k": rng.normal(size=(LAYERS, HEADS, D, D)) / 3,
          "v": rng.normal(size=(LAYERS, HEADS, D, D)) / 3, "out": rng.normal(size=(D, 3)) / 3}
params = jax.tree.map(lambda a: jnp.asarray(a, jnp.float32), params)

def attention(p, tokens):
    # the attention weights and the outputs of every layer: ([(N, HEADS, T, T)] * LAYERS, x)
    x = p["embed"][tokens] + p["position"]
    weights = []
    for l in range(LAYERS):
        q = jnp.einsum("btd,hde->bhte", x, p["q"][l])
        k = jnp.einsum("btd,hde->bhte", x, p["k"][l])
        w = jax.nn.softmax(jnp.einsum("bhie,bhje->bhij", q, k) / np.sqrt(D), axis=-1)
        x = x + jnp.einsum("bhij,bjd,hde->bie", w, x, p["v"][l])
        weights.append(w)
    return weights, x

def loss(p, batch):
    tokens, value = batch
    scores = attention(p, tokens)[1][:, -1] @ p["out"]
    return optax.softmax_cross_entropy_with_integer_labels(scores, value).mean()

sequences = np.asarray(data(jax.random.key(7))[0][:3])
trainer = scope.Trainer(params=params, loss=loss, data=data, optimizer=0.01, strategy="step")
view = AttentionView(attention=lambda p, tokens: attention(p, tokens)[0], sequences=sequences,
                     tokens=data.vocabulary, sequence=1)

def digest(png):
    return hashlib.sha256(bytes(png)).hexdigest()

trainer.show(views=[view], diagram=False)
"""
PROBE = """
view.wait(10)
print(json.dumps({"status": trainer.status, "step": trainer.current_step, "drawn": view.drawn_step,
                  "refreshes": view.refreshes, "selected": view.selected,
                  "digests": [digest(view.grid_picture.image.value)]          # the pictures on the page
                             + ([digest(view.enlarged_picture.image.value)] if view.selected else []),
                  "grid": digest(view.grid_png(view.compute(trainer.params)["weights"][1])),
                  "title": view.enlarged_figure.title, "heading": view.heading.value,
                  "names": view.names[1], "mosaic": view.mosaic.shape, "tile": T,
                  "origins": [[list(view.mosaic.origin(l, h)) for h in range(HEADS)] for l in range(LAYERS)],
                  "heads": {f"{l},{h}": digest(view.head_png(view.compute(trainer.params)["weights"][1, l, h]))
                            for l in range(LAYERS) for h in range(HEADS)}}))
"""
GRID = f"{VIEWS} .jaxscope-attention-grid"
ENLARGED = f"{VIEWS} .jaxscope-attention-enlarged"
# Whether the enlarged panel is on the page, its title and the tick labels of its x and y axes.
ENLARGED_STATE = """(a) => {
  const figure = document.querySelector(a.enlarged);
  if (!figure) return {shown: false, title: null, ticks: []};
  const ticks = (axis) => axis ? Array.from(axis.querySelectorAll('.tick text')).map((t) => t.textContent) : null;
  const axes = Array.from(figure.querySelectorAll('g.axis'));
  return {shown: figure.getClientRects().length > 0, title: figure.querySelector('.mainheading').textContent,
          ticks: axes.map(ticks)};
}"""
# The tick labels of the grid's axes.
GRID_TICKS = """(a) => Array.from(document.querySelector(a.grid).querySelectorAll('g.axis'))
  .map((axis) => Array.from(axis.querySelectorAll('.tick text')).map((t) => t.textContent))"""


def click_head(nb, state: dict, layer: int, head: int) -> None:
    """A real click on the grid's picture, in the middle of tile (layer, head)."""
    picture = nb.page.locator(f"{GRID} image")
    box = picture.bounding_box()
    rows, columns = state["mosaic"]
    row, column = state["origins"][layer][head]
    half = state["tile"] / 2
    picture.click(position={"x": (column + half) / columns * box["width"], "y": (row + half) / rows * box["height"]})


def enlarged(nb) -> dict:
    return nb.page.evaluate(ENLARGED_STATE, {"enlarged": ENLARGED})


def test_attention_view_follows_training_stops_when_paused_and_a_click_enlarges_a_head(
        jupyter_server_factory, browser_page, add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook, [SETUP, "trainer.start()", PROBE])
    page = nb.page

    # The grid of 2 layers x 3 heads: one picture, the kernel's PNG; the enlarged panel hidden
    nb.wait_until("const v = document.querySelectorAll(args.views);"
                  "return v.length === 1 && v[0].querySelectorAll('.jaxscope-attention-grid image').length === 1",
                  "the attention grid's picture", views=VIEWS)
    state = kernel(nb)
    assert state["selected"] is None and state["digests"] == [state["grid"]]
    wait_digests(nb, 0, state["digests"], "the page to show the kernel's attention grid")
    first = state["digests"][0]
    assert page.evaluate(GRID_TICKS, {"grid": GRID}) == [["head 1", "head 2", "head 3"], ["layer 1", "layer 2"]]
    assert not enlarged(nb)["shown"]
    assert page.locator(f"{VIEWS} .jaxscope-attention-heading").text_content() == text_of(state["heading"])
    assert page.locator(f"{VIEWS} .jaxscope-attention-tokens").text_content() == " ".join(state["names"])

    # trainer.start(): the grid redraws, again and again
    start(nb)
    moving = page.evaluate(SOURCES, {"views": VIEWS, "view": 0})
    for _ in range(2):
        wait_changed(nb, f"({SOURCES})(args)", moving, "the attention grid to redraw while training", views=VIEWS,
                     view=0)
        moving = page.evaluate(SOURCES, {"views": VIEWS, "view": 0})

    # Pause: the page shows the kernel's weights at the paused step, then nothing moves
    pause_latency(nb, 0)      # clicks Pause, waits for the paused status, prints the latency
    state = kernel(nb)
    assert state["status"] == "paused" and state["drawn"] == state["step"] > 0
    assert state["digests"] == [state["grid"]] and state["grid"] != first
    wait_digests(nb, 0, state["digests"], "the page to show the attention grid of the paused step")
    assert f"step {state['step']}" in page.locator(f"{VIEWS} .jaxscope-attention-heading").text_content()
    assert_nothing_moves(nb, state, ("status", "step", "refreshes", "digests"))

    # A click on layer 2, head 1 enlarges it: that head's weights, the tokens on both axes
    names = state["names"]
    for layer, head in [(1, 0), (0, 2)]:
        click_head(nb, state, layer, head)
        title = f"layer {layer + 1} · head {head + 1}"
        nb.wait_until(f"const s = ({ENLARGED_STATE})(args); return s.shown && s.title === args.title",
                      f"the enlarged {title}", enlarged=ENLARGED, title=title)
        clicked = kernel(nb)
        assert clicked["selected"] == [layer, head] and clicked["title"] == title
        assert clicked["digests"] == [state["grid"], state["heads"][f"{layer},{head}"]]
        wait_digests(nb, 0, clicked["digests"], f"the page to show the weights of {title}")
        ticks = enlarged(nb)["ticks"]     # the axes' tick labels: the colour bar's, the tokens across and down
        assert ["0", "0.5", "1"] in ticks and [t for t in ticks if len(t) == len(names)] == [names, names], ticks
        assert page.locator(f"{VIEWS} .jaxscope-attention-heading").text_content() == text_of(clicked["heading"])
        assert text_of(clicked["heading"]).endswith(f"enlarged: {title} (click it to close)")
    page.locator(VIEWS).first.screenshot(path=str(nb.screenshot("attention-view-lab").with_name("attention-view.png")))

    # The same head again closes the panel
    click_head(nb, state, 0, 2)
    nb.wait_until(f"return !({ENLARGED_STATE})(args).shown", "the enlarged head to close", enlarged=ENLARGED)
    assert kernel(nb)["selected"] is None
    nb.assert_clean_console()
