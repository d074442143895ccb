import { describe, expect, it } from "vitest";
import { convNetJson, mlpJson, transformerBlocksJson, uNetJson } from "./fixtures";
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

describe("parseArchitecture in mode blocks", () => {
  it("reads an old payload as mode neurons with no note and no blocks", () => {
    const spec = parseArchitecture(mlpJson([1, 3]));
    expect([spec.mode, spec.note, spec.blocks]).toEqual(["neurons", "", []]);
  });

  it("maps each block and its parts to camelCase fields, in order", () => {
    const spec = parseArchitecture(transformerBlocksJson());
    expect(spec.mode).toBe("blocks");
    expect(spec.note).toBe("drawn as blocks: it uses attention (a product of two activations), which no neuron diagram shows");
    expect(spec.blocks.map((b) => b.name)).toEqual(["embed", "blocks[0]", "blocks[1]", "head"]);
    expect(spec.blocks[3]).toEqual({
      name: "head",
      cls: "Linear",
      params: { "head.kernel": [32, 10], "head.bias": [10] },
      paramCount: 330,
      parts: [
        { name: "kernel", cls: "", shape: [32, 10], count: 320, detail: "" },
        { name: "bias", cls: "", shape: [10], count: 10, detail: "" },
      ],
      inputShape: [24, 32],
      outputShape: [24, 10],
      detail: "",
    });
    expect(spec.blocks[1].parts[1]).toEqual({ name: "attn", cls: "MultiHeadAttention", shape: null, count: 4224, detail: "4 heads × 8" });
    expect(spec.totalParams).toBe(17930);
  });

  it("fills a block's optional fields and needs no layers", () => {
    const spec = parseArchitecture({ mode: "blocks", blocks: [{ name: "params", input_shape: [null, 2] }] });
    expect(spec.layers).toEqual([]);
    expect(spec.blocks[0]).toEqual({
      name: "params", cls: "", params: {}, paramCount: 0, parts: [], inputShape: [null, 2], outputShape: null, detail: "",
    });
  });

  it("names a bad mode", () => {
    expect(() => parseArchitecture({ ...mlpJson([1, 3]), mode: "boxes" })).toThrow(
      'architecture.mode must be "neurons" or "blocks", got "boxes"',
    );
  });

  it("names the first bad field of a block or a part", () => {
    const broken = (change: (blocks: any[]) => void) => {
      const json = transformerBlocksJson();
      change(json.blocks as any[]);
      return () => parseArchitecture(json);
    };
    expect(broken((b) => (b[0].name = 3))).toThrow("architecture.blocks[0].name must be a string, got 3");
    expect(broken((b) => (b[2].param_count = -1))).toThrow("architecture.blocks[2].param_count must be a non-negative integer, got -1");
    expect(broken((b) => (b[1].params["blocks[0].attn.out.bias"] = [32.5]))).toThrow(
      'architecture.blocks[1].params["blocks[0].attn.out.bias"][0] must be a non-negative integer, got 32.5',
    );
    expect(broken((b) => (b[1].parts[1].shape = "4x8"))).toThrow('architecture.blocks[1].parts[1].shape must be an array, got "4x8"');
    expect(broken((b) => (b[3].output_shape = [24, -1]))).toThrow("architecture.blocks[3].output_shape[1] must be a non-negative integer, got -1");
    expect(broken((b) => (b[0].parts = {}))).toThrow("architecture.blocks[0].parts must be an array, got {}");
    expect(() => parseArchitecture({ ...transformerBlocksJson(), blocks: "many" })).toThrow('architecture.blocks must be an array, got "many"');
    expect(() => parseArchitecture({ ...transformerBlocksJson(), note: 7 })).toThrow("architecture.note must be a string, got 7");
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
