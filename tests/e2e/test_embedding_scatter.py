"""EmbeddingScatter in a real JupyterLab, on a small notebook that compiles in seconds: 150 noisy peak
curves whose 2-D points an ``update=`` keeps turning about the origin. The view renders one dot per curve,
coloured by its number of peaks, where the kernel's points map through the view's scales; it follows
background training (``trainer.start()``), stops when paused, and a real mouse drag over the dots shows
exactly the curves of the dots under the rectangle beside the plot."""

from __future__ import annotations

import re

import numpy as np
import pytest

from .notebook_page import NotebookPage
from .test_course_views import (PROBE, VIEWS, assert_nothing_moves, compact, kernel, open_course_notebook, points,
                                start, text_of, wait_changed)
from .test_quickstart import pause_latency

pytestmark = pytest.mark.timeout(240)

N = 150
SETUP = f"""
import json
import jax, jax.numpy as jnp, numpy as np
import jaxscope as scope
from jaxscope.views import EmbeddingScatter

x, peaks = scope.datasets.multi_peak_traces({N}, max_peaks=3, noise=0.05)(jax.random.key(0))
x, peaks = np.asarray(x), np.asarray(peaks[:, 0])
centred = x - x.mean(axis=0)
start = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T     # the curves' PCA plane

def orbit(state, batch, key):
    # an update that moves the points for ever: a slow turn about the origin
    c, s = jnp.cos(2e-3), jnp.sin(2e-3)
    y = state["y"] @ jnp.array([[c, s], [-s, c]])
    return {{"y": y}}, {{"loss": jnp.mean(y ** 2)}}

trainer = scope.Trainer(state={{"y": jnp.asarray(start, jnp.float32)}}, update=orbit, params=lambda s: s["y"],
                        strategy="step")
view = EmbeddingScatter(samples=x, labels=peaks, label_names=["1 peak", "2 peaks", "3 peaks"], color_label="peaks",
                        sample_x=np.linspace(-1, 1, 100), sample_label="x", title="orbit")
trainer.show(views=[view], diagram=False)
"""
PROBE_CELL = """
view.wait(10)
shown = view.selected[:8]
print(json.dumps({
    "status": trainer.status, "step": trainer.current_step, "drawn": view.drawn_step, "refreshes": view.refreshes,
    "points": np.asarray(trainer.params, np.float32).tolist(), "classes": view.classes[1].tolist(),
    "colours": scope.views.embedding_scatter.CLASS_COLOURS[:3],
    "domain": [view.sx.min, view.sx.max, view.sy.min, view.sy.max], "title": view.figure.title,
    "selected": view.selected, "label": view.selection_label.value,
    "curves": view.curves.y.tolist() if view.curves.visible else [], "traces": x[shown].tolist()}))
"""
# Each dot's translate(x, y) within the plot area of the view's first figure, in data order.
DOTS = """(a) => Array.from(document.querySelectorAll(a.views)[0].querySelectorAll('.bqplot.figure')[0]
  .querySelectorAll('path.dot')).map((p) => p.parentNode.getAttribute('transform'))"""
FILLS = """(a) => Array.from(document.querySelectorAll(a.views)[0].querySelectorAll('.bqplot.figure')[0]
  .querySelectorAll('path.dot')).map((p) => getComputedStyle(p).fill)"""
# The plot area of that figure: its size, and its top-left corner on the screen.
AREA = """(a) => { const r = document.querySelectorAll(a.views)[0].querySelectorAll('.bqplot.figure')[0]
  .querySelector('rect.plotarea_background'); const b = r.getBoundingClientRect();
  return [Number(r.getAttribute('width')), Number(r.getAttribute('height')), b.left, b.top]; }"""
# The `d` of every curve drawn in the second figure (the selected samples), as laid out on the page.
CURVES = """(a) => Array.from(document.querySelectorAll(a.views)[0].querySelectorAll('.bqplot.figure')[1]
  .querySelectorAll('path.line')).filter((p) => p.getClientRects().length > 0).map((p) => p.getAttribute('d'))"""


