/**
 * Test helpers for the block-indexed range structures (RangeExtrema, RangeSums): awkward
 * deterministic values, and checks that an index answers exactly as a direct scan does over
 * many random ranges, and while values are appended in uneven pieces.
 *
 * @example
 *   const check: DirectScanCheck<RangeSums, number> = {
 *     create: () => new RangeSums(),
 *     ask: (index, values, start, end, logY) => index.mean(values, start, end, logY),
 *     direct: scanMean,                                  // the same answer, value by value
 *     expectSame: (actual, expected) => expect(actual).toBeCloseTo(expected, 9),
 *   };
 *   expectMatchesOverRandomRanges(check);
 *   expectMatchesWhileAppending(check);
 */
import { FANOUT } from "./block_index";

/** A deterministic sequence in [0, 1). */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

/** Values with NaN, infinities, zeros and negatives sprinkled in. */
export function awkwardValues(n: number, seed: number): Float32Array {
  const next = random(seed);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = next();
    values[i] = r < 0.02 ? NaN : r < 0.03 ? Infinity : r < 0.04 ? -Infinity : r < 0.1 ? 0 : r < 0.3 ? -next() : next() * 10;
  }
  return values;
}

/** What every range index has: values[0 .. length) are folded in by update. */
interface RangeIndex {
  update(values: Float32Array, length: number): void;
}

/** A range index under test, the direct scan it must agree with, and how to compare answers. */
export interface DirectScanCheck<Index extends RangeIndex, Answer> {
  create(): Index;
  ask(index: Index, values: Float32Array, start: number, end: number, logY: boolean): Answer;
  direct(values: Float32Array, start: number, end: number, logY: boolean): Answer;
  expectSame(actual: Answer, expected: Answer): void;
}

/** Many random ranges of a long array spanning several levels of blocks, on both axes. */
export function expectMatchesOverRandomRanges<Index extends RangeIndex, Answer>(check: DirectScanCheck<Index, Answer>): void {
  const n = FANOUT ** 3 * 3 + 123;
  const values = awkwardValues(n, 7);
  const index = check.create();
  index.update(values, n);
  const next = random(11);
  for (let k = 0; k < 400; k++) {
    const a = Math.floor(next() * n);
    const b = Math.floor(next() * n);
    const [start, end] = a <= b ? [a, b + 1] : [b, a + 1];
    for (const logY of [false, true]) {
      check.expectSame(check.ask(index, values, start, end, logY), check.direct(values, start, end, logY));
    }
  }
  check.expectSame(check.ask(index, values, 0, n, false), check.direct(values, 0, n, false));
}

/** After each of many uneven appends: a random suffix (linear axis) and everything (log axis). */
export function expectMatchesWhileAppending<Index extends RangeIndex, Answer>(check: DirectScanCheck<Index, Answer>): void {
  const n = 20_000;
  const values = awkwardValues(n, 3);
  const index = check.create();
  const next = random(5);
  let length = 0;
  while (length < n) {
    length = Math.min(n, length + 1 + Math.floor(next() * 700));
    index.update(values, length);
    const start = Math.floor(next() * length);
    check.expectSame(check.ask(index, values, start, length, false), check.direct(values, start, length, false));
    check.expectSame(check.ask(index, values, 0, length, true), check.direct(values, 0, length, true));
  }
}
