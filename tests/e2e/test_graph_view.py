"""GraphView in a real JupyterLab, in a small notebook that compiles in seconds (a one-layer edge network on
three spring networks, energy from the springs, forces as minus its gradient): the view renders (a panel per
network with as many springs, nodes and arrows as the kernel's graphs have), draws what the kernel computed
(the predicted arrows' coordinates, the nodes' and springs' colours, the energy captions), follows background
training after ``trainer.start()``, and stops changing when the control bar pauses it."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from .notebook_page import NotebookPage
from .test_course_views import (VIEWS, assert_nothing_moves, compact, kernel, open_course_notebook, pixel_map, points,
                                start, text_of, wait_changed)
from .test_quickstart import DASHBOARD, pause_latency, status_of

pytestmark = pytest.mark.timeout(240)

SETUP = """
import json
import jax, jax.numpy as jnp, numpy as np
import jaxscope as scope
from jaxscope.views import GraphView

graphs = {k: np.asarray(v) for k, v in scope.datasets.spring_networks(67)(jax.random.key(0)).items()}
shown = {k: v[64:] for k, v in graphs.items()}
shown["force size"] = np.linalg.norm(shown["forces"], axis=-1)
train = {k: v[:64] for k, v in graphs.items()}

def lengths(positions, g):
    ends = [jnp.take_along_axis(positions, g[key][..., None], 1) for key in ("senders", "receivers")]
    return jnp.sqrt(jnp.where(g["edge_mask"], jnp.sum((ends[0] - ends[1]) ** 2, -1), 1.0))

def spring_energy(p, d, g):
    # a one-layer edge network: each spring's energy from its (k, l, stretch), summed over the real springs
    k, l = g["edge_features"][..., 0], g["edge_features"][..., 1]
    x = jnp.stack([k, l, (d - l) / 0.15], -1)
    return jnp.sum((jnp.tanh(x @ p["w"] + p["b"]) @ p["v"]) * g["edge_mask"], axis=1)

def predict(p, g):
    E, pullback = jax.vjp(lambda r: spring_energy(p, lengths(r, g), g), g["positions"])
    F = -pullback(jnp.ones_like(E))[0]
    tension = jax.grad(lambda d: spring_energy(p, d, g).sum())(lengths(g["positions"], g))
    return {"energy": E, "forces": F, "force size": jnp.linalg.norm(F, axis=-1), "tension": tension * g["edge_mask"]}

def loss(p, g):
    out = predict(p, g)
    return jnp.mean((out["energy"] - g["energy"]) ** 2) + jnp.mean((out["forces"] - g["forces"]) ** 2)

rng = np.random.default_rng(0)
params = {"w": jnp.asarray(rng.normal(size=(3, 8)) / 2, jnp.float32), "b": jnp.zeros(8),
          "v": jnp.asarray(rng.normal(size=8) / 4, jnp.float32)}
trainer = scope.Trainer(params=params, loss=loss, data=train, batch_size=16, optimizer=1e-3, strategy="step")
view = GraphView(graphs=shown, predict=predict, node="force size", edge="tension", vector="forces", graph="energy", count=3)
trainer.show(views=[view], diagram=False)
"""
PROBE = """
view.wait(10)
computed = view.compute(trainer.params)
print(json.dumps({
    "status": trainer.status, "step": trainer.current_step, "drawn": view.drawn_step, "refreshes": view.refreshes,
    "arrows": [np.stack([np.asarray(p["arrows"].x), np.asarray(p["arrows"].y)], -1).tolist() for p in view.panels],
    "truth_arrows": [a.astype(np.float32).tolist() for a in computed["truth_arrows"]],
    "computed_arrows": [a.astype(np.float32).tolist() for a in computed["arrows"]],
    "node_colors": [list(p["nodes"].colors) for p in view.panels], "computed_node_colors": computed["node_colors"],
    "node_truth_colors": computed["node_truth_colors"], "edge_colors": [list(p["edges"].colors) for p in view.panels],
    "edge_truth_colors": computed["edge_truth_colors"], "computed_edge_colors": computed["edge_colors"],
    "captions": [p["caption"].value for p in view.panels], "computed_captions": computed["captions"],
    "heading": view.heading.value, "titles": [p["figure"].title for p in view.panels],
    "nodes": [int(n) for n in shown["nodes"]], "edges": [int(e) for e in shown["edges"]]}))
