"""A lesson notebook executed headless with its widget state saved, exported with nbconvert to HTML and
opened in Chromium from a file with no server and no kernel: the training is still there to see.

The HTML loads require.js, @jupyter-widgets/html-manager and the widgets' own modules (anywidget,
bqplot, bqscales) from CDNs; this machine is offline, so those requests are answered from
node_modules (devDependencies) and from the AMD bundles the Python packages install under
share/jupyter/nbextensions. Nothing else is fetched.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import VIEWPORT
from .browser import PageLog

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "examples" / "lesson3_duffing_curves.ipynb"
STEPS = 500                # eval_every=250 there: two validation points
SAMPLES = 256              # the parity plot's samples (its default)
NBEXTENSIONS = Path(sys.prefix) / "share" / "jupyter" / "nbextensions"
HTML_MANAGER = ROOT / "node_modules" / "@jupyter-widgets" / "html-manager" / "dist"
CDN_FILES = [   # (URL pattern, the local file for its first group)
    (re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/require\.js/[^/]+/require\.min\.js$"),
     lambda m: ROOT / "node_modules" / "requirejs" / "require.js"),
    (re.compile(r"^https://unpkg\.com/@jupyter-widgets/html-manager@[^/]*/dist/([\w.-]+)$"),
     lambda m: HTML_MANAGER / m.group(1)),
    (re.compile(r"^https://cdn\.jsdelivr\.net/npm/(anywidget|bqplot|bqscales)@[^/]*/dist/index\.js$"),
     lambda m: NBEXTENSIONS / m.group(1) / "index.js"),
]

# Ink in a colour: pixels of the chart canvas (below its legend row) near `rgb`, alpha-blended lines
# included (the faint raw line), counted in the page.
INK = """(colour) => {
  const canvas = document.querySelector('[data-testid="loss-canvas"]');
  const { data, width, height } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let count = 0;
  for (let y = Math.floor(height * 0.2); y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      // over white at opacity a, each channel is a c + (1 - a) 255: one a for every channel
      const alphas = [];
      let match = true;
      for (let k = 0; k < 3; k++) {
        const room = 255 - colour[k];
        if (room > 20) alphas.push((255 - data[i + k]) / room);
        else match = match && data[i + k] >= 235;
      }
      const a = Math.min(...alphas);
      if (match && a > 0.3 && Math.max(...alphas) - a < 0.15) count++;
    }
  }
  return count;
}"""
LOSS_RGB, VAL_LOSS_RGB = (0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E)   # js/loss_chart/series_style.ts


def cdn_file(url: str) -> Path | None:
    for pattern, path in CDN_FILES:
        match = pattern.match(url)
        if match:
            return path(match)
    return None


@pytest.fixture(scope="module")
def saved_html(tmp_path_factory) -> tuple[Path, Path]:
    """(notebook, html): the lesson executed with ``STEPS`` steps, its widget state stored, and its HTML."""
    folder = tmp_path_factory.mktemp("saved")
    nb = nbformat.read(LESSON, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(LESSON.parent)}}).execute(
        env={**os.environ, "JAXSCOPE_EXAMPLE_STEPS": str(STEPS)})
    notebook = folder / LESSON.name
    nbformat.write(nb, notebook)
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(notebook)],
                   check=True, capture_output=True, timeout=120)
    html = notebook.with_suffix(".html")
    print(f"saved notebook {notebook.stat().st_size:,} bytes, html {html.stat().st_size:,} bytes")
    return notebook, html


@pytest.fixture(scope="module")
def saved_page(saved_html, browser):
    """The HTML open in Chromium from its file, every CDN request answered from a local file (one page
    for the module: the tests only read it)."""
    missing = [str(path) for path in (HTML_MANAGER / "embed-amd.js", ROOT / "node_modules" / "requirejs" / "require.js",
                                      *(NBEXTENSIONS / name / "index.js" for name in ("anywidget", "bqplot", "bqscales")))
               if not path.is_file()]
    if missing:
        pytest.fail(f"files the saved HTML loads are missing: {missing}; run `npm install` (devDependencies "
                    "@jupyter-widgets/html-manager, requirejs) and install the Python package's dependencies", pytrace=False)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    log = PageLog.attach(page)
    unanswered: list[str] = []

    def answer(route):
        url = route.request.url
        local = cdn_file(url)
        if local is None or not local.is_file():
            unanswered.append(url)
            route.abort()
        else:
            route.fulfill(path=str(local), content_type="application/javascript")

    page.route(re.compile(r"^https?://"), answer)
    page.goto(saved_html[1].as_uri())
    page.wait_for_selector('[data-testid="network-diagram"]', timeout=60_000)
    yield page, log, unanswered
    context.close()


def test_the_html_asks_only_for_what_is_served_locally_and_raises_nothing(saved_page):
    page, log, unanswered = saved_page
    page.wait_for_selector('[data-testid="network-diagram"]', timeout=60_000)
    # MathJax and mermaid belong to nbconvert's template and draw nothing here; every widget module is served
    assert [u for u in unanswered if not re.search(r"/mathjax/|/mermaid", u)] == []
    assert log.page_errors == []


def test_the_loss_chart_draws_loss_and_val_loss_from_widget_state(saved_page):
    page, _, _ = saved_page
    chart = page.locator('[data-testid="loss-chart"]')
    chart.wait_for(timeout=60_000)
    page.wait_for_function(f"document.querySelector('[data-testid=\"loss-chart\"]').dataset.points === '{STEPS}'",
                           timeout=30_000)
    assert chart.get_attribute("data-series") == "loss,val_loss"
    page.wait_for_function(f"({INK})({list(LOSS_RGB)}) > 2000 && ({INK})({list(VAL_LOSS_RGB)}) > 400", timeout=15_000)


def test_the_diagram_draws_its_edges_and_the_parity_plot_its_points(saved_html, saved_page):
    page, _, _ = saved_page
    diagram = page.locator('[data-testid="network-diagram"]')
    diagram.wait_for(timeout=60_000)
    state = nbformat.read(saved_html[0], as_version=4).metadata.widgets["application/vnd.jupyter.widget-state+json"]
    kept = next(m["state"]["snapshot"]["messages"][0] for m in state["state"].values()
                if "architecture" in m["state"])
    # the weights drawn are those kept (an empty diagram draws its 5,300 edges too, with no version)
    page.wait_for_function(f"(d => d.dataset.edges === '5300' && d.dataset.version === '{kept['version']}')"
                           "(document.querySelector('[data-testid=\"network-diagram\"]'))", timeout=30_000)
    dots = "i => document.querySelectorAll('.bqplot.figure')[i]?.querySelectorAll('path.dot').length ?? 0"
    page.wait_for_function(f"[0, 1, 2].every(i => ({dots})(i) === {SAMPLES})", timeout=30_000)


def test_the_control_bar_shows_the_final_status_with_its_buttons_disabled(saved_page):
    page, _, _ = saved_page
    status = page.locator('[data-testid="status"]')
    status.wait_for(timeout=60_000)
    assert (status.get_attribute("data-status"), status.get_attribute("data-step")) == ("done", str(STEPS))
    controls = page.locator('[data-testid="jaxscope-controls"]')
    page.wait_for_function("document.querySelector('[data-testid=\"jaxscope-controls\"]').dataset.kernel === 'none'",
                           timeout=30_000)
    for action in ("start", "pause", "step", "reset"):
        button = controls.locator(f'[data-action="{action}"]')
        assert button.is_disabled(), action
        assert button.get_attribute("title"), action


def test_the_kept_pictures_add_little_to_the_saved_notebook(saved_html):
    notebook, _ = saved_html
    state = nbformat.read(notebook, as_version=4).metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    kept = [sum(len(b["data"]) for b in model.get("buffers", []) if b["path"][0] == "snapshot")
            for model in state.values() if "snapshot" in model["state"]]
    print(f"kept pictures (base64): {kept}")
    assert len(kept) == 2 and all(0 < size < 60_000 for size in kept)   # the chart's and the diagram's
