/**
 * NetworkDiagram front end (anywidget module): draws the `architecture` trait as neuron
 * columns, strips, heatmaps and blocks, coloured by the latest "weights" message, with each
 * neuron's thumbnail from the latest "activations" message, conv kernels as tiles and recurrent
 * gates as heatmaps; hovering
 * reads out the exact weight or bias, clicking a thumbnail enlarges it, and edit mode sets a
 * weight or bias by clicking it; `initialize` answers the kernel's pings (shared/frame_ack.ts).
 * In mode "blocks" (attention, message passing) it shows the model's modules as boxes instead,
 * shaded by the latest "block_stats" message (blocks.ts). See docs/protocol.md.
 */
import type { AnyModel, RenderProps } from "@anywidget/types";
import { readTheme } from "../loss_chart/theme";
import { observeWidth, sizeCanvas } from "../shared/canvas_size";
import { element } from "../shared/dom";
import { formatInteger } from "../shared/format";
import { initialize } from "../shared/frame_ack";
import { frameScheduler } from "../shared/frame_scheduler";
import {
  changeEvent,
  CUSTOM_MESSAGE,
  decodeActivations,
  decodeBlockStats,
  decodeWeights,
  isActivationsMessage,
  isBlockStatsMessage,
  isEditResultMessage,
  isWeightsMessage,
  NETWORK_DIAGRAM,
  readyMessage,
  type DecodedActivations,
  type DecodedBlockStats,
  type DecodedConvWeights,
  type DecodedLayerWeights,
  type DecodedRecurrentWeights,
  type DecodedWeights,
  type NetworkDiagramTraits,
  type WireBuffer,
} from "../shared/protocol";
import { showSaved } from "../shared/saved_state";
import { subscriptions } from "../shared/subscriptions";
import { observeTheme } from "../shared/theme_observer";
import { createBlocksPanel } from "./blocks";
import { heatmapPixels } from "./colors";
import { drawDiagram, type ColumnThumbnails, type Scene } from "./draw";
import { editTarget, editTargetMessage } from "./edit";
import { gapEdges, type GapEdges } from "./edges";
import { openValueEditor, type ValueEditor } from "./editor";
import { createEnlargedView, drawNeuronMap, ENLARGED_SIZE } from "./enlarged";
import { hitTest, type Hit } from "./hit_test";
import { kernelAtlasPixels, type KernelShape } from "./kernels";
import { diagramLayout, formatParams, type DiagramLayout } from "./layout";
import { describeHit, formatValue, neuronCaption } from "./readout";
import { gateAtlasPixels } from "./recurrent";
import { gateSizes, parseArchitecture, type ArchitectureSpec } from "./spec";
import { columnImagePixels, matchActivations, type ColumnActivations } from "./thumbnails";
import { createDiagramToolbar, type ChannelPicker } from "./toolbar";
import { blockGates, blockKernel, gapWeights } from "./weights";

export { describeHit, formatValue } from "./readout";

type Model = AnyModel<NetworkDiagramTraits>;

/** The performance measure each redraw records (benchmarks/bench_diagram_browser.py reads it). */
export const DRAW_MEASURE = "jaxscope:diagram-draw";

/**
 * An offscreen canvas holding `pixels` (width x height RGBA): `reuse` when given, else a new one;
 * null where ImageData is missing.
 */
