"""The course views in a real JupyterLab, each in a small notebook that compiles in seconds: they render,
follow background training (``trainer.start()``), stop when the control bar pauses it, and draw what the
kernel computed. A tanh RNN's SequencePlot and ProbePanel (an input drawn with the mouse reaches the
kernel, the response to it redraws, the superposition check agrees with the kernel); a classifier's
ConfusionMatrix (its counts are the kernel's, a click on a cell shows that cell's samples); a conv
autoencoder's ActivationGrid and image-to-image ImageGrid, and its LatentGrid (the page holds the
kernel's very PNGs, before, during and after training)."""

from __future__ import annotations

import html
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest

from .notebook_page import NotebookPage
from .test_quickstart import DASHBOARD, pause_latency, status_of, wait_status

pytestmark = pytest.mark.timeout(240)

TESTS = Path(__file__).resolve().parents[1]
VIEWS = f"{DASHBOARD} .jaxscope-views > .jaxscope-view"
SETUP, START, PROBE = 0, 1, 2      # the cells of every notebook here: set-up and show, trainer.start(), a probe
_WAITS = itertools.count()

# The <path> of the bqplot Lines mark labelled `a.label` in figure `a.figure` of view `a.view`.
PATH = """(a) => {
  const figure = document.querySelectorAll(a.views)[a.view].querySelectorAll('.bqplot.figure')[a.figure];
  const curves = Array.from(figure.querySelectorAll('g.curve'));
  const curve = curves.find((c) => c.querySelector('text.curve_label').textContent === a.label);
  return curve ? curve.querySelector('path.line') : null;
}"""
# That line's `d`.
CURVE = f"(a) => {{ const path = ({PATH})(a); return path ? path.getAttribute('d') : null; }}"
# The screen matrix (a, b, c, d, e, f) of that line's coordinates: client = (a x + c y + e, b x + d y + f).
CURVE_CTM = f"(a) => {{ const m = ({PATH})(a).getScreenCTM(); return [m.a, m.b, m.c, m.d, m.e, m.f]; }}"
# The labels of the lines one sees in figure `a.figure` of view `a.view` (a hidden mark: display none, no box).
VISIBLE_CURVES = """(a) => Array.from(document.querySelectorAll(a.views)[a.view]
  .querySelectorAll('.bqplot.figure')[a.figure].querySelectorAll('g.curve'))
  .filter((curve) => curve.querySelector('path.line').getClientRects().length > 0)
  .map((curve) => curve.querySelector('text.curve_label').textContent)"""
# The image sources of view `a.view` in page order: <img> widgets and bqplot <image> marks.
SOURCES = """(a) => Array.from(document.querySelectorAll(a.views)[a.view].querySelectorAll('img, image'))
  .map((el) => el.getAttribute('src') || el.getAttribute('href'))"""
# SHA-256 of the bytes behind each of those sources (null while one is being replaced).
DIGESTS = """async (a) => {
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
  try {
    const out = [];
    for (const url of (%s)(a)) {
      out.push(hex(await crypto.subtle.digest('SHA-256', await (await fetch(url)).arrayBuffer())));
    }
    return out;
  } catch (error) { return null; }
}""" % SOURCES
# Count every DOM change under the views from now on (read with MUTATIONS_SEEN).
WATCH_MUTATIONS = """(views) => {
  const row = document.querySelector(views).parentElement;
  window.__courseMutations = 0;
  if (window.__courseObserver) window.__courseObserver.disconnect();
  window.__courseObserver = new MutationObserver((records) => { window.__courseMutations += records.length; });
  window.__courseObserver.observe(row, { attributes: true, childList: true, subtree: true, characterData: true });
}"""
MUTATIONS_SEEN = "() => { window.__courseObserver.disconnect(); return window.__courseMutations; }"


# ---- helpers -------------------------------------------------------------------------------------
def open_course_notebook(jupyter_server_factory, browser_page, add_notebook, cells: list[str]) -> NotebookPage:
    """``cells`` (set-up, start, probe) in JupyterLab with only the set-up cell run and its widgets drawn."""
    server = jupyter_server_factory(ui="lab")
    page, log = browser_page
    nb = NotebookPage(page, server, log)
    nb.open(add_notebook(server, cells))
    nb.run_cell(SETUP)
    nb.wait_cell_done(SETUP, timeout=120)
    nb.wait_widgets_rendered()
    return nb


