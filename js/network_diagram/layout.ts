/**
 * Where everything of the network diagram goes on a canvas of a given size: one slot per
 * column or block, left to right, equally spaced. The network input and each dense layer's
 * output are columns of neurons (a compact strip above NEURON_LIMIT neurons); the weights of a
 * dense layer fill the gap between its input and output columns, as edges between two neuron
 * columns up to EDGE_LIMIT edges per gap and TOTAL_EDGE_LIMIT in all (largest gaps give way first), as a
 * weight-matrix heatmap otherwise; other layers (conv,
 * pool, norm, flatten, ...) are labelled blocks; elementwise activation and dropout layers fold
 * into the label of the slot before them. With `thumbnails`, neurons are squares large enough
 * to show what each computes; with `kernels`, conv blocks widen to hold their kernel tiles.
 *
 * @example
 *   const layout = diagramLayout(spec, {width: 400, height: 300, padding: 20, labelHeight: 20});
 *   layout.columns.map((c) => c.count)     // [1, 30, 20, 1]
 *   layout.gaps.map((g) => g.mode)         // ["edges", "edges", "edges"]
 */
import { formatInteger } from "../shared/format";
import { kernelTiles, type KernelShape, type KernelTiles } from "./kernels";
import { denseSizes, type ArchitectureSpec, type LayerSpec, type Shape } from "./spec";

/** Most edges drawn one by one between two columns; more become a heatmap. */
export const EDGE_LIMIT = 5000;
/** Most edges drawn one by one in the whole diagram; the largest gaps become heatmaps first. */
export const TOTAL_EDGE_LIMIT = 8000;
/** Most neurons drawn as circles in a column; more become a strip. */
export const NEURON_LIMIT = 128;
/** Least height of one strip cell in CSS pixels; a cell aggregates several neurons below it. */
export const MIN_CELL_PX = 2;
/** Default largest distance between neuron centres: circles, and thumbnail squares. */
export const MAX_SPACING = 24;
export const THUMBNAIL_MAX_SPACING = 52;
/** Default largest side of a thumbnail square, CSS pixels. */
export const MAX_THUMBNAIL = 44;
/** A thumbnail square's side is this fraction of the neuron spacing (and of the slot spacing, 0.6). */
export const THUMBNAIL_FILL = 0.85;
/** Widest a conv block holding kernel tiles grows, and the fraction of the slot spacing it may take. */
export const KERNEL_BLOCK_MAX_WIDTH = 96;
export const KERNEL_BLOCK_FILL = 0.8;

export interface LayoutOptions {
  width: number;
  height: number;
  /** Margin on every side (default 16). */
  padding?: number;
  /** Band under the drawing for the layer labels (default 40). */
  labelHeight?: number;
  /** Largest distance between neuron centres (default 24, 52 with thumbnails). */
  maxSpacing?: number;
  /** Largest neuron radius (default 6). */
  maxRadius?: number;
  /** Draw neurons as squares holding thumbnails (default false). */
  thumbnails?: boolean;
  /** Largest thumbnail square side (default 44). */
  maxThumbnail?: number;
  /** Kernel shapes [O, I, KH, KW] of the conv layers (by layer index) whose kernels are drawn. */
  kernels?: ReadonlyMap<number, KernelShape>;
  /** Band above the drawing for skip arcs, kept only when there are skips (default 24). */
  arcHeight?: number;
}

export interface NeuronColumn {
  /** Position left to right among all slots (columns and blocks). */
  slot: number;
  x: number;
  count: number;
  mode: "neurons" | "strip";
  /** The dense layer whose biases colour these neurons; null for the input of a dense layer. */
  biasLayer: number | null;
  /** Neuron centres top to bottom ("neurons" mode; empty for a strip). */
  ys: number[];
  /** Half the extent of a neuron: a circle's radius, or half a thumbnail square's side. */
  radius: number;
  /** Side of each neuron's thumbnail square; 0 when neurons are circles. */
  side: number;
  /** Vertical extent of the neurons or the strip. */
  top: number;
  bottom: number;
  /** Strip width (2 * the largest radius); 0 in "neurons" mode. */
  stripWidth: number;
  /** Strip cells top to bottom, each aggregating a run of neurons (= count in "neurons" mode). */
  cells: number;
}

