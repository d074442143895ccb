import type { RangeExtrema } from "./range_extrema";
import type { RangeSums } from "./range_sums";

/**
 * Min/max decimation per pixel column, so a million points draw as cheaply as a thousand (and
 * decimateMean: one mean per column, for the smoothed line).
 *
 * Non-finite values (and, on a log axis, values <= 0) are skipped: they never reach the canvas.
 *
 * @example
 *   decimate({steps, values, start: 0, end: steps.length, x0: 0, x1: 1e6, width: 800, logY: true})
 *   // -> {kind: "columns", x, min, max, first, last}  with at most 800 columns
 */

export interface DecimateInput {
  /** Strictly increasing. */
  steps: ArrayLike<number>;
  values: Float32Array;
  /** Index range [start, end) to consider. Points outside [x0, x1] in it pass through as-is. */
  start: number;
  end: number;
  /** Visible x range in data units (x1 > x0). */
  x0: number;
  x1: number;
  /** Plot width in pixel columns. */
  width: number;
  logY: boolean;
  /**
   * Block extremes of `values`, kept up to date by the caller. With it, a column costs
   * O(log n) instead of one visit per point; the result is the same.
   */
  extrema?: RangeExtrema;
}

/** Few enough points: the drawable ones, unchanged. */
export interface DecimatedPoints {
  kind: "points";
  x: Float64Array;
  y: Float64Array;
}

/**
 * One entry per non-empty column: `x` is the column centre in data units; min and max are the
 * extremes within the column, first and last its first and last drawable values (for joining
 * neighbouring columns the way the raw line would).
 */
export interface DecimatedColumns {
  kind: "columns";
  x: Float64Array;
  min: Float64Array;
  max: Float64Array;
  first: Float64Array;
  last: Float64Array;
}

export type Decimated = DecimatedPoints | DecimatedColumns;

/** Below this many points per pixel column, points are returned as-is. */
export const POINTS_PER_COLUMN_THRESHOLD = 2;

function drawable(value: number, logY: boolean): boolean {
  return Number.isFinite(value) && (!logY || value > 0);
}

export function decimate(input: DecimateInput): Decimated {
  const { start, end, width } = input;
  if (end - start < POINTS_PER_COLUMN_THRESHOLD * width) return keepPoints(input);
  return input.extrema === undefined ? toColumns(input) : toColumnsIndexed(input, input.extrema);
}

function keepPoints({ steps, values, start, end, logY }: Pick<DecimateInput, "steps" | "values" | "start" | "end" | "logY">): DecimatedPoints {
  const x = new Float64Array(Math.max(end - start, 0));
  const y = new Float64Array(x.length);
  let n = 0;
  for (let i = start; i < end; i++) {
    const value = values[i];
    if (!drawable(value, logY)) continue;
    x[n] = steps[i];
    y[n] = value;
    n += 1;
  }
  return { kind: "points", x: x.subarray(0, n), y: y.subarray(0, n) };
}

function toColumns({ steps, values, start, end, x0, x1, width, logY }: DecimateInput): DecimatedColumns {
  // At most `width` columns plus the pass-through points outside [x0, x1].
  const size = width + Math.max(end - start, 0);
  const capacity = Math.min(size, 2 * width + 16);
  let out = allocate(capacity);
  let n = 0;
  let column = -1;
  const columnsPerUnit = width / (x1 - x0);
  const columnWidth = (x1 - x0) / width;

  for (let i = start; i < end; i++) {
    const value = values[i];
    if (!drawable(value, logY)) continue;
    const step = steps[i];
    const outside = step < x0 || step > x1;
    const c = outside ? -1 : Math.min(Math.floor((step - x0) * columnsPerUnit), width - 1);
    if (outside || c !== column) {
      if (n === out.x.length) out = enlarge(out, 2 * n);
      out.x[n] = outside ? step : x0 + (c + 0.5) * columnWidth;
      out.min[n] = value;
      out.max[n] = value;
      out.first[n] = value;
      out.last[n] = value;
      n += 1;
      column = outside ? -1 : c;
      continue;
    }
    const k = n - 1;
    if (value < out.min[k]) out.min[k] = value;
    if (value > out.max[k]) out.max[k] = value;
    out.last[k] = value;
  }
  return firstColumns(out, n);
}

