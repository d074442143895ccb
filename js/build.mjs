// Build the widget bundles: one self-contained ES module per widget (frame_ack: the invisible
// companion that paces the bqplot-based views) plus the shared stylesheet,
// written to src/jaxscope/static/ (what the Python package's _esm / _css point at).
//
//   node js/build.mjs          # minified, no source maps (what the wheel ships)
//   node js/build.mjs --watch  # rebuild on change, with inline source maps
import * as esbuild from "esbuild";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = path.join(root, "src", "jaxscope", "static");
const watch = process.argv.includes("--watch");

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  logLevel: "info",
  legalComments: "none",
};

const scripts = {
  ...common,
  entryPoints: {
    loss_chart: "js/loss_chart/widget.ts",
    control_bar: "js/control_bar/widget.ts",
    network_diagram: "js/network_diagram/widget.ts",
    frame_ack: "js/frame_ack/widget.ts",
    grid_world: "js/grid_world/widget.ts",
  },
  outdir,
  format: "esm",
  target: "es2020",
  platform: "browser",
};

const styles = {
  ...common,
  entryPoints: { jaxscope: "js/shared/theme.css" },
  outdir,
};

// Users may be offline: a bundle must never import anything by URL.
const URL_IMPORT = /\b(?:import|from)\s*\(?\s*["'](?:[a-z][a-z0-9+.-]*:)?\/\//i;

async function checkSelfContained() {
  for (const name of ["loss_chart.js", "control_bar.js", "network_diagram.js", "frame_ack.js", "grid_world.js", "jaxscope.css"]) {
    const text = await readFile(path.join(outdir, name), "utf8");
    if (URL_IMPORT.test(text) || /@import\s+url\(/i.test(text)) {
      throw new Error(`${name} imports a URL; the bundles must be self-contained`);
    }
  }
}

if (watch) {
  const contexts = await Promise.all([esbuild.context(scripts), esbuild.context(styles)]);
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  await Promise.all([esbuild.build(scripts), esbuild.build(styles)]);
  await checkSelfContained();
}
