/**
 * Everything a draw needs, computed without touching the DOM: plot area, axis ranges and
 * scales, ticks with labels, and each series decimated to the plot's pixel columns (the raw
 * line as a min/max envelope per column, the smoothed line as one mean per column).
 *
 * @example
 *   const frame = prepareFrame({width: 600, height: 280, series: store.all(), view: FOLLOW,
 *                               logY: true, smoothing: 0.6, stepExtent: store.stepExtent()});
 *   frame.x.toPixel(100);  // where step 100 is drawn
 */
import { formatStepTicks, formatValueTicks, linearTicks, logTicks, paddedRange } from "./axes";
import { decimate, decimateMean, polyline, valueExtent } from "./decimate";
import { makeScale, type Scale } from "./scale";
import type { Series } from "./series";
import { seriesStyle, type SeriesStyle } from "./series_style";
import { resolveX, resolveY, type Range, type Viewport } from "./viewport";

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Line {
  x: Float64Array;
  y: Float64Array;
}

export interface SeriesLines {
  name: string;
  style: SeriesStyle;
  raw: Line;
  /** The smoothed line, or null when smoothing is off. */
  smoothed: Line | null;
}

export interface Frame {
  width: number;
  height: number;
  plot: Rect;
  x: Scale;
  y: Scale;
  xTicks: number[];
  xLabels: string[];
  yTicks: number[];
  yLabels: string[];
  lines: SeriesLines[];
  /** True when no series holds a point. */
  empty: boolean;
}

export interface FrameInput {
  /** Canvas size in CSS pixels. */
  width: number;
  height: number;
  series: readonly Series[];
  view: Viewport;
  logY: boolean;
  smoothing: number;
  stepExtent: Range | null;
}

export const MARGIN = { left: 60, right: 14, top: 28, bottom: 26 } as const;
const X_TICK_SPACING = 90;
const Y_TICK_SPACING = 40;

export function plotRect(width: number, height: number): Rect {
  return {
    left: MARGIN.left,
    top: MARGIN.top,
    width: Math.max(width - MARGIN.left - MARGIN.right, 1),
    height: Math.max(height - MARGIN.top - MARGIN.bottom, 1),
  };
}

function mergeExtent(a: [number, number] | null, b: [number, number] | null): [number, number] | null {
  if (a === null) return b;
  if (b === null) return a;
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

export function prepareFrame(input: FrameInput): Frame {
  const { width, height, series, view, logY, smoothing } = input;
  const plot = plotRect(width, height);
  const [x0, x1] = resolveX(view, input.stepExtent);
  const columns = Math.max(Math.floor(plot.width), 1);
  const names = series.map((s) => s.name);

  let extent: [number, number] | null = null;
  const lines: SeriesLines[] = [];
  for (const s of series) {
    const range = s.indexRange(x0, x1);
    const start = Math.max(range.start - 1, 0);
    const end = Math.min(range.end + 1, s.length);
    const common = { steps: s.steps, start, end, x0, x1, width: columns, logY };
    const raw = decimate({ ...common, values: s.values, extrema: s.valueExtrema });
    extent = mergeExtent(extent, valueExtent(raw, x0, x1));
    let smoothed: Line | null = null;
    if (smoothing > 0) {
      // One mean per column, not a min/max envelope: the smoothed line must stay a line.
      const decimated = decimateMean({ ...common, values: s.smoothed, sums: s.smoothedSums });
      extent = mergeExtent(extent, valueExtent(decimated, x0, x1));
      smoothed = polyline(decimated);
    }
    lines.push({ name: s.name, style: seriesStyle(s.name, names), raw: polyline(raw), smoothed });
  }

  const [y0, y1] = resolveY(view, paddedRange(extent, logY));
  const x = makeScale([x0, x1], [plot.left, plot.left + plot.width]);
  const y = makeScale([y0, y1], [plot.top + plot.height, plot.top], logY);
  const xCount = Math.max(Math.floor(plot.width / X_TICK_SPACING), 2);
  const xTicks = linearTicks(x0, x1, xCount, 1).filter((step) => step >= 0);
  const yCount = Math.max(Math.floor(plot.height / Y_TICK_SPACING), 2);
  const yTicks = logY ? logTicks(y0, y1, yCount) : linearTicks(y0, y1, yCount);
  return {
    width,
    height,
    plot,
    x,
    y,
    xTicks,
    xLabels: formatStepTicks(xTicks),
    yTicks,
    yLabels: formatValueTicks(yTicks),
    lines,
    empty: series.every((s) => s.length === 0),
  };
}
