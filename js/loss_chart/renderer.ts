/**
 * Draw a prepared Frame on a canvas: background, grid, axes with labels, each series (a faint
 * raw line under a bold smoothed one), ensemble bands, member lines and diverged markers, the
 * best-step and marked-step lines, the legend and the hover crosshair.
 *
 * @example
 *   drawFrame(canvas.getContext("2d"), frame, {pixelRatio: 2, theme: readTheme(el), title: "",
 *             bestStep: -1, hover: null, smoothing: 0.6});
 */
import { formatInteger } from "../shared/format";
import type { Frame, Line } from "./frame";
import type { ReadoutEntry } from "./readout";
import type { SeriesStyle } from "./series_style";
import type { Theme } from "./theme";

export interface Decorations {
  pixelRatio: number;
  theme: Theme;
  title: string;
  smoothing: number;
  /** Step of the best-step marker; negative for none. */
  bestStep: number;
  /** Step of the marked-step line ("step N", the rewind scrubber's); negative or absent for none. */
  markedStep?: number;
  /** Crosshair at CSS pixel `x`, with a dot on each entry's point; null when not hovering. */
  hover: { x: number; entries: readonly ReadoutEntry[] } | null;
}

const FONT_SIZE = 11;
const TITLE_FONT_SIZE = 13;

/** Alpha and width (CSS pixels) of a stroked series line. */
export interface StrokeStyle {
  alpha: number;
  width: number;
}

/** The raw line under a smoothed one: a faint trace of the noise. */
export const RAW_UNDER_SMOOTHED: StrokeStyle = { alpha: 0.25, width: 1 };
/** The smoothed line: the bold trend, readable on a projector. */
export const SMOOTHED: StrokeStyle = { alpha: 1, width: 2 };
/** The raw line when smoothing is off: the only line, in full. */
export const RAW_ALONE: StrokeStyle = { alpha: 1, width: 1.75 };

const DASH = [6, 4];
/** An ensemble's band (25 % to 75 %) in its median's colour, translucent. */
export const BAND_ALPHA = 0.18;
/** Member lines: thin and faint, under the median. */
export const MEMBER: StrokeStyle = { alpha: 0.35, width: 0.75 };
const MARKER_SIZE = 4;

const dashOf = (style: SeriesStyle): number[] => [...(style.dash ?? (style.dashed ? DASH : []))];

export function drawFrame(ctx: CanvasRenderingContext2D, frame: Frame, deco: Decorations): void {
  const { theme } = deco;
  ctx.setTransform(deco.pixelRatio, 0, 0, deco.pixelRatio, 0, 0);
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, frame.width, frame.height);
  drawGridAndAxes(ctx, frame, theme);

  ctx.save();
  const { plot } = frame;
  ctx.beginPath();
  ctx.rect(plot.left, plot.top, plot.width, plot.height);
  ctx.clip();
  drawBands(ctx, frame);
  drawSeries(ctx, frame, deco.smoothing);
  drawMarkers(ctx, frame);
  drawBestStep(ctx, frame, deco);
  drawMarkedStep(ctx, frame, deco);
  if (deco.hover !== null) drawHover(ctx, frame, deco.hover, theme);
  ctx.restore();

  drawTitleAndLegend(ctx, frame, deco);
  if (frame.empty) {
    ctx.fillStyle = theme.mutedText;
    ctx.font = `${FONT_SIZE + 1}px ${theme.fontFamily}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText("waiting for data…", plot.left + plot.width / 2, plot.top + plot.height / 2);
  }
}

function drawGridAndAxes(ctx: CanvasRenderingContext2D, frame: Frame, theme: Theme): void {
  const { plot, x, y } = frame;
  const bottom = plot.top + plot.height;
  const right = plot.left + plot.width;
  ctx.lineWidth = 1;
  ctx.strokeStyle = theme.grid;
  ctx.beginPath();
  for (const tick of frame.xTicks) {
    const px = Math.round(x.toPixel(tick)) + 0.5;
    ctx.moveTo(px, plot.top);
    ctx.lineTo(px, bottom);
  }
  for (const tick of frame.yTicks) {
    const py = Math.round(y.toPixel(tick)) + 0.5;
    ctx.moveTo(plot.left, py);
    ctx.lineTo(right, py);
  }
  ctx.stroke();

  ctx.strokeStyle = theme.axis;
  ctx.beginPath();
  ctx.moveTo(plot.left + 0.5, plot.top);
  ctx.lineTo(plot.left + 0.5, bottom + 0.5);
  ctx.lineTo(right, bottom + 0.5);
  ctx.stroke();

  ctx.fillStyle = theme.mutedText;
  ctx.font = `${FONT_SIZE}px ${theme.fontFamily}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  frame.xTicks.forEach((tick, i) => ctx.fillText(frame.xLabels[i], x.toPixel(tick), bottom + 6));
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  frame.yTicks.forEach((tick, i) => ctx.fillText(frame.yLabels[i], plot.left - 6, y.toPixel(tick)));
}

