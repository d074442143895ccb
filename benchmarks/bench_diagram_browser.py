"""Browser frame time of the NetworkDiagram: one full redraw with new weights, in Debian's Chromium.

The built bundle (`src/jaxscope/static/network_diagram.js`) is loaded into a blank page with an
in-memory model (no Jupyter), 900 x 360 CSS pixels. For each network, new random weights (and,
for 1-/2-D inputs, every neuron's map over the input grid, as the kernel sends them) arrive
`--frames` times; the widget measures each redraw with `performance.measure("jaxscope:diagram-draw")`
and the page collects those entries with a PerformanceObserver. The baseline, measured in the
same page, is a bare canvas stroking 5,000 random lines in one path.

    python benchmarks/bench_diagram_browser.py [--frames 60]

Targets: <= 16 ms (60 fps) up to ~5,000 drawn edges; the aggregated 784-128-10 <= 50 ms.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from e2e.browser import launch_chromium  # noqa: E402  (the test suite's offline Chromium flags)
from jaxscope.inspect import architecture  # noqa: E402
from jaxscope.inspect.forward import Forward  # noqa: E402
from jaxscope.inspect.neuron_maps import NeuronMaps  # noqa: E402
from jaxscope.widgets.protocol import activations_message, weights_message  # noqa: E402

NETWORKS = ([1, 30, 20, 1], [50, 100, 3], [2, 20, 20, 20, 20, 1], [784, 128, 10], [2, 8, 8, 1])

PAGE = """<!doctype html><html><body style="margin:0;width:900px">
<div id="host" style="width:900px"></div>
<script type="module">
import widget from "./network_diagram.js";
const handlers = new Map();
const state = {architecture: null, height: 360, title: "", editable: true};
const model = {
  get: (k) => state[k],
  set: (k, v) => { state[k] = v; (handlers.get("change:" + k) || []).forEach((h) => h()); },
  on: (e, h) => { if (!handlers.has(e)) handlers.set(e, []); handlers.get(e).push(h); },
  off: () => {}, send: () => {}, save_changes: () => {},
  widget_manager: {get_model: () => Promise.reject(new Error("none"))},
};
const draws = [], rasters = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) draws.push(e.duration); })
  .observe({entryTypes: ["measure"]});
