/**
 * Colour scales of the network diagram: a weight's sign picks the hue (blue positive, orange
 * negative, as in the course), its size relative to the layer's largest |w| the opacity and line
 * width; biases and heatmap cells diverge from a neutral grey. NaN is always transparent.
 *
 * @example
 *   weightStyle(0.5, 1)   // {color: "rgba(31, 119, 180, 0.54)", alpha: 0.54, width: 1.75}
 *   biasColor(-1, 2)      // "rgb(207, 143, 86)"
 *   divergingColor(0.5, 1)  // [143, 187, 218, 255]: half-way from white to blue
 */

export type Rgb = readonly [number, number, number];

export const POSITIVE_RGB: Rgb = [31, 119, 180]; // #1f77b4
export const NEGATIVE_RGB: Rgb = [255, 127, 14]; // #ff7f0e
export const NEUTRAL_RGB: Rgb = [158, 158, 158]; // #9e9e9e
export const WHITE_RGB: Rgb = [255, 255, 255];
export const TRANSPARENT = "rgba(0, 0, 0, 0)";

export const MIN_ALPHA = 0.08;
export const MAX_ALPHA = 1;
export const MIN_WIDTH = 0.5;
export const MAX_WIDTH = 3;

export interface WeightStyle {
  /** CSS colour with the alpha built in. */
  color: string;
  alpha: number;
  /** Line width in CSS pixels. */
  width: number;
}

/** The largest finite |value|, 0 when there is none. */
export function maxAbs(values: ArrayLike<number>): number {
  let largest = 0;
  for (let k = 0; k < values.length; k++) {
    const size = Math.abs(values[k]);
    if (size > largest && size !== Infinity) largest = size;
  }
  return largest;
}

/** |value| / largest clamped to [0, 1]; 0 where largest is 0 or not finite; NaN stays NaN. */
export function magnitudeRatio(value: number, largest: number): number {
  if (Number.isNaN(value)) return NaN;
  if (!(largest > 0) || largest === Infinity) return 0;
  return Math.min(1, Math.abs(value) / largest);
}

/** Rounds to 3 decimals so colour strings stay short and exact. */
function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function alphaForRatio(ratio: number): number {
  return round3(MIN_ALPHA + (MAX_ALPHA - MIN_ALPHA) * ratio);
}

export function widthForRatio(ratio: number): number {
  return round3(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * ratio);
}