def dots(nb: NotebookPage) -> np.ndarray:
    """(N, 2) pixel positions of the dots in the plot area, in data order."""
    found = nb.page.evaluate(DOTS, {"views": VIEWS})
    return np.array([[float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", t)[:2]] for t in found])


def away_from_dots(pixels: np.ndarray, x0: float, x1: float, y0: float, y1: float, gap: float = 3.0):
    """The rectangle grown edge by edge until no dot lies within ``gap`` pixels of an edge: the brush's own
    pixel-to-data rounding then cannot put a dot on the other side of it than the test does."""
    def near(edge, along, across, lo, hi):
        spans = (pixels[:, across] > lo - gap) & (pixels[:, across] < hi + gap)
        return np.any(spans & (np.abs(pixels[:, along] - edge) < gap))
    for _ in range(200):
        if near(x0, 0, 1, y0, y1):
            x0 -= 1
        elif near(x1, 0, 1, y0, y1):
            x1 += 1
        elif near(y0, 1, 0, x0, x1):
            y0 -= 1
        elif near(y1, 1, 0, x0, x1):
            y1 += 1
        else:
            return x0, x1, y0, y1
    raise AssertionError("no rectangle with edges clear of the dots")


def expected_pixels(nb: NotebookPage, state: dict) -> np.ndarray:
    """Where the kernel's points land on a plot area of the page's size through the view's scales."""
    width, height, _, _ = nb.page.evaluate(AREA, {"views": VIEWS})
    x0, x1, y0, y1 = state["domain"]
    xy = np.asarray(state["points"], np.float64)
    return np.stack([(xy[:, 0] - x0) / (x1 - x0) * width, (y1 - xy[:, 1]) / (y1 - y0) * height], axis=1)


def assert_points_drawn(nb: NotebookPage, state: dict) -> None:
    """The page's dots are the kernel's points of the drawn step, mapped through the view's scales."""
    np.testing.assert_allclose(dots(nb), expected_pixels(nb, state), atol=0.05)


def wait_points_drawn(nb: NotebookPage, state: dict) -> None:
    want = expected_pixels(nb, state)
    nb.wait_until(f"""const got = ({DOTS})(args)
        .map((t) => t.match(/-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?/g).slice(0, 2).map(Number));
      return got.length === args.want.length && got.every((p, k) =>
        Math.abs(p[0] - args.want[k][0]) < 0.05 && Math.abs(p[1] - args.want[k][1]) < 0.05);""",
                  "the dots at the kernel's points", views=VIEWS, want=want.tolist())
    assert_points_drawn(nb, state)


def test_embedding_scatter_follows_training_stops_when_paused_and_the_brush_shows_those_curves(
        jupyter_server_factory, browser_page, add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook,
                              [SETUP, "trainer.start()", PROBE_CELL])
    page = nb.page
    assert PROBE == 2

    # One dot per curve, at the kernel's points, coloured by its class; the legend names the classes
    nb.wait_until(f"return document.querySelectorAll(args.views).length === 1 && ({DOTS})(args).length === {N}",
                  f"{N} dots", views=VIEWS)
    state = kernel(nb)
    assert (state["status"], state["step"], state["drawn"]) == ("idle", 0, 0)
    wait_points_drawn(nb, state)
    rgb = [tuple(int(c[k:k + 2], 16) for k in (1, 3, 5)) for c in state["colours"]]
    assert page.evaluate(FILLS, {"views": VIEWS}) == [f"rgb({r}, {g}, {b})" for r, g, b in
                                                       (rgb[c] for c in state["classes"])]
    view = page.locator(VIEWS).first
    assert view.locator(".jaxscope-legend").text_content() == "peaks: ● 1 peak ● 2 peaks ● 3 peaks"
    assert view.locator(".bqplot.figure").first.locator(".mainheading").text_content() == state["title"] == \
        f"orbit · {N} points · step 0"

    # trainer.start(): the dots move, again and again
    start(nb)
    seen = [page.evaluate(DOTS, {"views": VIEWS})]
    for _ in range(3):
        wait_changed(nb, f"({DOTS})(args)", seen[-1], "the dots to move while training", views=VIEWS)
        seen.append(page.evaluate(DOTS, {"views": VIEWS}))
    assert len({tuple(s) for s in seen}) == 4

    # Pause: the dots are the kernel's points of the paused step, the heading says which, then nothing moves
    pause_latency(nb, 0)      # clicks Pause, waits for the paused status, prints the latency
    state = kernel(nb)
    assert state["status"] == "paused" and state["drawn"] == state["step"] > 0
    wait_points_drawn(nb, state)
    nb.wait_until("return document.querySelectorAll(args.views)[0].querySelector('.mainheading').textContent"
                  " === args.title", "the heading to name the paused step", views=VIEWS, title=state["title"])
    assert state["title"] == f"orbit · {N} points · step {state['step']}"
    assert_nothing_moves(nb, state, ("status", "step", "refreshes", "points"))

    # A real drag over a rectangle around the dot nearest the middle (away from the figure's toolbar, top
    # right): the dots under it are selected, and their curves show beside the plot
    view.locator(".bqplot.figure").first.scroll_into_view_if_needed()
    width, height, left, top = page.evaluate(AREA, {"views": VIEWS})
    pixels = dots(nb)
    middle = int(np.argmin(np.sum((pixels - [width / 2, height / 2]) ** 2, axis=1)))
    (cx, cy), (dx, dy) = pixels[middle], (0.15 * width, 0.15 * height)
    x0, x1, y0, y1 = away_from_dots(pixels, cx - dx, cx + dx, cy - dy, cy + dy)
    inside = np.flatnonzero((pixels[:, 0] > x0) & (pixels[:, 0] < x1) & (pixels[:, 1] > y0) & (pixels[:, 1] < y1))
    assert middle in inside and len(inside) < N
    page.mouse.move(left + x0, top + y0)
    page.mouse.down()
    page.mouse.move(left + (x0 + x1) / 2, top + (y0 + y1) / 2, steps=5)
    page.mouse.move(left + x1, top + y1, steps=5)
    page.mouse.up()
    label = f"{len(inside)} selected" + (" · showing 8" if len(inside) > 8 else "")
    nb.wait_until("return document.querySelectorAll(args.views)[0].querySelector('.jaxscope-selection').textContent"
                  " === args.label", "the brushed dots to be counted", views=VIEWS, label=label)
    shown = min(len(inside), 8)
    nb.wait_until(f"return ({CURVES})(args).length === {shown}", f"the {shown} selected curves", views=VIEWS)
    brushed = kernel(nb)
    assert sorted(brushed["selected"]) == inside.tolist()        # exactly the dots under the rectangle
    assert view.locator(".jaxscope-selection").text_content() == text_of(brushed["label"]) == label
    assert brushed["curves"] == brushed["traces"]                # the view shows those samples' curves
    # and the page draws them: every curve's y pixels are its samples on one linear scale
    drawn = [points(d) for d in page.evaluate(CURVES, {"views": VIEWS})]
    assert [len(d) for d in drawn] == [100] * shown
    values, ys = np.concatenate(brushed["traces"]), np.concatenate([d[:, 1] for d in drawn])
    slope, offset = np.polyfit(values, ys, 1)
    assert slope < 0 and np.max(np.abs(slope * values + offset - ys)) < 0.05
    assert compact(brushed["points"]) == compact(state["points"])   # brushing moved nothing
    view.screenshot(path=str(nb.screenshot("embedding-scatter-lab").with_name("embedding-scatter-brush.png")))
    nb.assert_clean_console()
