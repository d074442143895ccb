import { describe, expect, it } from "vitest";
import type { DecodedLayerWeights } from "../shared/protocol";
import { editTarget, editTargetMessage, parseEditValue } from "./edit";
import { mlpJson } from "./fixtures";
import { diagramLayout } from "./layout";
import { parseArchitecture } from "./spec";

describe("parseEditValue", () => {
  it.each([
    ["0.5", 0.5],
    [" -1.25 ", -1.25],
    ["+3", 3],
    ["-.5", -0.5],
    ["2.", 2],
    ["1e-3", 0.001],
    ["-2.5E2", -250],
    ["0", 0],
  ])("reads %j as %s", (text, value) => {
    expect(parseEditValue(text)).toBe(value);
  });

  it.each(["", " ", "abc", "1,5", "0x10", "1e999", "-Infinity", "NaN", "1 2", ".", "e5", "--1"])("rejects %j", (text) => {
    expect(parseEditValue(text)).toBeNull();
  });
});

describe("editTarget", () => {
  const layout = diagramLayout(parseArchitecture(mlpJson([2, 3, 1])), { width: 400, height: 300 });
  const weights = new Map<number, DecodedLayerWeights>([
    [0, { layer: 0, nIn: 2, nOut: 3, kernel: new Float32Array([1, 2, 3, 4, 5, 6]), bias: new Float32Array([0.1, 0.2, 0.3]) }],
    [1, { layer: 1, nIn: 3, nOut: 1, kernel: new Float32Array([7, 8, 9]), bias: null }],
  ]);

  it("edits the weight of an edge or a heatmap cell, kernel[i, j] in (n_in, n_out) terms", () => {
    expect(editTarget({ kind: "edge", gap: 0, layer: 0, i: 1, j: 2, distance: 0 }, layout, weights)).toEqual({ layer: 0, param: "weight", i: 1, j: 2, value: 6 });
    expect(editTarget({ kind: "heatmap", gap: 1, layer: 1, i: 2, j: 0 }, layout, weights)).toEqual({ layer: 1, param: "weight", i: 2, j: 0, value: 9 });
  });

  it("edits the bias of a dense layer's output neuron", () => {
    expect(editTarget({ kind: "neuron", column: 1, layer: 0, i: 2 }, layout, weights)).toEqual({ layer: 0, param: "bias", i: 2, value: Math.fround(0.3) });
  });

  it("edits nothing of the input column, a layer without bias, unknown weights, strips or blocks", () => {
    expect(editTarget({ kind: "neuron", column: 0, layer: null, i: 0 }, layout, weights)).toBeNull();
    expect(editTarget({ kind: "neuron", column: 2, layer: 1, i: 0 }, layout, weights)).toBeNull();
    expect(editTarget({ kind: "edge", gap: 0, layer: 0, i: 0, j: 0, distance: 0 }, layout, new Map())).toBeNull();
    expect(editTarget({ kind: "strip", column: 1, layer: 0, cell: 0, start: 0, end: 2 }, layout, weights)).toBeNull();
    expect(editTarget({ kind: "block", block: 0, layer: -1 }, layout, weights)).toBeNull();
    expect(editTarget(null, layout, weights)).toBeNull();
  });

  it("edits nothing when the weights do not fit the layout", () => {
    const wrong = new Map([[0, { layer: 0, nIn: 3, nOut: 2, kernel: new Float32Array(6), bias: new Float32Array(2) }]]);
    expect(editTarget({ kind: "edge", gap: 0, layer: 0, i: 0, j: 0, distance: 0 }, layout, wrong)).toBeNull();
    expect(editTarget({ kind: "neuron", column: 1, layer: 0, i: 0 }, layout, wrong)).toBeNull();
  });
});

describe("editTargetMessage", () => {
  it("builds the documented edit messages", () => {
    expect(editTargetMessage({ layer: 1, param: "weight", i: 3, j: 0, value: 9 }, -0.5)).toEqual({ v: 2, kind: "edit", layer: 1, param: "weight", i: 3, j: 0, value: -0.5 });
    expect(editTargetMessage({ layer: 1, param: "bias", i: 0, value: 9 }, 0.25)).toEqual({ v: 2, kind: "edit", layer: 1, param: "bias", i: 0, value: 0.25 });
  });
});
