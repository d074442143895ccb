/**
 * Mean of any index range of a growing Float32Array without visiting every value: complete
 * blocks of FANOUT values (and blocks of blocks, and so on) keep their sum and count, so a query
 * reads at most about 2 * FANOUT entries per level. It gives the smoothed line one value per
 * pixel column (see decimateMean) as cheaply as RangeExtrema gives the raw line's extremes.
 *
 * Only drawable values count: non-finite values never, values <= 0 not on a log axis. Sums are
 * kept per block in float64 (no running prefix sums), so a tiny late loss is not lost in the
 * rounding of a large early one.
 *
 * @example
 *   const index = new RangeSums();
 *   index.update(values, length);           // after appending to values
 *   index.mean(values, 0, length, false);   // the mean, or NaN when nothing is drawable
 */
import { FANOUT } from "./range_extrema";

class Level {
  sum: Float64Array = new Float64Array(64);
  count: Float64Array = new Float64Array(64);
  sumPositive: Float64Array = new Float64Array(64);
  countPositive: Float64Array = new Float64Array(64);
  length = 0;

  push(sum: number, count: number, sumPositive: number, countPositive: number): void {
    if (this.length === this.sum.length) {
      this.sum = grown(this.sum);
      this.count = grown(this.count);
      this.sumPositive = grown(this.sumPositive);
      this.countPositive = grown(this.countPositive);
    }
    this.sum[this.length] = sum;
    this.count[this.length] = count;
    this.sumPositive[this.length] = sumPositive;
    this.countPositive[this.length] = countPositive;
    this.length += 1;
  }
}

function grown(array: Float64Array): Float64Array {
  const next = new Float64Array(2 * array.length);
  next.set(array);
  return next;
}

export class RangeSums {
  private levels: Level[] = [];
  /** Values folded into complete level-0 blocks so far. */
  private covered = 0;
  // Running result of a query (avoids allocating per column).
  private total = 0;
  private count = 0;

  /** Forget every block (the values were cleared or recomputed). */
  reset(): void {
    this.levels = [];
    this.covered = 0;
  }

  /** Fold in the values appended since the last update: values[covered .. length). */
  update(values: Float32Array, length: number): void {
    while (this.covered + FANOUT <= length) {
      let sum = 0;
      let count = 0;
      let sumPositive = 0;
      let countPositive = 0;
      for (let i = this.covered; i < this.covered + FANOUT; i++) {
        const value = values[i];
        if (!Number.isFinite(value)) continue;
        sum += value;
        count += 1;
        if (value > 0) {
          sumPositive += value;
          countPositive += 1;
        }
      }
      this.covered += FANOUT;
      this.push(0, sum, count, sumPositive, countPositive);
    }
  }

  private push(levelIndex: number, sum: number, count: number, sumPositive: number, countPositive: number): void {
    if (levelIndex === this.levels.length) this.levels.push(new Level());
    const level = this.levels[levelIndex];
    level.push(sum, count, sumPositive, countPositive);
    if (level.length % FANOUT !== 0) return;
    let blockSum = 0;
    let blockCount = 0;
    let blockSumPositive = 0;
    let blockCountPositive = 0;
    for (let j = level.length - FANOUT; j < level.length; j++) {
      blockSum += level.sum[j];
      blockCount += level.count[j];
      blockSumPositive += level.sumPositive[j];
      blockCountPositive += level.countPositive[j];
    }
    this.push(levelIndex + 1, blockSum, blockCount, blockSumPositive, blockCountPositive);
  }

  /**
   * Mean of the drawable values among values[start .. end), or NaN when there are none.
   * `values` must be the array last passed to update (or a longer prefix-equal one).
   */
  mean(values: Float32Array, start: number, end: number, logY: boolean): number {
    this.total = 0;
    this.count = 0;
    let lo = start;
    let hi = end;
    for (let level = -1; lo < hi; level++) {
      // Complete blocks one level up that fit inside [lo, hi).
      const blocksAbove = level + 1 < this.levels.length ? this.levels[level + 1].length : 0;
      const loUp = Math.min(Math.ceil(lo / FANOUT) * FANOUT, hi);
      const hiDown = Math.max(Math.min(Math.floor(hi / FANOUT), blocksAbove) * FANOUT, loUp);
      if (loUp >= hiDown) {
        this.scan(values, level, lo, hi, logY);
        break;
      }
      this.scan(values, level, lo, loUp, logY);
      this.scan(values, level, hiDown, hi, logY);
      lo = loUp / FANOUT;
      hi = hiDown / FANOUT;
    }
    return this.count > 0 ? this.total / this.count : NaN;
  }

  private scan(values: Float32Array, level: number, from: number, to: number, logY: boolean): void {
    if (level < 0) {
      for (let i = from; i < to; i++) {
        const value = values[i];
        if (!Number.isFinite(value) || (logY && value <= 0)) continue;
        this.total += value;
        this.count += 1;
      }
      return;
    }
    const lvl = this.levels[level];
    const sums = logY ? lvl.sumPositive : lvl.sum;
    const counts = logY ? lvl.countPositive : lvl.count;
    for (let j = from; j < to; j++) {
      this.total += sums[j];
      this.count += counts[j];
    }
  }
}
