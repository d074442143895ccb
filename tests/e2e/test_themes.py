"""Every theme in a real JupyterLab: with Lab's Dark theme seeded in its settings, a dashboard's loss
chart and network diagram draw on a dark background with light text, a FunctionPlot's bqplot axes
follow the same theme, and ``trainer.show(scale=1.5)`` draws the control bar 1.5x larger. The
dark dashboard is saved as screenshots in test-artifacts/. Without Jupyter, the stylesheet alone
resolves each theme source (Lab, VS Code, prefers-color-scheme) as js/shared/theme_source.ts does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .jupyter_server import JupyterServer
from .notebook_page import NotebookPage

pytestmark = pytest.mark.timeout(300)

DARK_SETTING = {"@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Dark"}}
DASHBOARD = '[data-testid="jaxscope-dashboard"]'

SETUP = """
import jax, jax.numpy as jnp, numpy as np, optax
import jaxscope as scope

def net(params, x):
    for W, b in zip(params['weights'][:-1], params['biases'][:-1]):
        x = jnp.tanh(x @ W + b)
    return x @ params['weights'][-1] + params['biases'][-1]

def init(key, sizes):
    keys = jax.random.split(key, len(sizes) - 1)
    return {'weights': [jax.random.normal(k, (m, n)) / np.sqrt(m) for k, m, n in zip(keys, sizes[:-1], sizes[1:])],
            'biases': [jnp.zeros(n) for n in sizes[1:]]}

def batch(key):
    x = jax.random.uniform(key, (32, 1), minval=-3.0, maxval=3.0)
    return x, jnp.sin(2 * x)

trainer = scope.Trainer(params=init(jax.random.key(0), [1, 8, 1]),
                        loss=lambda p, b: jnp.mean((net(p, b[0]) - b[1]) ** 2),
                        data=batch, optimizer=optax.adam(1e-2), apply=net, name="themes")
