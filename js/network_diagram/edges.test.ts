import { describe, expect, it } from "vitest";
import { edgeLevel, gapEdges } from "./edges";
import type { NeuronColumn } from "./layout";

function column(x: number, ys: number[]): NeuronColumn {
  return {
    slot: 0, x, count: ys.length, mode: "neurons", biasLayer: null, ys, radius: 3, side: 0,
    top: ys[0] - 3, bottom: ys[ys.length - 1] + 3, stripWidth: 0, cells: ys.length,
  };
}

describe("edgeLevel", () => {
  it.each([
    [0, 1, 0],
    [0.07, 1, 0],
    [0.5, 1, 4],
    [-0.5, 1, 4],
    [0.93, 1, 7],
    [2, 1, 7],
    [NaN, 1, -1],
  ])("edgeLevel(%s, %s) is %s", (value, largest, level) => {
    expect(edgeLevel(value, largest)).toBe(level);
  });
});

describe("gapEdges", () => {
  const from = column(10, [100, 200]);
  const to = column(50, [120, 150, 180]);

  it("puts each edge in its (sign, level) bucket, faint first, with exact endpoints", () => {
    // weights[i * 3 + j]: input i -> output j
    const { buckets, largest, skipped } = gapEdges(from, to, [1, -1, 0, 0.5, -0.5, 0]);
    expect(largest).toBe(1);
    expect(skipped).toBe(0);
    expect(buckets.map((b) => [b.sign, b.level, b.count, b.color, b.width])).toEqual([
      [1, 0, 2, "rgba(31, 119, 180, 0.08)", 0.5],
      [1, 4, 1, "rgba(31, 119, 180, 0.606)", 1.929],
      [-1, 4, 1, "rgba(255, 127, 14, 0.606)", 1.929],
      [1, 7, 1, "rgba(31, 119, 180, 1)", 3],
      [-1, 7, 1, "rgba(255, 127, 14, 1)", 3],
    ]);
    expect([...buckets[0].segments]).toEqual([10, 100, 50, 180, 10, 200, 50, 180]);
    expect([...buckets[0].indices]).toEqual([0, 2, 1, 2]);
    expect([...buckets[2].segments]).toEqual([10, 200, 50, 150]);
    expect([...buckets[4].indices]).toEqual([0, 1]);
  });

  it("leaves NaN weights out and counts them", () => {
    const { buckets, skipped } = gapEdges(from, to, [1, NaN, 1, NaN, 1, 1]);
    expect(skipped).toBe(2);
    expect(buckets.map((b) => b.count)).toEqual([4]);
  });

  it("draws an all-zero layer in the faintest bucket", () => {
    const { buckets, largest } = gapEdges(from, to, new Float32Array(6));
    expect(largest).toBe(0);
    expect(buckets.map((b) => [b.level, b.count])).toEqual([[0, 6]]);
  });

  it("uses at most 16 buckets and keeps every one of 5,000 edges", () => {
    const wide = column(0, Array.from({ length: 50 }, (_, i) => i));
    const tall = column(100, Array.from({ length: 100 }, (_, j) => j));
    const weights = Float32Array.from({ length: 5000 }, (_, k) => Math.sin(k * 12.9898) * (k % 7));
    const { buckets, skipped } = gapEdges(wide, tall, weights);
    expect(buckets.length).toBe(16);
    expect(buckets.reduce((sum, b) => sum + b.count, 0) + skipped).toBe(5000);
    expect(buckets.reduce((sum, b) => sum + b.segments.length, 0)).toBe(20000);
    expect(buckets.map((b) => b.level)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
  });

  it("rejects weights that do not fill the (n_in, n_out) matrix", () => {
    expect(() => gapEdges(from, to, [1, 2, 3])).toThrow("gapEdges: 3 weights do not fill a 2x3 (n_in, n_out) matrix");
  });

  it("refuses a strip", () => {
    expect(() => gapEdges({ ...from, mode: "strip" }, to, new Float32Array(6))).toThrow(/heatmap/);
  });
});
