/**
 * Exact min and max of any index range of a growing Float32Array, without visiting every
 * value: complete blocks of FANOUT values (and blocks of blocks, and so on) keep their extremes,
 * so a query reads at most about 2 * FANOUT entries per level (see BlockIndex). This is what
 * lets a million-point series be decimated for every frame in well under a millisecond.
 *
 * Only drawable values count: non-finite values never, values <= 0 not on a log axis.
 *
 * @example
 *   const index = new RangeExtrema();
 *   index.update(values, length);           // after appending to values
 *   index.query(values, 0, length, false);  // [min, max], or null when nothing is drawable
 */
import { type BlockArray, BlockIndex } from "./block_index";

export { FANOUT } from "./block_index";

// Channels of a block summary.
const MIN = 0;
const MAX = 1;
const MIN_POSITIVE = 2;

export class RangeExtrema extends BlockIndex {
  // Running result of a query (avoids allocating per column).
  private low = Infinity;
  private high = -Infinity;

  constructor() {
    super(3, (length) => new Float32Array(length));
  }

  /**
   * [min, max] of the drawable values among values[start .. end), or null when there are none.
   * `values` must be the array last passed to update (or a longer prefix-equal one).
   */
  query(values: Float32Array, start: number, end: number, logY: boolean): [number, number] | null {
    this.low = Infinity;
    this.high = -Infinity;
    this.visit(values, start, end, logY);
    const high = logY && !(this.high > 0) ? -Infinity : this.high;
    return this.low <= high ? [this.low, high] : null;
  }

  protected summarizeValues(values: Float32Array, from: number, to: number, out: BlockArray[], at: number): void {
    let min = Infinity;
    let max = -Infinity;
    let minPositive = Infinity;
    for (let i = from; i < to; i++) {
      const value = values[i];
      if (!Number.isFinite(value)) continue;
      if (value < min) min = value;
      if (value > max) max = value;
      if (value > 0 && value < minPositive) minPositive = value;
    }
    out[MIN][at] = min;
    out[MAX][at] = max;
    out[MIN_POSITIVE][at] = minPositive;
  }

  protected summarizeBlocks(blocks: readonly BlockArray[], from: number, to: number, out: BlockArray[], at: number): void {
    const mins = blocks[MIN];
    const maxes = blocks[MAX];
    const minPositives = blocks[MIN_POSITIVE];
    let min = Infinity;
    let max = -Infinity;
    let minPositive = Infinity;
    for (let j = from; j < to; j++) {
      if (mins[j] < min) min = mins[j];
      if (maxes[j] > max) max = maxes[j];
      if (minPositives[j] < minPositive) minPositive = minPositives[j];
    }
    out[MIN][at] = min;
    out[MAX][at] = max;
    out[MIN_POSITIVE][at] = minPositive;
  }

  protected scanValues(values: Float32Array, from: number, to: number, logY: boolean): void {
    for (let i = from; i < to; i++) {
      const value = values[i];
      if (!Number.isFinite(value) || (logY && value <= 0)) continue;
      if (value < this.low) this.low = value;
      if (value > this.high) this.high = value;
    }
  }

  protected scanBlocks(blocks: readonly BlockArray[], from: number, to: number, logY: boolean): void {
    const lows = blocks[logY ? MIN_POSITIVE : MIN];
    const highs = blocks[MAX];
    for (let j = from; j < to; j++) {
      if (lows[j] < this.low) this.low = lows[j];
      if (highs[j] > this.high) this.high = highs[j];
    }
  }
}