export interface LayerBlock {
  slot: number;
  /** The layer drawn; -1 for the network input. */
  layer: number;
  x: number;
  width: number;
  top: number;
  bottom: number;
  /** Where the kernel tiles go, for a conv layer named in the `kernels` option. */
  kernels?: KernelTiles;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The weights of one dense layer, between its input and output columns (indices into columns). */
export interface Gap {
  layer: number;
  from: number;
  to: number;
  nIn: number;
  nOut: number;
  edgeCount: number;
  mode: "edges" | "heatmap";
  /** Where the (nIn rows, nOut cols) weight matrix is drawn in "heatmap" mode; null otherwise. */
  heatmap: Rect | null;
}

export interface Label {
  /** The layers it describes (a layer and the activation/dropout folded into it); [-1] for the input. */
  layers: number[];
  text: string;
  /** Centre x and top y of the text. */
  x: number;
  y: number;
}

/** A skip connection, drawn as a quadratic curve from (x0, y) to (x1, y) through control (mid, controlY). */
export interface SkipArc {
  from: number;
  to: number;
  x0: number;
  x1: number;
  y: number;
  controlY: number;
}

export interface DiagramLayout {
  width: number;
  height: number;
  columns: NeuronColumn[];
  blocks: LayerBlock[];
  gaps: Gap[];
  labels: Label[];
  skips: SkipArc[];
  totalParams: number;
  /** "701 params". */
  totalLabel: string;
}

/** "1 param", "12,340 params". */
export function formatParams(count: number): string {
  return `${formatInteger(count)} ${count === 1 ? "param" : "params"}`;
}

function formatShape(shape: Shape | null): string {
  return shape === null ? "?" : shape.map((d) => (d === null ? "?" : String(d))).join("×");
}

/** The label of a layer: "dense 30→20 · tanh · 620 params", "pool 28×28×8→14×14×8". */
export function layerLabel(layer: LayerSpec, sizes: [number, number] | null = null, folded: LayerSpec[] = []): string {
  const shapes = sizes ? `${sizes[0]}→${sizes[1]}` : `${formatShape(layer.inputShape)}→${formatShape(layer.outputShape)}`;
  const parts = [`${layer.kind.replace("_", " ")} ${shapes}`];
  const activations = [layer.activation, ...folded.map((f) => (f.kind === "dropout" ? "dropout" : f.activation ?? f.name))];
  for (const activation of activations) if (activation) parts.push(activation);
  const params = layer.paramCount + folded.reduce((sum, f) => sum + f.paramCount, 0);
  if (params > 0) parts.push(formatParams(params));
  return parts.join(" · ");
}

/** Neuron indices [start, end) that strip cell `cell` of `column` aggregates. */
export function stripCellRange(column: NeuronColumn, cell: number): [number, number] {
  return [Math.floor((cell * column.count) / column.cells), Math.floor(((cell + 1) * column.count) / column.cells)];
}

/** The mean of each strip cell's run of values (NaN ignored; NaN where a run has none). */
export function aggregateStrip(values: ArrayLike<number>, column: NeuronColumn): Float32Array {
  const means = new Float32Array(column.cells);
  for (let cell = 0; cell < column.cells; cell++) {
    const [start, end] = stripCellRange(column, cell);
    let sum = 0;
    let finite = 0;
    for (let k = start; k < end; k++) {
      if (!Number.isNaN(values[k])) {
        sum += values[k];
        finite += 1;
      }
    }
    means[cell] = finite > 0 ? sum / finite : NaN;
  }
  return means;
}

type Slot =
  | { kind: "column"; count: number; biasLayer: number | null }
  | { kind: "block"; layer: number };

const FOLDED_KINDS = new Set(["activation", "dropout"]);

/**
 * The layout of `spec` on a `width` x `height` canvas (CSS pixels). Deterministic: the same
 * spec and size always give the same numbers.
 */
export function diagramLayout(spec: ArchitectureSpec, options: LayoutOptions): DiagramLayout {
  const padding = options.padding ?? 16;
  const labelHeight = options.labelHeight ?? 40;
  const thumbnails = options.thumbnails ?? false;
  const maxSpacing = options.maxSpacing ?? (thumbnails ? THUMBNAIL_MAX_SPACING : MAX_SPACING);
  const maxRadius = options.maxRadius ?? 6;
  const maxThumbnail = options.maxThumbnail ?? MAX_THUMBNAIL;
  const arcHeight = spec.skips.length > 0 ? options.arcHeight ?? 24 : 0;
  const { width, height } = options;

  // 1. The sequence of slots, and which slot holds each layer's input and output.
  const slots: Slot[] = [];
  const slotLabels: { slot: number; layer: number; sizes: [number, number] | null; folded: LayerSpec[] }[] = [];
  const labelOfSlot = new Map<number, number>();
  const gapSpecs: { layer: number; fromSlot: number; toSlot: number; nIn: number; nOut: number }[] = [];
  const inputSlot: number[] = [];
  const outputSlot: number[] = [];
  const addSlot = (slot: Slot, label?: { layer: number; sizes: [number, number] | null }) => {
    slots.push(slot);
    if (label) {
      labelOfSlot.set(slots.length - 1, slotLabels.length);
      slotLabels.push({ ...label, slot: slots.length - 1, folded: [] });
    }
    return slots.length - 1;
  };
  const layers = spec.layers;
  const firstSizes = layers.length > 0 && layers[0].kind === "dense" ? denseSizes(layers[0], spec.orientation) : null;
  if (firstSizes) addSlot({ kind: "column", count: firstSizes[0], biasLayer: null }, { layer: -1, sizes: null });
  else addSlot({ kind: "block", layer: -1 }, { layer: -1, sizes: null });

  layers.forEach((layer, k) => {
    const last = slots.length - 1;
    const sizes = layer.kind === "dense" ? denseSizes(layer, spec.orientation) : null;
    if (sizes) {
      const previous = slots[last];
      const fromSlot =
        previous.kind === "column" && previous.count === sizes[0] ? last : addSlot({ kind: "column", count: sizes[0], biasLayer: null });
      const toSlot = addSlot({ kind: "column", count: sizes[1], biasLayer: k }, { layer: k, sizes });
      gapSpecs.push({ layer: k, fromSlot, toSlot, nIn: sizes[0], nOut: sizes[1] });
      inputSlot.push(fromSlot);
      outputSlot.push(toSlot);
    } else if (FOLDED_KINDS.has(layer.kind) && k > 0 && outputSlot[k - 1] === last && labelOfSlot.has(last)) {
      // Elementwise: drawn on the slot of the layer before it, named in that slot's label.
      slotLabels[labelOfSlot.get(last)!].folded.push(layer);
      inputSlot.push(last);
      outputSlot.push(last);
    } else {
      inputSlot.push(last);
      outputSlot.push(addSlot({ kind: "block", layer: k }, { layer: k, sizes: null }));
    }
  });

  // 2. Geometry.
  const top = padding + arcHeight;
  const bottom = height - padding - labelHeight;
  const available = bottom - top;
  const middle = (top + bottom) / 2;
  // Thumbnail squares in the first and last slots stay inside the canvas, border included.
  const inset = thumbnails ? Math.max(padding, maxThumbnail / 2 + 2) : padding;
  const xs = slots.map((_, s) => (slots.length === 1 ? width / 2 : inset + (s * (width - 2 * inset)) / (slots.length - 1)));
  const slotSpacing = slots.length > 1 ? xs[1] - xs[0] : width - 2 * inset;

  const columns: NeuronColumn[] = [];
  const blocks: LayerBlock[] = [];
  const columnOfSlot = new Map<number, number>();
  slots.forEach((slot, s) => {
    if (slot.kind === "block") {
      const shape = options.kernels?.get(slot.layer);
      const plainWidth = Math.min(40, slotSpacing * 0.5);
      const blockWidth = shape ? Math.max(plainWidth, Math.min(KERNEL_BLOCK_MAX_WIDTH, slotSpacing * KERNEL_BLOCK_FILL)) : plainWidth;
      const blockHeight = shape ? available * KERNEL_BLOCK_FILL : available / 2;
      const block: LayerBlock = {
        slot: s,
        layer: slot.layer,
        x: xs[s],
        width: blockWidth,
        top: middle - blockHeight / 2,
        bottom: middle + blockHeight / 2,
      };
      if (shape) block.kernels = kernelTiles({ x: xs[s] - blockWidth / 2, y: block.top, width: blockWidth, height: blockHeight }, shape);
      blocks.push(block);
      return;
    }
    columnOfSlot.set(s, columns.length);
    const n = slot.count;
    const base = { slot: s, x: xs[s], count: n, biasLayer: slot.biasLayer };
    if (n > NEURON_LIMIT) {
      columns.push({
        ...base, mode: "strip", ys: [], radius: 0, side: 0, top, bottom, stripWidth: 2 * maxRadius,
        cells: Math.max(1, Math.min(n, Math.floor(available / MIN_CELL_PX))),
      });
      return;
    }
    const spacing = n > 1 ? Math.min(maxSpacing, available / n) : 0;
    const circle = n > 1 ? Math.min(maxRadius, spacing * 0.4) : maxRadius;
    // A square no smaller than the circle, within the neuron spacing, the slot spacing and maxThumbnail.
    const side = thumbnails
      ? Math.max(2 * circle, Math.min(THUMBNAIL_FILL * (n > 1 ? spacing : available), 0.6 * slotSpacing, maxThumbnail))
      : 0;
    const radius = thumbnails ? side / 2 : circle;
    const ys = Array.from({ length: n }, (_, i) => middle + (i - (n - 1) / 2) * spacing);
    columns.push({
      ...base, mode: "neurons", ys, radius, side, stripWidth: 0, cells: n,
      top: n > 0 ? ys[0] - radius : middle, bottom: n > 0 ? ys[n - 1] + radius : middle,
    });
  });

  // Edges need a circle at both ends, at most EDGE_LIMIT per gap and TOTAL_EDGE_LIMIT in all:
  // the largest gaps (the earlier on a tie) become heatmaps until the rest fit.
  const canDraw = gapSpecs.map(
    (g) => g.nIn * g.nOut <= EDGE_LIMIT && columns[columnOfSlot.get(g.fromSlot)!].mode === "neurons" && columns[columnOfSlot.get(g.toSlot)!].mode === "neurons",
  );
  let drawn = gapSpecs.reduce((sum, g, k) => sum + (canDraw[k] ? g.nIn * g.nOut : 0), 0);
  const bySize = gapSpecs.map((_, k) => k).sort((a, b) => gapSpecs[b].nIn * gapSpecs[b].nOut - gapSpecs[a].nIn * gapSpecs[a].nOut || a - b);
  for (const k of bySize) {
    if (drawn <= TOTAL_EDGE_LIMIT) break;
    if (canDraw[k]) {
      canDraw[k] = false;
      drawn -= gapSpecs[k].nIn * gapSpecs[k].nOut;
    }
  }

  const gaps: Gap[] = gapSpecs.map(({ layer, fromSlot, toSlot, nIn, nOut }, k) => {
    const from = columnOfSlot.get(fromSlot)!;
    const to = columnOfSlot.get(toSlot)!;
    const edgeCount = nIn * nOut;
    const drawEdges = canDraw[k];
    const margin = (xs[toSlot] - xs[fromSlot]) * 0.2;
    return {
      layer, from, to, nIn, nOut, edgeCount,
      mode: drawEdges ? "edges" : "heatmap",
      heatmap: drawEdges ? null : { x: xs[fromSlot] + margin, y: top, width: xs[toSlot] - xs[fromSlot] - 2 * margin, height: available },
    };
  });

  const labelY = bottom + 4;
  const labels: Label[] = [];
  slotLabels.forEach(({ slot: s, layer, sizes, folded }) => {
    const covered = [layer, ...folded.map((f) => layers.indexOf(f))];
    if (layer === -1) {
      const shape = slots[s].kind === "column" ? [(slots[s] as { count: number }).count] : layers[0]?.inputShape ?? null;
      labels.push({ layers: covered, text: `input ${formatShape(shape)}`, x: xs[s], y: labelY });
    } else {
      labels.push({ layers: covered, text: layerLabel(layers[layer], sizes, folded), x: xs[s], y: labelY });
    }
  });

  const skipX = (slot: number) => xs[slot];
  const skips: SkipArc[] = spec.skips.map(([from, to]) => ({
    from, to,
    x0: skipX(from === -1 ? 0 : outputSlot[from]),
    x1: skipX(to === layers.length ? slots.length - 1 : inputSlot[to]),
    y: top,
    controlY: 2 * (padding + 2) - top,
  }));

  return { width, height, columns, blocks, gaps, labels, skips, totalParams: spec.totalParams, totalLabel: formatParams(spec.totalParams) };
}
