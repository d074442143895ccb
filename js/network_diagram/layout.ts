/**
 * Where everything of the network diagram goes on a canvas of a given size: one slot per
 * column or block, left to right, equally spaced. The network input and each dense layer's
 * output are columns of neurons (a compact strip above NEURON_LIMIT neurons); the weights of a
 * dense layer fill the gap between its input and output columns, as edges between two neuron
 * columns up to EDGE_LIMIT edges per gap and TOTAL_EDGE_LIMIT in all (largest gaps give way first), as a
 * weight-matrix heatmap otherwise; other layers (conv,
 * pool, norm, flatten, ...) are labelled blocks; elementwise activation and dropout layers fold
 * into the label of the slot before them. With `thumbnails`, neurons are squares large enough
 * to show what each computes; with `kernels`, conv blocks widen to hold their kernel tiles. A
 * recurrent layer is a wide block holding one heatmap tile per gate (recurrent.ts), with a loop
 * under it from its output back into its input, labelled h(t−1).
 *
 * Labels sit in a band under the drawing, up to three lines each ("conv 3×3 1→8", "28×28×8",
 * "relu · 80 params"). Their widths are estimated from the text (`textWidth`, an upper bound of
 * the UI fonts), and `placeLabels` keeps neighbours apart: one row when they fit, else two
 * staggered rows (the band grows by one row), else lines shortened with "…" to the room each has.
 * Skip connections are routed above the drawing: up from their source, along a lane, down into
 * the layer that takes them, with their kind ("concat", "add") written on the lane; a skip that
 * spans another runs in a higher lane.
 *
 * @example
 *   const layout = diagramLayout(spec, {width: 400, height: 300, padding: 20, labelHeight: 20});
 *   layout.columns.map((c) => c.count)     // [1, 30, 20, 1]
 *   layout.gaps.map((g) => g.mode)         // ["edges", "edges", "edges"]
 */
import { formatInteger } from "../shared/format";
import { kernelTiles, type KernelShape, type KernelTiles } from "./kernels";
import { gateTiles, LOOP_SPACE, loopArrow, type GateTiles, type LoopArrow } from "./recurrent";
import { denseSizes, gateSizes, type ArchitectureSpec, type LayerSpec, type Shape } from "./spec";

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
/** Widest a recurrent block grows, and the fraction of the slot spacing it may take (its loop needs the rest). */
export const RECURRENT_BLOCK_MAX_WIDTH = 180;
export const RECURRENT_BLOCK_FILL = 0.7;
/** How far the loop of a recurrent block reaches out of its sides, at most. */
export const LOOP_OUTREACH = 10;
/** Layer labels: font size and line height (CSS px), and at most this many lines each. */
export const LABEL_FONT_PX = 10;
export const LABEL_LINE_HEIGHT = 12;
export const LABEL_LINES = 3;
/** Least space between two labels of a row, and between a label and the canvas's side. */
export const LABEL_GAP = 6;
export const LABEL_MARGIN = 2;
/** Space between the two rows of staggered labels. */
export const LABEL_ROW_GAP = 4;
/** Distance between two lanes of skip routes, and the space a route keeps from what it joins. */
export const SKIP_LANE_SPACING = 14;
export const SKIP_CLEARANCE = 3;

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
  /** Band above the drawing for the lowest lane of skip routes, kept only when there are skips
   * (default 24); each further lane adds SKIP_LANE_SPACING. */
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
  /** A recurrent layer's gate heatmaps, and its loop from output back to input. */
  gates?: GateTiles;
  loop?: LoopArrow;
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
  /** Everything it says, parts joined by " · ". */
  text: string;
  /** The lines drawn, top to bottom (shortened with "…" only where neighbours leave no room). */
  lines: string[];
  /** Centre x and top y of the text: the slot's x, moved inwards where the text would leave the canvas. */
  x: number;
  y: number;
  /** Estimated width of its widest line (`textWidth`). */
  width: number;
  /** 0, or 1 for the lower of two staggered rows. */
  row: number;
}

/**
 * A skip connection, routed from (x0, y0) (above its source) up to lane height `y`, along it, and
 * down to (x1, y1) (above the layer that takes it), where an arrowhead points in. `label`
 * ("concat", "add", or "" when not known) is written on the lane, centred at `labelX`.
 */
