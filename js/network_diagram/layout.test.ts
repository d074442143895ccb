import { describe, expect, it } from "vitest";
import { convNetJson, mlpJson } from "./fixtures";
import { aggregateStrip, diagramLayout, formatParams, layerLabel, stripCellRange } from "./layout";
import { parseArchitecture } from "./spec";

const mlp = (sizes: number[]) => parseArchitecture(mlpJson(sizes));

describe("diagramLayout of the course MLP 1-30-20-1 on 400x300", () => {
  const layout = diagramLayout(mlp([1, 30, 20, 1]), { width: 400, height: 300, padding: 20, labelHeight: 20 });

  it("has four equally spaced neuron columns", () => {
    expect(layout.columns.map((c) => [c.x, c.count, c.mode])).toEqual([
      [20, 1, "neurons"],
      [140, 30, "neurons"],
      [260, 20, "neurons"],
      [380, 1, "neurons"],
    ]);
    expect(layout.blocks).toEqual([]);
  });

  it("centres a single neuron at full radius", () => {
    const [input] = layout.columns;
    expect(input.ys).toEqual([140]);
    expect([input.radius, input.top, input.bottom]).toEqual([6, 134, 146]);
  });

  it("spaces 30 neurons 8px apart to fit 240px, radius 3.2", () => {
    const column = layout.columns[1];
    expect(column.ys).toEqual(Array.from({ length: 30 }, (_, i) => 24 + 8 * i));
    expect(column.radius).toBeCloseTo(3.2, 12);
    expect(column.top).toBeCloseTo(20.8, 12);
    expect(column.bottom).toBeCloseTo(259.2, 12);
  });

  it("spaces 20 neurons 12px apart", () => {
    expect(layout.columns[2].ys).toEqual(Array.from({ length: 20 }, (_, i) => 26 + 12 * i));
    expect(layout.columns[2].radius).toBeCloseTo(4.8, 12);
  });

  it("never spaces neurons further apart than maxSpacing", () => {
    const small = diagramLayout(mlp([2, 3]), { width: 400, height: 300, padding: 20, labelHeight: 20 });
    expect(small.columns[1].ys).toEqual([116, 140, 164]);
  });

  it("colours each output column by its own dense layer's biases, not the input", () => {
    expect(layout.columns.map((c) => c.biasLayer)).toEqual([null, 0, 1, 2]);
  });

  it("draws every gap as edges", () => {
    expect(layout.gaps).toEqual([
      { layer: 0, from: 0, to: 1, nIn: 1, nOut: 30, edgeCount: 30, mode: "edges", heatmap: null },
      { layer: 1, from: 1, to: 2, nIn: 30, nOut: 20, edgeCount: 600, mode: "edges", heatmap: null },
      { layer: 2, from: 2, to: 3, nIn: 20, nOut: 1, edgeCount: 20, mode: "edges", heatmap: null },
    ]);
  });

  it("labels the input and each layer under its column", () => {
    expect(layout.labels).toEqual([
      { layers: [-1], text: "input 1", x: 20, y: 264 },
      { layers: [0], text: "dense 1→30 · tanh · 60 params", x: 140, y: 264 },
      { layers: [1], text: "dense 30→20 · tanh · 620 params", x: 260, y: 264 },
      { layers: [2], text: "dense 20→1 · 21 params", x: 380, y: 264 },
    ]);
  });

  it("totals the parameters", () => {
    expect([layout.totalParams, layout.totalLabel]).toEqual([701, "701 params"]);
  });
});

describe("diagramLayout representation modes", () => {
  const size = { width: 600, height: 400, padding: 20, labelHeight: 40 };

  it("50-100-3 (5,300 edges): every edge drawn, 100 neurons as small circles", () => {
    const layout = diagramLayout(mlp([50, 100, 3]), size);
    expect(layout.columns.map((c) => c.mode)).toEqual(["neurons", "neurons", "neurons"]);
    expect(layout.gaps.map((g) => [g.edgeCount, g.mode, g.heatmap])).toEqual([
      [5000, "edges", null],
      [300, "edges", null],
    ]);
  });

  it("784-128-10: a strip for 784 and a heatmap from it; 128 -> 10 edge by edge", () => {
    const layout = diagramLayout(mlp([784, 128, 10]), size);
    expect(layout.columns.map((c) => [c.count, c.mode, c.cells])).toEqual([
      [784, "strip", 160],
      [128, "neurons", 128],
      [10, "neurons", 10],
    ]);
    expect(layout.columns[0]).toMatchObject({ top: 20, bottom: 340, stripWidth: 12, ys: [] });
    expect(layout.gaps.map((g) => g.mode)).toEqual(["heatmap", "edges"]);
  });

  it("more than NEURON_LIMIT neurons make a strip, and the gaps beside it heatmaps", () => {
    const layout = diagramLayout(mlp([784, 200, 10]), size);
    expect(layout.columns.map((c) => [c.count, c.mode])).toEqual([[784, "strip"], [200, "strip"], [10, "neurons"]]);
    expect(layout.gaps.map((g) => g.mode)).toEqual(["heatmap", "heatmap"]);
  });

  it("keeps at most TOTAL_EDGE_LIMIT edges in all: the largest gap gives way first", () => {
    const layout = diagramLayout(mlp([70, 70, 70, 2]), size);
    expect(layout.gaps.map((g) => [g.edgeCount, g.mode])).toEqual([
      [4900, "heatmap"],
      [4900, "edges"],
      [140, "edges"],
    ]);
  });

  it("draws more than EDGE_LIMIT edges between two columns as a heatmap", () => {
    const layout = diagramLayout(mlp([2, 80, 80]), size);
    expect(layout.gaps.map((g) => [g.edgeCount, g.mode])).toEqual([[160, "edges"], [6400, "heatmap"]]);
  });

  it("gives way with the earlier of two equally large gaps", () => {
    const layout = diagramLayout(mlp([2, 64, 64, 64]), size);
    expect(layout.gaps.map((g) => [g.edgeCount, g.mode])).toEqual([
      [128, "edges"],
      [4096, "heatmap"],
      [4096, "edges"],
    ]);
  });
});

