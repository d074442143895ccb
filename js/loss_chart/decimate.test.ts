import { describe, expect, it } from "vitest";
import {
  decimate,
  decimateMean,
  polyline,
  valueExtent,
  type DecimatedColumns,
  type DecimateInput,
} from "./decimate";
import { RangeExtrema } from "./range_extrema";
import { RangeSums } from "./range_sums";

function input(steps: number[], values: number[], overrides: Partial<DecimateInput> = {}): DecimateInput {
  return {
    steps: new Uint32Array(steps),
    values: new Float32Array(values),
    start: 0,
    end: steps.length,
    x0: steps[0] ?? 0,
    x1: steps[steps.length - 1] ?? 1,
    width: 100,
    logY: false,
    ...overrides,
  };
}

function columns(result: ReturnType<typeof decimate>): DecimatedColumns {
  expect(result.kind).toBe("columns");
  return result as DecimatedColumns;
}

describe("decimate into columns", () => {
  const steps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const values = [5, 1, 4, 2, 3, 9, 8, 7, 6, 10];

  it("keeps exactly the min, max, first and last of each pixel column", () => {
    const result = columns(decimate(input(steps, values, { x0: 0, x1: 10, width: 2 })));
    expect([...result.x]).toEqual([2.5, 7.5]);
    expect([...result.min]).toEqual([1, 6]);
    expect([...result.max]).toEqual([5, 10]);
    expect([...result.first]).toEqual([5, 9]);
    expect([...result.last]).toEqual([3, 10]);
  });

  it("puts a point on the right edge into the last column", () => {
    const result = columns(decimate(input(steps, values, { x0: 0, x1: 9, width: 3 })));
    // columns of width 3: steps 0-2, 3-5, 6-9 (9 sits on the right edge)
    expect([...result.min]).toEqual([1, 2, 6]);
    expect([...result.max]).toEqual([5, 9, 10]);
  });

  it("passes points outside the x range through unchanged", () => {
    const result = columns(decimate(input(steps, values, { x0: 1, x1: 8, width: 2 })));
    expect([...result.x]).toEqual([0, 2.75, 6.25, 9]);
    // columns of width 3.5: steps 1-4 and 5-8; steps 0 and 9 lie outside
    expect([...result.min]).toEqual([5, 1, 6, 10]);
    expect([...result.max]).toEqual([5, 4, 9, 10]);
    expect(valueExtent(result, 1, 8)).toEqual([1, 9]);
  });

  it("skips NaN and infinite values", () => {
    const result = columns(
      decimate(input(steps, [5, NaN, 4, Infinity, 3, 9, -Infinity, 7, NaN, 10], { x0: 0, x1: 10, width: 2 })),
    );
    expect([...result.min]).toEqual([3, 7]);
    expect([...result.max]).toEqual([5, 10]);
    expect([...result.first]).toEqual([5, 9]);
    expect([...result.last]).toEqual([3, 10]);
  });

  it("skips values <= 0 on a log axis", () => {
    const result = columns(
      decimate(input(steps, [5, 0, 4, -2, 3, 9, 8, 0, 6, 10], { x0: 0, x1: 10, width: 2, logY: true })),
    );
    expect([...result.min]).toEqual([3, 6]);
    expect([...result.max]).toEqual([5, 10]);
  });

  it("leaves out columns without a drawable value", () => {
    const result = columns(decimate(input(steps, [5, 1, 4, 2, 3, NaN, NaN, NaN, NaN, NaN], { x0: 0, x1: 10, width: 2 })));
    expect([...result.x]).toEqual([2.5]);
  });

  it("reduces a million points to one min and one max per pixel column", () => {
    const n = 1_000_000;
    const width = 800;
    const steps = new Uint32Array(n);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      steps[i] = i;
      values[i] = Math.sin(i / 997) * Math.exp(-i / 3e5) + ((i * 7919) % 101) / 1000;
    }
    values[123_456] = NaN;
    const x1 = n - 1;
    const result = columns(decimate({ steps, values, start: 0, end: n, x0: 0, x1, width, logY: false }));
    expect(result.x.length).toBe(width);
    expect(result.min.length).toBe(width);
    expect(result.max.length).toBe(width);

    const expectedMin = new Array(width).fill(Infinity);
    const expectedMax = new Array(width).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(values[i])) continue;
      const c = Math.min(Math.floor((i * width) / x1), width - 1);
      expectedMin[c] = Math.min(expectedMin[c], values[i]);
      expectedMax[c] = Math.max(expectedMax[c], values[i]);
    }
    expect([...result.min]).toEqual(expectedMin);
    expect([...result.max]).toEqual(expectedMax);
    expect(polyline(result).x.length).toBe(4 * width);
  });
});

