/**
 * Neuron thumbnails, as in TensorFlow Playground: what each neuron computes over the input
 * plane (a 2-D grid: an image) or line (a 1-D grid: a line plot), from an "activations"
 * message. A message column belongs to a layout column when it holds the same layer's outputs
 * (-1: the network input, the first column) and as many neurons; a column's thumbnails share one
 * scale, the largest finite |value| in it.
 *
 * @example
 *   const matched = matchActivations(layout.columns, activations);
 *   const map = matched[1];   // {layer: 0, n: 8, values, largest, ...} or null
 *   new ImageData(columnImagePixels(map), map.cols, map.rows * map.n)   // neuron k: rows [k * rows, (k + 1) * rows)
 */
import type { DecodedActivations } from "../shared/protocol";
import { maxAbs, writeDiverging } from "./colors";
import type { NeuronColumn } from "./layout";

/** One layout column's activations. */
export interface ColumnActivations {
  /** Index of the column in `layout.columns`. */
  column: number;
  /** The dense layer whose outputs these are; -1 for the network input. */
  layer: number;
  n: number;
  /** (G, n) row-major: values[g * n + k] is neuron k at grid point g. */
  values: Float32Array;
  /** G, the number of grid points. */
  points: number;
  /** Grid rows and columns: (1, G) for a 1-D grid. */
  rows: number;
  cols: number;
  dims: 1 | 2;
  /** [[x0, x1]] or [[x0, x1], [y0, y1]]. */
  range: readonly (readonly [number, number])[];
  /** The largest finite |value| of the whole column: every neuron's thumbnail uses this scale. */
  largest: number;
}

/**
 * Each layout column's activations (null where the message has none that fit): a message
 * column fits a "neurons"-mode layout column of the same layer (-1 = the first column, the
 * network input) with as many neurons.
 */
export function matchActivations(columns: readonly NeuronColumn[], activations: DecodedActivations | null): (ColumnActivations | null)[] {
  return columns.map((column, c) => {
    if (activations === null || column.mode !== "neurons") return null;
    const layer = column.biasLayer ?? (column.slot === 0 ? -1 : null);
    const entry = activations.columns.find((candidate) => candidate.layer === layer && candidate.n === column.count);
    if (!entry || column.count === 0) return null;
    const { shape, range } = activations.grid;
    const dims = shape.length === 2 ? 2 : 1;
    return {
      column: c,
      layer: entry.layer,
      n: entry.n,
      values: entry.values,
      points: activations.points,
      rows: dims === 2 ? shape[0] : 1,
      cols: dims === 2 ? shape[1]! : shape[0],
      dims,
      range,
      largest: maxAbs(entry.values),
    };
  });
}

/**
 * RGBA bytes of one image holding every neuron's map of a 2-D grid, stacked: cols pixels wide,
 * rows * n high, neuron k's map in rows [k * rows, (k + 1) * rows) with its grid row 0 (the
 * largest y) on top. White at 0, blue positive, orange negative, scaled by the column's
 * largest |value|.
 */
export function columnImagePixels(map: ColumnActivations): Uint8ClampedArray<ArrayBuffer> {
  const pixels = new Uint8ClampedArray(4 * map.points * map.n);
  for (let k = 0; k < map.n; k++) writeDiverging(pixels, k * map.points, map.values, k, map.n, map.points, map.largest);
  return pixels;
}

/** The smallest and largest value of neuron `neuron` (NaN ignored; [NaN, NaN] when all are NaN). */
export function neuronRange(map: ColumnActivations, neuron: number): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (let g = 0; g < map.points; g++) {
    const value = map.values[g * map.n + neuron];
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return low <= high ? [low, high] : [NaN, NaN];
}

/** The minimal path interface a line plot is traced on (a CanvasRenderingContext2D is one). */
export interface PathSink {
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
}

/**
 * Trace neuron `neuron`'s values of a 1-D grid as a line across `box`: x from the left edge
 * (grid point 0) to the right edge, value 0 at the vertical middle, ±largest at the top and
 * bottom edges. NaN breaks the line; `stride` > 1 skips points (the last is always kept).
 *
 * @example
 *   context.beginPath();
 *   traceLinePlot(context, map, 0, {x: 10, y: 10, width: 40, height: 40});
 *   context.stroke();
 */
export function traceLinePlot(
  path: PathSink,
  map: ColumnActivations,
  neuron: number,
  box: { x: number; y: number; width: number; height: number },
  stride = 1,
): void {
  const half = box.height / 2;
  const middle = box.y + half;
  const scale = map.largest > 0 && map.largest !== Infinity ? half / map.largest : 0;
  const last = map.points - 1;
  let drawing = false;
  if (last < 0) return;
  for (let g = 0; ; g = Math.min(g + stride, last)) {
    const value = map.values[g * map.n + neuron];
    if (Number.isNaN(value)) {
      drawing = false;
      if (g === last) break;
      continue;
    }
    const x = last > 0 ? box.x + (g * box.width) / last : box.x + box.width / 2;
    const y = middle - Math.max(-half, Math.min(half, value * scale));
    if (drawing) path.lineTo(x, y);
    else path.moveTo(x, y);
    drawing = true;
    if (g === last) break;
  }
}

/** Grid points to skip between plotted ones so a line `pixels` wide gets about 2 points a pixel. */
export function plotStride(points: number, pixels: number): number {
  return Math.max(1, Math.floor(points / Math.max(1, 2 * pixels)));
}