describe("diagramLayout of a conv net", () => {
  const layout = diagramLayout(parseArchitecture(convNetJson()), { width: 700, height: 400, padding: 20, labelHeight: 40 });

  it("draws conv, pool and flatten as blocks after an input block", () => {
    expect(layout.blocks).toEqual([
      { slot: 0, layer: -1, x: 20, width: 40, top: 118, bottom: 266 },
      { slot: 1, layer: 0, x: 130, width: 40, top: 118, bottom: 266 },
      { slot: 2, layer: 2, x: 240, width: 40, top: 118, bottom: 266 },
      { slot: 3, layer: 3, x: 350, width: 40, top: 118, bottom: 266 },
    ]);
  });

  it("adds the dense input column after the flatten block, as a strip", () => {
    expect(layout.columns.map((c) => [c.slot, c.x, c.count, c.mode, c.biasLayer])).toEqual([
      [4, 460, 1568, "strip", null],
      [5, 570, 64, "neurons", 4],
      [6, 680, 10, "neurons", 6],
    ]);
    expect(layout.gaps.map((g) => [g.layer, g.from, g.to, g.mode])).toEqual([
      [4, 0, 1, "heatmap"],
      [6, 1, 2, "edges"],
    ]);
  });

  it("folds each relu into the label of the layer before it", () => {
    expect(layout.labels.map((l) => [l.layers, l.text, l.x])).toEqual([
      [[-1], "input 28×28×1", 20],
      [[0, 1], "conv 28×28×1→28×28×8 · relu · 80 params", 130],
      [[2], "pool 28×28×8→14×14×8", 240],
      [[3], "flatten 14×14×8→1568", 350],
      [[4, 5], "dense 1568→64 · relu · 100,416 params", 570],
      [[6], "dense 64→10 · 650 params", 680],
    ]);
  });

  it("draws the skip from flatten's output to the last dense layer's input as an arc above", () => {
    expect(layout.skips).toEqual([{ from: 3, to: 6, x0: 350, x1: 570, y: 44, controlY: 0 }]);
  });
});

