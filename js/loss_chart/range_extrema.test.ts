import { describe, expect, it } from "vitest";
import { RangeExtrema } from "./range_extrema";
import { type DirectScanCheck, expectMatchesOverRandomRanges, expectMatchesWhileAppending } from "./range_index_checks";

function bruteForce(values: Float32Array, start: number, end: number, logY: boolean): [number, number] | null {
  let low = Infinity;
  let high = -Infinity;
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || (logY && v <= 0)) continue;
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  return low <= high ? [low, high] : null;
}

const check: DirectScanCheck<RangeExtrema, [number, number] | null> = {
  create: () => new RangeExtrema(),
  ask: (index, values, start, end, logY) => index.query(values, start, end, logY),
  direct: bruteForce,
  expectSame: (actual, expected) => expect(actual).toEqual(expected),
};

describe("RangeExtrema", () => {
  it("finds the extremes of a small range exactly", () => {
    const values = new Float32Array([3, -1, NaN, 7, 0.5, 2]);
    const index = new RangeExtrema();
    index.update(values, values.length);
    expect(index.query(values, 0, 6, false)).toEqual([-1, 7]);
    expect(index.query(values, 0, 6, true)).toEqual([0.5, 7]);
    expect(index.query(values, 1, 3, true)).toBeNull();
    expect(index.query(values, 2, 3, false)).toBeNull();
  });

  it("matches a direct scan over many ranges of a long array, on both axes", () => {
    expectMatchesOverRandomRanges(check);
  });

  it("stays exact while values are appended in uneven pieces", () => {
    expectMatchesWhileAppending(check);
  });

  it("forgets everything on reset", () => {
    const values = new Float32Array(100).fill(5);
    const index = new RangeExtrema();
    index.update(values, 100);
    index.reset();
    values.fill(1);
    index.update(values, 100);
    expect(index.query(values, 0, 100, false)).toEqual([1, 1]);
  });
});
