import { describe, expect, it } from "vitest";
import type { DecodedConvWeights, DecodedLayerWeights } from "../shared/protocol";
import { convNetJson, mlpJson } from "./fixtures";
import { diagramLayout } from "./layout";
import { describeHit, formatValue, neuronCaption } from "./readout";
import { parseArchitecture } from "./spec";
import type { ColumnActivations } from "./thumbnails";

describe("describeHit", () => {
  const spec = parseArchitecture(mlpJson([2, 3, 1]));
  const layout = diagramLayout(spec, { width: 400, height: 300 });
  const weights = new Map<number, DecodedLayerWeights>([
    [0, { layer: 0, nIn: 2, nOut: 3, kernel: new Float32Array([1, 2, 3, 4, 5, -0.4213]), bias: new Float32Array([0.1, 0.2, 0.0123]) }],
  ]);

  it("reads out weights and biases", () => {
    expect(describeHit({ kind: "edge", gap: 0, layer: 0, i: 1, j: 2, distance: 0 }, spec, layout, weights)).toBe("dense_0 weight [1→2] = -0.4213");
    expect(describeHit({ kind: "neuron", column: 1, layer: 0, i: 2 }, spec, layout, weights)).toBe("dense_0 neuron 2 bias = 0.0123");
    expect(describeHit({ kind: "neuron", column: 0, layer: null, i: 1 }, spec, layout, weights)).toBe("input neuron 1");
    expect(describeHit({ kind: "edge", gap: 1, layer: 1, i: 0, j: 0, distance: 0 }, spec, layout, weights)).toBe("dense_1 weight [0→0]");
  });

  it("reads out a conv kernel pixel for the picked input channel", () => {
    const conv = parseArchitecture(convNetJson());
    const shape = [2, 3, 2, 3] as const;
    const convLayout = diagramLayout(conv, { width: 700, height: 400, kernels: new Map([[0, shape]]) });
    const kernel = Float32Array.from({ length: 36 }, (_, k) => k / 100);
    const convs = new Map<number, DecodedConvWeights>([[0, { layer: 0, shape, kernel, bias: null }]]);
    const hit = { kind: "kernel", block: 1, layer: 0, out: 1, row: 1, col: 2 } as const;
    // kernel[1, 2, 1, 2] = ((1 * 3 + 2) * 2 + 1) * 3 + 2 = 35.
    expect(describeHit(hit, conv, convLayout, new Map(), convs, new Map([[0, 2]]))).toBe("conv1 kernel[out 1, in 2] (1, 2) = 0.35");
    // kernel[1, 0, 1, 2] = (3 * 2 + 1) * 3 + 2 = 23.
    expect(describeHit(hit, conv, convLayout, new Map(), convs)).toBe("conv1 kernel[out 1, in 0] (1, 2) = 0.23");
    expect(describeHit(hit, conv, convLayout, new Map())).toBe("conv1 kernel[out 1, in 0] (1, 2)");
  });
});

describe("neuronCaption", () => {
  const spec = parseArchitecture(mlpJson([2, 8, 8, 1]));
  const column = (layer: number, values: number[], n: number): ColumnActivations => ({
    column: 0, layer, n, values: new Float32Array(values), points: values.length / n, rows: 1, cols: values.length / n, dims: 1, range: [[-2, 2]], largest: 1,
  });

  it("names a dense neuron and its value range", () => {
    expect(neuronCaption(spec, column(1, [0, 0.97, 0, -0.82, 0, 0.5], 2), 1)).toBe("dense_1 neuron 1 · min -0.82 · max 0.97");
  });

  it("names the input's neurons x1, x2", () => {
    expect(neuronCaption(spec, column(-1, [-2, 1, 2, -1], 2), 0)).toBe("input x1 · min -2 · max 2");
    expect(neuronCaption(spec, column(-1, [-2, 1, 2, -1], 2), 1)).toBe("input x2 · min -1 · max 1");
  });
});

describe("formatValue", () => {
  it("keeps 4 significant digits", () => {
    expect([formatValue(1.23456e-7), formatValue(-12345), formatValue(Infinity)]).toEqual(["1.235e-7", "-12350", "Infinity"]);
  });
});