function imageOf(pixels: Uint8ClampedArray<ArrayBuffer>, width: number, height: number, reuse: HTMLCanvasElement | null = null): HTMLCanvasElement | null {
  if (typeof ImageData === "undefined" || width <= 0 || height <= 0) return null;
  const image = reuse ?? document.createElement("canvas");
  if (image.width !== width) image.width = width;
  if (image.height !== height) image.height = height;
  const imageContext = image.getContext("2d");
  if (!imageContext) return null;
  imageContext.putImageData(new ImageData(pixels, width, height), 0, 0);
  return image;
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
  let layoutKey = "";
  let weights: DecodedWeights | null = null;
  let byLayer = new Map<number, DecodedLayerWeights>();
  let convs = new Map<number, DecodedConvWeights>();
  let recurrents = new Map<number, DecodedRecurrentWeights>();
  let activations: DecodedActivations | null = null;
  /** Per layout column: its activations, and the message they were matched from. */
  let matched: (ColumnActivations | null)[] = [];
  let matchedFrom: DecodedActivations | null = null;
  let containerWidth = 0;
  let context: CanvasRenderingContext2D | null | undefined;
  // Caches, each rebuilt at most once per message (or layout / channel change), never per frame.
  let heatmaps = new Map<number, HTMLCanvasElement | null>();
  let edgeCache = new Map<number, GapEdges>();
  let thumbnailCache = new Map<number, ColumnThumbnails>();
  let kernelCache = new Map<number, HTMLCanvasElement | null>();
  let gateCache = new Map<number, HTMLCanvasElement | null>();
  /** Offscreen canvases kept for reuse when their image is rebuilt, by gap, conv layer and recurrent layer. */
  const heatmapCanvases = new Map<number, HTMLCanvasElement>();
  const kernelCanvases = new Map<number, HTMLCanvasElement>();
  const gateCanvases = new Map<number, HTMLCanvasElement>();
  /** The input channel drawn per conv layer. */
  const channels = new Map<number, number>();
  let editing = false;
  let editor: ValueEditor | null = null;
  let enlarged: { column: number; neuron: number } | null = null;
  /** The latest "block_stats" message not yet shown. */
  let blockStats: DecodedBlockStats | null = null;

  const dom = new AbortController();
  const listen = { signal: dom.signal };

  const titleLine = element("div", { class: "jaxscope-diagram-title", "data-testid": "diagram-title" });
  const noteLine = element("div", { class: "jaxscope-diagram-note", "data-testid": "diagram-note" });
  const blocksPanel = createBlocksPanel(dom.signal);
  const toolbar = createDiagramToolbar({ onToggleEdit: () => setEditing(!editing), onChannel: pickChannel }, dom.signal);
  const canvas = element("canvas", { class: "jaxscope-canvas jaxscope-diagram-canvas", "data-testid": "diagram-canvas" });
  const fallback = element("div", { class: "jaxscope-diagram-fallback", "data-testid": "diagram-fallback" });
  const readout = element("div", { class: "jaxscope-readout", "data-testid": "diagram-readout" });
  const enlargedView = createEnlargedView();
  const root = element(
    "div",
    {
      class: "jaxscope jaxscope-network-diagram",
      "data-testid": "network-diagram",
      "data-layers": "0",
      "data-edges": "0",
      "data-version": "",
      "data-thumbnails": "0",
      "data-kernels": "0",
      "data-gates": "0",
      "data-skips": "0",
      "data-editing": "false",
      "data-mode": "neurons",
      "data-blocks": "0",
    },
    titleLine,
    noteLine,
    toolbar.root,
    canvas,
    blocksPanel.root,
    fallback,
    readout,
  );
  el.append(root);

  const editable = () => model.get(NETWORK_DIAGRAM.editable) !== false;

  function syncTitle(): void {
    const title = model.get(NETWORK_DIAGRAM.title) ?? "";
    const total = spec ? formatParams(spec.totalParams) : "";
    titleLine.textContent = [title, total].filter(Boolean).join(" · ");
  }

  function syncToolbar(): void {
    toolbar.update({ editing, editable: editable() });
    root.dataset.editing = String(editing);
    const pickers: ChannelPicker[] = [];
    for (const conv of convs.values()) {
      const layer = spec?.layers[conv.layer];
      if (layer?.kind === "conv" && conv.shape[1] > 1) pickers.push({ layer: conv.layer, name: layer.name, inChannels: conv.shape[1] });
    }
    toolbar.setChannelPickers(pickers, channels);
  }

  function setEditing(on: boolean): void {
    const next = on && editable();
    if (next === editing) return;
    editing = next;
    editor?.close();
    if (editing) closeEnlarged();
    canvas.classList.remove("jaxscope-clickable");
    syncToolbar();
  }

  function pickChannel(layer: number, channel: number): void {
    channels.set(layer, channel);
    kernelCache.delete(layer);
    redraw.request();
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
    thumbnailCache = new Map();
    gateCache = new Map();
    closeEnlarged();
    editor?.close();
    const blockList = spec !== null && spec.mode === "blocks" ? spec.blocks : null;
    const blocks = blockList !== null;
    const drawable = spec !== null && spec.drawable && !blocks;
    canvas.hidden = !drawable;
    toolbar.root.hidden = !drawable;
    fallback.hidden = drawable || blocks;
    fallback.replaceChildren();
    blocksPanel.root.hidden = !blocks;
    blocksPanel.setBlocks(blockList ?? []);
    root.dataset.mode = blocks ? "blocks" : "neurons";
    root.dataset.blocks = String(blockList?.length ?? 0);
    noteLine.textContent = spec?.note ?? "";
    noteLine.hidden = noteLine.textContent === "";
    if (!drawable) {
      if (!blocks) {
        const reason = spec ? spec.reason || "This model cannot be drawn." : specError;
        fallback.append(element("div", { class: "jaxscope-diagram-reason", "data-testid": "diagram-reason" }, reason));
        if (spec) fallback.append(treeTable(spec));
      }
      root.dataset.layers = "0";
      root.dataset.edges = "0";
      root.dataset.skips = "0";
      root.dataset.thumbnails = "0";
      root.dataset.kernels = "0";
      root.dataset.gates = "0";
    }
    readout.textContent = "";
    syncTitle();
    syncToolbar();
  }

  /** The layout for this size, these conv shapes and activations; made again only when one changes. */
  function currentLayout(network: ArchitectureSpec, width: number, height: number): DiagramLayout {
    const kernels = new Map<number, KernelShape>();
    for (const conv of convs.values()) if (network.layers[conv.layer]?.kind === "conv") kernels.set(conv.layer, conv.shape);
    const columnsKey = activations ? activations.columns.map((c) => `${c.layer}:${c.n}`).join(",") : "";
    const kernelsKey = [...kernels].map(([layer, shape]) => `${layer}:${shape.join("x")}`).join(",");
    const key = `${width}x${height}|${columnsKey}|${kernelsKey}`;
    if (layout !== null && key === layoutKey) {
      // Same columns: new activations fit where the last ones did.
      if (matchedFrom !== activations) rematch(layout);
      return layout;
    }
    let next = diagramLayout(network, { width, height, kernels });
    rematch(next);
    if (matched.some((map) => map !== null)) next = diagramLayout(network, { width, height, kernels, thumbnails: true });
    layout = next;
    layoutKey = key;
    heatmaps = new Map();
    edgeCache = new Map();
    return next;
  }

  function rematch(lay: DiagramLayout): void {
    matched = matchActivations(lay.columns, activations);
    matchedFrom = activations;
  }

  function heatmapImage(g: number): HTMLCanvasElement | null {
    if (heatmaps.has(g)) return heatmaps.get(g)!;
    const gap = layout!.gaps[g];
    const layer = gapWeights(gap, byLayer);
    const reuse = heatmapCanvases.get(g) ?? null;
    const image = layer && gap.nIn > 0 && gap.nOut > 0 ? imageOf(heatmapPixels(layer.kernel, gap.nIn, gap.nOut), gap.nOut, gap.nIn, reuse) : null;
    if (image) heatmapCanvases.set(g, image);
    heatmaps.set(g, image);
    return image;
  }

  function edgesOf(g: number): GapEdges | null {
    const cached = edgeCache.get(g);
    if (cached) return cached;
    const gap = layout!.gaps[g];
    const layer = gapWeights(gap, byLayer);
    if (!layer) return null;
    const edges = gapEdges(layout!.columns[gap.from], layout!.columns[gap.to], layer.kernel);
    edgeCache.set(g, edges);
    return edges;
  }

  function thumbnailsOf(c: number): ColumnThumbnails | null {
    const map = matched[c] ?? null;
    if (map === null) return null;
    const cached = thumbnailCache.get(c);
    if (cached && cached.map.values === map.values) return cached;
    const reuse = cached?.image instanceof HTMLCanvasElement ? cached.image : null;
    const image = map.dims === 2 ? imageOf(columnImagePixels(map), map.cols, map.rows * map.n, reuse) : null;
    const thumbnails = { map, image };
    thumbnailCache.set(c, thumbnails);
    return thumbnails;
  }

  function kernelAtlas(b: number): HTMLCanvasElement | null {
    const block = layout!.blocks[b];
    const conv = blockKernel(block, convs);
    if (!conv || !block.kernels) return null;
    if (kernelCache.has(conv.layer)) return kernelCache.get(conv.layer)!;
    const [, inChannels, kernelHeight, kernelWidth] = conv.shape;
    const channel = Math.min(channels.get(conv.layer) ?? 0, inChannels - 1);
    const shown = block.kernels.shown;
    const reuse = kernelCanvases.get(conv.layer) ?? null;
    const atlas = imageOf(kernelAtlasPixels(conv.kernel, conv.shape, channel, shown), shown * kernelWidth, kernelHeight, reuse);
    if (atlas) kernelCanvases.set(conv.layer, atlas);
    kernelCache.set(conv.layer, atlas);
    return atlas;
  }

  /** The atlas of recurrent block `b`'s gate matrices, rebuilt once per weights message. */
  function gateAtlas(b: number): HTMLCanvasElement | null {
    const block = layout!.blocks[b];
    const layer = spec?.layers[block.layer];
    const weights = blockGates(block, layer, recurrents);
    if (!weights || !layer || !block.gates) return null;
    if (gateCache.has(block.layer)) return gateCache.get(block.layer)!;
    const reuse = gateCanvases.get(block.layer) ?? null;
    const atlas = imageOf(gateAtlasPixels(weights, gateSizes(layer)), block.gates.atlasWidth, block.gates.atlasHeight, reuse);
    if (atlas) gateCanvases.set(block.layer, atlas);
    gateCache.set(block.layer, atlas);
    return atlas;
  }

  function syncEnlarged(): void {
    if (enlarged === null || layout === null || spec === null) return;
    const thumbnails = thumbnailsOf(enlarged.column);
    if (thumbnails === null || enlarged.neuron >= thumbnails.map.n) {
      closeEnlarged();
      return;
    }
    const { map, image } = thumbnails;
    enlargedView.caption.textContent = neuronCaption(spec, map, enlarged.neuron);
    const pixelRatio = sizeCanvas(enlargedView.canvas, ENLARGED_SIZE, ENLARGED_SIZE);
    const enlargedContext = enlargedView.canvas.getContext("2d");
    if (!enlargedContext) return;
    enlargedContext.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
    const source = image ? { source: image, sy: enlarged.neuron * map.rows } : null;
    drawNeuronMap(enlargedContext, map, enlarged.neuron, source, readTheme(root));
  }

  function openEnlarged(column: number, neuron: number): void {
    enlarged = { column, neuron };
    // Over the half of the diagram away from the neuron, level with the canvas's top.
    const onRight = layout !== null && layout.columns[column].x > layout.width / 2;
    enlargedView.root.style.top = `${canvas.offsetTop + 4}px`;
    enlargedView.root.style.left = onRight ? "8px" : "";
    enlargedView.root.style.right = onRight ? "" : "8px";
    root.append(enlargedView.root);
    syncEnlarged();
    enlargedView.close.focus({ preventScroll: true });
  }

  function closeEnlarged(): void {
    if (enlarged === null) return;
    enlarged = null;
    enlargedView.root.remove();
  }

  function draw(): void {
    // --jaxscope-scale zooms the diagram: laid out at width / scale, drawn scale times larger.
    const theme = readTheme(root);
    const height = model.get(NETWORK_DIAGRAM.height);
    canvas.style.height = `${height * theme.scale}px`;
    const width = (containerWidth || root.clientWidth) / theme.scale;
    if (spec?.mode === "blocks") {
      drawBlocks();
      return;
    }
    if (spec === null || !spec.drawable) {
      if (weights) root.dataset.version = String(weights.version);
      return;
    }
    if (width <= 0) return;
    const lay = currentLayout(spec, width, height);
    const pixelRatio = sizeCanvas(canvas, width * theme.scale, height * theme.scale) * theme.scale;
    if (context === undefined) context = canvas.getContext("2d");
    if (context === null) return;
    context.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
    context.fillStyle = theme.background;
    context.fillRect(0, 0, width, height);
    const scene: Scene = {
      spec,
      weights: byLayer,
      edges: edgesOf,
      heatmap: heatmapImage,
      thumbnails: lay.columns.map((_, c) => thumbnailsOf(c)),
      kernels: lay.blocks.map((_, b) => kernelAtlas(b)),
      gates: lay.blocks.map((_, b) => gateAtlas(b)),
    };
    const counts = drawDiagram(context, lay, theme, scene);
    root.dataset.layers = String(lay.labels.length);
    root.dataset.edges = String(counts.edges);
    root.dataset.skips = String(lay.skips.length);
    root.dataset.thumbnails = String(counts.thumbnails);
    root.dataset.kernels = String(counts.kernels);
    root.dataset.gates = String(counts.gates);
    if (weights) root.dataset.version = String(weights.version);
    syncEnlarged();
  }

  /** Show the latest block stats, once per frame however many arrived. */
  function drawBlocks(): void {
    if (blockStats === null) return;
    const stats = blockStats;
    blockStats = null;
    try {
      blocksPanel.setStats(stats);
    } catch (error) {
      console.error(error);
      return;
    }
    root.dataset.version = String(stats.version);
  }

  /** draw(), timed as a "jaxscope:diagram-draw" performance measure (for PerformanceObservers). */
  function timedDraw(): void {
    const start = performance.now();
    draw();
    try {
      performance.measure(DRAW_MEASURE, { start, end: performance.now() });
      performance.clearMeasures(DRAW_MEASURE); // observers still see it; the timeline need not keep it
    } catch {
      // User Timing level 3 missing: nothing to report.
    }
  }

  const redraw = frameScheduler(timedDraw);

  function onWeights(content: unknown, buffers: readonly WireBuffer[]): void {
    try {
      weights = decodeWeights(content, buffers);
    } catch (error) {
      console.error(error);
      return;
    }
    byLayer = new Map(weights.layers.map((layer) => [layer.layer, layer]));
    convs = new Map(weights.convs.map((conv) => [conv.layer, conv]));
    recurrents = new Map(weights.recurrents.map((layer) => [layer.layer, layer]));
    for (const conv of convs.values()) if ((channels.get(conv.layer) ?? 0) >= conv.shape[1]) channels.set(conv.layer, 0);
    heatmaps = new Map();
    edgeCache = new Map();
    kernelCache = new Map();
    gateCache = new Map();
    syncToolbar();
    redraw.request();
  }

  function onActivations(content: unknown, buffers: readonly WireBuffer[]): void {
    try {
      activations = decodeActivations(content, buffers);
    } catch (error) {
      console.error(error);
      return;
    }
    redraw.request();
  }

  function onBlockStats(content: unknown): void {
    try {
      blockStats = decodeBlockStats(content);
    } catch (error) {
      console.error(error);
      return;
    }
    redraw.request();
  }

  function onMessage(content: unknown, buffers: readonly WireBuffer[] = []): void {
    if (isWeightsMessage(content)) onWeights(content, buffers);
    else if (isBlockStatsMessage(content)) onBlockStats(content);
    else if (isActivationsMessage(content)) onActivations(content, buffers);
    else if (isEditResultMessage(content)) {
      readout.textContent = content.ok ? "" : content.message;
      readout.classList.toggle("jaxscope-readout-problem", !content.ok);
    }
  }

  const subs = subscriptions(model as Model);
  subs.on(CUSTOM_MESSAGE, (content: unknown, buffers?: readonly WireBuffer[]) => {
    if (isWeightsMessage(content) || isBlockStatsMessage(content)) markLive();
    onMessage(content, buffers);
  });
  subs.on(changeEvent(NETWORK_DIAGRAM.architecture), () => {
    loadArchitecture();
    redraw.request();
  });
  subs.on(changeEvent(NETWORK_DIAGRAM.height), () => redraw.request());
  subs.on(changeEvent(NETWORK_DIAGRAM.title), syncTitle);
  subs.on(changeEvent(NETWORK_DIAGRAM.editable), () => {
    if (!editable()) setEditing(false);
    syncToolbar();
  });

  /** The hit under a pointer event, in the layout's units (CSS pixels / --jaxscope-scale). */
  function hitAt(event: MouseEvent): Hit | null {
    if (layout === null) return null;
    const rect = canvas.getBoundingClientRect();
    const zoom = rect.width > 0 ? layout.width / rect.width : 1;
    return hitTest(layout, (event.clientX - rect.left) * zoom, (event.clientY - rect.top) * zoom);
  }

  const hasThumbnail = (hit: Hit | null): hit is Extract<Hit, { kind: "neuron" }> =>
    hit !== null && hit.kind === "neuron" && thumbnailsOf(hit.column) !== null;

  canvas.addEventListener(
    "pointermove",
    (event) => {
      if (spec === null || layout === null) return;
      const hit = hitAt(event);
      readout.classList.remove("jaxscope-readout-problem");
      let text = hit ? describeHit(hit, spec, layout, byLayer, convs, channels, recurrents) : "";
      let clickable = false;
      if (editing) {
        clickable = editTarget(hit, layout, byLayer) !== null;
        if (clickable) text += " · click to edit";
      } else if (hasThumbnail(hit)) {
        clickable = true;
        text += " · click to enlarge";
      }
      readout.textContent = text;
      canvas.classList.toggle("jaxscope-clickable", clickable);
    },
    listen,
  );
  canvas.addEventListener(
    "pointerleave",
    () => {
      if (!readout.classList.contains("jaxscope-readout-problem")) readout.textContent = "";
      canvas.classList.remove("jaxscope-clickable");
    },
    listen,
  );
  canvas.addEventListener(
    "click",
    (event) => {
      if (layout === null) return;
      const hit = hitAt(event);
      if (editing) {
        const target = editTarget(hit, layout, byLayer);
        if (target === null) return;
        editor?.close();
        const box = root.getBoundingClientRect();
        editor = openValueEditor(
          root,
          { left: event.clientX - box.left, top: event.clientY - box.top },
          formatValue(target.value),
          (value) => model.send(editTargetMessage(target, value)),
          () => void (editor = null),
        );
      } else if (hasThumbnail(hit)) {
        openEnlarged(hit.column, hit.i);
      } else {
        closeEnlarged();
      }
    },
    listen,
  );
  enlargedView.close.addEventListener("click", closeEnlarged, listen);
  // Escape closes the enlarged map wherever focus is; capturing at the document, since JupyterLab's
  // own shortcuts (also captured there) may stop the event before it reaches the widget.
  document.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Escape" && enlarged !== null) closeEnlarged();
    },
    { capture: true, signal: dom.signal },
  );

  const stopObservingWidth = observeWidth(root, (width) => {
    containerWidth = width;
    redraw.request();
  });

  // JupyterLab marks a theme switch on <body>: redraw in the new colours.
  const stopObservingTheme = observeTheme(() => redraw.request());

  loadArchitecture();
  // A saved notebook (no kernel) or the moment before the first frame: the picture kept in widget state.
  const markLive = showSaved(model, subs, onMessage);
  redraw.request();
  model.send(readyMessage());

  return () => {
    subs.dispose();
    editor?.close();
    dom.abort();
    stopObservingWidth();
    stopObservingTheme();
    redraw.cancel();
    root.remove();
  };
}

export default { initialize, render };
