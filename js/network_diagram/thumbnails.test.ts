import { describe, expect, it } from "vitest";
import type { DecodedActivations } from "../shared/protocol";
import { mlpJson } from "./fixtures";
import { diagramLayout } from "./layout";
import { parseArchitecture } from "./spec";
import { columnImagePixels, matchActivations, neuronRange, plotStride, traceLinePlot, type ColumnActivations } from "./thumbnails";

const layoutOf = (sizes: number[]) => diagramLayout(parseArchitecture(mlpJson(sizes)), { width: 400, height: 300 });

function activations(shape: [number] | [number, number], columns: [number, number][], fill = (g: number, k: number) => g + k): DecodedActivations {
  const points = shape.reduce((p, n) => p * n, 1);
  const range: [number, number][] = shape.map(() => [-2, 2]);
  return {
    version: 1,
    grid: { shape, range },
    points,
    columns: columns.map(([layer, n]) => ({ layer, n, values: Float32Array.from({ length: points * n }, (_, v) => fill(Math.floor(v / n), v % n)) })),
  };
}

function map(values: number[], n: number, largest: number, dims: 1 | 2 = 1): ColumnActivations {
  const points = values.length / n;
  return { column: 0, layer: 0, n, values: new Float32Array(values), points, rows: 1, cols: points, dims, range: [[0, 1]], largest };
}

describe("matchActivations", () => {
  it("gives each column the message column of its layer (-1: the input) and size", () => {
    const matched = matchActivations(layoutOf([2, 8, 8, 1]).columns, activations([4, 4], [[-1, 2], [0, 8], [1, 8], [2, 1]]));
    expect(matched.map((m) => m && [m.column, m.layer, m.n, m.points, m.rows, m.cols, m.dims])).toEqual([
      [0, -1, 2, 16, 4, 4, 2],
      [1, 0, 8, 16, 4, 4, 2],
      [2, 1, 8, 16, 4, 4, 2],
      [3, 2, 1, 16, 4, 4, 2],
    ]);
  });

  it("scales each column by its own largest finite |value|", () => {
    const matched = matchActivations(layoutOf([2, 8, 8, 1]).columns, activations([4, 4], [[-1, 2], [0, 8]], (g, k) => (g === 5 && k === 1 ? -9 : g === 6 ? NaN : 0.5)));
    expect(matched[0]!.largest).toBe(9);
    expect(matched[1]!.largest).toBe(9);
    expect(matched.slice(2)).toEqual([null, null]);
  });

  it("reads a 1-D grid as one row of G points", () => {
    const [input] = matchActivations(layoutOf([1, 3]).columns, activations([5], [[-1, 1]]));
    expect([input!.rows, input!.cols, input!.dims, input!.range]).toEqual([1, 5, 1, [[-2, 2]]]);
  });

  it("matches nothing of another size, and never a strip", () => {
    expect(matchActivations(layoutOf([2, 8, 1]).columns, activations([2], [[0, 7], [-1, 3]]))).toEqual([null, null, null]);
    const strip = layoutOf([2, 200, 1]);
    expect(strip.columns[1].mode).toBe("strip");
    expect(matchActivations(strip.columns, activations([2], [[0, 200]]))[1]).toBeNull();
    expect(matchActivations(strip.columns, null)).toEqual([null, null, null]);
  });
});

describe("columnImagePixels", () => {
  it("stacks each neuron's map as rows x cols RGBA pixels on the column's scale", () => {
    // (G = 2, n = 2): neuron 0 = [1, -1], neuron 1 = [0.5, NaN]; largest 1.
    const pixels = columnImagePixels(map([1, 0.5, -1, NaN], 2, 1, 2));
    expect([...pixels]).toEqual([31, 119, 180, 255, 255, 127, 14, 255, 143, 187, 218, 255, 0, 0, 0, 0]);
  });
});

describe("neuronRange", () => {
  it("is the smallest and largest value, NaN ignored", () => {
    expect(neuronRange(map([0.97, 5, NaN, 5, -0.82, 5], 2, 5), 0)).toEqual([-0.8199999928474426, 0.9700000286102295]);
    expect(neuronRange(map([NaN, NaN], 1, 0), 0).map(Number.isNaN)).toEqual([true, true]);
  });
});

describe("traceLinePlot", () => {
  function trace(values: number[], largest: number, stride = 1): string[] {
    const steps: string[] = [];
    const path = {
      moveTo: (x: number, y: number) => steps.push(`M${x},${y}`),
      lineTo: (x: number, y: number) => steps.push(`L${x},${y}`),
    };
    traceLinePlot(path, map(values, 1, largest), 0, { x: 10, y: 20, width: 40, height: 20 }, stride);
    return steps;
  }

  it("maps grid points across the box and values from +largest (top) to -largest (bottom)", () => {
    expect(trace([2, 0, -2, 1, -4], 2)).toEqual(["M10,20", "L20,30", "L30,40", "L40,25", "L50,40"]);
  });

  it("breaks the line at NaN", () => {
    expect(trace([0, NaN, 0, 0, NaN], 1)).toEqual(["M10,30", "M30,30", "L40,30"]);
  });

  it("skips points by the stride but keeps the last", () => {
    expect(trace([0, 0, 0, 0, 0], 1, 3)).toEqual(["M10,30", "L40,30", "L50,30"]);
  });

  it("draws a flat line through the middle when every value is 0", () => {
    expect(trace([0, 0], 0)).toEqual(["M10,30", "L50,30"]);
  });

  it("centres a single point", () => {
    expect(trace([1], 1)).toEqual(["M30,20"]);
  });
});

describe("plotStride", () => {
  it("keeps about 2 points per pixel", () => {
    expect([plotStride(100, 44), plotStride(200, 8), plotStride(1000, 8), plotStride(5, 0)]).toEqual([1, 12, 62, 5]);
  });
});
