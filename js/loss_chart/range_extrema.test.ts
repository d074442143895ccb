import { describe, expect, it } from "vitest";
import { FANOUT, RangeExtrema } from "./range_extrema";

/** A deterministic sequence in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

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

/** Values with NaN, infinities, zeros and negatives sprinkled in. */
function awkwardValues(n: number, seed: number): Float32Array {
  const next = random(seed);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = next();
    values[i] = r < 0.02 ? NaN : r < 0.03 ? Infinity : r < 0.04 ? -Infinity : r < 0.1 ? 0 : r < 0.3 ? -next() : next() * 10;
  }
  return values;
}

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
    const n = FANOUT ** 3 * 3 + 123;
    const values = awkwardValues(n, 7);
    const index = new RangeExtrema();
    index.update(values, n);
    const next = random(11);
    for (let k = 0; k < 400; k++) {
      const a = Math.floor(next() * n);
      const b = Math.floor(next() * n);
      const [start, end] = a <= b ? [a, b + 1] : [b, a + 1];
      for (const logY of [false, true]) {
        expect(index.query(values, start, end, logY)).toEqual(bruteForce(values, start, end, logY));
      }
    }
    expect(index.query(values, 0, n, false)).toEqual(bruteForce(values, 0, n, false));
  });

  it("stays exact while values are appended in uneven pieces", () => {
    const n = 20_000;
    const values = awkwardValues(n, 3);
    const index = new RangeExtrema();
    const next = random(5);
    let length = 0;
    while (length < n) {
      length = Math.min(n, length + 1 + Math.floor(next() * 700));
      index.update(values, length);
      const start = Math.floor(next() * length);
      expect(index.query(values, start, length, false)).toEqual(bruteForce(values, start, length, false));
      expect(index.query(values, 0, length, true)).toEqual(bruteForce(values, 0, length, true));
    }
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
