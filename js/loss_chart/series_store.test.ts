import { describe, expect, it } from "vitest";
import type { DecodedSeries } from "../shared/protocol";
import { Series } from "./series";
import { SeriesStore } from "./series_store";

function points(name: string, steps: number[], values: number[]): DecodedSeries {
  return { name, steps: new Uint32Array(steps), values: new Float32Array(values) };
}

/** The TensorBoard-style debiased EMA, computed directly (stored as float32). */
function directEma(values: Float32Array, smoothing: number): number[] {
  let last = 0;
  let count = 0;
  return [...values].map((value) => {
    if (!Number.isFinite(value)) return value;
    last = last * smoothing + (1 - smoothing) * value;
    count += 1;
    return Math.fround(last / (1 - Math.pow(smoothing, count)));
  });
}

function held(series: Series) {
  return {
    steps: [...series.steps.subarray(0, series.length)],
    values: [...series.values.subarray(0, series.length)],
    smoothed: [...series.smoothed.subarray(0, series.length)],
  };
}

describe("Series growth", () => {
  it("keeps every point appended in small chunks", () => {
    const series = new Series("loss", 0);
    for (let start = 1; start <= 1000; start += 7) {
      const steps = [];
      for (let step = start; step < start + 7 && step <= 1000; step++) steps.push(step);
      series.append(new Uint32Array(steps), new Float32Array(steps.map((s) => s / 2)));
    }
    expect(series.length).toBe(1000);
    expect(held(series).steps).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(held(series).values).toEqual(Array.from({ length: 1000 }, (_, i) => (i + 1) / 2));
  });

  it("doubles its capacity when full", () => {
    const series = new Series("loss", 0);
    series.append(new Uint32Array([1]), new Float32Array([1]));
    expect(series.steps.length).toBe(64);
    const steps = Array.from({ length: 64 }, (_, i) => i + 2);
    series.append(new Uint32Array(steps), new Float32Array(steps));
    expect(series.length).toBe(65);
    expect(series.steps.length).toBe(128);
    expect(series.values.length).toBe(128);
    expect(series.smoothed.length).toBe(128);
  });
});

describe("Series duplicates", () => {
  it("ignores points whose step is not newer than the last held", () => {
    const series = new Series("loss", 0);
    expect(series.append(new Uint32Array([1, 2, 3]), new Float32Array([10, 20, 30]))).toBe(3);
    expect(series.append(new Uint32Array([2, 3, 4]), new Float32Array([-1, -1, 40]))).toBe(1);
    expect(held(series).steps).toEqual([1, 2, 3, 4]);
    expect(held(series).values).toEqual([10, 20, 30, 40]);
  });

  it("ignores a replayed message entirely", () => {
    const series = new Series("loss", 0.5);
    series.append(new Uint32Array([5, 6]), new Float32Array([1, 2]));
    const before = held(series);
    series.append(new Uint32Array([5, 6]), new Float32Array([1, 2]));
    expect(held(series)).toEqual(before);
  });

  it("skips steps that go backwards within one message", () => {
    const series = new Series("loss", 0);
    series.append(new Uint32Array([5, 3, 6]), new Float32Array([1, 2, 3]));
    expect(held(series).steps).toEqual([5, 6]);
    expect(held(series).values).toEqual([1, 3]);
  });
});