describe("diagramLayout with thumbnails", () => {
  const size = { width: 408, height: 300, padding: 20, labelHeight: 20, thumbnails: true };

  it("insets the first and last columns by half the largest square + 2px, so squares stay inside", () => {
    const layout = diagramLayout(mlp([2, 8, 8, 1]), size);
    expect(layout.columns.map((c) => c.x)).toEqual([24, 144, 264, 384]);
    expect(layout.labels.map((l) => l.x)).toEqual([24, 144, 264, 384]);
  });

  it("spaces 2-8-8-1 neurons up to 52px apart as squares of 0.85 x spacing, at most 44px", () => {
    const layout = diagramLayout(mlp([2, 8, 8, 1]), size);
    const [input, hidden, , output] = layout.columns;
    expect([input.ys, input.side, input.radius, input.top, input.bottom]).toEqual([[114, 166], 44, 22, 92, 188]);
    // 8 neurons in 240px: 30px apart, squares of 25.5px.
    expect(hidden.ys).toEqual(Array.from({ length: 8 }, (_, i) => 35 + 30 * i));
    expect([hidden.side, hidden.radius, hidden.top, hidden.bottom]).toEqual([25.5, 12.75, 22.25, 257.75]);
    expect([output.ys, output.side]).toEqual([[140], 44]);
  });

  it("keeps the columns, gaps and labels of the circle layout", () => {
    const circles = diagramLayout(mlp([2, 8, 8, 1]), { ...size, thumbnails: false });
    const squares = diagramLayout(mlp([2, 8, 8, 1]), size);
    expect(squares.columns.map((c) => [c.count, c.biasLayer, c.mode])).toEqual(circles.columns.map((c) => [c.count, c.biasLayer, c.mode]));
    expect(squares.gaps).toEqual(circles.gaps);
    expect(squares.labels.map((l) => [l.layers, l.text, l.y])).toEqual(circles.labels.map((l) => [l.layers, l.text, l.y]));
    expect(circles.columns.map((c) => [c.x, c.side])).toEqual([[20, 0], [142.66666666666669, 0], [265.33333333333337, 0], [388, 0]]);
  });

  it("sizes the course MLP 1-30-20-1's squares by their spacing", () => {
    const layout = diagramLayout(mlp([1, 30, 20, 1]), size);
    expect(layout.columns[1].ys.slice(0, 2)).toEqual([24, 32]);
    expect(layout.columns[1].side).toBeCloseTo(6.8, 12);
    expect(layout.columns[2].side).toBeCloseTo(10.2, 12);
  });

  it("never makes a square smaller than the circle it replaces", () => {
    const layout = diagramLayout(mlp([1, 30, 20, 1]), { ...size, maxThumbnail: 4 });
    expect(layout.columns.map((c) => c.side)).toEqual([12, 6.4, 9.600000000000001, 12]);
  });

  it("keeps squares within 0.6 of the slot spacing", () => {
    const layout = diagramLayout(mlp([2, 2]), { ...size, width: 108 });
    // Slots 60px apart (x = 24 and 84): squares of 36px, not 44.
    expect(layout.columns.map((c) => c.side)).toEqual([36, 36]);
  });

  it("leaves strips as they are (10 neurons in 320px: squares of 0.85 x 32px)", () => {
    const layout = diagramLayout(mlp([784, 200, 10]), { ...size, width: 600, height: 400, labelHeight: 40 });
    expect(layout.columns.map((c) => [c.mode, c.side])).toEqual([["strip", 0], ["strip", 0], ["neurons", 27.2]]);
  });
});

describe("diagramLayout of conv kernels", () => {
  const size = { width: 700, height: 400, padding: 20, labelHeight: 40 };

  it("widens a conv block holding kernels to 0.8 of the slot spacing and 0.8 of the height, centred", () => {
    const layout = diagramLayout(parseArchitecture(convNetJson()), { ...size, kernels: new Map([[0, [8, 1, 3, 3] as const]]) });
    const [input, conv, pool] = layout.blocks;
    expect([conv.x, conv.width]).toEqual([130, 88]);
    expect(conv.top).toBeCloseTo(73.6, 12);
    expect(conv.bottom).toBeCloseTo(310.4, 12);
    expect(conv.kernels).toMatchObject({ shown: 8, more: 0, columns: 2, rows: 4, pixel: 12 });
    expect([input.width, input.kernels, pool.width, pool.kernels]).toEqual([40, undefined, 40, undefined]);
    expect(layout.blocks.map((b) => b.x)).toEqual([20, 130, 240, 350]);
  });

  it("caps the widened block at 96px", () => {
    const layout = diagramLayout(parseArchitecture(convNetJson()), { ...size, width: 1400, kernels: new Map([[0, [8, 1, 3, 3] as const]]) });
    expect(layout.blocks[1].width).toBe(96);
  });

  it("ignores kernels of a layer that is not a block", () => {
    const layout = diagramLayout(mlp([2, 3]), { ...size, kernels: new Map([[0, [3, 2, 1, 1] as const]]) });
    expect(layout.blocks).toEqual([]);
  });
});

describe("labels and strips", () => {
  it("formats parameter counts", () => {
    expect([formatParams(1), formatParams(0), formatParams(100416)]).toEqual(["1 param", "0 params", "100,416 params"]);
  });

  it("shows unknown dimensions as ?", () => {
    const spec = parseArchitecture({ layers: [{ name: "r", kind: "reshape", input_shape: [null, 4], output_shape: null }] });
    expect(layerLabel(spec.layers[0])).toBe("reshape ?×4→?");
  });

  it("splits a strip's neurons into contiguous runs per cell", () => {
    const layout = diagramLayout(mlp([200, 1]), { width: 100, height: 100, padding: 0, labelHeight: 0 });
    const strip = layout.columns[0];
    expect(strip.cells).toBe(50);
    expect([stripCellRange(strip, 0), stripCellRange(strip, 49)]).toEqual([[0, 4], [196, 200]]);
  });

  it("aggregates values per strip cell as their mean, ignoring NaN", () => {
    const layout = diagramLayout(mlp([200, 1]), { width: 100, height: 100, padding: 0, labelHeight: 0 });
    const values = Float32Array.from({ length: 200 }, (_, k) => k);
    values[3] = NaN;
    const means = aggregateStrip(values, layout.columns[0]);
    expect([means[0], means[1], means[49]]).toEqual([1, 5.5, 197.5]);
  });
});