export interface SkipArc {
  from: number;
  to: number;
  kind: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  y: number;
  /** 0 is the lowest lane; a skip spanning another runs above it. */
  lane: number;
  label: string;
  labelX: number;
  labelWidth: number;
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

/**
 * "3×3 1→8": a conv kernel's window and channels in → out, from its parameter of 3+ axes: flax
 * stores `…kernel` as (KH, KW, I, O), the course (and `lax.conv` in OIHW) as (O, I, KH, KW).
 * Null when the layer holds no such parameter.
 */
export function convKernelText(layer: LayerSpec): string | null {
  const found = Object.entries(layer.params).find(([, dims]) => dims.length >= 3);
  if (!found) return null;
  const [name, dims] = found;
  const last = dims.length - 1;
  const [window, channelsIn, channelsOut] = name.endsWith("kernel")
    ? [dims.slice(0, -2), dims[last - 1], dims[last]]
    : [dims.slice(2), dims[1], dims[0]];
  return `${window.join("×")} ${channelsIn}→${channelsOut}`;
}

/** "conv", "convT" (transposed), "max pool" (a pool named by its operation), "upsample", "flatten". */
export function kindName(layer: LayerSpec): string {
  if (layer.kind === "conv_transpose") return "convT";
  const named =
    (layer.kind === "pool" && /^(max|avg|min)_pool$/.test(layer.name)) || (layer.kind === "reshape" && layer.name === "upsample");
  const name = named ? layer.name : layer.kind;
  return name.replace("_", " ");
}

/**
 * The label of a layer, parts joined by " · ": a dense layer's sizes ("dense 30→20 · tanh · 620
 * params"); any other layer's kind, a conv's kernel, then its output shape as stored (per sample:
 * "conv 3×3 1→8 · 28×28×8 · relu · 80 params", "convT 2×2 32→16 · 8×8×16 · 2,064 params",
 * "max pool · 14×14×8").
 */
export function layerLabel(layer: LayerSpec, sizes: [number, number] | null = null, folded: LayerSpec[] = []): string {
  let parts: string[];
  if (layer.kind === "recurrent") {
    parts = recurrentParts(layer);
  } else if (sizes) {
    parts = [`${layer.kind} ${sizes[0]}→${sizes[1]}`];
  } else if (layer.kind === "dense") {
    parts = [`dense ${formatShape(layer.inputShape)}→${formatShape(layer.outputShape)}`];
  } else {
    const kernel = layer.kind === "conv" || layer.kind === "conv_transpose" ? convKernelText(layer) : null;
    parts = [kernel ? `${kindName(layer)} ${kernel}` : kindName(layer), formatShape(layer.outputShape)];
  }
  const activations = [layer.activation, ...folded.map((f) => (f.kind === "dropout" ? "dropout" : f.activation ?? f.name))];
  for (const activation of activations) if (activation) parts.push(activation);
  const params = layer.paramCount + folded.reduce((sum, f) => sum + f.paramCount, 0);
  if (params > 0) parts.push(formatParams(params));
  return parts.join(" · ");
}

/**
 * A recurrent layer's first label parts: "LSTM 1→10" (its cell, input features → hidden units),
 * its output shape, and "4 gates".
 */
function recurrentParts(layer: LayerSpec): string[] {
  const last = (s: Shape | null) => (s && s.length > 0 ? s[s.length - 1] : null);
  const gates = gateSizes(layer);
  const hidden = gates.length > 0 ? gates[0].hidden : last(layer.outputShape);
  const word = layer.cell ?? "recurrent";
  const parts = [`${word} ${last(layer.inputShape) ?? "?"}→${hidden ?? "?"}`, formatShape(layer.outputShape)];
  if (gates.length > 0) parts.push(`${gates.length} ${gates.length === 1 ? "gate" : "gates"}`);
  return parts;
}

/** The lines a label is drawn on: its first LABEL_LINES - 1 parts, then the rest on the last line. */
export function labelLines(text: string): string[] {
  const parts = text.split(" · ");
  const lines = parts.slice(0, LABEL_LINES - 1);
  if (parts.length >= LABEL_LINES) lines.push(parts.slice(LABEL_LINES - 1).join(" · "));
  return lines;
}

const NARROW = new Set(" .,:;·'|!ijl");
const SLIM = new Set("frt()[]-/");
const WIDE = new Set("mwMW→…%");

/**
 * An upper estimate of the width of `text` (CSS px) at `fontPx`, rounded up: ems per character
 * from DejaVu Sans, the widest of the UI sans-serif fonts (a digit 0.64 em, × 0.84, → 1), so
 * the text as drawn (Arial, Segoe UI, SF, DejaVu) is never wider.
 *
 * @example
 *   textWidth("conv 3×3 1→8")   // 76 (Chromium draws it 72.4px wide in DejaVu Sans, 64.8 in Liberation Sans)
 */
export function textWidth(text: string, fontPx = LABEL_FONT_PX): number {
  let em = 0;
  for (const char of text) {
    if (NARROW.has(char)) em += 0.32;
    else if (SLIM.has(char)) em += 0.42;
    else if (WIDE.has(char)) em += 1;
    else if (char === "×") em += 0.84;
    else if (char >= "A" && char <= "Z") em += 0.78;
    else em += 0.64;
  }
  // (less a hair, so that float noise in a whole number of pixels does not round up a pixel)
  return em === 0 ? 0 : Math.ceil(em * fontPx - 1e-9);
}

/** `line`, or its longest start that fits `room` px with "…" after it ("" when not even "…" fits). */
export function shortenLine(line: string, room: number): string {
  if (textWidth(line) <= room) return line;
  const chars = Array.from(line);
  for (let n = chars.length - 1; n >= 0; n--) {
    const shortened = `${chars.slice(0, n).join("").trimEnd()}…`;
    if (textWidth(shortened) <= room) return shortened;
  }
  return "";
}

/** Where a label goes: centre x, row (0 or 1), and its lines (shortened where room was short). */
export interface LabelPlace {
  x: number;
  row: number;
  lines: string[];
  width: number;
}

/**
 * Rows and centres for labels with `lines`, each under slot centre `x` (left to right), on a canvas
 * `canvasWidth` wide, so that no two of a row come closer than LABEL_GAP and none leaves the
 * canvas (a label wider than the room at a side moves inwards):
 * 1. one row, when that fits;
 * 2. else two rows: left to right, each label in the upper row when it keeps clear of the last
 *    label there, else in the lower row when it keeps clear of the last one there;
 * 3. else alternate labels in the lower row, each label's lines shortened with "…" to the room it
 *    has: the distance to its neighbours in its row, less LABEL_GAP (at an end of the row, what
 *    the canvas side leaves).
 *
 * @example
 *   placeLabels([{x: 20, lines: ["input 1"]}, {x: 60, lines: ["dense 1→30"]}], 400).map((p) => p.row)   // [0, 1]
 */
export function placeLabels(items: readonly { x: number; lines: readonly string[] }[], canvasWidth: number): LabelPlace[] {
  const widthOf = (lines: readonly string[]) => lines.reduce((widest, line) => Math.max(widest, textWidth(line)), 0);
  const inside = (x: number, width: number) =>
    width + 2 * LABEL_MARGIN >= canvasWidth ? canvasWidth / 2 : Math.min(Math.max(x, width / 2 + LABEL_MARGIN), canvasWidth - width / 2 - LABEL_MARGIN);
  const place = (rows: number[], lines: (readonly string[])[]): LabelPlace[] =>
    items.map((item, k) => {
      const width = widthOf(lines[k]);
      return { x: inside(item.x, width), row: rows[k], lines: [...lines[k]], width };
    });
  const clear = (left: LabelPlace | null, right: LabelPlace) => left === null || left.x + left.width / 2 + LABEL_GAP <= right.x - right.width / 2;
  const oneRow = place(items.map(() => 0), items.map((item) => item.lines));
  if (oneRow.every((placed, k) => k === 0 || clear(oneRow[k - 1], placed))) return oneRow;
  const lastOfRow: (LabelPlace | null)[] = [null, null];
  const twoRows = oneRow.map((candidate) => {
    const row = clear(lastOfRow[0], candidate) ? 0 : clear(lastOfRow[1], candidate) ? 1 : -1;
    const placed = { ...candidate, row };
    if (row >= 0) lastOfRow[row] = placed;
    return placed;
  });
  if (twoRows.every((placed) => placed.row >= 0)) return twoRows;
  const rows = items.map((_, k) => k % 2);
  const sameRow = (k: number, step: number) => {
    for (let j = k + step; j >= 0 && j < items.length; j += step) if (rows[j] === rows[k]) return items[j];
    return undefined;
  };
  const shortened = items.map((item, k) => {
    const before = sameRow(k, -1);
    const after = sameRow(k, 1);
    let room = canvasWidth - 2 * LABEL_MARGIN;
    if (before) room = Math.min(room, item.x - before.x - LABEL_GAP);
    if (after) room = Math.min(room, after.x - item.x - LABEL_GAP);
    // An end of a row: the canvas side may push the label inwards, into half its neighbour's room.
    if (!before && after) room = Math.min(room, item.x - LABEL_MARGIN + (after.x - item.x - LABEL_GAP) / 2);
    if (!after && before) room = Math.min(room, canvasWidth - LABEL_MARGIN - item.x + (item.x - before.x - LABEL_GAP) / 2);
    return item.lines.map((line) => shortenLine(line, Math.max(0, room)));
  });
  return place(rows, shortened);
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

/**
 * The lane of each skip route (0 lowest) running from x0 to x1 with `label` written at its middle:
 * shortest first, each in the lane above every lane a route already placed shares some x with
 * (its ends and label included), so a skip spanning another runs above it and none cross.
 *
 * @example
 *   skipLanes([{x0: 100, x1: 500, label: "concat"}, {x0: 200, x1: 400, label: "concat"}])   // [1, 0]
 */
export function skipLanes(routes: readonly { x0: number; x1: number; label: string }[]): number[] {
  const spans = routes.map(({ x0, x1, label }) => {
    const half = label ? textWidth(label) / 2 + SKIP_CLEARANCE : 0;
    const middle = (x0 + x1) / 2;
    return [Math.min(x0, x1, middle - half), Math.max(x0, x1, middle + half)];
  });
  const order = routes.map((_, k) => k).sort((a, b) => spans[a][1] - spans[a][0] - (spans[b][1] - spans[b][0]) || a - b);
  const lanes = routes.map(() => -1);
  for (const k of order) {
    let lane = 0;
    for (let j = 0; j < routes.length; j++) {
      if (lanes[j] >= 0 && spans[j][0] <= spans[k][1] && spans[k][0] <= spans[j][1]) lane = Math.max(lane, lanes[j] + 1);
    }
    lanes[k] = lane;
  }
  return lanes;
}

/**
 * The block of recurrent layer `layer` in slot `slot` centred at x: as wide as RECURRENT_BLOCK_FILL
 * of the slot spacing allows (up to RECURRENT_BLOCK_MAX_WIDTH), as tall as leaves LOOP_SPACE under
 * it for the loop, holding its gates' tiles.
 */
function recurrentBlock(slot: number, layer: number, x: number, spacing: number, top: number, bottom: number, spec: LayerSpec): LayerBlock {
  const available = bottom - top;
  const width = Math.max(Math.min(40, spacing * 0.5), Math.min(RECURRENT_BLOCK_MAX_WIDTH, spacing * RECURRENT_BLOCK_FILL));
  const height = Math.max(0, Math.min(available * KERNEL_BLOCK_FILL, available - 2 * LOOP_SPACE));
  const blockTop = (top + bottom) / 2 - height / 2;
  const outreach = Math.max(3, Math.min(LOOP_OUTREACH, (spacing - width) / 2 - 8));
  return {
    slot, layer, x, width, top: blockTop, bottom: blockTop + height,
    gates: gateTiles({ x: x - width / 2, y: blockTop, width, height }, gateSizes(spec)),
    loop: loopArrow(x - width / 2, x + width / 2, blockTop + height, outreach),
  };
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
  const laneHeight = options.arcHeight ?? 24;
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

  // 2. Slot centres, then what the label band and the skip lanes need, then the drawing between them.
  // Thumbnail squares in the first and last slots stay inside the canvas, border included.
  const inset = thumbnails ? Math.max(padding, maxThumbnail / 2 + 2) : padding;
  const xs = slots.map((_, s) => (slots.length === 1 ? width / 2 : inset + (s * (width - 2 * inset)) / (slots.length - 1)));
  const slotSpacing = slots.length > 1 ? xs[1] - xs[0] : width - 2 * inset;

  const labelTexts = slotLabels.map(({ slot: s, layer, sizes, folded }) => {
    if (layer !== -1) return layerLabel(layers[layer], sizes, folded);
    // A column's size follows the word; a block's shape goes under it, as a layer block's does.
    if (slots[s].kind === "column") return `input ${(slots[s] as { count: number }).count}`;
    return `input · ${formatShape(layers[0]?.inputShape ?? null)}`;
  });
  const places = placeLabels(slotLabels.map(({ slot }, k) => ({ x: xs[slot], lines: labelLines(labelTexts[k]) })), width);
  const rowHeight = LABEL_LINE_HEIGHT * places.reduce((most, place) => Math.max(most, place.lines.length), 0) + LABEL_ROW_GAP;
  const secondRow = places.some((place) => place.row > 0) ? rowHeight : 0;

  // The slot a skip leaves (its source's output) and the one it enters: the layer taking it when
  // that is a block of its own, else the slot holding that layer's input (a dense layer's column).
  const skipSlots = spec.skips.map(({ from, to }): [number, number] => {
    const source = from === -1 ? 0 : outputSlot[from];
    if (to >= layers.length) return [source, slots.length - 1];
    const own = outputSlot[to] !== inputSlot[to] && slots[outputSlot[to]].kind === "block";
    return [source, own ? outputSlot[to] : inputSlot[to]];
  });
  const lanes = skipLanes(spec.skips.map(({ kind }, k) => ({ x0: xs[skipSlots[k][0]], x1: xs[skipSlots[k][1]], label: kind })));
  const laneCount = lanes.reduce((most, lane) => Math.max(most, lane + 1), 0);
  const arcBand = laneCount > 0 ? laneHeight + (laneCount - 1) * SKIP_LANE_SPACING : 0;

  const top = padding + arcBand;
  const bottom = height - padding - labelHeight - secondRow;
  const available = bottom - top;
  const middle = (top + bottom) / 2;

  const columns: NeuronColumn[] = [];
  const blocks: LayerBlock[] = [];
  const columnOfSlot = new Map<number, number>();
  slots.forEach((slot, s) => {
    if (slot.kind === "block") {
      const recurrent = slot.layer >= 0 && layers[slot.layer].kind === "recurrent" && layers[slot.layer].gates.length > 0;
      if (recurrent) {
        blocks.push(recurrentBlock(s, slot.layer, xs[s], slotSpacing, top, bottom, layers[slot.layer]));
        return;
      }
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
  const labels: Label[] = slotLabels.map(({ layer, folded }, k) => ({
    layers: [layer, ...folded.map((f) => layers.indexOf(f))],
    text: labelTexts[k],
    lines: places[k].lines,
    x: places[k].x,
    y: labelY + places[k].row * rowHeight,
    width: places[k].width,
    row: places[k].row,
  }));

  // Above what a slot draws: its block, or its column's first neuron (or strip).
  const slotTop = (s: number) => {
    const block = blocks.find((b) => b.slot === s);
    if (block) return block.top;
    return columnOfSlot.has(s) ? columns[columnOfSlot.get(s)!].top : top;
  };
  const skips: SkipArc[] = spec.skips.map(({ from, to, kind }, k) => {
    const [source, target] = skipSlots[k];
    const x0 = xs[source];
    const x1 = xs[target];
    return {
      from, to, kind,
      x0, y0: slotTop(source) - SKIP_CLEARANCE,
      x1, y1: slotTop(target) - SKIP_CLEARANCE,
      y: padding + laneHeight / 2 + (laneCount - 1 - lanes[k]) * SKIP_LANE_SPACING,
      lane: lanes[k],
      label: kind,
      labelX: (x0 + x1) / 2,
      labelWidth: kind ? textWidth(kind) : 0,
    };
  });

  return { width, height, columns, blocks, gaps, labels, skips, totalParams: spec.totalParams, totalLabel: formatParams(spec.totalParams) };
}