function strokeLine(ctx: CanvasRenderingContext2D, frame: Frame, line: Line): void {
  const n = line.x.length;
  if (n === 0) return;
  ctx.beginPath();
  ctx.moveTo(frame.x.toPixel(line.x[0]), frame.y.toPixel(line.y[0]));
  for (let i = 1; i < n; i++) ctx.lineTo(frame.x.toPixel(line.x[i]), frame.y.toPixel(line.y[i]));
  if (n === 1) ctx.lineTo(frame.x.toPixel(line.x[0]) + 0.01, frame.y.toPixel(line.y[0]));
  ctx.stroke();
}

/**
 * Every series' raw line, then every smoothed line on top. With smoothing, the raw line (or
 * min/max envelope) is a faint, thin trace of the noise and the smoothed line the bold trend; no
 * series' faint raw trace covers another's trend. Without it, the raw line is the line, in full.
 * One path per line, and style changes only between lines.
 */
function drawSeries(ctx: CanvasRenderingContext2D, frame: Frame, smoothing: number): void {
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  const smoothed = smoothing > 0;
  const raw = smoothed ? RAW_UNDER_SMOOTHED : RAW_ALONE;
  for (const line of frame.lines) strokeStyled(ctx, frame, line.raw, line.style, raw);
  for (const member of frame.members) strokeStyled(ctx, frame, member.line, member.style, MEMBER);
  for (const line of frame.lines) {
    if (line.smoothed !== null) strokeStyled(ctx, frame, line.smoothed, line.style, SMOOTHED);
  }
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);
}

function strokeStyled(
  ctx: CanvasRenderingContext2D,
  frame: Frame,
  line: Line,
  style: SeriesStyle,
  stroke: StrokeStyle,
): void {
  ctx.strokeStyle = style.color;
  ctx.setLineDash(dashOf(style));
  ctx.globalAlpha = stroke.alpha;
  ctx.lineWidth = stroke.width;
  strokeLine(ctx, frame, line);
}

/** Each band as one filled polygon: along its lower edge, back along its upper one. */
function drawBands(ctx: CanvasRenderingContext2D, frame: Frame): void {
  for (const band of frame.bands) {
    const { lo, hi } = band;
    if (lo.x.length === 0 || hi.x.length === 0) continue;
    ctx.fillStyle = band.style.color;
    ctx.globalAlpha = BAND_ALPHA;
    ctx.beginPath();
    ctx.moveTo(frame.x.toPixel(lo.x[0]), frame.y.toPixel(lo.y[0]));
    for (let i = 1; i < lo.x.length; i++) ctx.lineTo(frame.x.toPixel(lo.x[i]), frame.y.toPixel(lo.y[i]));
    for (let i = hi.x.length - 1; i >= 0; i--) ctx.lineTo(frame.x.toPixel(hi.x[i]), frame.y.toPixel(hi.y[i]));
    ctx.closePath();
    ctx.fill();
  }
  ctx.globalAlpha = 1;
}

/** An x where a member diverged, at its last finite loss. */
function drawMarkers(ctx: CanvasRenderingContext2D, frame: Frame): void {
  ctx.lineWidth = 1.75;
  ctx.setLineDash([]);
  for (const marker of frame.markers) {
    if (!Number.isFinite(marker.value) || (frame.y.log && marker.value <= 0)) continue;
    const px = frame.x.toPixel(marker.step);
    const py = frame.y.toPixel(marker.value);
    ctx.strokeStyle = marker.style.color;
    ctx.beginPath();
    ctx.moveTo(px - MARKER_SIZE, py - MARKER_SIZE);
    ctx.lineTo(px + MARKER_SIZE, py + MARKER_SIZE);
    ctx.moveTo(px - MARKER_SIZE, py + MARKER_SIZE);
    ctx.lineTo(px + MARKER_SIZE, py - MARKER_SIZE);
    ctx.stroke();
  }
}

/**
 * A dashed vertical line at `step` (when it lies in the visible range), in `style`; its pixel x,
 * or null when not drawn.
 */
function drawStepLine(
  ctx: CanvasRenderingContext2D,
  frame: Frame,
  step: number,
  style: { color: string; width: number; dash: number[]; alpha: number },
): number | null {
  const [x0, x1] = frame.x.domain;
  if (step < 0 || step < x0 || step > x1) return null;
  const px = Math.round(frame.x.toPixel(step)) + 0.5;
  const { plot } = frame;
  ctx.strokeStyle = style.color;
  ctx.globalAlpha = style.alpha;
  ctx.lineWidth = style.width;
  ctx.setLineDash(style.dash);
  ctx.beginPath();
  ctx.moveTo(px, plot.top);
  ctx.lineTo(px, plot.top + plot.height);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
  ctx.fillStyle = style.color;   // for the caller's label
  return px;
}

