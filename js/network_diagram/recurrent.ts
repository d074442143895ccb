/**
 * A recurrent layer (an LSTM, GRU or simple cell run over time) drawn as a block: the cell's word
 * on top, one tile per gate holding its input weights (hidden rows x n_in columns) and its
 * recurrent weights (hidden x hidden) side by side as heatmaps, the gate's name under them, and a
 * loop under the block from its output back into its input, labelled h(t−1).
 *
 * @example
 *   const tiles = gateTiles({x: 0, y: 0, width: 150, height: 200}, gateSizes(lstm));
 *   tiles.gates.map((g) => g.name)   // ["i", "f", "g", "o"]
 *   tiles.pixel                      // 6: each weight is a 6x6 CSS-pixel cell
 *   const atlas = gateAtlasPixels(decoded, gateSizes(lstm));   // one image for every gate
 */
import { maxAbs, writeDiverging } from "./colors";
import type { GateSizes } from "./spec";

/** Band at the top of the block for the cell's word. */
export const GATE_LABEL_HEIGHT = 14;
/** Inner margin of the block on the other sides. */
export const GATE_PADDING = 4;
/** Space between two gate tiles, and between a gate's input and recurrent matrices. */
export const GATE_GAP = 6;
export const MATRIX_GAP = 2;
/** Band under each gate's matrices for its name. */
export const GATE_NAME_HEIGHT = 12;
/** The loop: how far under the block its lane runs, how far up the block's sides it enters and leaves. */
export const LOOP_DROP = 9;
export const LOOP_RISE = 8;
/** Space a recurrent block leaves under it for its loop and the loop's label. */
export const LOOP_SPACE = 18;
export const LOOP_LABEL = "h(t−1)";

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One matrix as drawn: its rectangle and its cells (rows = the gate's units). */
export interface MatrixTile extends Rect {
  rows: number;
  cols: number;
  /** First column of this matrix in the layer's atlas image. */
  atlasX: number;
}

export interface GateTile {
  name: string;
  input: MatrixTile | null;
  recurrent: MatrixTile | null;
  /** Centre of the gate's name. */
  nameX: number;
  nameY: number;
}

export interface GateTiles {
  /** Gates drawn: all of them, or 0 when the block has no room. */
  shown: number;
  /** CSS pixels per weight (a whole number when at least 1). */
  pixel: number;
  columns: number;
  rows: number;
  gates: GateTile[];
  /** Centre of the cell's word. */
  labelX: number;
  labelY: number;
  /** Width and height of the atlas image holding every gate's matrices side by side. */
  atlasWidth: number;
  atlasHeight: number;
}

/** The loop from a recurrent block's output (right side) back into its input (left side), under it. */
export interface LoopArrow {
  /** Polyline from the output to the input; the last point is the arrowhead's tip. */
  points: [number, number][];
  label: string;
  /** Centre of the label, on the loop's lane. */
  labelX: number;
  labelY: number;
}

/** Columns a gate takes in the atlas (and in its tile): its input matrix, then its recurrent one. */
function gateCells(gate: GateSizes): number {
  return gate.nIn + (gate.recurrent ? gate.hidden : 0);
}

/**
 * Where each gate's matrices go inside `box` (the block, CSS pixels): tiles row by row in the grid
 * that makes the cells largest, centred in the space under the cell's word.
 */
export function gateTiles(box: Rect, gates: readonly GateSizes[]): GateTiles {
  const n = gates.length;
  const hidden = gates.reduce((most, g) => Math.max(most, g.hidden), 0);
  const wide = gates.reduce((most, g) => Math.max(most, gateCells(g)), 0);
  const split = gates.some((g) => g.nIn > 0 && g.recurrent) ? MATRIX_GAP : 0;
  const areaX = box.x + GATE_PADDING;
  const areaY = box.y + GATE_LABEL_HEIGHT;
  const areaWidth = box.width - 2 * GATE_PADDING;
  const areaHeight = box.height - GATE_LABEL_HEIGHT - GATE_PADDING;

  let best = { pixel: 0, columns: 1, rows: n };
  if (n > 0 && hidden > 0 && wide > 0) {
    for (let columns = 1; columns <= n; columns++) {
      const rows = Math.ceil(n / columns);
      const fit = Math.min(
        (areaWidth - (columns - 1) * GATE_GAP - columns * split) / (columns * wide),
        (areaHeight - rows * GATE_NAME_HEIGHT - (rows - 1) * GATE_GAP) / (rows * hidden),
      );
      const pixel = fit >= 1 ? Math.floor(fit) : fit;
      if (pixel > best.pixel) best = { pixel, columns, rows };
    }
  }
  const { pixel, columns, rows } = best;
  const shown = pixel > 0 ? n : 0;
  const tileWidth = pixel * wide + split;
  const tileHeight = pixel * hidden + GATE_NAME_HEIGHT;
  const gridWidth = columns * tileWidth + (columns - 1) * GATE_GAP;
  const gridHeight = rows * tileHeight + (rows - 1) * GATE_GAP;
  const left = areaX + (areaWidth - gridWidth) / 2;
  const top = areaY + (areaHeight - gridHeight) / 2;
  const tiles: GateTile[] = [];
  let atlasX = 0;
  for (let g = 0; g < shown; g++) {
    const gate = gates[g];
    const x = left + (g % columns) * (tileWidth + GATE_GAP);
    const y = top + Math.floor(g / columns) * (tileHeight + GATE_GAP);
    const height = pixel * gate.hidden;
    const input = gate.nIn > 0 ? { x, y, width: pixel * gate.nIn, height, rows: gate.hidden, cols: gate.nIn, atlasX } : null;
    const recurrentX = input ? x + input.width + split : x;
    const recurrent = gate.recurrent
      ? { x: recurrentX, y, width: pixel * gate.hidden, height, rows: gate.hidden, cols: gate.hidden, atlasX: atlasX + gate.nIn }
      : null;
    tiles.push({ name: gate.name, input, recurrent, nameX: x + tileWidth / 2, nameY: y + pixel * hidden + GATE_NAME_HEIGHT / 2 + 1 });
    atlasX += gateCells(gate);
  }
  return {
    shown, pixel, columns, rows, gates: tiles,
    labelX: box.x + box.width / 2,
    labelY: box.y + GATE_LABEL_HEIGHT / 2 + 1,
    atlasWidth: gates.reduce((sum, g) => sum + gateCells(g), 0),
    atlasHeight: hidden,
  };
}

/**
 * The loop of a block spanning [left, right] x [top, bottom]: out of its right side LOOP_RISE above
 * the bottom, `outreach` to the right, down to LOOP_DROP under the block, along to `outreach` left
 * of it, up, and into its left side.
 */
export function loopArrow(left: number, right: number, bottom: number, outreach: number): LoopArrow {
  const side = bottom - LOOP_RISE;
  const lane = bottom + LOOP_DROP;
  return {
    points: [[right, side], [right + outreach, side], [right + outreach, lane], [left - outreach, lane], [left - outreach, side], [left, side]],
    label: LOOP_LABEL,
    labelX: (left + right) / 2,
    labelY: lane,
  };
}

/** The weights of one recurrent layer as decoded (shared/protocol.ts `DecodedRecurrentWeights`). */
export interface GateWeights {
  hidden: number;
  gates: readonly { nIn: number; input: ArrayLike<number> | null; recurrent: ArrayLike<number> | null }[];
}

/** Whether decoded gate weights have exactly the sizes the layout drew for. */
export function gatesMatch(weights: GateWeights, gates: readonly GateSizes[]): boolean {
  return (
    weights.gates.length === gates.length &&
    gates.every((g, k) => {
      const w = weights.gates[k];
      return (g.nIn === 0 || (w.input !== null && w.nIn === g.nIn && weights.hidden === g.hidden)) && (w.recurrent !== null) === g.recurrent;
    })
  );
}

/**
 * RGBA bytes of the atlas (atlasWidth x hidden): gate k's input matrix, then its recurrent matrix,
 * in the columns `gateTiles` gave them; row u is the gate's unit u. Diverging colours (white at 0,
 * blue positive, orange negative, opaque on either theme) on one scale for the whole layer, so gates
 * compare; `largest` defaults to the layer's largest |w|.
 *
 * @example
 *   gateAtlasPixels({hidden: 1, gates: [{nIn: 1, input: [1], recurrent: [-1]}]}, sizes)
 *   // [31, 119, 180, 255, 255, 127, 14, 255]
 */
export function gateAtlasPixels(weights: GateWeights, gates: readonly GateSizes[], largest?: number): Uint8ClampedArray<ArrayBuffer> {
  if (!gatesMatch(weights, gates)) throw new Error("gateAtlasPixels: the weights do not have the gates' sizes");
  const hidden = weights.hidden;
  const width = gates.reduce((sum, g) => sum + gateCells(g), 0);
  const scale = largest ?? weights.gates.reduce((most, g) => Math.max(most, g.input ? maxAbs(g.input) : 0, g.recurrent ? maxAbs(g.recurrent) : 0), 0);
  const pixels = new Uint8ClampedArray(4 * width * hidden);
  let x = 0;
  weights.gates.forEach((gate, k) => {
    const nIn = gates[k].nIn;
    for (let row = 0; row < hidden; row++) {
      if (gate.input && nIn > 0) writeDiverging(pixels, row * width + x, gate.input, row * nIn, 1, nIn, scale);
      if (gate.recurrent) writeDiverging(pixels, row * width + x + nIn, gate.recurrent, row * hidden, 1, hidden, scale);
    }
    x += gateCells(gates[k]);
  });
  return pixels;
}

/** The gate, matrix and cell under (x, y): `row` is the unit, `col` the input (or last state's unit). */
export function gateCellAt(
  tiles: GateTiles,
  x: number,
  y: number,
): { gate: number; matrix: "input" | "recurrent"; row: number; col: number } | null {
  for (let g = 0; g < tiles.gates.length; g++) {
    for (const matrix of ["input", "recurrent"] as const) {
      const tile = tiles.gates[g][matrix];
      if (!tile || x < tile.x || x >= tile.x + tile.width || y < tile.y || y >= tile.y + tile.height) continue;
      return {
        gate: g,
        matrix,
        row: Math.min(tile.rows - 1, Math.floor((y - tile.y) / tiles.pixel)),
        col: Math.min(tile.cols - 1, Math.floor((x - tile.x) / tiles.pixel)),
      };
    }
  }
  return null;
}