export function rgba(rgb: Rgb, alpha: number): string {
  return `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}

/** The hue of a weight's sign (zero counts as positive). */
export function signRgb(value: number): Rgb {
  return value < 0 ? NEGATIVE_RGB : POSITIVE_RGB;
}

/** How an edge of weight `value` is drawn in a layer whose largest |w| is `largest`. */
export function weightStyle(value: number, largest: number): WeightStyle {
  const ratio = magnitudeRatio(value, largest);
  if (Number.isNaN(ratio)) return { color: TRANSPARENT, alpha: 0, width: 0 };
  const alpha = alphaForRatio(ratio);
  return { color: rgba(signRgb(value), alpha), alpha, width: widthForRatio(ratio) };
}

function mix(from: Rgb, to: Rgb, t: number): [number, number, number] {
  return [0, 1, 2].map((k) => Math.round(from[k] + (to[k] - from[k]) * t)) as [number, number, number];
}

/**
 * The diverging colour of a bias: neutral grey at 0, blue at +largest, orange at -largest.
 *
 * @example
 *   biasColor(0, 1)   // "rgb(158, 158, 158)"
 *   biasColor(1, 1)   // "rgb(31, 119, 180)"
 */
export function biasColor(value: number, largest: number): string {
  const ratio = magnitudeRatio(value, largest);
  if (Number.isNaN(ratio)) return TRANSPARENT;
  const [r, g, b] = mix(NEUTRAL_RGB, signRgb(value), ratio);
  return `rgb(${r}, ${g}, ${b})`;
}

/**
 * The RGBA bytes of one weight-matrix cell: the sign's hue, opacity = |w| / largest, so small
 * weights fade into the background; NaN -> [0, 0, 0, 0].
 *
 * @example
 *   heatmapColor(-0.5, 1)   // [255, 127, 14, 128]
 */
export function heatmapColor(value: number, largest: number): [number, number, number, number] {
  const ratio = magnitudeRatio(value, largest);
  if (Number.isNaN(ratio)) return [0, 0, 0, 0];
  const [r, g, b] = signRgb(value);
  return [r, g, b, Math.round(255 * ratio)];
}

/**
 * ImageData bytes of a (rows, cols) row-major matrix, one pixel per cell, scaled by the
 * matrix's own largest |w| (or `largest` when given).
 *
 * @example
 *   new ImageData(heatmapPixels(weights, nIn, nOut), nOut, nIn)   // rows = inputs
 */
export function heatmapPixels(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  largest = maxAbs(values),
): Uint8ClampedArray<ArrayBuffer> {
  if (values.length !== rows * cols) {
    throw new Error(`heatmapPixels: ${values.length} values do not fill a ${rows}x${cols} matrix`);
  }
  const pixels = new Uint8ClampedArray(rows * cols * 4);
  // heatmapColor inlined: a 784x128 matrix is 100k cells, redrawn with every weights message.
  const finite = largest > 0 && largest !== Infinity;
  for (let k = 0; k < values.length; k++) {
    const value = values[k];
    if (Number.isNaN(value)) continue; // stays [0, 0, 0, 0]
    const hue = value < 0 ? NEGATIVE_RGB : POSITIVE_RGB;
    const p = 4 * k;
    pixels[p] = hue[0];
    pixels[p + 1] = hue[1];
    pixels[p + 2] = hue[2];
    pixels[p + 3] = finite ? Math.round(255 * Math.min(1, Math.abs(value) / largest)) : 0;
  }
  return pixels;
}

/**
 * The opaque RGBA bytes of an activation or a kernel weight: white at 0, blue at +largest,
 * orange at -largest (the weight hues, as in TensorFlow Playground); NaN -> [0, 0, 0, 0].
 *
 * @example
 *   divergingColor(1, 1)      // [31, 119, 180, 255]
 *   divergingColor(-0.5, 1)   // [255, 191, 135, 255]
 */
export function divergingColor(value: number, largest: number): [number, number, number, number] {
  const ratio = magnitudeRatio(value, largest);
  if (Number.isNaN(ratio)) return [0, 0, 0, 0];
  const [r, g, b] = mix(WHITE_RGB, signRgb(value), ratio);
  return [r, g, b, 255];
}

/**
 * Write the diverging colour of `count` values into `pixels` (RGBA, from pixel `at`), reading
 * values[start], values[start + stride], ...: a neuron's column of a (G, n) buffer, or a
 * kernel row. No allocation per value.
 *
 * @example
 *   const pixels = new Uint8ClampedArray(4 * G);
 *   writeDiverging(pixels, 0, columnValues, neuron, n, G, maxAbs(columnValues));   // one neuron's map
 */
export function writeDiverging(
  pixels: Uint8ClampedArray,
  at: number,
  values: ArrayLike<number>,
  start: number,
  stride: number,
  count: number,
  largest: number,
): void {
  const finite = largest > 0 && largest !== Infinity;
  for (let k = 0; k < count; k++) {
    const value = values[start + k * stride];
    const p = 4 * (at + k);
    if (Number.isNaN(value)) {
      pixels[p] = pixels[p + 1] = pixels[p + 2] = pixels[p + 3] = 0;
      continue;
    }
    const ratio = finite ? Math.min(1, Math.abs(value) / largest) : 0;
    const hue = value < 0 ? NEGATIVE_RGB : POSITIVE_RGB;
    pixels[p] = Math.round(255 + (hue[0] - 255) * ratio);
    pixels[p + 1] = Math.round(255 + (hue[1] - 255) * ratio);
    pixels[p + 2] = Math.round(255 + (hue[2] - 255) * ratio);
    pixels[p + 3] = 255;
  }
}
