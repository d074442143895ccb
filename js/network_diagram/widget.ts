/**
 * NetworkDiagram front end (anywidget module): draws the `architecture` trait as neuron
 * columns, strips, heatmaps and blocks, coloured by the latest "weights" message; hovering
 * reads out the exact weight or bias. See docs/protocol.md.
 */
import type { AnyModel, RenderProps } from "@anywidget/types";
import { readTheme, type Theme } from "../loss_chart/theme";
import { observeWidth, sizeCanvas } from "../shared/canvas_size";
import { element } from "../shared/dom";
import { formatInteger } from "../shared/format";
import { frameScheduler } from "../shared/frame_scheduler";
import {
  changeEvent,
  CUSTOM_MESSAGE,
  decodeWeights,
  isWeightsMessage,
  NETWORK_DIAGRAM,
  readyMessage,
  type DecodedLayerWeights,
  type DecodedWeights,
  type NetworkDiagramTraits,
  type WireBuffer,
} from "../shared/protocol";
import { subscriptions } from "../shared/subscriptions";
import { observeTheme } from "../shared/theme_observer";
import { biasColor, heatmapPixels, maxAbs, NEUTRAL_RGB, rgba } from "./colors";
import { gapEdges } from "./edges";
import { hitTest, type Hit } from "./hit_test";
import { aggregateStrip, diagramLayout, formatParams, layerLabel, type DiagramLayout, type Gap } from "./layout";
import { parseArchitecture, type ArchitectureSpec } from "./spec";

type Model = AnyModel<NetworkDiagramTraits>;

const NEUTRAL = rgba(NEUTRAL_RGB, 1);
const LABEL_LINE_HEIGHT = 12;
const LABEL_LINES = 3;

