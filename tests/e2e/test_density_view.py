"""DensityView in a real JupyterLab, on a small notebook that compiles in seconds (a 2-D Gaussian fitted to a
ring of Gaussians by maximum likelihood, with straight paths from noise to its samples): it renders the data
points, the model's samples, the log-density picture and the paths; follows background training
(``trainer.start()``); and, paused, the page shows the kernel's very PNG and its samples where the kernel
computed them, then nothing moves."""

from __future__ import annotations

import numpy as np
import pytest

from .notebook_page import NotebookPage
from .test_course_views import (SOURCES, VIEWS, assert_nothing_moves, kernel, open_course_notebook, start, text_of,
                                wait_changed, wait_digests)
from .test_quickstart import DASHBOARD, pause_latency, status_of

pytestmark = pytest.mark.timeout(240)

SETUP = """
import hashlib, json
import jax, jax.numpy as jnp, numpy as np
import jaxscope as scope
from jaxscope.views import DensityView

def log_density(p, xy):
    z = (xy - p["mean"]) / jnp.exp(p["log_std"])
    return -0.5 * jnp.sum(z ** 2, axis=1) - jnp.sum(p["log_std"]) - jnp.log(2 * jnp.pi)

def sample(p, key, n):
    return p["mean"] + jnp.exp(p["log_std"]) * jax.random.normal(key, (n, 2))

def paths(p, key, n):          # straight from the noise (scaled up) to the samples, in 6 steps
    noise = 2.5 * jax.random.normal(key, (n, 2))
    return jnp.stack([noise + s * (sample(p, key, n) - noise) for s in jnp.linspace(0.0, 1.0, 6)])

data = scope.datasets.ring_of_gaussians(128, modes=4, radius=1.5)
trainer = scope.Trainer(params={"mean": jnp.asarray([1.0, -1.0]), "log_std": jnp.asarray([-1.0, -1.0])},
                        loss=lambda p, batch: -jnp.mean(log_density(p, batch)), data=data, optimizer=1e-3,
                        strategy="step")
view = DensityView(sample=sample, log_density=log_density, paths=paths, data=data, samples=60, path_samples=5,
                   grid=24, extent=(-3, 3))
trainer.show(views=[view], diagram=False)
"""
PROBE = """
view.wait(10)
computed = view.compute(trainer.params)
print(json.dumps({
    "status": trainer.status, "step": trainer.current_step, "drawn": view.drawn_step, "refreshes": view.refreshes,
    "digests": [hashlib.sha256(view.picture.value).hexdigest()], "heading": view.heading_html.value,
    "data": view.data.tolist(), "samples": np.stack([view.sample_dots.x, view.sample_dots.y], 1).tolist(),
    "computed": computed["samples"].astype(np.float32).tolist()}))
"""
# The (x, y) screen position of every scatter dot in the view's figure, in mark order (data, then samples).
DOTS = """(a) => Array.from(document.querySelectorAll(a.views)[0].querySelectorAll('.jaxscope-density path.dot'))
  .map((dot) => { const box = dot.getBoundingClientRect(); return [box.x + box.width / 2, box.y + box.height / 2]; })"""


def marks_shown(nb: NotebookPage) -> dict:
    return nb.page.evaluate("""(views) => {
      const figure = document.querySelectorAll(views)[0].querySelector('.jaxscope-density');
      return {images: figure.querySelectorAll('image').length, dots: figure.querySelectorAll('path.dot').length,
              lines: figure.querySelectorAll('path.line').length};
    }""", VIEWS)


def assert_samples_drawn(nb: NotebookPage, state: dict) -> None:
    """The page's dots: the data (fixed) and the kernel's samples, through one linear map per axis."""
    dots = np.asarray(nb.page.evaluate(DOTS, {"views": VIEWS}))
    data, samples = np.asarray(state["data"]), np.asarray(state["samples"])
    assert dots.shape == (len(data) + len(samples), 2)
    for axis in range(2):
        slope, offset = np.polyfit(data[:, axis], dots[:len(data), axis], 1)
        np.testing.assert_allclose(slope * data[:, axis] + offset, dots[:len(data), axis], atol=0.05)
        np.testing.assert_allclose(slope * samples[:, axis] + offset, dots[len(data):, axis], atol=0.05)


def test_density_view_renders_follows_training_and_stops_when_paused(jupyter_server_factory, browser_page,
                                                                     add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook, [SETUP, "trainer.start()", PROBE])
    page = nb.page

    # One figure: the log-density picture, 60 data dots and 60 sample dots, 5 paths
    nb.wait_until("const v = document.querySelectorAll(args.views);"
                  "const f = v.length === 1 && v[0].querySelector('.jaxscope-density');"
                  "return !!f && f.querySelectorAll('image').length === 1 && f.querySelectorAll('path.dot').length"
                  " === 120 && f.querySelectorAll('path.line').length === 5", "the density view's marks", views=VIEWS)
    state = kernel(nb)
    assert (state["status"], state["step"], state["drawn"]) == ("idle", 0, 0)
    assert state["samples"] == state["computed"]
    wait_digests(nb, 0, state["digests"], "the page to show the kernel's log-density picture")
    assert page.locator(f"{VIEWS} .jaxscope-density-heading").text_content() == text_of(state["heading"])
    assert_samples_drawn(nb, state)
    assert marks_shown(nb) == {"images": 1, "dots": 120, "lines": 5}

    # trainer.start(): the picture and the samples redraw, again and again
    picture = page.evaluate(SOURCES, {"views": VIEWS, "view": 0})
    start(nb)
    wait_changed(nb, f"({SOURCES})(args)", picture, "the log-density picture to redraw while training",
                 views=VIEWS, view=0)
    dots = page.evaluate(DOTS, {"views": VIEWS})
    for _ in range(2):
        wait_changed(nb, f"({DOTS})(args)", dots, "the samples to move while training", views=VIEWS)
        dots = page.evaluate(DOTS, {"views": VIEWS})

    # Pause: the page shows the kernel's picture, heading and samples of the paused step, then nothing moves
    pause_latency(nb, 0)      # clicks Pause, waits for the paused status, prints the latency
    state = kernel(nb)
    assert state["status"] == "paused" and status_of(page.locator(DASHBOARD).first) == ("paused", state["step"])
    assert state["drawn"] == state["step"] > 0 and state["samples"] == state["computed"]
    wait_digests(nb, 0, state["digests"], "the page to show the log-density picture of the paused step")
    nb.wait_until("return document.querySelector(args.heading).textContent === args.text",
                  "the heading of the paused step", heading=f"{VIEWS} .jaxscope-density-heading",
                  text=text_of(state["heading"]))
    assert_samples_drawn(nb, state)
    assert_nothing_moves(nb, state, ("status", "step", "refreshes", "digests", "samples"))
    page.locator(f"{VIEWS}").first.screenshot(path=str(nb.screenshot("density-view-lab").with_name("density-view.png")))
    nb.assert_clean_console()