def kernel(nb: NotebookPage) -> dict:
    """Run the probe cell; the JSON line it prints."""
    nb.run_cell(PROBE)
    nb.wait_cell_done(PROBE, timeout=60)
    return json.loads(nb.cell_text(PROBE))


def start(nb: NotebookPage) -> None:
    nb.run_cell(START)
    nb.wait_cell_done(START)
    wait_status(nb, 0, "running")


def curve(nb: NotebookPage, view: int, figure: int, label: str) -> str:
    found = nb.page.evaluate(CURVE, {"views": VIEWS, "view": view, "figure": figure, "label": label})
    assert found is not None, f"no line labelled {label!r} in figure {figure} of view {view}"
    return found


def points(d: str) -> np.ndarray:
    """The (x, y) vertices of an SVG path drawn as M x,y L x,y ..., shape (n, 2)."""
    return np.array(re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", d), dtype=np.float64).reshape(-1, 2)


def pixel_map(values: np.ndarray, pixels: np.ndarray) -> tuple[float, float]:
    """(slope, offset) of the linear scale that put ``values`` at ``pixels``."""
    slope, offset = np.polyfit(values, pixels, 1)
    assert np.max(np.abs(slope * values + offset - pixels)) < 0.05, "the line is not drawn on one linear scale"
    return float(slope), float(offset)


def compact(value) -> str:
    """``value`` as JSON.stringify writes it, to compare with a page value."""
    return json.dumps(value, separators=(",", ":"))


def wait_changed(nb: NotebookPage, body: str, before, what: str, timeout: float = 30, **args) -> None:
    """Wait until JS ``body`` (an expression over ``args``) differs from ``before``."""
    nb.wait_until(f"return JSON.stringify({body}) !== args.before;", what, timeout=timeout,
                  before=compact(before), **args)


def wait_digests(nb: NotebookPage, view: int, digests: list[str], what: str, timeout: float = 30) -> None:
    """Wait until the images of ``view`` on the page are, byte for byte, the kernel's PNGs ``digests``.

    The digests are computed asynchronously (a polled predicate's promise is not awaited): each poll
    reads the last finished computation and starts the next one."""
    nb.wait_until(f"""
      const state = window[args.key] || (window[args.key] = {{ busy: false, found: null }});
      if (!state.busy) {{
        state.busy = true;
        ({DIGESTS})(args).then((found) => {{ state.found = found; state.busy = false; }});
      }}
      return JSON.stringify(state.found) === args.digests;""",
                  what, timeout=timeout, views=VIEWS, view=view, digests=compact(digests),
                  key=f"__courseDigests{next(_WAITS)}")


def text_of(value: str) -> str:
    """What an HTML widget's value reads as on the page."""
    return html.unescape(re.sub(r"<[^>]+>", "", value))


def assert_nothing_moves(nb: NotebookPage, paused: dict, keys: tuple[str, ...]) -> None:
    """Paused: no DOM change under the views for an observation window (four refresh intervals), and the
    kernel's views have not redrawn meanwhile."""
    nb.page.evaluate(WATCH_MUTATIONS, VIEWS)
    nb.page.wait_for_timeout(2000)  # an observation window: nothing may move while paused
    assert nb.page.evaluate(MUTATIONS_SEEN) == 0
    after = kernel(nb)
    assert {k: after[k] for k in keys} == {k: paused[k] for k in keys}


# ---- a tanh RNN: SequencePlot and ProbePanel -------------------------------------------------------
RNN_SETUP = f"""
import json, sys
sys.path.insert(0, {str(TESTS)!r})
import jax.numpy as jnp, numpy as np
import jaxscope as scope
from jaxscope.views import ProbePanel, SequencePlot
from sequence_models import numpy_rnn, rnn, rnn_params

def smoothed(x):            # the target: a low-pass filter of the input, y_t = 0.8 y_(t-1) + 0.4 x_t
    y = np.zeros_like(x)
    for t in range(x.shape[1]):
        y[:, t] = (0.8 * y[:, t - 1] if t else 0) + 0.4 * x[:, t]
    return y

rng = np.random.default_rng(0)
x, xv = (np.repeat(rng.choice([-1.0, 0.0, 1.0], size=(n, 6, 1)), 5, axis=1).astype(np.float32) for n in (256, 32))
trainer = scope.Trainer(params=rnn_params(0, hidden=8, scale=0.5),
                        loss=lambda p, b: jnp.mean((rnn(p, b[0]) - b[1]) ** 2), data=(x, smoothed(x)), batch_size=32,
                        validation=(xv, smoothed(xv)), optimizer=3e-3, apply=rnn, strategy="step")
sequences = SequencePlot(samples=3)
probe = ProbePanel(amplitude=1.0, probe="step at t=10")
trainer.show(views=[sequences, probe], diagram=False)
"""
RNN_PROBE = """
sequences.wait(10); probe.wait(10)
a, b, both, zero = numpy_rnn(trainer.params, np.stack([probe.probe, probe.second, probe.probe + probe.second,
                                                       np.zeros(probe.length)])[:, :, None])[:, :, 0]
print(json.dumps({
    "status": trainer.status, "step": trainer.current_step, "drawn": [sequences.drawn_step, probe.drawn_step],
    "refreshes": [sequences.refreshes, probe.refreshes], "heading": sequences.heading.value,
    "readout": probe.readout.value, "inputs": sequences.inputs.tolist(), "targets": sequences.targets.tolist(),
    "prediction": [line.y.tolist() for *_, line in sequences.panels],
    "computed": sequences.compute(trainer.params)["prediction"].astype(np.float32).tolist(),
    "input": probe.probe.tolist(), "preset": probe.preset.value,
    "input_range": [probe.drawn.scales["y"].min, probe.drawn.scales["y"].max],
    "response_range": [probe.response_scale.min, probe.response_scale.max],
    "response": probe.response_line.y.tolist(),
    "numpy_response": numpy_rnn(trainer.params, probe.probe[None, :, None])[0, :, 0].tolist(),
    "numpy_rms": float(np.sqrt(np.mean((both - (a + b - zero)) ** 2)))}))
"""
T = 30


def assert_predictions_drawn(nb: NotebookPage, state: dict) -> None:
    """Each SequencePlot panel's orange line is the kernel's prediction, on the scale of its input and target."""
    for k, prediction in enumerate(state["prediction"]):
        known = np.r_[state["inputs"][k], state["targets"][k]]
        drawn = np.r_[points(curve(nb, 0, k, "input"))[:, 1], points(curve(nb, 0, k, "target"))[:, 1]]
        slope, offset = pixel_map(known, drawn)
        line = points(curve(nb, 0, k, "prediction"))
        assert line.shape == (T, 2)
        np.testing.assert_allclose(line[:, 0], points(curve(nb, 0, k, "input"))[:, 0], atol=1e-6)
        np.testing.assert_allclose(line[:, 1], slope * np.asarray(prediction) + offset, atol=0.05)


def test_sequence_plot_and_probe_panel_follow_training_stop_when_paused_and_take_a_drawn_input(
        jupyter_server_factory, browser_page, add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook,
                              [RNN_SETUP, "trainer.start()", RNN_PROBE])
    page = nb.page

    # Two views: three sequence panels (input, target, prediction) and the probe's input and response figures
    nb.wait_until("const v = document.querySelectorAll(args.views);"
                  "return v.length === 2 && v[0].querySelectorAll('.jaxscope-sequence-panel path.line').length === 9"
                  " && v[1].querySelectorAll('.jaxscope-probe-input path.line').length === 2"
                  " && v[1].querySelectorAll('.jaxscope-probe-response path.line').length === 4",
                  "a SequencePlot of 3 panels and a ProbePanel", views=VIEWS)
    state = kernel(nb)
    assert (state["status"], state["step"], state["drawn"]) == ("idle", 0, [0, 0])
    assert_predictions_drawn(nb, state)
    heading = page.locator(VIEWS).first.locator(".jaxscope-sequence-heading")
    assert heading.text_content() == text_of(state["heading"])
    assert re.fullmatch(r"sequences · validation \(3 sequences\) · MSE \d\.\d+", heading.text_content())

    # trainer.start(): the predictions and the probe's response redraw, again and again
    seen = [curve(nb, 0, 0, "prediction")]
    response = curve(nb, 1, 1, "response")
    start(nb)
    for _ in range(3):
        wait_changed(nb, f"({CURVE})(args)", seen[-1], "the prediction to move while training",
                     views=VIEWS, view=0, figure=0, label="prediction")
        seen.append(curve(nb, 0, 0, "prediction"))
    assert len(set(seen)) == 4
    wait_changed(nb, f"({CURVE})(args)", response, "the probe response to move while training",
                 views=VIEWS, view=1, figure=1, label="response")

    # Pause: both views draw the parameters training stopped at, then nothing moves
    pause_latency(nb, 0)      # clicks Pause, waits for the paused status, prints the latency
    state = kernel(nb)
    assert state["status"] == "paused" and status_of(page.locator(DASHBOARD).first) == ("paused", state["step"])
    assert state["drawn"] == [state["step"], state["step"]]
    assert state["prediction"] == state["computed"]          # the parameters of the paused step
    nb.wait_until("return document.querySelector(args.heading).textContent === args.text",
                  "the heading to show the paused MSE", heading=f"{VIEWS} .jaxscope-sequence-heading",
                  text=text_of(state["heading"]))
    nb.wait_until("return document.querySelectorAll(args.views)[1].querySelector('.jaxscope-probe-readout')"
                  ".textContent === args.text", "the probe readout to show the paused step", views=VIEWS,
                  text=f"probe response · a: step at t=10 · step {state['step']}")
    assert_predictions_drawn(nb, state)
    assert_nothing_moves(nb, state, ("status", "step", "refreshes"))

    # Draw with the mouse on the input figure: 0.8 over t = 4…12, -0.6 over t = 13…24
    figure = page.locator(VIEWS).nth(1).locator(".jaxscope-probe-input")
    figure.scroll_into_view_if_needed()
    line = points(curve(nb, 1, 0, "input"))
    x_slope, x_offset = pixel_map(np.arange(T, dtype=np.float64), line[:, 0])
    y_slope, y_offset = pixel_map(np.asarray(state["input"]), line[:, 1])
    a, b, c, d, e, f = page.evaluate(CURVE_CTM, {"views": VIEWS, "view": 1, "figure": 0, "label": "input"})

    def client(t: float, value: float) -> tuple[float, float]:
        x, y = x_slope * t + x_offset, y_slope * value + y_offset
        return a * x + c * y + e, b * x + d * y + f

    high, low = 0.8, -0.6
    before = curve(nb, 1, 1, "response")
    page.mouse.move(*client(4.2, high))
    page.mouse.down()
    for t in range(5, 14):
        page.mouse.move(*client(t + 0.2, high))
    for t in range(14, 25):
        page.mouse.move(*client(t + 0.2, low))
    page.mouse.up()

    # The kernel gets the drawn input, computes the response to it, and the page redraws it
    nb.wait_until("return document.querySelectorAll(args.views)[1].querySelector('.jaxscope-probe-readout')"
                  ".textContent.includes('a: drawn by hand')", "the readout to name the drawn input", views=VIEWS)
    wait_changed(nb, f"({CURVE})(args)", before, "the response to the drawn input",
                 views=VIEWS, view=1, figure=1, label="response")
    drawn = kernel(nb)
    assert drawn["preset"] == "drawn by hand" and drawn["step"] == state["step"]
    got, preset, pixel = np.asarray(drawn["input"]), np.asarray(state["input"]), 1.0 / abs(y_slope)
    np.testing.assert_allclose(got[4:12], high, atol=pixel)
    np.testing.assert_allclose(got[14:25], low, atol=pixel)
    assert all(min(abs(got[k] - high), abs(got[k] - low)) <= pixel for k in (12, 13))   # where the stroke turned
    np.testing.assert_array_equal(got[:4], preset[:4])
    np.testing.assert_array_equal(got[25:], preset[25:])
    np.testing.assert_allclose(drawn["response"], drawn["numpy_response"], atol=1e-4)
    assert drawn["refreshes"][0] == state["refreshes"][0]           # only the probe redrew
    # the response line on the page is the kernel's response, on the response figure's scale
    lo, hi = drawn["input_range"]
    r_lo, r_hi = drawn["response_range"]
    bottom, top = y_slope * lo + y_offset, y_slope * hi + y_offset   # both figures have the same plot area
    response_line = points(curve(nb, 1, 1, "response"))
    np.testing.assert_allclose(response_line[:, 0], line[:, 0], atol=1e-6)
    expected = bottom + (np.asarray(drawn["response"]) - r_lo) / (r_hi - r_lo) * (top - bottom)
    np.testing.assert_allclose(response_line[:, 1], expected, atol=0.05)

    # The superposition check: r(a+b) against r(a)+r(b)-r(0) in place of the response, their RMS difference
    # in the readout as numpy computes it
    figure_args = {"views": VIEWS, "view": 1, "figure": 1}
    assert page.evaluate(VISIBLE_CURVES, figure_args) == ["zero input", "response"]
    page.locator(VIEWS).nth(1).locator(".jaxscope-probe-superposition").click()
    nb.wait_until(f"return JSON.stringify(({VISIBLE_CURVES})(args)) === args.shown", "the superposition lines",
                  shown=compact(["r(a+b)", "r(a)+r(b)-r(0)"]), **figure_args)
    readout = page.locator(VIEWS).nth(1).locator(".jaxscope-probe-readout")
    nb.wait_until("return document.querySelectorAll(args.views)[1].querySelector('.jaxscope-probe-readout')"
                  ".textContent.includes('RMS difference')", "the superposition readout", views=VIEWS)
    checked = kernel(nb)
    assert readout.text_content() == text_of(checked["readout"])
    found = re.fullmatch(r"probe response · a: drawn by hand · b: step at t=10 · RMS difference (\S+) "
                         r"\((\S+) % of the response\) · step (\d+)", readout.text_content())
    assert found and int(found.group(3)) == state["step"], readout.text_content()
    assert float(found.group(1)) == pytest.approx(checked["numpy_rms"], rel=5e-3)
    page.locator(VIEWS).nth(1).screenshot(path=str(nb.screenshot("probe-panel-lab").with_name("probe-panel-drawn.png")))
    nb.assert_clean_console()


# ---- a classifier: ConfusionMatrix -------------------------------------------------------------------
CLASSIFIER_SETUP = """
import json
import jax.numpy as jnp, numpy as np, optax
import jaxscope as scope
from jaxscope.views import ConfusionMatrix

def bars(n, seed):
    # 8 x 8 images of 3 classes under heavy noise: a bright row 2, a bright column 5, the diagonal
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    patterns = np.zeros((3, 8, 8), np.float32)
    patterns[0, 2, :], patterns[1, :, 5], patterns[2] = 1.0, 1.0, np.eye(8)
    return (patterns[labels] + 1.2 * rng.normal(size=(n, 8, 8))).astype(np.float32), labels

def classify(p, x):
    return x.reshape(len(x), -1) @ p["W"] + p["b"]

def cross_entropy(p, batch):
    x, labels = batch
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(classify(p, x), labels))

rng = np.random.default_rng(1)
x_val, labels_val = validation = bars(60, 3)
trainer = scope.Trainer(params={"W": jnp.asarray(0.3 * rng.normal(size=(64, 3)), jnp.float32), "b": jnp.zeros(3)},
                        loss=cross_entropy, data=bars(512, 2), batch_size=16, validation=validation,
                        optimizer=optax.sgd(1e-3), apply=classify, strategy="step")
matrix = ConfusionMatrix(classes=["row", "column", "diagonal"], samples=60, gallery=60)
trainer.show(views=[matrix], diagram=False)
"""
CLASSIFIER_PROBE = """
matrix.wait(10)
predicted = np.argmax(np.asarray(classify(trainer.params, x_val)), axis=1)     # the kernel's own count
counts = np.bincount(labels_val * 3 + predicted, minlength=9).reshape(3, 3)
print(json.dumps({
    "status": trainer.status, "step": trainer.current_step, "drawn": matrix.drawn_step, "refreshes": matrix.refreshes,
    "counts": counts.tolist(), "view_counts": matrix.compute(trainer.params)["counts"].tolist(),
    "members": [[np.flatnonzero((labels_val == r) & (predicted == c)).tolist() for c in range(3)] for r in range(3)],
    "heading": matrix.heading.value, "cell": matrix.cell, "shown": matrix.shown,
    "label": matrix.selection_label.value}))
"""
# The counts on the matrix's buttons, (3, 3).
CELLS = """(a) => Array.from({length: 3}, (_, r) => Array.from({length: 3}, (_, c) => Number(document
  .querySelector(a.views).querySelector(`.jaxscope-confusion-cell.jaxscope-cell-${r}-${c}`).textContent)))"""
# The gallery items one sees: [caption, whether its picture has a source].
GALLERY = """(a) => Array.from(document.querySelector(a.views).querySelectorAll('.jaxscope-gallery-item'))
  .filter((item) => getComputedStyle(item).display !== 'none')
  .map((item) => [item.querySelector('.jaxscope-caption').textContent,
                  Boolean(item.querySelector('img').getAttribute('src'))])"""


def counts_of(state: dict) -> np.ndarray:
    return np.asarray(state["counts"])


def test_confusion_matrix_follows_training_agrees_with_the_kernel_and_a_click_shows_that_cells_samples(
        jupyter_server_factory, browser_page, add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook,
                              [CLASSIFIER_SETUP, "trainer.start()", CLASSIFIER_PROBE])
    page = nb.page
    view = page.locator(VIEWS).first

    # A 3 x 3 grid of buttons whose counts are the kernel's and add up to the 60 samples
    nb.wait_until("return document.querySelectorAll(args.views).length === 1"
                  " && document.querySelectorAll(args.views + ' .jaxscope-confusion-cell').length === 9",
                  "a confusion matrix of 9 cells", views=VIEWS)
    state = kernel(nb)
    assert state["view_counts"] == state["counts"] and sum(map(sum, state["counts"])) == 60
    assert page.evaluate(CELLS, {"views": VIEWS}) == state["counts"]
    correct = sum(state["counts"][k][k] for k in range(3))
    heading = view.locator(".widget-html-content").first
    assert heading.text_content() == (f"confusion matrix · validation (60 samples) · accuracy "
                                      f"{100 * correct / 60:.1f} % ({correct} / 60)")

    # trainer.start(): the counts change while it trains
    start(nb)
    wait_changed(nb, f"({CELLS})(args)", state["counts"], "the counts to change while training", views=VIEWS)

    # Pause: the page shows the counts of the paused parameters, then nothing moves
    pause_latency(nb, 0)      # clicks Pause, waits for the paused status, prints the latency
    state = kernel(nb)
    assert state["status"] == "paused" and state["drawn"] == state["step"] > 0
    assert state["view_counts"] == state["counts"] and sum(map(sum, state["counts"])) == 60
    nb.wait_until(f"return JSON.stringify(({CELLS})(args)) === args.counts", "the paused counts on the page",
                  views=VIEWS, counts=compact(state["counts"]))
    nb.wait_until("return document.querySelector(args.views + ' .widget-html-content').textContent === args.text",
                  "the paused accuracy in the heading", views=VIEWS, text=text_of(state["heading"]))
    assert_nothing_moves(nb, state, ("status", "step", "refreshes", "counts"))
    # unclicked, it shows the largest confusion's samples
    r, c = state["cell"]
    assert counts_of(state)[r, c] == max(counts_of(state)[i, j] for i in range(3) for j in range(3) if i != j)
    assert view.locator(".jaxscope-selection").text_content() == text_of(state["label"])
    assert [caption.split("p(")[0] for caption, _ in page.evaluate(GALLERY, {"views": VIEWS})] == [
        f"#{i}" for i in state["members"][r][c]]

    # A click on a cell shows exactly that cell's samples: the largest diagonal cell, then a confusion
    counts = counts_of(state)
    diagonal = int(np.argmax(np.diag(counts)))
    off = [(r, c) for r in range(3) for c in range(3) if r != c and counts[r, c] > 0 and [r, c] != state["cell"]]
    assert off, f"no misclassified sample outside the selected cell: {state['counts']}"
    names = ["row", "column", "diagonal"]
    for r, c in [(diagonal, diagonal), off[0]]:
        n, members = int(counts[r, c]), state["members"][r][c]
        view.locator(f".jaxscope-confusion-cell.jaxscope-cell-{r}-{c}").click()
        label = f"true {names[r]} · predicted {names[c]}: {n} sample{'' if n == 1 else 's'}"
        nb.wait_until("return document.querySelector(args.views + ' .jaxscope-selection').textContent === args.label"
                      f" && ({GALLERY})(args).length === args.n", f"the {n} samples of cell ({r}, {c})",
                      views=VIEWS, label=label, n=n)
        gallery = page.evaluate(GALLERY, {"views": VIEWS})
        assert [caption.split("p(")[0] for caption, _ in gallery] == [f"#{i}" for i in members]
        assert all(has_image for _, has_image in gallery)
        assert view.locator(".jaxscope-confusion-cell.jaxscope-selected").count() == 1
        assert "jaxscope-selected" in view.locator(f".jaxscope-cell-{r}-{c}").get_attribute("class")
        clicked = kernel(nb)
        assert (clicked["cell"], clicked["shown"], text_of(clicked["label"])) == ([r, c], members, label)
    view.screenshot(path=str(nb.screenshot("confusion-matrix-lab").with_name("confusion-matrix-click.png")))
    nb.assert_clean_console()


# ---- a conv autoencoder: ActivationGrid, image-to-image ImageGrid, LatentGrid --------------------------
AUTOENCODER_SETUP = """
import hashlib, json
import ipywidgets, jax, jax.numpy as jnp, numpy as np
import jaxscope as scope
from jaxscope.views import ActivationGrid, ImageGrid, LatentGrid

def blobs(n, seed):
    # (n, 1, 12, 12) images of one Gaussian blob each, at a random place
    rng = np.random.default_rng(seed)
    centre = rng.uniform(2, 10, size=(n, 2, 1, 1))
    rows, columns = np.mgrid[0:12, 0:12]
    return np.exp(-((rows - centre[:, 0]) ** 2 + (columns - centre[:, 1]) ** 2) / 4)[:, None].astype(np.float32)

def encode(p, x):
    h = jnp.tanh(jax.lax.conv_general_dilated(x, p["conv"], (1, 1), "SAME") + p["conv_bias"][None, :, None, None])
    h = h.reshape(len(x), 4, 6, 2, 6, 2).mean(axis=(3, 5))                 # 2 x 2 average pooling
    return h.reshape(len(x), -1) @ p["encoder"]                              # a 2-D latent space

def decode(p, z):
    return jax.nn.sigmoid(jnp.tanh(z @ p["decoder"][0]) @ p["decoder"][1]).reshape(len(z), 1, 12, 12)

def autoencoder(p, x):
    return decode(p, encode(p, x))

def pngs(widget):
    # the PNG images of a widget tree, in page order
    if isinstance(widget, ipywidgets.Image):
        return [widget.value]
    return [png for child in getattr(widget, "children", ()) for png in pngs(child)]

def digests(found):
    return [hashlib.sha256(png).hexdigest() for png in found]

rng = np.random.default_rng(0)
params = {"conv": jnp.asarray(rng.normal(size=(4, 1, 3, 3)) / 3, jnp.float32), "conv_bias": jnp.zeros(4),
          "encoder": jnp.asarray(rng.normal(size=(144, 2)) / 12, jnp.float32),
          "decoder": [jnp.asarray(rng.normal(size=(2, 32)), jnp.float32),
                      jnp.asarray(rng.normal(size=(32, 144)) / 6, jnp.float32)]}
train, shown = blobs(512, 1), blobs(3, 2)
trainer = scope.Trainer(params=params, loss=lambda p, b: jnp.mean((autoencoder(p, b[0]) - b[1]) ** 2),
                        data=(train, train), batch_size=32, validation=(shown, shown), optimizer=3e-3,
                        apply=autoencoder, strategy="step")
"""
FEATURES_SHOW = """
activations = ActivationGrid(sample=0)
images = ImageGrid(samples=3, mode="image-to-image", metric="mse")
trainer.show(views=[activations, images], diagram=False)
"""
FEATURES_PROBE = """
activations.wait(10); images.wait(10)
mse = np.mean((np.asarray(autoencoder(trainer.params, shown)) - shown) ** 2, axis=(1, 2, 3))
print(json.dumps({
    "status": trainer.status, "step": trainer.current_step, "drawn": [activations.drawn_step, images.drawn_step],
    "refreshes": [activations.refreshes, images.refreshes],
    "digests": [digests(pngs(view)) for view in (activations, images)],
    "layers": [layer.heading for layer in activations.layers], "tiles": [len(row) for row in activations.tiles],
    "labels": [label.value for label in activations.headings], "mode": images.mode, "heading": images.heading.value,
    "captions": [caption.value for caption in images.captions], "mse": [f"MSE {value:.3g}" for value in mse]}))
"""
LATENT_SHOW = """
latent = LatentGrid(decode=decode, grid=4, extent=(-2, 2))
trainer.show(views=[latent], diagram=False)
"""
LATENT_PROBE = """
latent.wait(10)
print(json.dumps({"status": trainer.status, "step": trainer.current_step, "drawn": latent.drawn_step,
                  "refreshes": latent.refreshes, "digests": digests([latent.picture.value]),
                  "title": latent.figure.title}))
"""


def assert_headings(nb: NotebookPage, state: dict) -> None:
    """The feature maps' layer label (its colour range), the image grid's heading (the mean MSE) and each
    row's MSE are the kernel's, and each row's MSE is what the kernel computes from its parameters."""
    assert state["captions"] == state["mse"]
    views = nb.page.locator(VIEWS)
    assert views.nth(0).locator(".jaxscope-activation-layer .jaxscope-activation-label").all_text_contents() == [
        text_of(label) for label in state["labels"]]
    assert views.nth(1).locator(".widget-html-content").first.text_content() == text_of(state["heading"])
    assert views.nth(1).locator(".jaxscope-caption").all_text_contents() == state["mse"]


def test_activation_grid_and_image_grid_show_the_kernels_images_follow_training_and_stop_when_paused(
        jupyter_server_factory, browser_page, add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook,
                              [AUTOENCODER_SETUP + FEATURES_SHOW, "trainer.start()", FEATURES_PROBE])
    page = nb.page

    # Feature maps: a tile for the input and one per channel of conv_0; image-to-image: 3 rows of input,
    # output, target and |error| with their MSE, and the error scale
    nb.wait_until("const v = document.querySelectorAll(args.views);"
                  "return v.length === 2 && v[0].querySelectorAll('img.jaxscope-activation-tile').length === 5"
                  " && v[1].querySelectorAll('img').length === 13"
                  " && v[1].querySelectorAll('.jaxscope-caption').length === 3", "the two views", views=VIEWS)
    state = kernel(nb)
    assert state["layers"] == ["conv_0 · 4 channels · 12 × 12 · tanh"] and state["tiles"] == [4]
    assert state["mode"] == "image-to-image" and [len(found) for found in state["digests"]] == [5, 13]
    for k in range(2):
        wait_digests(nb, k, state["digests"][k], f"view {k} to show the kernel's images")
    assert_headings(nb, state)
    grid = page.locator(VIEWS).nth(1).locator(".widget-gridbox > .widget-html")
    assert grid.all_text_contents()[:5] == ["input", "output", "target", "|error|", ""]

    # trainer.start(): the feature maps and the output images redraw, again and again
    start(nb)
    for k, what in enumerate(("feature maps", "output images")):
        moving = page.evaluate(SOURCES, {"views": VIEWS, "view": k})
        for _ in range(2):
            wait_changed(nb, f"({SOURCES})(args)", moving, f"the {what} to redraw while training",
                         views=VIEWS, view=k)
            moving = page.evaluate(SOURCES, {"views": VIEWS, "view": k})

    # Pause: both views draw the paused parameters (the page holds the kernel's very PNGs), then nothing moves
    pause_latency(nb, 0)      # clicks Pause, waits for the paused status, prints the latency
    state = kernel(nb)
    assert state["status"] == "paused" and state["drawn"] == [state["step"]] * 2
    for k in range(2):
        wait_digests(nb, k, state["digests"][k], f"view {k} to show the kernel's images at the paused step")
    assert_headings(nb, state)
    assert_nothing_moves(nb, state, ("status", "step", "refreshes", "digests"))
    page.locator(f"{DASHBOARD} .jaxscope-views").screenshot(
        path=str(nb.screenshot("feature-maps-lab").with_name("feature-maps-and-image-grid.png")))
    nb.assert_clean_console()


def test_latent_grid_shows_the_kernels_picture_follows_training_and_stops_when_paused(
        jupyter_server_factory, browser_page, add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook,
                              [AUTOENCODER_SETUP + LATENT_SHOW, "trainer.start()", LATENT_PROBE])
    page = nb.page

    # One picture of the 4 x 4 decoded grid, the kernel's PNG
    nb.wait_until("const v = document.querySelectorAll(args.views);"
                  "return v.length === 1 && v[0].querySelectorAll('.jaxscope-latent-grid image').length === 1",
                  "the latent grid's picture", views=VIEWS)
    state = kernel(nb)
    assert state["title"] == "decoded latent space (4 × 4)"
    assert page.locator(f"{VIEWS} .jaxscope-latent-grid .mainheading").text_content() == state["title"]
    wait_digests(nb, 0, state["digests"], "the page to show the kernel's decoded grid")
    first = state["digests"]

    # trainer.start(): the picture redraws (the kernel redraws it twice a second)
    before = page.evaluate(SOURCES, {"views": VIEWS, "view": 0})
    start(nb)
    wait_changed(nb, f"({SOURCES})(args)", before, "the decoded grid to redraw while training", timeout=10,
                 views=VIEWS, view=0)

    # Pause: the page shows the kernel's picture of the paused parameters, then nothing moves
    pause_latency(nb, 0)      # clicks Pause, waits for the paused status, prints the latency
    state = kernel(nb)
    assert state["status"] == "paused" and state["drawn"] == state["step"] and state["digests"] != first
    wait_digests(nb, 0, state["digests"], "the page to show the decoded grid of the paused step")
    assert_nothing_moves(nb, state, ("status", "step", "refreshes", "digests"))
    nb.assert_clean_console()