/** A value with 4 significant digits and no trailing zeros: -0.4213, 0.0123, 1.235e-7. */
export function formatValue(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

/** The read-out text for a hit, with the values of `weights` where they are known. */
export function describeHit(hit: Hit, spec: ArchitectureSpec, layout: DiagramLayout, weights: Map<number, DecodedLayerWeights>): string {
  const name = (layer: number | null) => (layer === null || layer < 0 ? "input" : spec.layers[layer]?.name ?? `layer ${layer}`);
  switch (hit.kind) {
    case "neuron": {
      if (hit.layer === null) return `input neuron ${hit.i}`;
      const bias = weights.get(hit.layer)?.bias;
      return bias ? `${name(hit.layer)} neuron ${hit.i} bias = ${formatValue(bias[hit.i])}` : `${name(hit.layer)} neuron ${hit.i}`;
    }
    case "strip": {
      const range = `neurons ${hit.start}–${hit.end - 1}`;
      if (hit.layer === null) return `input ${range}`;
      const bias = weights.get(hit.layer)?.bias;
      if (!bias) return `${name(hit.layer)} ${range}`;
      const mean = aggregateStrip(bias, layout.columns[hit.column])[hit.cell];
      return `${name(hit.layer)} ${range} mean bias = ${formatValue(mean)}`;
    }
    case "heatmap":
    case "edge": {
      const layer = weights.get(hit.layer);
      const gap = layout.gaps[hit.gap];
      const where = `${name(hit.layer)} weight [${hit.i}→${hit.j}]`;
      return layer ? `${where} = ${formatValue(layer.kernel[hit.i * gap.nOut + hit.j])}` : where;
    }
    case "block":
      return hit.layer < 0 ? "input" : `${name(hit.layer)}: ${layerLabel(spec.layers[hit.layer])}`;
  }
}

/** The weights of `gap` when the message held a layer of matching size. */
function gapWeights(gap: Gap, weights: Map<number, DecodedLayerWeights>): DecodedLayerWeights | null {
  const layer = weights.get(gap.layer);
  return layer && layer.nIn === gap.nIn && layer.nOut === gap.nOut ? layer : null;
}

function treeTable(spec: ArchitectureSpec): HTMLTableElement {
  const head = element("tr", {}, element("th", {}, "parameter"), element("th", {}, "shape"), element("th", {}, "count"));
  const rows = spec.tree.map((entry) =>
    element(
      "tr",
      {},
      element("td", {}, entry.path),
      element("td", {}, entry.shape.length ? entry.shape.join("×") : "scalar"),
      element("td", {}, formatInteger(entry.count)),
    ),
  );
  return element("table", { class: "jaxscope-diagram-tree", "data-testid": "diagram-tree" }, element("thead", {}, head), element("tbody", {}, ...rows));
}

function render({ model, el }: Pick<RenderProps<NetworkDiagramTraits>, "model" | "el">): () => void {
  let spec: ArchitectureSpec | null = null;
  let specError = "";
  let layout: DiagramLayout | null = null;
  let weights: DecodedWeights | null = null;
  let byLayer = new Map<number, DecodedLayerWeights>();
  let containerWidth = 0;
  let context: CanvasRenderingContext2D | null | undefined;
  /** Offscreen heatmap images by gap layer, rebuilt when the weights change. */
  let heatmaps = new Map<number, HTMLCanvasElement | null>();

  const titleLine = element("div", { class: "jaxscope-diagram-title", "data-testid": "diagram-title" });
  const canvas = element("canvas", { class: "jaxscope-canvas jaxscope-diagram-canvas", "data-testid": "diagram-canvas" });
  const fallback = element("div", { class: "jaxscope-diagram-fallback", "data-testid": "diagram-fallback" });
  const readout = element("div", { class: "jaxscope-readout", "data-testid": "diagram-readout" });
  const root = element(
    "div",
    { class: "jaxscope jaxscope-network-diagram", "data-testid": "network-diagram", "data-layers": "0", "data-edges": "0", "data-version": "" },
    titleLine,
    canvas,
    fallback,
    readout,
  );
  el.append(root);

  function syncTitle(): void {
    const title = model.get(NETWORK_DIAGRAM.title) ?? "";
    const total = spec ? formatParams(spec.totalParams) : "";
    titleLine.textContent = [title, total].filter(Boolean).join(" · ");
  }

  function loadArchitecture(): void {
    try {
      spec = parseArchitecture(model.get(NETWORK_DIAGRAM.architecture));
      specError = "";
    } catch (error) {
      spec = null;
      specError = (error as Error).message;
    }
    layout = null;
    heatmaps = new Map();
    const drawable = spec !== null && spec.drawable;
    canvas.hidden = !drawable;
    fallback.hidden = drawable;
    fallback.replaceChildren();
    if (!drawable) {
      const reason = spec ? spec.reason || "This model cannot be drawn." : specError;
      fallback.append(element("div", { class: "jaxscope-diagram-reason", "data-testid": "diagram-reason" }, reason));
      if (spec) fallback.append(treeTable(spec));
      root.dataset.layers = "0";
      root.dataset.edges = "0";
    }
    readout.textContent = "";
    syncTitle();
  }

  function heatmapImage(gap: Gap, layer: DecodedLayerWeights): HTMLCanvasElement | null {
    if (heatmaps.has(gap.layer)) return heatmaps.get(gap.layer)!;
    let image: HTMLCanvasElement | null = null;
    if (typeof ImageData !== "undefined" && gap.nIn > 0 && gap.nOut > 0) {
      image = document.createElement("canvas");
      image.width = gap.nOut;
      image.height = gap.nIn;
      const imageContext = image.getContext("2d");
      if (imageContext) imageContext.putImageData(new ImageData(heatmapPixels(layer.kernel, gap.nIn, gap.nOut), gap.nOut, gap.nIn), 0, 0);
      else image = null;
    }
    heatmaps.set(gap.layer, image);
    return image;
  }

  function drawDiagram(ctx: CanvasRenderingContext2D, lay: DiagramLayout, theme: Theme): number {
    let edges = 0;
    // Gaps: edges (faint first) or heatmaps.
    for (const gap of lay.gaps) {
      const from = lay.columns[gap.from];
      const to = lay.columns[gap.to];
      const layer = gapWeights(gap, byLayer);
      if (gap.mode === "edges") {
        if (layer) {
          for (const bucket of gapEdges(from, to, layer.kernel).buckets) {
            ctx.strokeStyle = bucket.color;
            ctx.lineWidth = bucket.width;
            ctx.beginPath();
            const s = bucket.segments;
            for (let k = 0; k < s.length; k += 4) {
              ctx.moveTo(s[k], s[k + 1]);
              ctx.lineTo(s[k + 2], s[k + 3]);
            }
            ctx.stroke();
            edges += bucket.count;
          }
        } else {
          // No weights yet: the wiring in faint grey.
          ctx.strokeStyle = rgba(NEUTRAL_RGB, 0.25);
          ctx.lineWidth = 0.5;
          ctx.beginPath();
          for (const y0 of from.ys) {
            for (const y1 of to.ys) {
              ctx.moveTo(from.x, y0);
              ctx.lineTo(to.x, y1);
            }
          }
          ctx.stroke();
          edges += from.ys.length * to.ys.length;
        }
      } else if (gap.heatmap) {
        const rect = gap.heatmap;
        const image = layer ? heatmapImage(gap, layer) : null;
        if (image) {
          ctx.imageSmoothingEnabled = false;
          ctx.drawImage(image, rect.x, rect.y, rect.width, rect.height);
        }
        ctx.strokeStyle = theme.axis;
        ctx.lineWidth = 1;
        ctx.strokeRect(rect.x, rect.y, rect.width, rect.height);
      }
    }

    // Skip connections.
    ctx.strokeStyle = theme.mutedText;
    ctx.lineWidth = 1;
    ctx.setLineDash?.([4, 3]);
    for (const arc of lay.skips) {
      ctx.beginPath();
      ctx.moveTo(arc.x0, arc.y);
      ctx.quadraticCurveTo((arc.x0 + arc.x1) / 2, arc.controlY, arc.x1, arc.y);
      ctx.stroke();
    }
    ctx.setLineDash?.([]);

    // Neurons and strips.
    for (const column of lay.columns) {
      const bias = column.biasLayer === null ? null : byLayer.get(column.biasLayer)?.bias ?? null;
      const usable = bias !== null && bias.length === column.count ? bias : null;
      const largest = usable ? maxAbs(usable) : 0;
      if (column.mode === "neurons") {
        ctx.strokeStyle = theme.axis;
        ctx.lineWidth = 1;
        column.ys.forEach((y, i) => {
          ctx.fillStyle = usable ? biasColor(usable[i], largest) : NEUTRAL;
          ctx.beginPath();
          ctx.arc(column.x, y, column.radius, 0, 2 * Math.PI);
          ctx.fill();
          ctx.stroke();
        });
      } else {
        const means = usable ? aggregateStrip(usable, column) : null;
        const cellHeight = (column.bottom - column.top) / column.cells;
        const left = column.x - column.stripWidth / 2;
        for (let cell = 0; cell < column.cells; cell++) {
          ctx.fillStyle = means ? biasColor(means[cell], largest) : NEUTRAL;
          ctx.fillRect(left, column.top + cell * cellHeight, column.stripWidth, cellHeight);
        }
        ctx.strokeStyle = theme.axis;
        ctx.lineWidth = 1;
        ctx.strokeRect(left, column.top, column.stripWidth, column.bottom - column.top);
      }
    }

    // Blocks.
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.font = `11px ${theme.fontFamily}`;
    for (const block of lay.blocks) {
      const x = block.x - block.width / 2;
      const h = block.bottom - block.top;
      ctx.fillStyle = theme.grid;
      ctx.strokeStyle = theme.axis;
      ctx.beginPath();
      if (typeof ctx.roundRect === "function") ctx.roundRect(x, block.top, block.width, h, 4);
      else ctx.rect(x, block.top, block.width, h);
      ctx.fill();
      ctx.stroke();
      const kind = block.layer < 0 ? "input" : (spec?.layers[block.layer]?.kind ?? "").replace("_", " ");
      ctx.save();
      ctx.translate(block.x, (block.top + block.bottom) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillStyle = theme.text;
      ctx.fillText(kind, 0, 0);
      ctx.restore();
    }

    // Labels: " · "-separated parts on up to LABEL_LINES lines.
    ctx.textBaseline = "top";
    ctx.font = `10px ${theme.fontFamily}`;
    for (const label of lay.labels) {
      const parts = label.text.split(" · ");
      const lines = parts.slice(0, LABEL_LINES - 1);
      if (parts.length >= LABEL_LINES) lines.push(parts.slice(LABEL_LINES - 1).join(" · "));
      ctx.fillStyle = theme.text;
      lines.forEach((line, k) => {
        if (k > 0) ctx.fillStyle = theme.mutedText;
        // Keep the first and last columns' labels inside the canvas (text is centred on x).
        const half = ctx.measureText(line).width / 2;
        const x = Math.min(Math.max(label.x, half + 2), lay.width - half - 2);
        ctx.fillText(line, x, label.y + k * LABEL_LINE_HEIGHT);
      });
    }
    return edges;
  }

  function draw(): void {
    const height = model.get(NETWORK_DIAGRAM.height);
    canvas.style.height = `${height}px`;
    const width = containerWidth || root.clientWidth;
    if (spec === null || !spec.drawable) {
      if (weights) root.dataset.version = String(weights.version);
      return;
    }
    if (width <= 0) return;
    if (layout === null || layout.width !== width || layout.height !== height) {
      layout = diagramLayout(spec, { width, height });
      heatmaps = new Map();
    }
    const pixelRatio = sizeCanvas(canvas, width, height);
    if (context === undefined) context = canvas.getContext("2d");
    if (context === null) return;
    const theme = readTheme(root);
    context.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
    context.fillStyle = theme.background;
    context.fillRect(0, 0, width, height);
    const edges = drawDiagram(context, layout, theme);
    root.dataset.layers = String(layout.labels.length);
    root.dataset.edges = String(edges);
    if (weights) root.dataset.version = String(weights.version);
  }

  const redraw = frameScheduler(draw);

  function onMessage(content: unknown, buffers: readonly WireBuffer[] = []): void {
    if (!isWeightsMessage(content)) return;
    try {
      weights = decodeWeights(content, buffers);
    } catch (error) {
      console.error(error);
      return;
    }
    byLayer = new Map(weights.layers.map((layer) => [layer.layer, layer]));
    heatmaps = new Map();
    redraw.request();
  }

  const subs = subscriptions(model as Model);
  subs.on(CUSTOM_MESSAGE, onMessage);
  subs.on(changeEvent(NETWORK_DIAGRAM.architecture), () => {
    loadArchitecture();
    redraw.request();
  });
  subs.on(changeEvent(NETWORK_DIAGRAM.height), () => redraw.request());
  subs.on(changeEvent(NETWORK_DIAGRAM.title), syncTitle);

  const dom = new AbortController();
  const listen = { signal: dom.signal };
  canvas.addEventListener(
    "pointermove",
    (event) => {
      if (spec === null || layout === null) return;
      const rect = canvas.getBoundingClientRect();
      const hit = hitTest(layout, event.clientX - rect.left, event.clientY - rect.top);
      readout.textContent = hit ? describeHit(hit, spec, layout, byLayer) : "";
    },
    listen,
  );
  canvas.addEventListener("pointerleave", () => void (readout.textContent = ""), listen);

  const stopObservingWidth = observeWidth(root, (width) => {
    containerWidth = width;
    redraw.request();
  });

  // JupyterLab marks a theme switch on <body>: redraw in the new colours.
  const stopObservingTheme = observeTheme(() => redraw.request());

  loadArchitecture();
  redraw.request();
  model.send(readyMessage());

  return () => {
    subs.dispose();
    dom.abort();
    stopObservingWidth();
    stopObservingTheme();
    redraw.cancel();
    root.remove();
  };
}

export default { render };
