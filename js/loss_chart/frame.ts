/**
 * Everything a draw needs, computed without touching the DOM: plot area, axis ranges and
 * scales, ticks with labels, and each series decimated to the plot's pixel columns (the raw
 * line as a min/max envelope per column, the smoothed line as one mean per column).
 *
 * @example
 *   const frame = prepareFrame({width: 600, height: 280, series: store.all(), view: FOLLOW,
 *                               logY: true, smoothing: 0.6, stepExtent: store.stepExtent()});
 *   frame.x.toPixel(100);  // where step 100 is drawn
 *
 * Ensemble parts (series_name.ts) become `bands` (between `m#lo` and `m#hi`, in `m`'s colour),
 * `members` (`m#<i>`, computed only when `members` is asked for) and `markers` (`diverged#<i>`);
 * only main lines get legend entries and fit the y axis with the bands. With `runs`, a series'
 * colour is its run's (series_style.ts `runSeriesStyle`).
 */
import { formatStepTicks, formatValueTicks, linearTicks, logTicks, paddedRange } from "./axes";
import { decimate, decimateMean, polyline, valueExtent } from "./decimate";
import { makeScale, type Scale } from "./scale";
import type { Series } from "./series";
import type { RunEntry } from "../shared/protocol";
import { mainName, parseSeriesName, type SeriesName } from "./series_name";
import { runSeriesStyle, seriesStyle, UNKNOWN_RUN_COLOR, type SeriesStyle } from "./series_style";
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
  /** The run key (comparison charts) or null, and the metric. */
  run: string | null;
  metric: string;
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
  /** Ensemble bands: `name` is the main line's; `lo` and `hi` its lower and upper edges. */
  bands: Band[];
  /** Ensemble member lines (empty unless FrameInput.members). */
  members: MemberLine[];
  /** Where members diverged: an x marker each. */
  markers: Marker[];
  /** True when no series holds a point. */
  empty: boolean;
}

export interface Band {
  name: string;
  style: SeriesStyle;
  lo: Line;
  hi: Line;
}

export interface MemberLine {
  /** The wire name (`loss#3`, `r1:loss#3`) and the main line it belongs to. */
  name: string;
  main: string;
  member: number;
  style: SeriesStyle;
  line: Line;
}

export interface Marker {
  name: string;
  member: number;
  style: SeriesStyle;
  step: number;
  value: number;
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
  /** A comparison chart's runs (their colours); empty or absent for one run. */
  runs?: readonly RunEntry[];
  /** Compute the ensemble members' lines (the pointer is over the chart, or "members" is on). */
  members?: boolean;
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

interface Common {
  steps: Uint32Array;
  start: number;
  end: number;
  x0: number;
  x1: number;
  width: number;
  logY: boolean;
}

function visibleIndices(s: Series, x0: number, x1: number, width: number, logY: boolean): Common {
  const range = s.indexRange(x0, x1);
  return {
    steps: s.steps,
    start: Math.max(range.start - 1, 0),
    end: Math.min(range.end + 1, s.length),
    x0,
    x1,
    width,
    logY,
  };
}

/** The smoothed line (one mean per column), or the raw line's envelope when smoothing is off. */
function trendLine(s: Series, common: Common, smoothing: number): Line {
  if (smoothing > 0) return polyline(decimateMean({ ...common, values: s.smoothed, sums: s.smoothedSums }));
  return polyline(decimate({ ...common, values: s.values, extrema: s.valueExtrema }));
}

/** A band edge: the trend, or without smoothing the column minima (`lower`) or maxima. */
function bandEdge(s: Series, common: Common, smoothing: number, lower: boolean): Line {
  if (smoothing > 0) return trendLine(s, common, smoothing);
  const decimated = decimate({ ...common, values: s.values, extrema: s.valueExtrema });
  if (decimated.kind === "points") return { x: decimated.x, y: decimated.y };
  return { x: decimated.x, y: lower ? decimated.min : decimated.max };
}

function lineExtent(line: Line, x0: number, x1: number): [number, number] | null {
  return valueExtent({ kind: "points", x: line.x, y: line.y }, x0, x1);
}

export function prepareFrame(input: FrameInput): Frame {
  const { width, height, series, view, logY, smoothing } = input;
  const runs = input.runs ?? [];
  const withRuns = runs.length > 0;
  const plot = plotRect(width, height);
  const [x0, x1] = resolveX(view, input.stepExtent);
  const columns = Math.max(Math.floor(plot.width), 1);
  const parsed = series.map((s): [Series, SeriesName] => [s, parseSeriesName(s.name, withRuns)]);
  const metrics = parsed.filter(([, p]) => p.part === "main").map(([, p]) => p.metric);
  const colorOf = (run: string | null) => runs.find((r) => r.key === run)?.color ?? UNKNOWN_RUN_COLOR;
  const styleOf = (p: SeriesName) => (withRuns ? runSeriesStyle(p.metric, colorOf(p.run)) : seriesStyle(p.metric, metrics));

  let extent: [number, number] | null = null;
  const lines: SeriesLines[] = [];
  const bands: Band[] = [];
  const members: MemberLine[] = [];
  const markers: Marker[] = [];
  const byName = new Map(series.map((s) => [s.name, s]));
  for (const [s, p] of parsed) {
    const common = visibleIndices(s, x0, x1, columns, logY);
    const style = styleOf(p);
    const main = mainName(p.run, p.metric);
    if (p.part === "main") {
      const raw = decimate({ ...common, values: s.values, extrema: s.valueExtrema });
      extent = mergeExtent(extent, valueExtent(raw, x0, x1));
      let smoothed: Line | null = null;
      if (smoothing > 0) {
        // One mean per column, not a min/max envelope: the smoothed line must stay a line.
        smoothed = trendLine(s, common, smoothing);
        extent = mergeExtent(extent, lineExtent(smoothed, x0, x1));
      }
      lines.push({ name: s.name, run: p.run, metric: p.metric, style, raw: polyline(raw), smoothed });
    } else if (p.part === "lo") {
      const upper = byName.get(`${main}#hi`);
      if (upper === undefined) continue;
      const lo = bandEdge(s, common, smoothing, true);
      const hi = bandEdge(upper, visibleIndices(upper, x0, x1, columns, logY), smoothing, false);
      extent = mergeExtent(mergeExtent(extent, lineExtent(lo, x0, x1)), lineExtent(hi, x0, x1));
      bands.push({ name: main, style, lo, hi });
    } else if (p.part === "member" && input.members === true) {
      members.push({ name: s.name, main, member: p.member, style, line: trendLine(s, common, smoothing) });
    } else if (p.part === "diverged" && s.length > 0) {
      markers.push({ name: s.name, member: p.member, style, step: s.steps[0], value: s.values[0] });
    }
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
    bands,
    members,
    markers,
    empty: series.every((s) => s.length === 0),
  };
}
