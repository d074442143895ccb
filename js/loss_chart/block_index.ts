/**
 * The block bookkeeping shared by RangeExtrema and RangeSums: summaries of any index range of a
 * growing Float32Array without visiting every value. Complete blocks of FANOUT values (and
 * blocks of blocks, and so on) keep a summary, so a query reads at most about 2 * FANOUT entries
 * per level: O(log n) per range, and nothing is allocated per value or per query.
 *
 * A subclass chooses what a summary is: a few numbers per block ("channels", e.g. min and max),
 * stored in Float32Array or Float64Array levels. It says how to summarise FANOUT values and
 * FANOUT summaries one level down (the per-block reduction), and how a query folds values and
 * summaries into its running result.
 *
 * RangeExtrema (min, max and least positive value per block) and RangeSums (sums and counts)
 * are the two users.
 *
 * @example
 *   class RangeExtrema extends BlockIndex {
 *     constructor() { super(3, (length) => new Float32Array(length)); }
 *     // summarizeValues, summarizeBlocks, scanValues, scanBlocks: the per-block reduction
 *     query(values, start, end, logY) {
 *       this.low = Infinity; this.high = -Infinity;  // the running result
 *       this.visit(values, start, end, logY);        // calls scanValues / scanBlocks
 *       return this.low <= this.high ? [this.low, this.high] : null;
 *     }
 *   }
 */
export const FANOUT = 16;

export type BlockArray = Float32Array | Float64Array;

const INITIAL_CAPACITY = 64;

/** The summaries of consecutive blocks of one level: one array per channel, `length` used. */
class Level {
  readonly channels: BlockArray[];
  length = 0;

  constructor(
    count: number,
    private readonly allocate: (length: number) => BlockArray,
  ) {
    this.channels = Array.from({ length: count }, () => allocate(INITIAL_CAPACITY));
  }

  /** Make room for one more summary (capacity doubles). */
  reserve(): void {
    const { channels } = this;
    if (this.length < channels[0].length) return;
    for (let c = 0; c < channels.length; c++) {
      const next = this.allocate(2 * channels[c].length);
      next.set(channels[c]);
      channels[c] = next;
    }
  }
}

export abstract class BlockIndex {
  private levels: Level[] = [];
  /** Values folded into complete level-0 blocks so far. */
  private covered = 0;

  /**
   * @param channels  numbers per block summary
   * @param allocate  a zeroed level array of the given length (Float32Array or Float64Array)
   */
  protected constructor(
    private readonly channels: number,
    private readonly allocate: (length: number) => BlockArray,
  ) {}

  /** Forget every block (the values were cleared or recomputed). */
  reset(): void {
    this.levels = [];
    this.covered = 0;
  }

  /** Fold in the values appended since the last update: values[covered .. length). */
  update(values: Float32Array, length: number): void {
    while (this.covered + FANOUT <= length) {
      const level = this.nextSlot(0);
      this.summarizeValues(values, this.covered, this.covered + FANOUT, level.channels, level.length);
      this.covered += FANOUT;
      this.added(0);
    }
  }

  /** Level `index` (created when new), with room for one more summary at its `length`. */
  private nextSlot(index: number): Level {
    if (index === this.levels.length) this.levels.push(new Level(this.channels, this.allocate));
    const level = this.levels[index];
    level.reserve();
    return level;
  }

  /** Count the summary just written to level `index`; each completed block is summarised a level up. */
  private added(index: number): void {
    let level = this.levels[index];
    level.length += 1;
    while (level.length % FANOUT === 0) {
      index += 1;
      const above = this.nextSlot(index);
      this.summarizeBlocks(level.channels, level.length - FANOUT, level.length, above.channels, above.length);
      above.length += 1;
      level = above;
    }
  }

  /**
   * Fold values[start .. end) into the query's running result, through scanValues and
   * scanBlocks: the partial blocks at either end value by value, whole blocks by their summary.
   * `values` must be the array last passed to update (or a longer prefix-equal one).
   */
  protected visit(values: Float32Array, start: number, end: number, logY: boolean): void {
    const { levels } = this;
    let lo = start;
    let hi = end;
    for (let level = -1; lo < hi; level++) {
      // Complete blocks one level up that fit inside [lo, hi): [loUp, hiDown).
      const blocksAbove = level + 1 < levels.length ? levels[level + 1].length : 0;
      let loUp = Math.min(Math.ceil(lo / FANOUT) * FANOUT, hi);
      let hiDown = Math.max(Math.min(Math.floor(hi / FANOUT), blocksAbove) * FANOUT, loUp);
      // None: this level's [lo, hi) is the last range to scan (and the loop ends).
      if (loUp >= hiDown) loUp = hiDown = hi;
      if (level < 0) {
        if (lo < loUp) this.scanValues(values, lo, loUp, logY);
        if (hiDown < hi) this.scanValues(values, hiDown, hi, logY);
      } else {
        const blocks = levels[level].channels;
        if (lo < loUp) this.scanBlocks(blocks, lo, loUp, logY);
        if (hiDown < hi) this.scanBlocks(blocks, hiDown, hi, logY);
      }
      lo = loUp / FANOUT;
      hi = hiDown / FANOUT;
    }
  }

  /** Write the summary of values[from .. to) (one whole block) to out[c][at] for each channel c. */
  protected abstract summarizeValues(values: Float32Array, from: number, to: number, out: BlockArray[], at: number): void;

  /** Write the summary of one level's summaries [from .. to) (one whole block) to out[c][at]. */
  protected abstract summarizeBlocks(
    blocks: readonly BlockArray[],
    from: number,
    to: number,
    out: BlockArray[],
    at: number,
  ): void;

  /** Fold values[from .. to) (from < to) into the running result of a query. */
  protected abstract scanValues(values: Float32Array, from: number, to: number, logY: boolean): void;

  /** Fold one level's block summaries [from .. to) (from < to) into the running result of a query. */
  protected abstract scanBlocks(blocks: readonly BlockArray[], from: number, to: number, logY: boolean): void;
}
