/**
 * TensorBoard-style debiased exponential moving average, one value at a time.
 *
 * smoothed_n = last_n / (1 - s^n) with last_n = s * last_{n-1} + (1 - s) * value_n, counting
 * only finite values; a non-finite value is passed through and leaves the average untouched.
 *
 * @example
 *   const ema = new DebiasedEma(0.5);
 *   ema.push(1); // 1
 *   ema.push(3); // (0.5 * 0.5 + 1.5) / (1 - 0.25) = 2.333...
 */
export class DebiasedEma {
  readonly smoothing: number;
  private last = 0;
  private count = 0;
  /** Once s^n < 2^-54, 1 - s^n is exactly 1: skip Math.pow from then on (same result). */
  private debiased = false;

  constructor(smoothing: number) {
    this.smoothing = clampSmoothing(smoothing);
  }

  /** Add one value and return the smoothed value at it. */
  push(value: number): number {
    if (!Number.isFinite(value)) return value;
    const s = this.smoothing;
    this.last = this.last * s + (1 - s) * value;
    if (this.debiased) return this.last;
    this.count += 1;
    const weight = Math.pow(s, this.count);
    if (weight < 5e-17) this.debiased = true;
    return this.last / (1 - weight);
  }
}

/** Smoothing factors live in [0, 0.999]: 1 would divide by zero in the debiasing. */
export function clampSmoothing(smoothing: number): number {
  if (!Number.isFinite(smoothing) || smoothing <= 0) return 0;
  return Math.min(smoothing, 0.999);
}