"""
SHOW = "trainer.show(views=[scope.views.FunctionPlot(truth=lambda x: np.sin(2 * x), x_range=(-3, 3))])"
RUN = "trainer.run(300)"
SHOW_SCALED = "trainer.show(diagram=False, scale=1.5)"

# Luminance (0..1, sRGB weights, no gamma) of the pixel at CSS (x, y) of a canvas.
PIXEL_LUMINANCE = """([selector, x, y]) => {
  const canvas = document.querySelector(selector);
  const ratio = canvas.width / canvas.clientWidth;
  const [r, g, b] = canvas.getContext('2d').getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data;
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}"""
# Grey pixels brighter than 0.45 (text in a dark theme; the series' colours are not grey) in the
# chart's left margin, where the y tick labels are.
LIGHT_TEXT_PIXELS = """(selector) => {
  const canvas = document.querySelector(selector);
  const ratio = canvas.width / canvas.clientWidth;
  const data = canvas.getContext('2d').getImageData(0, 0, Math.round(56 * ratio), canvas.height).data;
  let count = 0;
  for (let p = 0; p < data.length; p += 4) {
    const [r, g, b] = [data[p], data[p + 1], data[p + 2]];
    if (Math.max(r, g, b) - Math.min(r, g, b) < 24 && Math.min(r, g, b) > 115) count++;
  }
  return count;
}"""
COLOR_LUMINANCE = """([selector, property]) => {
  const element = document.querySelector(selector);
  const value = getComputedStyle(element)[property];
  const [r, g, b] = value.match(/[\\d.]+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}"""
FONT_PX = "(selector) => parseFloat(getComputedStyle(document.querySelector(selector)).fontSize)"


class DarkLabServer(JupyterServer):
    """JupyterLab with its Dark theme chosen in the (seeded) user settings."""

    def _seed_settings(self) -> None:
        super()._seed_settings()
        for relative, value in DARK_SETTING.items():
            target = self.settings_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(value))


@pytest.fixture(scope="module")
def dark_lab_server(tmp_path_factory):
    server = DarkLabServer(tmp_path_factory.mktemp("lab-dark"), ui="lab")
    server.start()
    yield server
    server.stop()
    assert not server.leftover_kernel_pids()


@pytest.fixture
def dark_page(dark_lab_server, browser_page):
    page, page_log = browser_page
    yield NotebookPage(page, dark_lab_server, page_log)
    page.context.close()
    dark_lab_server.shutdown_kernels()


def test_dark_lab_theme_reaches_chart_diagram_and_bqplot_and_scale_enlarges_the_controls(
        dark_page, add_notebook, artifacts_dir):
    nb = dark_page
    nb.open(add_notebook(nb.server, [SETUP, SHOW, RUN, SHOW_SCALED]))
    page = nb.page
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    nb.run_all()
    nb.wait_all_done(timeout=180)
    nb.wait_widgets_rendered()
    nb.wait_until(f"return document.querySelectorAll('{DASHBOARD}').length === 2", "two dashboards")
    first, scaled = f"{DASHBOARD} >> nth=0", f"{DASHBOARD} >> nth=1"
    nb.wait_until(f"const c = document.querySelector('{DASHBOARD} [data-testid=\"loss-chart\"]');"
                  "return c && Number(c.dataset.points) >= 300;", "300 loss points in the chart")
    ticks = f"{DASHBOARD} .jaxscope-view .bqplot.figure .axis .tick text"
    nb.wait_until(f"return document.querySelectorAll('{ticks}').length > 0", "the FunctionPlot's tick labels")

    # Screenshots of the dark dashboard: the whole page and the dashboard alone (Lab scrolls the
    # notebook inside a fixed layout, so a tall viewport shows all of it)
    page.set_viewport_size({"width": 1280, "height": 2000})
    page.locator(first).scroll_into_view_if_needed()
    nb.screenshot("themes-dark-lab-page")
    page.locator(first).screenshot(path=str(artifacts_dir / "themes-dark-dashboard.png"))

    # The loss chart: dark background, light tick labels
    canvas = f"{DASHBOARD} [data-testid=\"loss-canvas\"]"
    assert page.evaluate(PIXEL_LUMINANCE, [canvas, 3, 3]) < 0.15
    assert page.evaluate(LIGHT_TEXT_PIXELS, canvas) > 40
    assert page.evaluate(COLOR_LUMINANCE, [f"{DASHBOARD} [data-testid=\"readout\"]", "color"]) > 0.45
    # The network diagram: dark background
    diagram = f"{DASHBOARD} [data-testid=\"diagram-canvas\"]"
    assert page.evaluate(PIXEL_LUMINANCE, [diagram, 2, 2]) < 0.15
    # The FunctionPlot's bqplot figure: light tick labels and axis titles, dark plot area
    assert page.evaluate(COLOR_LUMINANCE, [ticks, "fill"]) > 0.45
    area = f"{DASHBOARD} .jaxscope-view .bqplot.figure .plotarea_background"
    assert page.evaluate(COLOR_LUMINANCE, [area, "fill"]) < 0.15

    # trainer.show(scale=1.5): the second dashboard's controls are 1.5x the first's
    page.wait_for_function(
        f"getComputedStyle(document.querySelectorAll('{DASHBOARD}')[1]).getPropertyValue('--jaxscope-scale').trim() === '1.5'",
        timeout=15_000)
    button = '[data-action="start"]'
    normal = page.locator(first).locator(button).evaluate("b => parseFloat(getComputedStyle(b).fontSize)")
    large = page.locator(scaled).locator(button).evaluate("b => parseFloat(getComputedStyle(b).fontSize)")
    assert (normal, large) == (14, 21)
    title_normal = page.locator(first).locator(".jaxscope-controls").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    title_large = page.locator(scaled).locator(".jaxscope-controls").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert title_large == pytest.approx(1.5 * title_normal)
    # and the loss chart's canvas is drawn 1.5x larger (laid out at width / scale, drawn scale times larger)
    page.wait_for_function(
        f"""() => {{ const c = Array.from(document.querySelectorAll('{DASHBOARD}'))
              .map((d) => d.querySelector('[data-testid="loss-canvas"]').clientHeight);
            return c[0] > 0 && c[1] === 1.5 * c[0]; }}""", timeout=15_000)
    page.locator(scaled).screenshot(path=str(artifacts_dir / "themes-dark-dashboard-scale-1.5.png"))

    # A scale the user sets in CSS reaches the bqplot tick labels of a view (12 px by default)
    assert page.evaluate(FONT_PX, ticks) == 12
    page.locator(first).evaluate("d => d.style.setProperty('--jaxscope-scale', '1.5')")
    assert page.evaluate(FONT_PX, ticks) == 18


STYLESHEET = Path(__file__).resolve().parents[2] / "src" / "jaxscope" / "static" / "jaxscope.css"
# (prefers-color-scheme, <body> attributes, <html> style) -> background, muted text of a jaxscope widget
SOURCES = {
    "no front end, light OS": ("light", "", "", "rgb(255, 255, 255)", "rgba(0, 0, 0, 0.54)"),
    "no front end, dark OS (Colab, nbconvert)": ("dark", "", "", "rgb(30, 30, 30)", "rgba(255, 255, 255, 0.6)"),
    "Lab light on a dark OS": ("dark", 'data-jp-theme-light="true"', "--jp-layout-color0: #fafafa",
                               "rgb(250, 250, 250)", "rgba(0, 0, 0, 0.54)"),
    "VS Code dark": ("light", 'class="vscode-dark"', "--vscode-editor-background: #1f1f1f",
                     "rgb(31, 31, 31)", "rgba(255, 255, 255, 0.6)"),
    "VS Code light on a dark OS": ("dark", 'class="vscode-light"', "", "rgb(255, 255, 255)", "rgba(0, 0, 0, 0.54)"),
}


def test_the_stylesheet_resolves_each_theme_source_in_chromium(browser):
    """No Jupyter here: the built jaxscope.css alone, in pages marked as each front end marks them."""
    css = STYLESHEET.read_text()
    seen = {}
    for name, (scheme, body, html_style, _, _) in SOURCES.items():
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.set_content(f'<html style="{html_style}"><head><style>{css}</style></head><body {body}>'
                         '<div class="jaxscope" style="background: var(--jaxscope-bg); '
                         'border-color: var(--jaxscope-muted); border-style: solid">x</div></body></html>')
        seen[name] = page.eval_on_selector(".jaxscope", "e => [getComputedStyle(e).backgroundColor, "
                                                        "getComputedStyle(e).borderTopColor]")
        context.close()
    assert seen == {name: [bg, muted] for name, (_, _, _, bg, muted) in SOURCES.items()}