describe("decimate with block extremes", () => {
  function withIndex(input: DecimateInput): DecimateInput {
    const extrema = new RangeExtrema();
    extrema.update(input.values, input.values.length);
    return { ...input, extrema };
  }

  /** Steps with gaps, values with NaN, infinities and values <= 0. */
  function awkward(n: number) {
    let state = 42;
    const next = () => (state = (state * 16807) % 2147483647) / 2147483647;
    const steps: number[] = [];
    const values: number[] = [];
    let step = 3;
    for (let i = 0; i < n; i++) {
      step += 1 + Math.floor(next() * 5);
      steps.push(step);
      const r = next();
      values.push(r < 0.05 ? NaN : r < 0.07 ? Infinity : r < 0.15 ? -r : r < 0.2 ? 0 : 100 * r);
    }
    return { steps, values };
  }

  it.each([
    [false, 0, 1],
    [true, 0, 1],
    [false, 0.2, 0.7],
    [true, 0.3, 0.4],
  ])("gives exactly the plain scan's columns (logY %s, x from %s to %s of the steps)", (logY, from, to) => {
    const { steps, values } = awkward(50_000);
    const last = steps[steps.length - 1];
    const x0 = from * last;
    const x1 = to * last;
    const base = input(steps, values, { x0, x1, width: 300, logY });
    const first = Math.max(steps.findIndex((s) => s >= x0) - 1, 0);
    const after = steps.findIndex((s) => s > x1);
    const ranged = { ...base, start: first, end: after < 0 ? steps.length : after + 1 };
    const indexed = columns(decimate(withIndex(ranged)));
    expect(indexed).toEqual(decimate(ranged));
  });

  it("reduces a million points to the same columns as the plain scan", () => {
    const n = 1_000_000;
    const steps = new Uint32Array(n);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      steps[i] = 2 * i;
      values[i] = Math.exp(-i / 2e5) * (1 + 0.3 * Math.sin(i * 0.37));
    }
    const plain: DecimateInput = { steps, values, start: 0, end: n, x0: 0, x1: 2 * (n - 1), width: 800, logY: true };
    const indexed = columns(decimate(withIndex(plain)));
    expect(indexed.x.length).toBe(800);
    expect(indexed).toEqual(decimate(plain));
  });
});

describe("decimate with few points", () => {
  it("returns the points as they are below two points per column", () => {
    const result = decimate(input([0, 1, 2], [3, 2, 1], { width: 10 }));
    expect(result.kind).toBe("points");
    expect(polyline(result)).toEqual({ x: new Float64Array([0, 1, 2]), y: new Float64Array([3, 2, 1]) });
  });

  it("still skips NaN, infinities and (on a log axis) values <= 0", () => {
    const result = decimate(input([0, 1, 2, 3, 4], [NaN, 2, -1, Infinity, 0.5], { width: 10, logY: true }));
    expect(polyline(result)).toEqual({ x: new Float64Array([1, 4]), y: new Float64Array([2, 0.5]) });
  });

  it("returns nothing for an empty range", () => {
    const result = decimate(input([0, 1, 2], [1, 2, 3], { start: 2, end: 2 }));
    expect(polyline(result).x.length).toBe(0);
    expect(valueExtent(result, 0, 2)).toBeNull();
  });
});

