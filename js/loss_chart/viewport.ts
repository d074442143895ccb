/**
 * What part of the data the chart shows: following the data (the default) or where the user
 * zoomed and panned. Pure state transitions; the widget keeps the current state.
 *
 * `x` null means "fit every step held", `y` null means "fit the visible values". A user zoom
 * or pan fixes the axis it changed, so the view stays put while new points stream in.
 *
 * @example
 *   let view = FOLLOW;
 *   view = zoomX(view, [0, 1000], 500, 0.5);   // {x: [250, 750], y: null}
 *   resolveX(view, [0, 5000]);                 // [250, 750]  (new data doesn't move it)
 *   view = FOLLOW;                             // double-click: back to following
 */

export type Range = readonly [number, number];

export interface Viewport {
  readonly x: Range | null;
  readonly y: Range | null;
}

export const FOLLOW: Viewport = { x: null, y: null };

/** The narrowest x range a zoom may reach, in steps. */
export const MIN_X_SPAN = 2;

export function isFollowing(view: Viewport): boolean {
  return view.x === null && view.y === null;
}

/** The x range to draw: the user's, or every step held (widened when it is a single step). */
export function resolveX(view: Viewport, stepExtent: Range | null): Range {
  if (view.x !== null) return view.x;
  if (stepExtent === null) return [0, 1];
  const [first, last] = stepExtent;
  return last > first ? [first, last] : [first - 1, last + 1];
}

/** The y range to draw: the user's, or `fitted` (the padded range of the visible values). */
export function resolveY(view: Viewport, fitted: Range): Range {
  return view.y ?? fitted;
}

/**
 * Zoom x around `anchor` (the step under the cursor): the new span is `factor` times the
 * current one (< 1 zooms in), never narrower than MIN_X_SPAN.
 */
export function zoomX(view: Viewport, current: Range, anchor: number, factor: number): Viewport {
  const [x0, x1] = current;
  const span = x1 - x0;
  const newSpan = Math.max(span * factor, MIN_X_SPAN);
  const t = span > 0 ? (anchor - x0) / span : 0.5;
  const start = anchor - t * newSpan;
  return { ...view, x: [start, start + newSpan] };
}

function toAxis(value: number, log: boolean): number {
  return log ? Math.log10(value) : value;
}

function fromAxis(value: number, log: boolean): number {
  return log ? Math.pow(10, value) : value;
}

/** Zoom y around `anchor` (the value under the cursor), in decades on a log axis. */
export function zoomY(view: Viewport, current: Range, anchor: number, factor: number, log: boolean): Viewport {
  const a = toAxis(anchor, log);
  const y0 = toAxis(current[0], log);
  const y1 = toAxis(current[1], log);
  return { ...view, y: [fromAxis(a - (a - y0) * factor, log), fromAxis(a + (y1 - a) * factor, log)] };
}

export interface PanInput {
  current: { x: Range; y: Range };
  /** Pointer movement in CSS pixels since the drag started (right and down are positive). */
  dx: number;
  dy: number;
  /** Plot area size in CSS pixels. */
  width: number;
  height: number;
  logY: boolean;
}

/**
 * Pan so the data under the pointer follows it. `current` and `dx`/`dy` are taken from where
 * the drag started. A purely horizontal drag fixes only x, so y keeps fitting the visible values.
 */
export function pan(view: Viewport, { current, dx, dy, width, height, logY }: PanInput): Viewport {
  const [x0, x1] = current.x;
  const shiftX = (-dx * (x1 - x0)) / width;
  const x: Range | null = dx === 0 ? view.x : [x0 + shiftX, x1 + shiftX];
  if (dy === 0) return { x, y: view.y };
  const y0 = toAxis(current.y[0], logY);
  const y1 = toAxis(current.y[1], logY);
  const shiftY = (dy * (y1 - y0)) / height;
  return { x, y: [fromAxis(y0 + shiftY, logY), fromAxis(y1 + shiftY, logY)] };
}

/** The y axis changed between linear and log: the user's y range no longer applies. */
export function onScaleChange(view: Viewport): Viewport {
  return { x: view.x, y: null };
}