/** The step the views show when it is not the latest (the rewind scrubber): a dashed line, "step N". */
function drawMarkedStep(ctx: CanvasRenderingContext2D, frame: Frame, deco: Decorations): void {
  const step = deco.markedStep ?? -1;
  const style = { color: deco.theme.text, width: 1.25, dash: [5, 4], alpha: 0.8 };
  const px = drawStepLine(ctx, frame, step, style);
  if (px === null) return;
  const { plot } = frame;
  const label = `step ${formatInteger(step)}`;
  ctx.font = `${FONT_SIZE}px ${deco.theme.fontFamily}`;
  ctx.textBaseline = "bottom";
  // Right of the line, or left of it near the right edge.
  const room = plot.left + plot.width - px;
  ctx.textAlign = room > ctx.measureText(label).width + 6 ? "left" : "right";
  ctx.fillText(label, ctx.textAlign === "left" ? px + 3 : px - 3, plot.top + plot.height - 2);
}

function drawBestStep(ctx: CanvasRenderingContext2D, frame: Frame, deco: Decorations): void {
  const style = { color: deco.theme.bestMarker, width: 1.5, dash: [3, 3], alpha: 1 };
  const px = drawStepLine(ctx, frame, deco.bestStep, style);
  if (px === null) return;
  ctx.font = `${FONT_SIZE}px ${deco.theme.fontFamily}`;
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  ctx.fillText("best", px + 3, frame.plot.top + 2);
}

function drawHover(
  ctx: CanvasRenderingContext2D,
  frame: Frame,
  hover: NonNullable<Decorations["hover"]>,
  theme: Theme,
): void {
  const { plot } = frame;
  ctx.strokeStyle = theme.mutedText;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(Math.round(hover.x) + 0.5, plot.top);
  ctx.lineTo(Math.round(hover.x) + 0.5, plot.top + plot.height);
  ctx.stroke();
  for (const entry of hover.entries) {
    const value = entry.smoothed ?? entry.value;
    if (!Number.isFinite(value) || (frame.y.log && value <= 0)) continue;
    const line = frame.lines.find((l) => l.name === entry.name);
    ctx.fillStyle = line?.style.color ?? theme.text;
    ctx.beginPath();
    ctx.arc(frame.x.toPixel(entry.step), frame.y.toPixel(value), 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }
}

/** A legend swatch is 16 px long: a shorter dash than the line's. */
const swatchDash = (style: SeriesStyle): number[] => [...(style.dash ?? (style.dashed ? [4, 3] : []))];

interface LegendItem {
  label: string;
  color: string;
  dash: number[];
}

/**
 * One entry per main line; in a comparison chart one per metric, in the text colour (the runs'
 * colours are named by the legend above the chart).
 */
export function legendItems(frame: Frame, textColor: string): LegendItem[] {
  const runs = frame.lines.some((line) => line.run !== null);
  if (!runs) return frame.lines.map((line) => ({ label: line.name, color: line.style.color, dash: swatchDash(line.style) }));
  const items: LegendItem[] = [];
  for (const line of frame.lines) {
    if (items.some((item) => item.label === line.metric)) continue;
    items.push({ label: line.metric, color: textColor, dash: swatchDash(line.style) });
  }
  return items;
}

function drawTitleAndLegend(ctx: CanvasRenderingContext2D, frame: Frame, deco: Decorations): void {
  const { theme } = deco;
  const middle = frame.plot.top / 2;
  ctx.textBaseline = "middle";
  if (deco.title !== "") {
    ctx.fillStyle = theme.text;
    ctx.font = `600 ${TITLE_FONT_SIZE}px ${theme.fontFamily}`;
    ctx.textAlign = "left";
    ctx.fillText(deco.title, frame.plot.left, middle);
  }
  ctx.font = `${FONT_SIZE}px ${theme.fontFamily}`;
  ctx.textAlign = "left";
  let right = frame.plot.left + frame.plot.width;
  for (const item of legendItems(frame, theme.text).reverse()) {
    const textWidth = ctx.measureText(item.label).width;
    const start = right - textWidth - 22;
    ctx.strokeStyle = item.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(item.dash);
    ctx.beginPath();
    ctx.moveTo(start, middle);
    ctx.lineTo(start + 16, middle);
    ctx.stroke();
    ctx.fillStyle = theme.text;
    ctx.fillText(item.label, start + 20, middle);
    right = start - 12;
  }
  ctx.setLineDash([]);
}