// Canvas commands are recorded and rasterised later; reading one pixel back when the widget
// ends its measure forces the raster, so "with raster" is the whole cost of the frame's pixels.
const measure = performance.measure.bind(performance);
performance.measure = (name, options) => {
  if (name === "jaxscope:diagram-draw") {
    document.querySelector('[data-testid="diagram-canvas"]').getContext("2d").getImageData(0, 0, 1, 1);
    rasters.push(performance.now() - options.start);
  }
  return measure(name, options);
};
const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
const views = (buffers) => buffers.map((b) => new DataView(new Float32Array(b).buffer));
window.bench = {
  async load(architecture) {
    model.set("architecture", architecture);
    await frame();
  },
  start() { draws.length = 0; rasters.length = 0; },
  async frame([weights, maps]) {
    (handlers.get("msg:custom") || []).forEach((h) => h(weights[0], views(weights[1])));
    if (maps) (handlers.get("msg:custom") || []).forEach((h) => h(maps[0], views(maps[1])));
    await frame();
  },
  async result() {
    await frame();
    const root = document.querySelector('[data-testid="network-diagram"]');
    return {draws: draws.slice(), rasters: rasters.slice(), edges: root.dataset.edges, thumbnails: root.dataset.thumbnails || "0"};
  },
  baseline(n) {
    const canvas = document.createElement("canvas");
    canvas.width = 900 * devicePixelRatio; canvas.height = 360 * devicePixelRatio;
    const ctx = canvas.getContext("2d");
    const times = [];
    for (let r = 0; r < 30; r++) {
      const t0 = performance.now();
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "rgba(31,119,180,0.5)"; ctx.beginPath();
      for (let k = 0; k < n; k++) { ctx.moveTo(Math.random() * 900, Math.random() * 360); ctx.lineTo(Math.random() * 900, Math.random() * 360); }
      ctx.stroke();
      ctx.getImageData(0, 0, 1, 1);  // wait for the raster, as a displayed frame would
      times.push(performance.now() - t0);
    }
    return times;
  },
};
widget.render({model, el: document.getElementById("host")});
window.ready = true;
</script></body></html>"""


def course_params(sizes, seed):
    keys = jax.random.split(jax.random.key(seed), len(sizes))
    return {"weights": [jax.random.normal(k, (b, a)) / np.sqrt(a) for k, a, b in zip(keys, sizes[:-1], sizes[1:])],
            "biases": [0.1 * jax.random.normal(k, (b,)) for k, b in zip(keys, sizes[1:])]}


def forward(params, x):
    for w, b in zip(params["weights"][:-1], params["biases"][:-1]):
        x = jnp.tanh(x @ w.T + b)
    return x @ params["weights"][-1].T + params["biases"][-1]


def messages(sizes, frames):
    """(architecture json, [(weights (content, buffers as lists), maps or None)] * frames)."""
    params = course_params(sizes, 0)
    spec = architecture(params)
    maps = NeuronMaps(spec, Forward(params, apply=forward), params)
    dense = [k for k, layer in enumerate(spec.layers) if layer.kind == "dense"]
    out = []
    for i in range(frames):
        p = course_params(sizes, i + 1)
        entries = [(k, np.asarray(w).T, np.asarray(b)) for k, w, b in zip(dense, p["weights"], p["biases"])]
        content, buffers = weights_message(entries, [], i)
        weights = (content, [np.frombuffer(b, "<f4").tolist() for b in buffers])
        activations = None
        if maps.available:
            grid, columns = maps(p)
            content, buffers = activations_message(grid, columns, i)
            activations = (content, [np.frombuffer(b, "<f4").tolist() for b in buffers])
        out.append((weights, activations))
    return spec.to_json(), out


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/index.html"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    bundle = ROOT / "src" / "jaxscope" / "static" / "network_diagram.js"
    if not bundle.exists():
        raise SystemExit(f"{bundle} is missing: run `npm ci && npm run build` first")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(bundle, Path(tmp) / "network_diagram.js")
        (Path(tmp) / "index.html").write_text(PAGE)
        server, url = serve(Path(tmp))
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1000, "height": 500}, device_scale_factor=1)
            page.goto(url)
            page.wait_for_function("window.ready === true")
            base = statistics.median(page.evaluate("(n) => bench.baseline(n)", 5000))
            print(f"Diagram redraw in headless Chromium, 900x360 px, median (p90) of {args.frames} frames:"
                  " JS drawing alone, and until the pixels are rasterised")
            print(f"  baseline: bare canvas, 5,000 lines in one path: {base:.2f} ms")
            for sizes in NETWORKS:
                spec, frames = messages(sizes, args.frames)
                page.evaluate("(a) => bench.load(a)", spec)
                page.evaluate("() => bench.start()")
                for message in frames:  # one at a time: 784-128-10 weights are 100k floats each
                    page.evaluate("(m) => bench.frame(m)", message)
                result = page.evaluate("() => bench.result()")
                draws, rasters = sorted(result["draws"]), sorted(result["rasters"])
                if not draws:
                    print(f"  {'-'.join(map(str, sizes)):>16}: no performance measures (bundle older than the instrumentation?)")
                    continue
                p90 = lambda xs: xs[int(0.9 * (len(xs) - 1))]
                median = statistics.median(rasters)
                print(f"  {'-'.join(map(str, sizes)):>16}: draw {statistics.median(draws):5.2f} ms ({p90(draws):5.2f}),"
                      f" with raster {median:5.2f} ms ({p90(rasters):5.2f})  x{median / base:5.2f} of baseline"
                      f"   edges {result['edges']:>5}, thumbnails {result['thumbnails']:>3}")
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
