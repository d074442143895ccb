"""Rewind in a real JupyterLab: the scrubber under the loss chart moves the function plot and the diagram to
an early step (the plot draws exactly what the kernel computes from that step's parameters), and "Continue
from here" makes it the trainer's state again: the control bar says so and the chart drops the later points."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from .test_course_views import CURVE, PATH, VIEWS, open_course_notebook, pixel_map, points
from .test_quickstart import DASHBOARD, points_of, status_of, wait_status

pytestmark = pytest.mark.timeout(240)

SETUP, RUN, PROBE = 0, 1, 2
CELLS = ["""
import json
import jax, jax.numpy as jnp, numpy as np, optax
import jaxscope as scope

def NN(x, params):
    for W, b in zip(params['weights'][:-1], params['biases'][:-1]):
        x = jnp.tanh(W @ x + b)
    return params['weights'][-1] @ x + params['biases'][-1]

NN_batch = jax.vmap(NN, in_axes=[0, None])

def init(key, sizes):
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        weights.append(jax.random.normal(sub, (n_out, n_in)) / jnp.sqrt(n_in))
        biases.append(jnp.zeros(n_out))
    return {'weights': weights, 'biases': biases}

def F(q):
    return jnp.exp(-q**2) * jnp.sin(5 * q)

def make_batch(key):
    x = jax.random.uniform(key, (32, 1), minval=-3.0, maxval=3.0)
    return x, F(x)

trainer = scope.Trainer(params=init(jax.random.key(0), [1, 30, 20, 1]),
                        loss=lambda p, b: jnp.mean((NN_batch(b[0], p) - b[1]) ** 2),
                        data=make_batch, optimizer=optax.adam(1e-2), apply=lambda p, x: NN_batch(x, p), name="rewind")
plot = scope.views.FunctionPlot(truth=F, x_range=(-5, 5), points=200)
board = trainer.show(views=[plot])
board
""", "trainer.run(3000)", """
assert plot.wait(10)
shown = trainer.rewind.shown_step
print(json.dumps({"shown": shown, "step": trainer.current_step, "steps": trainer.rewind.steps,
                  "drawn": plot.drawn_step, "truth": plot.truth.tolist(),
                  "network": plot.compute(trainer.rewind.params_at(shown) if shown is not None else trainer.params)["y"].tolist()}))
"""]

SCRUBBER = f"{DASHBOARD} .jaxscope-scrubber"
# Time from the pointer going down on the slider to the network line changing, measured in the page.
TIME_SCRUB = """(a) => {
  const line = (%s)(a);
  window.__scrub = {};
  document.querySelector(a.slider).addEventListener('pointerdown', () => { window.__scrub.down = performance.now(); },
                                                    { once: true, capture: true });
  const seen = new MutationObserver(() => {
    if (window.__scrub.down !== undefined && window.__scrub.drawn === undefined) {
      window.__scrub.drawn = performance.now();
      seen.disconnect();
    }
  });
  seen.observe(line, { attributes: true, attributeFilter: ['d'] });
}""" % PATH


def kernel(nb) -> dict:
    nb.run_cell(PROBE)
    nb.wait_cell_done(PROBE, timeout=60)
    return json.loads(nb.cell_text(PROBE))


def test_the_scrubber_shows_an_early_step_in_the_views_and_continue_from_here_trains_from_it(
        jupyter_server_factory, browser_page, add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook, CELLS)
    page = nb.page
    board = page.locator(DASHBOARD).first
    scrubber = page.locator(SCRUBBER)
    assert not scrubber.is_visible()                   # one state (step 0): nothing to choose from yet
    nb.run_cell(RUN)
    nb.wait_cell_done(RUN, timeout=120)
    wait_status(nb, 0, "done")
    nb.wait_until(f"return document.querySelector('{SCRUBBER}').offsetParent !== null", "the scrubber row to show")
    live = kernel(nb)
    assert live["shown"] is None and live["step"] == 3000 and live["steps"][0] == 0 and live["steps"][-1] == 3000
    label = scrubber.locator(".jaxscope-scrubber-label")
    assert re.fullmatch(rf"live · {len(live['steps'])} snapshots · \d+\.\d kB", label.text_content()), \
        label.text_content()

    # Scrub: a click near the start of the slider's track shows an early step
    line = {"views": VIEWS, "view": 0, "figure": 0, "label": "network"}
    truth = points(nb.page.evaluate(CURVE, {**line, "label": "truth"}))
    slope, offset = pixel_map(np.asarray(live["truth"]), truth[:, 1])
    version = int(board.locator('[data-testid="network-diagram"]').get_attribute("data-version"))
    page.evaluate(TIME_SCRUB, {**line, "slider": f"{SCRUBBER} .jaxscope-scrubber-slider"})
    track = scrubber.locator(".jaxscope-scrubber-slider .noUi-base")
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    page.mouse.click(box["x"] + 0.1 * box["width"], box["y"] + box["height"] / 2)
    nb.wait_until(r"return /^showing step \d+ /.test(document.querySelector(args.label).textContent)",
                  "the label to name the step shown", label=f"{SCRUBBER} .jaxscope-scrubber-label")
    shown = int(re.match(r"showing step ([\d,]+) ", label.text_content()).group(1).replace(",", ""))
    assert 0 < shown < 3000 and shown in live["steps"]
    state = kernel(nb)
    assert state["shown"] == shown and state["drawn"] == shown and state["step"] == 3000
    expected = slope * np.asarray(state["network"]) + offset
    nb.wait_until("""const d = (%s)(args.line);
                     const v = (d || '').match(/-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?/g) || [];
                     const y = v.filter((_, i) => i %% 2 === 1).map(Number);
                     return y.length === args.expected.length && y.every((p, i) => Math.abs(p - args.expected[i]) < 0.05);"""
                  % CURVE, "the plot to draw the network of the step shown", line=line, expected=expected.tolist())
    np.testing.assert_allclose(points(nb.page.evaluate(CURVE, line))[:, 1], expected, atol=0.05)
    nb.wait_until("return Number(document.querySelector(args.diagram).dataset.version) > args.version",
                  "the diagram to redraw", diagram=f"{DASHBOARD} [data-testid=network-diagram]", version=version)
    nb.wait_until("return window.__scrub.drawn !== undefined", "the scrub to be timed")
    latency = page.evaluate("(window.__scrub.drawn - window.__scrub.down) / 1000")
    print(f"scrub latency (pointer down on the slider to the plot redrawn, in the page): {latency:.3f} s")
    assert status_of(board) == ("done", 3000) and points_of(board) == 3000     # the chart and bar stay live

    # Continue from here: the trainer is at that step again and the later history is gone
    scrubber.locator(".jaxscope-scrubber-continue").click()
    message = f"continued from step {shown:,}: the history after it ({3000 - shown:,} steps) was dropped"
    nb.wait_until("return document.querySelector(args.message).textContent === args.text",
                  "the control bar to say what was dropped", message=f"{DASHBOARD} [data-testid=message]", text=message)
    wait_status(nb, 0, "paused")
    assert status_of(board) == ("paused", shown)
    nb.wait_until(f"return Number(document.querySelector('{DASHBOARD} [data-testid=loss-chart]').dataset.points) "
                  f"=== {shown}", "the chart to drop the later points")
    nb.wait_until(r"return /^live · /.test(document.querySelector(args.label).textContent)", "the row to go live",
                  label=f"{SCRUBBER} .jaxscope-scrubber-label")
    after = kernel(nb)
    assert after["shown"] is None and after["step"] == shown and after["steps"][-1] == shown
    nb.assert_clean_console()
