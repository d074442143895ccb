import { describe, expect, it } from "vitest";
import { FANOUT } from "./range_extrema";
import { RangeSums } from "./range_sums";

/** A deterministic sequence in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

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

function expectSameMean(actual: number, expected: number): void {
  if (Number.isNaN(expected)) expect(actual).toBeNaN();
  else expect(actual).toBeCloseTo(expected, 9);
}

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
    const n = FANOUT ** 3 * 3 + 123;
    const values = awkwardValues(n, 7);
    const index = new RangeSums();
    index.update(values, n);
    const next = random(11);
    for (let k = 0; k < 400; k++) {
      const a = Math.floor(next() * n);
      const b = Math.floor(next() * n);
      const [start, end] = a <= b ? [a, b + 1] : [b, a + 1];
      for (const logY of [false, true]) {
        expectSameMean(index.mean(values, start, end, logY), bruteForce(values, start, end, logY));
      }
    }
    expectSameMean(index.mean(values, 0, n, false), bruteForce(values, 0, n, false));
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
    const n = 20_000;
    const values = awkwardValues(n, 3);
    const index = new RangeSums();
    const next = random(5);
    let length = 0;
    while (length < n) {
      length = Math.min(n, length + 1 + Math.floor(next() * 700));
      index.update(values, length);
      const start = Math.floor(next() * length);
      expectSameMean(index.mean(values, start, length, false), bruteForce(values, start, length, false));
      expectSameMean(index.mean(values, 0, length, true), bruteForce(values, 0, length, true));
    }
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