/** First index in [lo, hi) with `below(steps[index])` false (hi when none); `below` is monotone. */
function searchSteps(steps: ArrayLike<number>, lo: number, hi: number, below: (step: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (below(steps[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The same columns as toColumns, from block extremes: O(log n) per column. */
function toColumnsIndexed(input: DecimateInput, extrema: RangeExtrema): DecimatedColumns {
  const { steps, values, start, end, x0, x1, width, logY } = input;
  const columnsPerUnit = width / (x1 - x0);
  const columnWidth = (x1 - x0) / width;
  const columnOf = (step: number) => Math.min(Math.floor((step - x0) * columnsPerUnit), width - 1);
  // [inside, after) holds the points with x0 <= step <= x1; the others pass through one by one.
  const inside = searchSteps(steps, start, end, (step) => step < x0);
  const after = searchSteps(steps, inside, end, (step) => step <= x1);
  const out = allocate(width + (inside - start) + (end - after));
  let n = 0;
  const emit = (x: number, min: number, max: number, first: number, last: number) => {
    out.x[n] = x;
    out.min[n] = min;
    out.max[n] = max;
    out.first[n] = first;
    out.last[n] = last;
    n += 1;
  };
  const passThrough = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const value = values[i];
      if (drawable(value, logY)) emit(steps[i], value, value, value, value);
    }
  };

  passThrough(start, inside);
  for (let i = inside; i < after; ) {
    const column = columnOf(steps[i]);
    const next = searchSteps(steps, i + 1, after, (step) => columnOf(step) <= column);
    const range = extrema.query(values, i, next, logY);
    if (range !== null) {
      let first = i;
      while (!drawable(values[first], logY)) first += 1;
      let last = next - 1;
      while (!drawable(values[last], logY)) last -= 1;
      emit(x0 + (column + 0.5) * columnWidth, range[0], range[1], values[first], values[last]);
    }
    i = next;
  }
  passThrough(after, end);
  return firstColumns(out, n);
}

export interface DecimateMeanInput extends Omit<DecimateInput, "extrema"> {
  /** Block sums of `values`, kept up to date by the caller: O(log n) per column, not O(n). */
  sums?: RangeSums;
}

/**
 * One point per non-empty pixel column, at the column centre, with the mean of the column's
 * drawable values (points outside [x0, x1] pass through as-is; few points are kept unchanged,
 * as in decimate). This is how the smoothed line is drawn: a min/max envelope of a lightly
 * smoothed, dense series is nearly as wide as the raw one and would hide the trend it is meant
 * to show, while a line through the column means is the trend at the resolution of the screen.
 *
 * @example
 *   decimateMean({steps, values: series.smoothed, start: 0, end: n, x0: 0, x1: 6e4, width: 800,
 *                 logY: true, sums: series.smoothedSums})  // -> {kind: "points", x, y}, <= 800 + 2
 */
export function decimateMean(input: DecimateMeanInput): DecimatedPoints {
  const { steps, values, start, end, x0, x1, width, logY, sums } = input;
  if (end - start < POINTS_PER_COLUMN_THRESHOLD * width) return keepPoints(input);
  const columnsPerUnit = width / (x1 - x0);
  const columnWidth = (x1 - x0) / width;
  const columnOf = (step: number) => Math.min(Math.floor((step - x0) * columnsPerUnit), width - 1);
  const inside = searchSteps(steps, start, end, (step) => step < x0);
  const after = searchSteps(steps, inside, end, (step) => step <= x1);
  const x = new Float64Array(width + (inside - start) + (end - after));
  const y = new Float64Array(x.length);
  let n = 0;
  const passThrough = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      if (!drawable(values[i], logY)) continue;
      x[n] = steps[i];
      y[n] = values[i];
      n += 1;
    }
  };

  passThrough(start, inside);
  for (let i = inside; i < after; ) {
    const column = columnOf(steps[i]);
    const next = searchSteps(steps, i + 1, after, (step) => columnOf(step) <= column);
    const mean = sums === undefined ? scanMean(values, i, next, logY) : sums.mean(values, i, next, logY);
    if (!Number.isNaN(mean)) {
      x[n] = x0 + (column + 0.5) * columnWidth;
      y[n] = mean;
      n += 1;
    }
    i = next;
  }
  passThrough(after, end);
  return { kind: "points", x: x.subarray(0, n), y: y.subarray(0, n) };
}

/** Mean of the drawable values among values[from .. to), or NaN when there are none. */
function scanMean(values: Float32Array, from: number, to: number, logY: boolean): number {
  let total = 0;
  let count = 0;
  for (let i = from; i < to; i++) {
    if (!drawable(values[i], logY)) continue;
    total += values[i];
    count += 1;
  }
  return count > 0 ? total / count : NaN;
}

type ColumnArrays = Omit<DecimatedColumns, "kind">;

function allocate(size: number): ColumnArrays {
  return {
    x: new Float64Array(size),
    min: new Float64Array(size),
    max: new Float64Array(size),
    first: new Float64Array(size),
    last: new Float64Array(size),
  };
}

/** The first n columns of `out` (views, not copies). */
function firstColumns(out: ColumnArrays, n: number): DecimatedColumns {
  return {
    kind: "columns",
    x: out.x.subarray(0, n),
    min: out.min.subarray(0, n),
    max: out.max.subarray(0, n),
    first: out.first.subarray(0, n),
    last: out.last.subarray(0, n),
  };
}

function enlarge(from: ColumnArrays, size: number): ColumnArrays {
  const to = allocate(size);
  to.x.set(from.x);
  to.min.set(from.min);
  to.max.set(from.max);
  to.first.set(from.first);
  to.last.set(from.last);
  return to;
}

/**
 * The vertices a line through `decimated` visits, in order: each column contributes
 * first, min, max, last (a vertical stroke at its x), points contribute themselves.
 */
export function polyline(decimated: Decimated): { x: Float64Array; y: Float64Array } {
  if (decimated.kind === "points") return { x: decimated.x, y: decimated.y };
  const n = decimated.x.length;
  const x = new Float64Array(4 * n);
  const y = new Float64Array(4 * n);
  for (let k = 0; k < n; k++) {
    const order = [decimated.first[k], decimated.min[k], decimated.max[k], decimated.last[k]];
    for (let j = 0; j < 4; j++) {
      x[4 * k + j] = decimated.x[k];
      y[4 * k + j] = order[j];
    }
  }
  return { x, y };
}

/**
 * [min, max] of the drawable values of `decimated` at x0 <= x <= x1 (the pass-through points
 * beyond the edges don't count), or null when there are none.
 */
export function valueExtent(decimated: Decimated, x0: number, x1: number): [number, number] | null {
  const lows = decimated.kind === "points" ? decimated.y : decimated.min;
  const highs = decimated.kind === "points" ? decimated.y : decimated.max;
  let low = Infinity;
  let high = -Infinity;
  for (let k = 0; k < lows.length; k++) {
    if (decimated.x[k] < x0 || decimated.x[k] > x1) continue;
    if (lows[k] < low) low = lows[k];
    if (highs[k] > high) high = highs[k];
  }
  return low <= high ? [low, high] : null;
}
