import { describe, expect, it } from "vitest";
import { FANOUT } from "./block_index";
import { type DirectScanCheck, expectMatchesOverRandomRanges, expectMatchesWhileAppending } from "./range_index_checks";
import { RangeSums } from "./range_sums";

function bruteForce(values: Float32Array, start: number, end: number, logY: boolean): number {
  let total = 0;
  let count = 0;
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || (logY && v <= 0)) continue;
    total += v;
    count += 1;
  }
  return count > 0 ? total / count : NaN;
}

function expectSameMean(actual: number, expected: number): void {
  if (Number.isNaN(expected)) expect(actual).toBeNaN();
  else expect(actual).toBeCloseTo(expected, 9);
}

const check: DirectScanCheck<RangeSums, number> = {
  create: () => new RangeSums(),
  ask: (index, values, start, end, logY) => index.mean(values, start, end, logY),
  direct: bruteForce,
  expectSame: expectSameMean,
};

describe("RangeSums", () => {
  it("averages the drawable values of a small range", () => {
    const values = new Float32Array([3, -1, NaN, 7, 0.5, 2]);
    const index = new RangeSums();
    index.update(values, values.length);
    expect(index.mean(values, 0, 6, false)).toBe(11.5 / 5);
    expect(index.mean(values, 0, 6, true)).toBe(12.5 / 4);
    expect(index.mean(values, 1, 3, true)).toBeNaN();
    expect(index.mean(values, 2, 3, false)).toBeNaN();
    expect(index.mean(values, 3, 3, false)).toBeNaN();
  });

  it("matches a direct scan over many ranges of a long array, on both axes", () => {
    expectMatchesOverRandomRanges(check);
  });

  it("keeps a tiny late mean exact after huge early values", () => {
    const n = FANOUT ** 3;
    const values = new Float32Array(n).fill(1e-7);
    values.fill(1e6, 0, FANOUT ** 2);
    const index = new RangeSums();
    index.update(values, n);
    expect(index.mean(values, n - 100, n, true) / Math.fround(1e-7)).toBeCloseTo(1, 12);
  });

  it("stays exact while values are appended in uneven pieces", () => {
    expectMatchesWhileAppending(check);
  });

  it("forgets everything on reset", () => {
    const values = new Float32Array(100).fill(5);
    const index = new RangeSums();
    index.update(values, 100);
    index.reset();
    values.fill(1);
    index.update(values, 100);
    expect(index.mean(values, 0, 100, false)).toBe(1);
  });
});
