import { describe, expect, it } from "vitest";
import { biasColor, divergingColor, heatmapColor, heatmapPixels, magnitudeRatio, maxAbs, weightStyle, writeDiverging } from "./colors";

describe("maxAbs", () => {
  it("is the largest finite |value|", () => {
    expect(maxAbs([0.5, -2, 1.5])).toBe(2);
    expect(maxAbs(new Float32Array([NaN, -0.25, Infinity]))).toBe(0.25);
  });

  it("is 0 for no values", () => {
    expect(maxAbs([])).toBe(0);
    expect(maxAbs([NaN])).toBe(0);
  });
});

describe("magnitudeRatio", () => {
  it("is |value| / largest clamped to 1", () => {
    expect(magnitudeRatio(-0.5, 2)).toBe(0.25);
    expect(magnitudeRatio(3, 2)).toBe(1);
  });

  it("is 0 when the layer is all zero", () => {
    expect(magnitudeRatio(0, 0)).toBe(0);
  });
});

describe("weightStyle", () => {
  it.each([
    [1, 1, { color: "rgba(31, 119, 180, 1)", alpha: 1, width: 3 }],
    [0.5, 1, { color: "rgba(31, 119, 180, 0.54)", alpha: 0.54, width: 1.75 }],
    [-0.25, 1, { color: "rgba(255, 127, 14, 0.31)", alpha: 0.31, width: 1.125 }],
    [0, 1, { color: "rgba(31, 119, 180, 0.08)", alpha: 0.08, width: 0.5 }],
    [-4, 2, { color: "rgba(255, 127, 14, 1)", alpha: 1, width: 3 }],
    [0.3, 0, { color: "rgba(31, 119, 180, 0.08)", alpha: 0.08, width: 0.5 }],
  ])("weightStyle(%s, %s) is %j", (value, largest, style) => {
    expect(weightStyle(value, largest)).toEqual(style);
  });

  it("draws NaN transparent and zero-width", () => {
    expect(weightStyle(NaN, 1)).toEqual({ color: "rgba(0, 0, 0, 0)", alpha: 0, width: 0 });
  });
});

describe("biasColor", () => {
  it.each([
    [0, 1, "rgb(158, 158, 158)"],
    [1, 1, "rgb(31, 119, 180)"],
    [-1, 1, "rgb(255, 127, 14)"],
    [0.5, 1, "rgb(95, 139, 169)"],
    [-1, 2, "rgb(207, 143, 86)"],
  ])("biasColor(%s, %s) is %s", (value, largest, color) => {
    expect(biasColor(value, largest)).toBe(color);
  });

  it("is transparent for NaN", () => {
    expect(biasColor(NaN, 1)).toBe("rgba(0, 0, 0, 0)");
  });
});

describe("heatmapColor", () => {
  it.each([
    [1, 1, [31, 119, 180, 255]],
    [-0.5, 1, [255, 127, 14, 128]],
    [0, 1, [31, 119, 180, 0]],
    [NaN, 1, [0, 0, 0, 0]],
  ])("heatmapColor(%s, %s) is %j", (value, largest, bytes) => {
    expect(heatmapColor(value, largest)).toEqual(bytes);
  });
});

describe("heatmapPixels", () => {
  it("writes one RGBA pixel per cell, scaled by the matrix's largest |w|", () => {
    const pixels = heatmapPixels(new Float32Array([2, -1, 0, NaN]), 2, 2);
    expect([...pixels]).toEqual([31, 119, 180, 255, 255, 127, 14, 128, 31, 119, 180, 0, 0, 0, 0, 0]);
  });

  it("agrees with heatmapColor cell by cell", () => {
    const values = new Float32Array([0.3, -0.7, 1.2, -0.05, NaN, 0, -1.2, Infinity]);
    expect([...heatmapPixels(values, 2, 4)]).toEqual([...values].flatMap((v) => heatmapColor(v, 1.2)));
    expect([...heatmapPixels(values, 2, 4, 0)]).toEqual([...values].flatMap((v) => heatmapColor(v, 0)));
  });

  it("rejects values that do not fill the matrix", () => {
    expect(() => heatmapPixels([1, 2, 3], 2, 2)).toThrow("heatmapPixels: 3 values do not fill a 2x2 matrix");
  });
});

describe("divergingColor", () => {
  it.each([
    [0, 1, [255, 255, 255, 255]],
    [1, 1, [31, 119, 180, 255]],
    [-1, 1, [255, 127, 14, 255]],
    [0.5, 1, [143, 187, 218, 255]],
    [-0.5, 1, [255, 191, 135, 255]],
    [-4, 2, [255, 127, 14, 255]],
    [0.7, 0, [255, 255, 255, 255]],
    [NaN, 1, [0, 0, 0, 0]],
  ])("divergingColor(%s, %s) is %j", (value, largest, bytes) => {
    expect(divergingColor(value, largest)).toEqual(bytes);
  });
});

describe("writeDiverging", () => {
  it("writes every stride-th value from start as one pixel, from pixel `at`", () => {
    // A (G = 3, n = 2) buffer: neuron 1 is [-2, 0, NaN].
    const values = new Float32Array([9, -2, 9, 0, 9, NaN]);
    const pixels = new Uint8ClampedArray(4 * 4).fill(7);
    writeDiverging(pixels, 1, values, 1, 2, 3, 2);
    expect([...pixels]).toEqual([7, 7, 7, 7, 255, 127, 14, 255, 255, 255, 255, 255, 0, 0, 0, 0]);
  });

  it("agrees with divergingColor", () => {
    const values = [0.3, -0.7, 1.2, -0.05, 0.9999];
    const pixels = new Uint8ClampedArray(4 * values.length);
    writeDiverging(pixels, 0, values, 0, 1, values.length, 1.2);
    expect([...pixels]).toEqual(values.flatMap((v) => divergingColor(v, 1.2)));
  });

  it("draws every value white when the scale is 0 or infinite", () => {
    const pixels = new Uint8ClampedArray(8);
    writeDiverging(pixels, 0, [0, 0], 0, 1, 2, 0);
    expect([...pixels]).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
    writeDiverging(pixels, 0, [1, -1], 0, 1, 2, Infinity);
    expect([...pixels]).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
  });
});