describe("polyline", () => {
  it("visits first, min, max, last of each column at the column's x", () => {
    const result = decimate(input([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [5, 1, 4, 2, 3, 9, 8, 7, 6, 10], { x0: 0, x1: 10, width: 2 }));
    const line = polyline(result);
    expect([...line.x]).toEqual([2.5, 2.5, 2.5, 2.5, 7.5, 7.5, 7.5, 7.5]);
    expect([...line.y]).toEqual([5, 1, 5, 3, 9, 6, 10, 10]);
  });
});

describe("decimateMean", () => {
  const steps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const values = [5, 1, 4, 2, 3, 9, 8, 7, 6, 10];

  function withSums(input: DecimateInput) {
    const sums = new RangeSums();
    sums.update(input.values, input.values.length);
    return { ...input, sums };
  }

  it("gives each pixel column one point: its centre and the mean of its values", () => {
    const result = decimateMean(input(steps, values, { x0: 0, x1: 10, width: 2 }));
    expect(result.kind).toBe("points");
    expect([...result.x]).toEqual([2.5, 7.5]);
    expect([...result.y]).toEqual([3, 8]);
    expect(decimateMean(withSums(input(steps, values, { x0: 0, x1: 10, width: 2 })))).toEqual(result);
  });

  it("passes points outside the x range through and skips what cannot be drawn", () => {
    const awkward = [5, 1, NaN, 2, -3, 9, 8, 0, 6, 10];
    const result = decimateMean(input(steps, awkward, { x0: 1, x1: 8, width: 2, logY: true }));
    // columns of width 3.5: steps 1-4 (1, 2 drawable) and 5-8 (9, 8, 6); steps 0 and 9 lie outside
    expect([...result.x]).toEqual([0, 2.75, 6.25, 9]);
    expect([...result.y]).toEqual([5, 1.5, 23 / 3, 10]);
    expect(valueExtent(result, 1, 8)).toEqual([1.5, 23 / 3]);
  });

  it("keeps few points as they are, like decimate", () => {
    const few = input([0, 1, 2], [3, 2, 1], { width: 10 });
    expect(decimateMean(few)).toEqual(decimate(few));
  });

  it("draws dense noise as a line through its middle, not as an envelope", () => {
    const n = 60_000;
    const width = 800;
    const noisy = new Float32Array(n);
    const stepArray = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      stepArray[i] = i;
      noisy[i] = 1 + (i % 2 === 0 ? 0.5 : -0.5);
    }
    const dense: DecimateInput = { steps: stepArray, values: noisy, start: 0, end: n, x0: 0, x1: n - 1, width, logY: true };
    const line = decimateMean(withSums(dense));
    expect(line.x.length).toBe(width);
    for (const y of line.y) expect(y).toBeCloseTo(1, 1);
    const envelope = columns(decimate(dense));
    expect(Math.min(...envelope.min)).toBe(0.5);
    expect(Math.max(...envelope.max)).toBe(1.5);
  });

  it.each([false, true])("gives the plain scan's means from block sums (logY %s)", (logY) => {
    let state = 9;
    const next = () => (state = (state * 16807) % 2147483647) / 2147483647;
    const stepList: number[] = [];
    const valueList: number[] = [];
    for (let i = 0, step = 0; i < 30_000; i++) {
      step += 1 + Math.floor(next() * 4);
      stepList.push(step);
      const r = next();
      valueList.push(r < 0.05 ? NaN : r < 0.1 ? -r : 10 * r);
    }
    const last = stepList[stepList.length - 1];
    const plain = input(stepList, valueList, { x0: 0.1 * last, x1: 0.8 * last, width: 300, logY });
    const indexed = decimateMean(withSums(plain));
    const scanned = decimateMean(plain);
    expect([...indexed.x]).toEqual([...scanned.x]);
    indexed.y.forEach((y, k) => expect(y).toBeCloseTo(scanned.y[k], 9));
  });
});
