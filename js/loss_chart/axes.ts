/**
 * Axis ticks and labels: 1-2-5 ticks on linear axes, decades (with 2 and 5 between them when
 * the axis spans few decades) on log axes, and the y range that fits the data.
 *
 * @example
 *   linearTicks(0, 1, 5)        // [0, 0.2, 0.4, 0.6, 0.8, 1]
 *   logTicks(1e-3, 10, 6)       // [0.001, 0.01, 0.1, 1, 10]
 *   formatValueTicks([0.001, 0.01, 0.1])  // ["1e-3", "0.01", "0.1"]
 *   formatStepTicks([0, 10000, 20000])    // ["0", "10k", "20k"]
 */
import { formatCompact, formatSteps } from "../shared/format";

/** `mantissa * 10^exponent` parsed from its decimal text, so 3 * 1e-1 is exactly 0.3. */
function decimal(mantissa: number, exponent: number): number {
  return Number(`${mantissa}e${exponent}`);
}

/**
 * Ticks at multiples of a 1-2-5 step (10^k, 2*10^k or 5*10^k) in [min, max], about `count`
 * of them (the step nearest to span / count, as d3 chooses it); the step is never below
 * `minStep`, a power of ten (1 for step axes: no ticks between whole steps).
 */
export function linearTicks(min: number, max: number, count: number, minStep = 0): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) return [];
  const raw = Math.max((max - min) / Math.max(count, 1), minStep);
  let exponent = Math.floor(Math.log10(raw));
  const fraction = raw / decimal(1, exponent);
  // Thresholds at the geometric means of 1, 2, 5, 10.
  let mantissa = fraction >= Math.sqrt(50) ? 10 : fraction >= Math.sqrt(10) ? 5 : fraction >= Math.SQRT2 ? 2 : 1;
  if (mantissa === 10) {
    mantissa = 1;
    exponent += 1;
  }
  const step = decimal(mantissa, exponent);
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(decimal(i * mantissa, exponent));
  return ticks;
}

function within(value: number, min: number, max: number): boolean {
  return value >= min * (1 - 1e-12) && value <= max * (1 + 1e-12);
}

/**
 * Log-axis ticks in [min, max] (min > 0): decades when three or more are visible (every 2nd,
 * 3rd... decade when there are more than `maxCount`), else 1-2-5 ticks, else (a range too
 * narrow to hold two of those) linear ticks.
 */
export function logTicks(min: number, max: number, maxCount: number): number[] {
  if (!(min > 0) || !Number.isFinite(max) || !(max > min)) return [];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const stride = Math.max(1, Math.ceil((hi - lo + 1) / Math.max(maxCount, 1)));
  const decades: number[] = [];
  const subdivided: number[] = [];
  for (let exponent = lo; exponent <= hi; exponent++) {
    const decade = decimal(1, exponent);
    if (exponent % stride === 0 && within(decade, min, max)) decades.push(decade);
    for (const mantissa of [1, 2, 5]) {
      const tick = decimal(mantissa, exponent);
      if (within(tick, min, max)) subdivided.push(tick);
    }
  }
  if (decades.length >= 3) return decades;
  if (subdivided.length >= 2 && subdivided.length <= maxCount) return subdivided;
  if (decades.length >= 2) return decades;
  if (subdivided.length >= 2) return subdivided;
  return linearTicks(min, max, maxCount);
}

/** Significant digits that tell neighbouring ticks apart. */
function tickDigits(ticks: readonly number[], least: number): number {
  if (ticks.length < 2) return least;
  let step = Infinity;
  let largest = 0;
  for (let i = 0; i < ticks.length; i++) {
    largest = Math.max(largest, Math.abs(ticks[i]));
    if (i > 0) step = Math.min(step, Math.abs(ticks[i] - ticks[i - 1]));
  }
  if (!(step > 0) || !(largest > 0)) return least;
  const digits = Math.floor(Math.log10(largest)) - Math.floor(Math.log10(step)) + 1;
  return Math.min(Math.max(digits, least), 15);
}

/** Labels for value ticks: "1e-3", "0.02", "1.5", "2e4". */
export function formatValueTicks(ticks: readonly number[]): string[] {
  const digits = tickDigits(ticks, 1);
  return ticks.map((tick) => formatCompact(tick, digits));
}

/** Labels for step ticks: "0", "500", "1.5k", "20k", "1.2M". */
export function formatStepTicks(ticks: readonly number[]): string[] {
  const digits = tickDigits(ticks, 4);
  return ticks.map((tick) => formatSteps(tick, digits));
}

/**
 * The y range that shows `extent` with `padding` (a fraction of the span) above and below,
 * measured in decades on a log axis; a sensible default when there is no data.
 */
export function paddedRange(
  extent: readonly [number, number] | null,
  logY: boolean,
  padding = 0.05,
): [number, number] {
  if (extent === null) return logY ? [0.1, 10] : [0, 1];
  const [low, high] = extent;
  if (logY) {
    if (low === high) return [low / 2, high * 2];
    const lo = Math.log10(low);
    const hi = Math.log10(high);
    const pad = (hi - lo) * padding;
    return [Math.pow(10, lo - pad), Math.pow(10, hi + pad)];
  }
  if (low === high) {
    const pad = Math.abs(low) * 0.1 || 1;
    return [low - pad, high + pad];
  }
  const pad = (high - low) * padding;
  return [low - pad, high + pad];
}
