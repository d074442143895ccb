import { describe, expect, it } from "vitest";
import { convNetJson, lesson3CnnJson, mlpJson, uNetJson } from "./fixtures";
import {
  aggregateStrip,
  convKernelText,
  diagramLayout,
  formatParams,
  LABEL_GAP,
  labelLines,
  layerLabel,
  placeLabels,
  shortenLine,
  skipLanes,
  stripCellRange,
  textWidth,
  type Label,
} from "./layout";
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

  it("labels the input and each layer under its column, one row, the ends moved inside the canvas", () => {
    expect(layout.labels).toEqual([
      { layers: [-1], text: "input 1", lines: ["input 1"], x: 20.5, y: 264, width: 37, row: 0 },
      { layers: [0], text: "dense 1→30 · tanh · 60 params", lines: ["dense 1→30", "tanh", "60 params"], x: 140, y: 264, width: 65, row: 0 },
      { layers: [1], text: "dense 30→20 · tanh · 620 params", lines: ["dense 30→20", "tanh", "620 params"], x: 260, y: 264, width: 71, row: 0 },
      // 65px wide: centred at 400 - 2 - 32.5, not at its column (x = 380)
      { layers: [2], text: "dense 20→1 · 21 params", lines: ["dense 20→1", "21 params"], x: 365.5, y: 264, width: 65, row: 0 },
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

  it("labels conv layers with kernel, channels and output shape, and folds each relu into the label before it", () => {
    expect(layout.labels.map((l) => [l.layers, l.lines, l.x, l.row])).toEqual([
      [[-1], ["input", "28×28×1"], 26.5, 0],
      [[0, 1], ["conv 3×3 1→8", "28×28×8", "relu · 80 params"], 130, 0],
      [[2], ["avg pool", "14×14×8"], 240, 0],
      [[3], ["flatten", "1568"], 350, 0],
      [[4, 5], ["dense 1568→64", "relu", "100,416 params"], 570, 0],
      [[6], ["dense 64→10", "650 params"], 662.5, 0],
    ]);
  });

  it("routes the skip from flatten's output up to a lane and down into the last dense layer's input column", () => {
    const column = layout.columns[1]; // dense_0's 64 outputs, which dense 6 takes
    expect(layout.skips).toEqual([{
      from: 3, to: 6, kind: "", x0: 350, y0: 118 - 3, x1: 570, y1: column.top - 3, y: 32, lane: 0, label: "", labelX: 460, labelWidth: 0,
    }]);
  });
});

describe("diagramLayout with thumbnails", () => {
  const size = { width: 408, height: 300, padding: 20, labelHeight: 20, thumbnails: true };

  it("insets the first and last columns by half the largest square + 2px, so squares stay inside", () => {
    const layout = diagramLayout(mlp([2, 8, 8, 1]), size);
    expect(layout.columns.map((c) => c.x)).toEqual([24, 144, 264, 384]);
    // the last label (58px wide) moves inwards to stay on the canvas: 408 - 2 - 29
    expect(layout.labels.map((l) => l.x)).toEqual([24, 144, 264, 377]);
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
    const spec = parseArchitecture({ layers: [{ name: "r", kind: "reshape", input_shape: [null, 4], output_shape: [null, 2] }] });
    expect(layerLabel(spec.layers[0])).toBe("reshape · ?×2");
    const unknown = parseArchitecture({ layers: [{ name: "r", kind: "reshape", input_shape: null, output_shape: null }] });
    expect(layerLabel(unknown.layers[0])).toBe("reshape · ?");
  });

  it("splits a strip's neurons into contiguous runs per cell", () => {
    const layout = diagramLayout(mlp([200, 1]), { width: 400, height: 100, padding: 0, labelHeight: 0 });
    const strip = layout.columns[0];
    expect(strip.cells).toBe(50);
    expect([stripCellRange(strip, 0), stripCellRange(strip, 49)]).toEqual([[0, 4], [196, 200]]);
  });

  it("aggregates values per strip cell as their mean, ignoring NaN", () => {
    const layout = diagramLayout(mlp([200, 1]), { width: 400, height: 100, padding: 0, labelHeight: 0 });
    const values = Float32Array.from({ length: 200 }, (_, k) => k);
    values[3] = NaN;
    const means = aggregateStrip(values, layout.columns[0]);
    expect([means[0], means[1], means[49]]).toEqual([1, 5.5, 197.5]);
  });
});

/** Pairs of labels whose estimated boxes (text width x lines) come closer than LABEL_GAP. */
function crowded(labels: Label[]): string[][] {
  const box = (l: Label) => ({ left: l.x - l.width / 2, right: l.x + l.width / 2, top: l.y, bottom: l.y + 12 * l.lines.length });
  const pairs: string[][] = [];
  labels.forEach((a, k) =>
    labels.slice(k + 1).forEach((b) => {
      const [p, q] = [box(a), box(b)];
      if (p.left < q.right + LABEL_GAP && q.left < p.right + LABEL_GAP && p.top < q.bottom && q.top < p.bottom) pairs.push([a.text, b.text]);
    }),
  );
  return pairs;
}

describe("conv and pool labels", () => {
  const lesson3 = parseArchitecture(lesson3CnnJson());
  const unet = parseArchitecture(uNetJson());

  it("read a conv kernel's window and channels from the course's OIHW and flax's HWIO storage", () => {
    expect(convKernelText(lesson3.layers[0])).toBe("3×3 3→30"); // conv_kernels[0]: (30, 3, 3, 3)
    expect(convKernelText(unet.layers[2])).toBe("3×3 8→16"); // enc2.kernel: (3, 3, 8, 16)
    const conv1d = parseArchitecture({ layers: [{ name: "c", kind: "conv", input_shape: [9, 2], output_shape: [5, 4], params: { "c.kernel": [5, 2, 4] } }] });
    expect(convKernelText(conv1d.layers[0])).toBe("5 2→4");
    expect(convKernelText(lesson3.layers[4])).toBeNull();
  });

  it("say kind, kernel and channels, then the output shape as stored, then activation and parameters", () => {
    expect(lesson3.layers.map((layer) => layerLabel(layer))).toEqual([
      "conv 3×3 3→30 · 30×24×24 · 840 params",
      "conv 3×3 30→30 · 30×11×11 · 8,130 params",
      "conv 3×3 30→30 · 30×5×5 · 8,130 params",
      "conv 3×3 30→10 · 10×2×2 · 2,710 params",
      "flatten · 40",
      "dense 40→50 · 2,050 params",
      "dense 50→3 · 153 params",
    ]);
    expect([1, 5, 6].map((k) => layerLabel(unet.layers[k]))).toEqual([
      "max pool · 8×8×8",
      "convT 2×2 32→16 · 8×8×16 · 2,064 params",
      "conv 3×3 32→16 · 8×8×16 · relu · 4,624 params",
    ]);
  });

  it("go on up to three lines: two parts, then the rest", () => {
    expect(labelLines("conv 3×3 32→16 · 8×8×16 · relu · 4,624 params")).toEqual(["conv 3×3 32→16", "8×8×16", "relu · 4,624 params"]);
    expect(labelLines("max pool · 8×8×8")).toEqual(["max pool", "8×8×8"]);
  });

  it("name a hand-written upsampling (a reshape named upsample) and no other reshape", () => {
    const spec = parseArchitecture({
      layers: [
        { name: "upsample", kind: "reshape", input_shape: [32, 12, 12], output_shape: [32, 24, 24] },
        { name: "upsample", kind: "flatten", input_shape: [4, 4], output_shape: [16] },
      ],
    });
    expect(spec.layers.map((layer) => layerLabel(layer))).toEqual(["upsample · 32×24×24", "flatten · 16"]);
  });
});

describe("label widths", () => {
  it("estimate text from its characters at 10px, rounded up", () => {
    // c o n v 3 3 1 8: 0.64 em, spaces 0.32, × 0.84, → 1: 7.6 em; i 0.32, t and r 0.42, m 1
    expect([textWidth("conv 3×3 1→8"), textWidth("840 params"), textWidth("input"), textWidth("")]).toEqual([76, 63, 27, 0]);
    expect(textWidth("conv 3×3 1→8", 20)).toBe(152);
  });

  it("are never narrower than DejaVu Sans or Liberation Sans (Arial) as Chromium draws them", () => {
    // CanvasRenderingContext2D.measureText(text).width at 10px in Debian's Chromium
    const drawn: [string, number, number][] = [
      ["conv 3×3 3→30", 78.8, 70.33],
      ["30×24×24", 54.93, 45.05],
      ["tanh · 8,130 params", 101.73, 88.95],
      ["input 3×50×50", 77.47, 63.95],
      ["dense 1568→64", 79.93, 73.39],
      ["100,416 params", 82.2, 72.27],
      ["avg pool", 42.93, 37.81],
      ["relu · 4,624 params", 98.17, 86.16],
      ["conv transpose 2×2 32→16", 137.88, 122.58],
      ["flatten", 32.76, 27.24],
    ];
    for (const [text, dejaVu, liberation] of drawn) expect(textWidth(text)).toBeGreaterThanOrEqual(Math.max(dejaVu, liberation));
  });

  it("shorten a line with … to the room given", () => {
    expect(shortenLine("conv 3×3 30→30", 89)).toBe("conv 3×3 30→30");
    expect(shortenLine("conv 3×3 30→30", 60)).toBe("conv 3×3…"); // 54px
    expect(shortenLine("conv 3×3 30→30", 5)).toBe("");
  });
});

describe("placeLabels", () => {
  it("keeps one row when every label keeps LABEL_GAP from the next, moving the ends inside the canvas", () => {
    // spans 2-39, 67.5-132.5, 153-218 on a 220px canvas
    expect(placeLabels([{ x: 10, lines: ["input 1"] }, { x: 100, lines: ["dense 1→30", "tanh"] }, { x: 210, lines: ["dense 30→1"] }], 220)).toEqual([
      { x: 20.5, row: 0, lines: ["input 1"], width: 37 },
      { x: 100, row: 0, lines: ["dense 1→30", "tanh"], width: 65 },
      { x: 185.5, row: 0, lines: ["dense 30→1"], width: 65 },
    ]);
  });

  it("moves a label that would come too close to the last one of the upper row to the lower row", () => {
    // input 1 ends at 39; dense 1→30 would start at 27.5: lower row; dense 30→1 starts at 67.5 >= 39 + 6
    expect(placeLabels([{ x: 20, lines: ["input 1"] }, { x: 60, lines: ["dense 1→30"] }, { x: 100, lines: ["dense 30→1"] }], 400)).toEqual([
      { x: 20.5, row: 0, lines: ["input 1"], width: 37 },
      { x: 60, row: 1, lines: ["dense 1→30"], width: 65 },
      { x: 100, row: 0, lines: ["dense 30→1"], width: 65 },
    ]);
  });

  it("when two rows are not enough, alternates rows and shortens each line to the room between its row's neighbours", () => {
    const items = [0, 1, 2, 3].map((k) => ({ x: 20 + 30 * k, lines: [`conv 3×3 30→30`, "8,130 params"] }));
    // Neighbours in a row are 60px apart: 54px of room each. The first of a row also keeps within
    // what the side leaves, 20 - 2 + 54 / 2 = 45px, and moves inwards to 2 + 39 / 2; the last likewise.
    expect(placeLabels(items, 130)).toEqual([
      { x: 21.5, row: 0, lines: ["conv…", "8,130…"], width: 39 },
      { x: 50, row: 1, lines: ["conv 3×…", "8,130 p…"], width: 54 },
      { x: 80, row: 0, lines: ["conv 3×…", "8,130 p…"], width: 54 },
      { x: 108.5, row: 1, lines: ["conv…", "8,130…"], width: 39 },
    ]);
  });
});

describe("diagramLayout of lesson 3's CNN", () => {
  const spec = parseArchitecture(lesson3CnnJson());

  it("850px wide (a dashboard): one row of labels, each conv with its kernel and shapes", () => {
    const layout = diagramLayout(spec, { width: 850, height: 360 });
    expect(layout.labels.map((l) => [l.lines, l.x, l.y, l.row])).toEqual([
      [["input", "3×50×50"], 26.5, 308, 0],
      [["conv 3×3 3→30", "30×24×24", "840 params"], 118.25, 308, 0],
      [["conv 3×3 30→30", "30×11×11", "8,130 params"], 220.5, 308, 0],
      [["conv 3×3 30→30", "30×5×5", "8,130 params"], 322.75, 308, 0],
      [["conv 3×3 30→10", "10×2×2", "2,710 params"], 425, 308, 0],
      [["flatten", "40"], 527.25, 308, 0],
      [["dense 40→50", "2,050 params"], 731.75, 308, 0],
      [["dense 50→3", "153 params"], 815.5, 308, 0],
    ]);
    expect(crowded(layout.labels)).toEqual([]);
  });

  it("600px wide: labels that would touch go to a second row, and the drawing gives that row its height", () => {
    const layout = diagramLayout(spec, { width: 600, height: 360 });
    expect(layout.labels.map((l) => [l.x, l.y, l.row])).toEqual([
      [26.5, 268, 0],
      [87, 308, 1],
      [158, 268, 0],
      [229, 308, 1],
      [300, 268, 0],
      [371, 268, 0],
      [513, 268, 0],
      [565.5, 308, 1],
    ]);
    expect(layout.labels.every((l) => l.lines.join(" · ") === l.text)).toBe(true);
    expect(crowded(layout.labels)).toEqual([]);
    // the band: 40px, plus a row of 3 lines (36px) and LABEL_ROW_GAP: the drawing ends 40px higher
    // than at 850px, so its blocks (half its height, centred) span 78-202 instead of 88-232
    expect(layout.blocks.map((b) => [b.top, b.bottom])[1]).toEqual([78, 202]);
    expect(diagramLayout(spec, { width: 850, height: 360 }).blocks.map((b) => [b.top, b.bottom])[1]).toEqual([88, 232]);
  });

  it("300px wide: two rows of shortened labels, still apart", () => {
    const layout = diagramLayout(spec, { width: 300, height: 360 });
    expect(layout.labels.map((l) => l.lines)).toEqual([
      ["input", "3×50…"],
      ["conv 3×3…", "30×24×24", "840 para…"],
      ["conv 3×3…", "30×11×11", "8,130 par…"],
      ["conv 3×3…", "30×5×5", "8,130 par…"],
      ["conv 3×3…", "10×2×2", "2,710 par…"],
      ["flatten", "40"],
      ["dense 40→50", "2,050 params"],
      ["dense 50…", "153 para…"],
    ]);
    expect(layout.labels.map((l) => l.row)).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    expect(crowded(layout.labels)).toEqual([]);
  });

  it("never crowds its labels at any width from 200 to 1400px", () => {
    for (let width = 200; width <= 1400; width += 10) {
      expect([width, crowded(diagramLayout(spec, { width, height: 360 }).labels)]).toEqual([width, []]);
    }
  });
});

describe("skip routes of a U-Net", () => {
  const layout = diagramLayout(parseArchitecture(uNetJson()), { width: 900, height: 400 });
  const block = (layer: number) => layout.blocks.find((b) => b.layer === layer)!;

  it("run from the top of each encoder block to the top of the decoder block taking it, labelled concat", () => {
    expect(layout.skips).toEqual([
      { from: 2, to: 6, kind: "concat", x0: 276.4, y0: 113.5, x1: 623.6, y1: 113.5, y: 42, lane: 0, label: "concat", labelX: 450, labelWidth: 37 },
      { from: 0, to: 8, kind: "concat", x0: 102.8, y0: 113.5, x1: 797.2, y1: 113.5, y: 28, lane: 1, label: "concat", labelX: 450, labelWidth: 37 },
    ]);
    expect([block(2).x, block(6).x, block(0).x, block(8).x]).toEqual([276.4, 623.6, 102.8, 797.2]);
    expect(block(2).top - 3).toBe(113.5);
  });

  it("make room above the drawing for both lanes: 24px for the lowest and 14px for the next", () => {
    // drawing from 16 + 24 + 14 = 54 down to 400 - 16 - 80 (two rows of labels) = 304; blocks half as high, centred
    expect(block(0).top).toBe(116.5);
    const single = diagramLayout(parseArchitecture({ ...uNetJson(), skips: [[2, 6, "concat"]] }), { width: 900, height: 400 });
    expect(single.blocks[1].top).toBe(106); // from 16 + 24 = 40 down to 304
  });

  it("put the skip that spans another in the lane above it; disjoint skips share a lane", () => {
    expect(skipLanes([
      { x0: 100, x1: 500, label: "concat" },
      { x0: 200, x1: 400, label: "concat" },
      { x0: 600, x1: 700, label: "add" },
      { x0: 100, x1: 150, label: "" },
    ])).toEqual([1, 0, 0, 0]);
    // sharing an end, or a label that reaches over the other's end, is sharing x
    expect(skipLanes([{ x0: 100, x1: 200, label: "" }, { x0: 200, x1: 300, label: "" }])).toEqual([0, 1]);
    // "concat" is 37px wide: centred at 105 it reaches 123.5, and keeps SKIP_CLEARANCE
    expect(skipLanes([{ x0: 100, x1: 110, label: "concat" }, { x0: 125, x1: 200, label: "" }])).toEqual([0, 1]);
    expect(skipLanes([{ x0: 100, x1: 110, label: "concat" }, { x0: 130, x1: 200, label: "" }])).toEqual([0, 0]);
  });

  it("enter a dense layer at the column holding its input, and the network output at the last slot", () => {
    const spec = parseArchitecture({ ...mlpJson([2, 8, 8, 1]), skips: [[0, 2, "add"], [-1, 3, "add"]] });
    const mlpLayout = diagramLayout(spec, { width: 400, height: 300 });
    expect(mlpLayout.skips.map((s) => [s.x0, s.x1, s.lane])).toEqual([
      [mlpLayout.columns[1].x, mlpLayout.columns[2].x, 0],
      [mlpLayout.columns[0].x, mlpLayout.columns[3].x, 1],
    ]);
  });
});
