"""An ensemble in a real JupyterLab: four members train live in one vmapped loop, the chart holds the
median, the band and each member (member lines while the pointer is over the chart, the read-out gives
median, band and the nearest member), the FunctionPlot draws the members' band, and the dashboard's
member picker moves the plot to another member (the kernel's focus follows)."""

from __future__ import annotations

import json
import re

import pytest

from .test_course_views import CURVE, VIEWS, open_course_notebook
from .test_quickstart import DASHBOARD, wait_status

pytestmark = pytest.mark.timeout(240)

SETUP, RUN, PROBE = 0, 1, 2
CELLS = ["""
import json
import jax, jax.numpy as jnp, numpy as np
import jaxscope as scope

def init(key):
    k1, k2 = jax.random.split(key)
    return {"w1": jax.random.normal(k1, (1, 16)), "b1": jnp.zeros(16),
            "w2": jax.random.normal(k2, (16, 1)) * 0.3, "b2": jnp.zeros(1)}

def net(p, x):
    return jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]

x = jnp.linspace(-2, 2, 128)[:, None]
trainer = scope.Trainer(params=init, loss=lambda p, b: jnp.mean((net(p, b[0]) - b[1]) ** 2), data=(x, jnp.sin(3 * x)),
                        batch_size=32, optimizer=1e-2, apply=net, ensemble=3, name="ensemble")
plot = scope.views.FunctionPlot(truth=lambda q: np.sin(3 * q), points=100)
trainer.show(views=[plot])
""", "trainer.run(400)", """
assert plot.wait(10)
focus = trainer.focus
member = np.asarray(net(trainer.member(focus), jnp.asarray(plot.x)[:, None]))[:, 0]
print(json.dumps({"focus": focus, "drawn": plot.drawn_step, "line_is_member": bool(np.allclose(plot.line.y, member, atol=1e-5)),
                  "names": sorted(trainer.history.names)}))
"""]
CHART = f"{DASHBOARD} [data-testid=loss-chart]"


def kernel(nb) -> dict:
    nb.run_cell(PROBE)
    nb.wait_cell_done(PROBE, timeout=60)
    return json.loads(nb.cell_text(PROBE))


def test_an_ensemble_trains_live_with_its_band_members_and_member_picker(jupyter_server_factory, browser_page,
                                                                         add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook, CELLS)
    page = nb.page
    nb.run_cell(RUN)
    nb.wait_cell_done(RUN, timeout=120)
    wait_status(nb, 0, "done")
    nb.wait_until(f"return document.querySelector('{CHART}').dataset.points === '400'", "the median's 400 points")
    series = page.locator(CHART).get_attribute("data-series").split(",")
    assert sorted(series) == ["loss", "loss#0", "loss#1", "loss#2", "loss#hi", "loss#lo"]
    assert page.locator(CHART).get_attribute("data-members") == "hidden"
    assert page.locator(f"{CHART} [data-action=toggle-members]").is_visible()

    canvas = page.locator(f"{CHART} [data-testid=loss-canvas]")
    box = canvas.bounding_box()
    canvas.hover(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    nb.wait_until(f"return document.querySelector('{CHART}').dataset.members === 'shown'", "member lines on hover")
    nb.wait_until(r"return /^step \d+ · loss \S+ \(smoothed \S+, 25–75 % \S+–\S+(, member \d \S+)?\)$/"
                  f".test(document.querySelector('{CHART} [data-testid=readout]').textContent)",
                  "the read-out of the median and the band (and a member near the pointer)")

    state = kernel(nb)
    assert state == {"focus": 0, "drawn": 400, "line_is_member": True,
                     "names": ["learning_rate", "loss", "loss#0", "loss#1", "loss#2", "loss#hi", "loss#lo"]}
    line = {"views": VIEWS, "view": 0, "figure": 0, "label": "network"}
    band = page.evaluate(CURVE, {**line, "label": "members 25-75 %"})
    assert band is not None and len(re.findall(r"[ML]", band)) >= 100     # the band's outline is drawn
    before = page.evaluate(CURVE, line)
    page.locator(f"{DASHBOARD} .jaxscope-member-picker select").select_option(label="member 2")
    nb.wait_until("return (%s)(args.line) !== args.before" % CURVE, "the plot to draw member 2",
                  line=line, before=before)
    assert kernel(nb) == {"focus": 2, "drawn": 400, "line_is_member": True,
                          "names": ["learning_rate", "loss", "loss#0", "loss#1", "loss#2", "loss#hi", "loss#lo"]}
    nb.assert_clean_console()