describe("Series smoothing", () => {
  const values = new Float32Array([4, 2.5, 3, 1, 0.75, 0.5, 0.6, 0.2, 0.3, 0.1]);
  const steps = new Uint32Array(values.map((_, i) => i + 1));

  it("matches the hand-computed debiased EMA", () => {
    const series = new Series("loss", 0.5);
    series.append(new Uint32Array([1, 2]), new Float32Array([1, 3]));
    // (0.5 * 0.5 * 1 + 0.5 * 3) / (1 - 0.25) = 7 / 3
    expect(held(series).smoothed).toEqual([1, Math.fround(7 / 3)]);
  });

  it("equals a direct computation", () => {
    const series = new Series("loss", 0.6);
    series.append(steps, values);
    expect(held(series).smoothed).toEqual(directEma(values, 0.6));
  });

  it("is the same whether points arrive at once or in pieces", () => {
    const series = new Series("loss", 0.9);
    series.append(steps.subarray(0, 3), values.subarray(0, 3));
    series.append(steps.subarray(3, 4), values.subarray(3, 4));
    series.append(steps.subarray(4), values.subarray(4));
    expect(held(series).smoothed).toEqual(directEma(values, 0.9));
  });

  it("is recomputed for a new smoothing factor", () => {
    const series = new Series("loss", 0.6);
    series.append(steps, values);
    series.setSmoothing(0.3);
    expect(series.smoothing).toBe(0.3);
    expect(held(series).smoothed).toEqual(directEma(values, 0.3));
  });

  it("equals the raw values when smoothing is 0", () => {
    const series = new Series("loss", 0);
    series.append(steps, values);
    expect(held(series).smoothed).toEqual([...values]);
  });

  it("keeps the block sums of the smoothed values in step (appends, new factor, clear)", () => {
    const n = 5000;
    const long = new Float32Array(n).map((_, i) => 1 + Math.sin(i));
    const longSteps = new Uint32Array(n).map((_, i) => i + 1);
    const series = new Series("loss", 0.6);
    series.append(longSteps.subarray(0, 1234), long.subarray(0, 1234));
    series.append(longSteps.subarray(1234), long.subarray(1234));
    const mean = (from: number, to: number) => {
      const held = series.smoothed.subarray(from, to);
      return held.reduce((a, b) => a + b, 0) / held.length;
    };
    expect(series.smoothedSums.mean(series.smoothed, 100, 4900, false)).toBeCloseTo(mean(100, 4900), 9);
    series.setSmoothing(0.95);
    expect(series.smoothedSums.mean(series.smoothed, 0, n, false)).toBeCloseTo(mean(0, n), 9);
    series.clear();
    series.append(longSteps.subarray(0, 100), new Float32Array(100).fill(2));
    expect(series.smoothedSums.mean(series.smoothed, 0, 100, false)).toBeCloseTo(2, 6);
  });

  it("passes NaN through and leaves the average untouched", () => {
    const series = new Series("loss", 0.5);
    series.append(new Uint32Array([1, 2, 3]), new Float32Array([1, NaN, 3]));
    const { smoothed } = held(series);
    expect(smoothed[0]).toBe(1);
    expect(smoothed[1]).toBeNaN();
    expect(smoothed[2]).toBe(Math.fround(7 / 3));
  });
});

describe("Series lookup", () => {
  const series = new Series("loss", 0);
  series.append(new Uint32Array([10, 20, 30, 40]), new Float32Array([1, 2, 3, 4]));

  it.each([
    [15, 35, { start: 1, end: 3 }],
    [10, 40, { start: 0, end: 4 }],
    [20, 20, { start: 1, end: 2 }],
    [41, 50, { start: 4, end: 4 }],
    [0, 5, { start: 0, end: 0 }],
  ])("indexRange(%s, %s) is %o", (x0, x1, range) => {
    expect(series.indexRange(x0, x1)).toEqual(range);
  });

  it.each([
    [0, 0],
    [24, 1],
    [25, 1],
    [26, 2],
    [100, 3],
  ])("nearestIndex(%s) is %s", (x, index) => {
    expect(series.nearestIndex(x)).toBe(index);
  });

  it("has no nearest index when empty", () => {
    expect(new Series("loss", 0).nearestIndex(3)).toBe(-1);
  });
});

describe("SeriesStore", () => {
  it("keeps series in the order they first arrived", () => {
    const store = new SeriesStore();
    store.append([points("loss", [1], [1]), points("val_loss", [], [])]);
    store.append([points("acc", [1], [0.5]), points("loss", [2], [0.5])]);
    expect(store.names()).toEqual(["loss", "val_loss", "acc"]);
    expect(store.count("loss")).toBe(2);
    expect(store.count("val_loss")).toBe(0);
    expect(store.count("unknown")).toBe(0);
  });

  it("replaces everything on reset", () => {
    const store = new SeriesStore();
    store.append([points("loss", [1, 2, 3], [3, 2, 1]), points("val_loss", [3], [2])]);
    store.reset([points("loss", [1], [9])]);
    expect(store.names()).toEqual(["loss"]);
    expect(held(store.get("loss")!)).toEqual({ steps: [1], values: [9], smoothed: [9] });
  });

  it("accepts older steps again after a reset", () => {
    const store = new SeriesStore();
    store.append([points("loss", [100], [1])]);
    store.reset([]);
    store.append([points("loss", [1], [2])]);
    expect(store.count("loss")).toBe(1);
  });

  it("recomputes every series when the smoothing changes", () => {
    const store = new SeriesStore(0.6);
    const values = new Float32Array([3, 1, 2]);
    store.append([{ name: "loss", steps: new Uint32Array([1, 2, 3]), values }]);
    expect(store.setSmoothing(0.6)).toBe(false);
    expect(store.setSmoothing(0.2)).toBe(true);
    expect(held(store.get("loss")!).smoothed).toEqual(directEma(values, 0.2));
  });

  it("clamps the smoothing factor to [0, 0.999]", () => {
    expect(new SeriesStore(1).smoothing).toBe(0.999);
    expect(new SeriesStore(-0.5).smoothing).toBe(0);
    expect(new SeriesStore(NaN).smoothing).toBe(0);
  });

  it("reports the step extent over all series", () => {
    const store = new SeriesStore();
    expect(store.stepExtent()).toBeNull();
    store.append([points("loss", [5, 50], [1, 1]), points("val_loss", [10, 60], [1, 1])]);
    expect(store.stepExtent()).toEqual([5, 60]);
  });
});