"""
PANELS = f"{VIEWS} .jaxscope-graph-panel"
# The SVG of panel `a.panel`: its lines (path.line with the curve's label and stroke) and dots (fill), in page order.
DRAWN = """(a) => {
  const panel = document.querySelectorAll(a.panels)[a.panel];
  const curves = Array.from(panel.querySelectorAll('g.curve')).map((c) => ({
    label: c.querySelector('text.curve_label').textContent, d: c.querySelector('path.line').getAttribute('d'),
    stroke: getComputedStyle(c.querySelector('path.line')).stroke}));
  const dots = Array.from(panel.querySelectorAll('path.dot')).map((d) => getComputedStyle(d).fill);
  return { curves, dots, html: panel.outerHTML.length < 400000 ? panel.outerHTML : '' };
}"""


# True when every predicted arrow of panel `a.panel` is drawn within 0.05 px of `a.expected` (n x 5 x 2 pixels).
ARROWS_AT = f"""
  const drawn = ({DRAWN})(args).curves.filter((c) => c.label === 'predicted')
    .map((c) => (c.d.match(/-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?/g) || []).map(Number));
  const want = args.expected;
  return drawn.length === want.length && drawn.every((xy, i) => xy.length === 10
    && xy.every((v, j) => Math.abs(v - want[i][j >> 1][j & 1]) < 0.05));"""


def rgb(colour: str) -> str:
    """'#rrggbb' as the page's computed style writes it."""
    return f"rgb({int(colour[1:3], 16)}, {int(colour[3:5], 16)}, {int(colour[5:7], 16)})"


def drawn(nb: NotebookPage, panel: int) -> dict:
    return nb.page.evaluate(DRAWN, {"panels": PANELS, "panel": panel})


def labelled(found: dict, label: str) -> list[dict]:
    return [c for c in found["curves"] if c["label"] == label]


def arrow_pixels(found: dict, state: dict, panel: int) -> tuple[np.ndarray, tuple]:
    """The expected pixels of the kernel's predicted arrows, on the linear map that put the true arrows
    (fixed, the kernel's) where the page drew them: ((n, 5, 2) pixels, the map)."""
    truth = np.asarray(state["truth_arrows"][panel], np.float64)
    pixels = np.stack([points(c["d"]) for c in labelled(found, "true")])
    assert pixels.shape == truth.shape == (state["nodes"][panel], 5, 2)
    maps = [pixel_map(truth[..., i].ravel(), pixels[..., i].ravel()) for i in (0, 1)]
    predicted = np.asarray(state["arrows"][panel], np.float64)
    return np.stack([maps[i][0] * predicted[..., i] + maps[i][1] for i in (0, 1)], -1), maps


def assert_drawn(nb: NotebookPage, state: dict) -> None:
    """Every panel shows the kernel's graph and prediction: its springs in the true and predicted tension colours,
    its nodes ringed in the true and filled in the predicted force size, the predicted arrows where the kernel put
    them, the energy caption; and what the kernel drew is what it computes from the current parameters."""
    assert state["arrows"] == state["computed_arrows"]
    assert (state["node_colors"], state["edge_colors"]) == (state["computed_node_colors"], state["computed_edge_colors"])
    assert [html.unescape(c) for c in state["captions"]] == state["computed_captions"]
    for k in range(3):
        nodes, edges = state["nodes"][k], state["edges"][k]
        expected, _ = arrow_pixels(drawn(nb, k), state, k)
        nb.wait_until(ARROWS_AT, f"panel {k}'s predicted arrows at the kernel's coordinates", panels=PANELS, panel=k,
                      expected=expected.tolist())
        found = drawn(nb, k)
        assert [c["stroke"] for c in labelled(found, "edge true")] == [rgb(c) for c in state["edge_truth_colors"][k]]
        assert [c["stroke"] for c in labelled(found, "edge predicted")] == [rgb(c) for c in state["edge_colors"][k]]
        assert len(labelled(found, "edge true")) == edges and len(labelled(found, "predicted")) == nodes
        assert found["dots"] == [rgb(c) for c in state["node_truth_colors"][k] + state["node_colors"][k]]
        assert {c["stroke"] for c in labelled(found, "true")} == {"rgb(31, 119, 180)"}
        assert {c["stroke"] for c in labelled(found, "predicted")} == {"rgb(255, 127, 14)"}
    page = nb.page.locator(VIEWS).first
    assert page.locator(".jaxscope-graph-caption").all_text_contents() == state["computed_captions"]
    assert page.locator(".jaxscope-graph-heading").text_content() == text_of(state["heading"])


