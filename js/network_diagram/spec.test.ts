import { describe, expect, it } from "vitest";
import { convNetJson, mlpJson, uNetJson } from "./fixtures";
import { denseSizes, parseArchitecture } from "./spec";

describe("parseArchitecture", () => {
  it("maps the course MLP's JSON to camelCase fields", () => {
    const spec = parseArchitecture(mlpJson([1, 30, 20, 1]));
    expect(spec.orientation).toBe("out_in");
    expect(spec.totalParams).toBe(701);
    expect(spec.layers).toHaveLength(3);
    expect(spec.layers[1]).toEqual({
      name: "dense_1",
      kind: "dense",
      inputShape: [30],
      outputShape: [20],
      params: { "weights[1]": [20, 30], "biases[1]": [20] },
      paramCount: 620,
      activation: "tanh",
      path: "weights[1]",
      cell: null,
      gates: [],
    });
    expect(spec.layers[2].activation).toBeNull();
    expect(spec.tree[0]).toEqual({ path: "weights[0]", shape: [30, 1], count: 30 });
  });

  it("accepts a JSON string and null dimensions", () => {
    const json = mlpJson([2, 3]);
    (json.layers as any[])[0].input_shape = [null];
    const spec = parseArchitecture(JSON.stringify(json));
    expect(spec.layers[0].inputShape).toEqual([null]);
  });

  it("reads skips as {from, to, kind}, kind empty when the JSON gives a pair", () => {
    expect(parseArchitecture(convNetJson()).skips).toEqual([{ from: 3, to: 6, kind: "" }]);
  });

  it("reads a skip's kind from a [from, to, kind] triple", () => {
    expect(parseArchitecture(uNetJson()).skips).toEqual([
      { from: 2, to: 6, kind: "concat" },
      { from: 0, to: 8, kind: "concat" },
    ]);
  });

  it("names a skip whose kind is not a string", () => {
    expect(() => parseArchitecture({ ...mlpJson([1, 3, 1]), skips: [[0, 2, 7]] })).toThrow(
      "architecture.skips[0][2] must be a string, got 7",
    );
  });

  it("names an unknown layer kind", () => {
    const json = mlpJson([1, 30, 20, 1]);
    (json.layers as any[])[1].kind = "lstm";
    expect(() => parseArchitecture(json)).toThrow(
      'architecture.layers[1].kind must be one of dense, conv, conv_transpose, pool, norm, dropout, activation, flatten, reshape, embed, recurrent, other, got "lstm"',
    );
  });

  it("names a bad parameter shape", () => {
    const json = mlpJson([1, 3]);
    (json.layers as any[])[0].params["biases[0]"] = [3.5];
    expect(() => parseArchitecture(json)).toThrow(
      'architecture.layers[0].params["biases[0]"][0] must be a non-negative integer, got 3.5',
    );
  });

  it("names a bad orientation", () => {
    expect(() => parseArchitecture({ ...mlpJson([1, 3]), orientation: "rows" })).toThrow(
      'architecture.orientation must be "out_in" or "in_out", got "rows"',
    );
  });

  it("names missing layers", () => {
    expect(() => parseArchitecture({ orientation: "in_out" })).toThrow(
      "architecture.layers must be an array, got undefined",
    );
  });

  it("names a skip that points outside the network", () => {
    expect(() => parseArchitecture({ ...mlpJson([1, 3]), skips: [[-1, 2]] })).toThrow(
      "architecture.skips[0] must be [from, to] with -1 <= from < to <= 1, got [-1,2]",
    );
  });

  it("names a non-object root and invalid JSON text", () => {
    expect(() => parseArchitecture([])).toThrow("architecture.(root) must be an object, got []");
    expect(() => parseArchitecture("{")).toThrow(/^architecture is not valid JSON/);
  });
});

describe("denseSizes", () => {
  it("reads (n_in, n_out) from an out_in kernel", () => {
    const spec = parseArchitecture(mlpJson([1, 30, 20, 1]));
    expect(denseSizes(spec.layers[1], spec.orientation)).toEqual([30, 20]);
  });

  it("reads (n_in, n_out) from an in_out kernel", () => {
    const spec = parseArchitecture(convNetJson());
    expect(denseSizes(spec.layers[4], spec.orientation)).toEqual([1568, 64]);
  });

  it("falls back to the shapes' last axis when there is no kernel", () => {
    const spec = parseArchitecture({ layers: [{ name: "d", kind: "dense", input_shape: [4], output_shape: [2] }] });
    expect(denseSizes(spec.layers[0], "in_out")).toEqual([4, 2]);
  });
});
