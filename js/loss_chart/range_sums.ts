/**
 * Mean of any index range of a growing Float32Array without visiting every value: complete
 * blocks of FANOUT values (and blocks of blocks, and so on) keep their sum and count, so a query
 * reads at most about 2 * FANOUT entries per level (see BlockIndex). It gives the smoothed line
 * one value per pixel column (see decimateMean) as cheaply as RangeExtrema gives the raw line's
 * extremes.
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
import { type BlockArray, BlockIndex } from "./block_index";

// Channels of a block summary.
const SUM = 0;
const COUNT = 1;
const SUM_POSITIVE = 2;
const COUNT_POSITIVE = 3;

export class RangeSums extends BlockIndex {
  // Running result of a query (avoids allocating per column).
  private total = 0;
  private count = 0;

  constructor() {
    super(4, (length) => new Float64Array(length));
  }

  /**
   * Mean of the drawable values among values[start .. end), or NaN when there are none.
   * `values` must be the array last passed to update (or a longer prefix-equal one).
   */
  mean(values: Float32Array, start: number, end: number, logY: boolean): number {
    this.total = 0;
    this.count = 0;
    this.visit(values, start, end, logY);
    return this.count > 0 ? this.total / this.count : NaN;
  }

  protected summarizeValues(values: Float32Array, from: number, to: number, out: BlockArray[], at: number): void {
    let sum = 0;
    let count = 0;
    let sumPositive = 0;
    let countPositive = 0;
    for (let i = from; i < to; i++) {
      const value = values[i];
      if (!Number.isFinite(value)) continue;
      sum += value;
      count += 1;
      if (value > 0) {
        sumPositive += value;
        countPositive += 1;
      }
    }
    out[SUM][at] = sum;
    out[COUNT][at] = count;
    out[SUM_POSITIVE][at] = sumPositive;
    out[COUNT_POSITIVE][at] = countPositive;
  }

  protected summarizeBlocks(blocks: readonly BlockArray[], from: number, to: number, out: BlockArray[], at: number): void {
    for (let c = 0; c < out.length; c++) {
      const channel = blocks[c];
      let total = 0;
      for (let j = from; j < to; j++) total += channel[j];
      out[c][at] = total;
    }
  }

  protected scanValues(values: Float32Array, from: number, to: number, logY: boolean): void {
    for (let i = from; i < to; i++) {
      const value = values[i];
      if (!Number.isFinite(value) || (logY && value <= 0)) continue;
      this.total += value;
      this.count += 1;
    }
  }

  protected scanBlocks(blocks: readonly BlockArray[], from: number, to: number, logY: boolean): void {
    const sums = blocks[logY ? SUM_POSITIVE : SUM];
    const counts = blocks[logY ? COUNT_POSITIVE : COUNT];
    for (let j = from; j < to; j++) {
      this.total += sums[j];
      this.count += counts[j];
    }
  }
}
