import { DebiasedEma } from "./ema";
import { RangeExtrema } from "./range_extrema";
import { RangeSums } from "./range_sums";

const MIN_CAPACITY = 64;

/** An index range [start, end) into a series. */
export interface IndexRange {
  start: number;
  end: number;
}

/**
 * One named series: growable typed arrays of steps, values and their smoothed values.
 *
 * Steps are strictly increasing: a point whose step is not newer than the last one held is
 * ignored, so a duplicated or replayed message cannot corrupt the curve. Appending k points costs
 * O(k) amortised (capacity doubles).
 *
 * @example
 *   const s = new Series("loss", 0.6);
 *   s.append(new Uint32Array([1, 2]), new Float32Array([0.9, 0.7]));
 *   s.length;   // 2
 */
export class Series {
  readonly name: string;
  steps = new Uint32Array(0);
  values = new Float32Array(0);
  smoothed = new Float32Array(0);
  length = 0;
  /** Block extremes of `values` and block sums of `smoothed`, for fast decimation. */
  readonly valueExtrema = new RangeExtrema();
  readonly smoothedSums = new RangeSums();
  private ema: DebiasedEma;

  constructor(name: string, smoothing: number) {
    this.name = name;
    this.ema = new DebiasedEma(smoothing);
  }

  get smoothing(): number {
    return this.ema.smoothing;
  }

  get lastStep(): number {
    return this.length > 0 ? this.steps[this.length - 1] : -1;
  }

  /** Append the points newer than the last held step; returns how many were kept. */
  append(steps: ArrayLike<number>, values: ArrayLike<number>): number {
    this.reserve(this.length + steps.length);
    let last = this.lastStep;
    let n = this.length;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step <= last) continue;
      last = step;
      this.steps[n] = step;
      this.values[n] = values[i];
      this.smoothed[n] = this.ema.push(this.values[n]);
      n += 1;
    }
    const kept = n - this.length;
    this.length = n;
    this.valueExtrema.update(this.values, n);
    this.smoothedSums.update(this.smoothed, n);
    return kept;
  }

  /** Drop every point (capacity is kept). */
  clear(): void {
    this.length = 0;
    this.ema = new DebiasedEma(this.ema.smoothing);
    this.valueExtrema.reset();
    this.smoothedSums.reset();
  }

  /** Recompute every smoothed value for a new smoothing factor. */
  setSmoothing(smoothing: number): void {
    this.ema = new DebiasedEma(smoothing);
    for (let i = 0; i < this.length; i++) this.smoothed[i] = this.ema.push(this.values[i]);
    this.smoothedSums.reset();
    this.smoothedSums.update(this.smoothed, this.length);
  }

  /** Indices of the points with x0 <= step <= x1 (binary search). */
  indexRange(x0: number, x1: number): IndexRange {
    return { start: this.lowerBound(x0), end: this.upperBound(x1) };
  }

  /** Index of the point whose step is nearest to x (the earlier one on a tie); -1 when empty. */
  nearestIndex(x: number): number {
    if (this.length === 0) return -1;
    const i = this.lowerBound(x);
    if (i === 0) return 0;
    if (i === this.length) return this.length - 1;
    return x - this.steps[i - 1] <= this.steps[i] - x ? i - 1 : i;
  }

  /** First index whose step is >= x. */
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.steps[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose step is > x. */
  private upperBound(x: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.steps[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.steps.length) return;
    const size = Math.max(capacity, 2 * this.steps.length, MIN_CAPACITY);
    this.steps = grow(this.steps, new Uint32Array(size), this.length);
    this.values = grow(this.values, new Float32Array(size), this.length);
    this.smoothed = grow(this.smoothed, new Float32Array(size), this.length);
  }
}

function grow<T extends Uint32Array | Float32Array>(from: T, to: T, length: number): T {
  to.set(from.subarray(0, length));
  return to;
}