def test_graph_view_draws_the_kernels_graphs_follows_training_and_stops_when_paused(
        jupyter_server_factory, browser_page, add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook, [SETUP, "trainer.start()", PROBE])
    page = nb.page

    # Three panels, each with a line per spring (true band, predicted core) and per node (true and predicted
    # arrow), and two dots per node (true ring, predicted fill)
    nb.wait_until("return document.querySelectorAll(args.panels).length === 3", "three graph panels", panels=PANELS)
    state = kernel(nb)
    assert (state["status"], state["step"], state["drawn"]) == ("idle", 0, 0)
    assert state["titles"] == [f"graph {k}: {state['nodes'][k]} nodes, {state['edges'][k]} edges" for k in range(3)]
    for k in range(3):
        nodes, edges = state["nodes"][k], state["edges"][k]
        nb.wait_until("const p = document.querySelectorAll(args.panels)[args.panel];"
                      "return p.querySelectorAll('path.line').length === args.lines"
                      " && p.querySelectorAll('path.dot').length === args.dots", f"panel {k}'s springs, nodes and arrows",
                      panels=PANELS, panel=k, lines=2 * edges + 2 * nodes, dots=2 * nodes)
    assert page.locator(f"{PANELS} .mainheading").all_text_contents() == state["titles"]
    assert_drawn(nb, state)
    assert all(re.fullmatch(r"energy: predicted -?[\d.e+-]+ · true [\d.e+-]+", c) for c in state["computed_captions"])

    # trainer.start(): the predicted arrows move, again and again, and the captions follow
    seen = [labelled(drawn(nb, 0), "predicted")]
    captions = page.locator(".jaxscope-graph-caption").all_text_contents()
    start(nb)
    for _ in range(3):
        wait_changed(nb, f"({DRAWN})(args).curves.filter((c) => c.label === 'predicted')", seen[-1],
                     "the predicted arrows to move while training", panels=PANELS, panel=0)
        seen.append(labelled(drawn(nb, 0), "predicted"))
    assert len({compact(s) for s in seen}) == 4
    nb.wait_until("return Array.from(document.querySelectorAll(args.captions)).map((c) => c.textContent).join('|')"
                  " !== args.before", "the energy captions to change while training",
                  captions=f"{VIEWS} .jaxscope-graph-caption", before="|".join(captions))

    # Pause: the page shows the prediction of the paused parameters, then nothing moves
    pause_latency(nb, 0)      # clicks Pause, waits for the paused status, prints the latency
    state = kernel(nb)
    assert state["status"] == "paused" and status_of(page.locator(DASHBOARD).first) == ("paused", state["step"])
    assert state["drawn"] == state["step"] > 0
    nb.wait_until("return Array.from(document.querySelectorAll(args.captions)).map((c) => c.textContent).join('|')"
                  " === args.text", "the captions of the paused step", captions=f"{VIEWS} .jaxscope-graph-caption",
                  text="|".join(state["computed_captions"]))
    assert_drawn(nb, state)
    assert_nothing_moves(nb, state, ("status", "step", "refreshes", "arrows"))
    page.locator(f"{VIEWS}").first.screenshot(path=str(nb.screenshot("graph-view-lab").with_name("graph-view.png")))
    nb.assert_clean_console()
