import { describe, expect, it } from "vitest";
import doc from "../../docs/protocol.md?raw";
import source from "./protocol.ts?raw";
import {
  ackMessage,
  changeEvent,
  COMMAND_ACTIONS,
  commandMessage,
  CONTROL_BAR,
  decodeActivations,
  decodeBlockStats,
  decodePoints,
  decodeWeights,
  editMessage,
  isActivationsMessage,
  isBlockStatsMessage,
  isMessage,
  isEditResultMessage,
  isPingMessage,
  isPointsMessage,
  isWeightsMessage,
  isReadyAckMessage,
  KERNEL_SHELLS,
  LOSS_CHART,
  MESSAGE_KINDS,
  messageProblem,
  NETWORK_DIAGRAM,
  pollMessage,
  PROTOCOL_VERSION,
  readyMessage,
  setEarlyStoppingMessage,
  setLearningRateMessage,
  SET_NAMES,
  STATUSES,
} from "./protocol";

function header(series: [string, number][], reset = false) {
  return { v: 2, kind: "points", reset, series: series.map(([name, count]) => ({ name, count })) };
}

/** A DataView of little-endian uint32 steps then float32 values starting at byte `offset`. */
function wire(steps: number[], values: number[], offset: number): [DataView, DataView] {
  const bytes = new ArrayBuffer(offset + 8 * steps.length + 3);
  const view = new DataView(bytes);
  steps.forEach((step, i) => view.setUint32(offset + 4 * i, step, true));
  const valuesAt = offset + 4 * steps.length;
  values.forEach((value, i) => view.setFloat32(valuesAt + 4 * i, value, true));
  return [new DataView(bytes, offset, 4 * steps.length), new DataView(bytes, valuesAt, 4 * values.length)];
}

describe("decodePoints", () => {
  it("decodes typed-array buffers into steps and values per series", () => {
    const points = decodePoints(header([["loss", 2], ["val_loss", 1]], true), [
      new Uint32Array([10, 20]),
      new Float32Array([0.5, 0.25]),
      new Uint32Array([20]),
      new Float32Array([0.75]),
    ]);
    expect(points.reset).toBe(true);
    expect(points.series.map((s) => s.name)).toEqual(["loss", "val_loss"]);
    expect([...points.series[0].steps]).toEqual([10, 20]);
    expect([...points.series[0].values]).toEqual([0.5, 0.25]);
    expect([...points.series[1].steps]).toEqual([20]);
    expect([...points.series[1].values]).toEqual([0.75]);
  });

  it("views aligned DataViews in place without copying", () => {
    const [steps, values] = wire([1, 2, 3], [1.5, 2.5, 3.5], 8);
    const points = decodePoints(header([["loss", 3]]), [steps, values]);
    expect(points.series[0].steps.buffer).toBe(steps.buffer);
    expect(points.series[0].steps.byteOffset).toBe(8);
    expect([...points.series[0].steps]).toEqual([1, 2, 3]);
    expect([...points.series[0].values]).toEqual([1.5, 2.5, 3.5]);
  });

  it.each([1, 2, 3, 5])("copies DataViews at the unaligned byte offset %i", (offset) => {
    const [steps, values] = wire([7, 4_000_000_000, 9], [0.1, -2, 1e-30], offset);
    const points = decodePoints(header([["loss", 3]]), [steps, values]);
    const decoded = points.series[0];
    expect(decoded.steps.buffer).not.toBe(steps.buffer);
    expect(decoded.steps.byteOffset % 4).toBe(0);
    expect([...decoded.steps]).toEqual([7, 4_000_000_000, 9]);
    expect([...decoded.values]).toEqual([Math.fround(0.1), -2, Math.fround(1e-30)]);
  });

  it("accepts plain ArrayBuffers", () => {
    const points = decodePoints(header([["loss", 1]]), [
      new Uint32Array([3]).buffer,
      new Float32Array([0.5]).buffer,
    ]);
    expect([...points.series[0].steps]).toEqual([3]);
    expect([...points.series[0].values]).toEqual([0.5]);
  });

  it("passes NaN and infinities through", () => {
    const [steps, values] = wire([1, 2, 3, 4], [NaN, Infinity, -Infinity, 2], 1);
    const decoded = decodePoints(header([["loss", 4]]), [steps, values]).series[0];
    expect(Number.isNaN(decoded.values[0])).toBe(true);
    expect([...decoded.values.subarray(1)]).toEqual([Infinity, -Infinity, 2]);
  });

  it("decodes a series of count 0", () => {
    const points = decodePoints(header([["val_loss", 0]]), [new Uint32Array(0), new Float32Array(0)]);
    expect(points.series[0].steps.length).toBe(0);
    expect(points.series[0].values.length).toBe(0);
  });

  it("decodes an empty reset (after trainer.reset())", () => {
    expect(decodePoints(header([], true), [])).toEqual({ reset: true, series: [] });
  });

  it("throws when a buffer's byte length does not match count", () => {
    expect(() =>
      decodePoints(header([["loss", 3]]), [new Uint32Array([1, 2]), new Float32Array([1, 2, 3])]),
    ).toThrow('series "loss" has count 3, so its steps buffer must hold 12 bytes, but it holds 8');
    expect(() =>
      decodePoints(header([["loss", 2]]), [new Uint32Array([1, 2]), new Float32Array([1, 2, 3])]),
    ).toThrow('series "loss" has count 2, so its values buffer must hold 8 bytes, but it holds 12');
  });

  it("throws when the number of buffers does not match the series list", () => {
    expect(() => decodePoints(header([["loss", 1], ["val_loss", 1]]), [new Uint32Array([1]), new Float32Array([1])])).toThrow(
      "points message lists 2 series, so it needs 4 buffers (steps and values per series), but 2 arrived",
    );
  });

  it("throws on another protocol version", () => {
    expect(() => decodePoints({ ...header([]), v: 1 }, [])).toThrow(
      "jaxscope: points message has protocol version 1, this front end speaks version 2; rebuild the front end (npm run build)",
    );
  });

  it("throws on a malformed series header", () => {
    expect(() => decodePoints(header([["loss", -1]]), [new Uint32Array(0), new Float32Array(0)])).toThrow(
      "bad series header",
    );
  });
});

function weightsHeader(layers: [number, number, number, boolean][], version = 7) {
  return { v: 2, kind: "weights", version, layers: layers.map(([layer, n_in, n_out, bias]) => ({ layer, n_in, n_out, bias })) };
}

/** Little-endian float32 arrays packed into one buffer, each a DataView starting at `offset` + 4k. */
function floatViews(arrays: number[][], offset: number): DataView[] {
  const total = arrays.reduce((sum, a) => sum + 4 * a.length, 0);
  const bytes = new ArrayBuffer(offset + total + 3);
  const view = new DataView(bytes);
  let at = offset;
  return arrays.map((values) => {
    values.forEach((value, i) => view.setFloat32(at + 4 * i, value, true));
    const part = new DataView(bytes, at, 4 * values.length);
    at += 4 * values.length;
    return part;
  });
}

describe("decodeWeights", () => {
  it("decodes kernels (n_in, n_out) row-major and optional biases", () => {
    const weights = decodeWeights(weightsHeader([[0, 2, 3, true], [2, 3, 1, false]], 4), [
      new Float32Array([1, 2, 3, 4, 5, 6]),
      new Float32Array([0.5, -0.5, 0]),
      new Float32Array([-1, -2, -3]),
    ]);
    expect(weights.version).toBe(4);
    expect(weights.layers.map((l) => [l.layer, l.nIn, l.nOut])).toEqual([[0, 2, 3], [2, 3, 1]]);
    expect([...weights.layers[0].kernel]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...weights.layers[0].bias!]).toEqual([0.5, -0.5, 0]);
    expect([...weights.layers[1].kernel]).toEqual([-1, -2, -3]);
    expect(weights.layers[1].bias).toBeNull();
  });

  it("views aligned DataViews in place", () => {
    const [kernel, bias] = floatViews([[1.5, 2.5], [3.5, 4.5]], 8);
    const weights = decodeWeights(weightsHeader([[0, 1, 2, true]]), [kernel, bias]);
    expect(weights.layers[0].kernel.buffer).toBe(kernel.buffer);
    expect(weights.layers[0].kernel.byteOffset).toBe(8);
    expect([...weights.layers[0].bias!]).toEqual([3.5, 4.5]);
  });

  it.each([1, 2, 3, 5])("copies DataViews at the unaligned byte offset %i", (offset) => {
    const [kernel, bias] = floatViews([[0.1, -2, 1e-30, NaN], [7, -7]], offset);
    const layer = decodeWeights(weightsHeader([[1, 2, 2, true]]), [kernel, bias]).layers[0];
    expect(layer.kernel.buffer).not.toBe(kernel.buffer);
    expect(layer.kernel.byteOffset % 4).toBe(0);
    expect([...layer.kernel.subarray(0, 3)]).toEqual([Math.fround(0.1), -2, Math.fround(1e-30)]);
    expect(Number.isNaN(layer.kernel[3])).toBe(true);
    expect([...layer.bias!]).toEqual([7, -7]);
  });

  it("throws when a buffer's byte length does not match the layer's size", () => {
    expect(() => decodeWeights(weightsHeader([[0, 2, 3, true]]), [new Float32Array(5), new Float32Array(3)])).toThrow(
      "layer 0 is 2x3, so its kernel buffer must hold 24 bytes, but it holds 20",
    );
    expect(() => decodeWeights(weightsHeader([[0, 2, 3, true]]), [new Float32Array(6), new Float32Array(2)])).toThrow(
      "layer 0 is 2x3, so its bias buffer must hold 12 bytes, but it holds 8",
    );
  });

  it("throws when the number of buffers does not match the layers list", () => {
    expect(() => decodeWeights(weightsHeader([[0, 1, 1, true], [1, 1, 1, false]]), [new Float32Array(1)])).toThrow(
      "weights message lists 2 layers, so it needs 3 buffers",
    );
  });

  it("throws on another protocol version or a malformed header", () => {
    expect(() => decodeWeights({ ...weightsHeader([]), v: 1 }, [])).toThrow("weights message has protocol version 1, this front end speaks version 2");
    expect(() => decodeWeights(weightsHeader([[0, -1, 1, false]]), [new Float32Array(0)])).toThrow("bad weights layer header");
    expect(() => decodeWeights({ v: 2, kind: "weights", layers: [] }, [])).toThrow('no integer "version"');
  });

  it("decodes a dense-only message with no conv layers", () => {
    const weights = decodeWeights(weightsHeader([[0, 1, 1, false]]), [new Float32Array([2])]);
    expect(weights.convs).toEqual([]);
  });

  it("accepts dense entries that name their kind", () => {
    const content = { v: 2, kind: "weights", version: 1, layers: [{ layer: 0, kind: "dense", n_in: 1, n_out: 2, bias: false }] };
    expect([...decodeWeights(content, [new Float32Array([1, 2])]).layers[0].kernel]).toEqual([1, 2]);
  });

  it("rejects an entry of an unknown kind", () => {
    const content = { v: 2, kind: "weights", version: 1, layers: [{ layer: 0, kind: "lstm", n_in: 1, n_out: 1, bias: false }] };
    expect(() => decodeWeights(content, [new Float32Array(1)])).toThrow('bad weights layer header {"layer":0,"kind":"lstm"');
  });

  it("recognises weights messages by kind", () => {
    expect(isWeightsMessage(weightsHeader([]))).toBe(true);
    expect(isWeightsMessage(header([]))).toBe(false);
    expect(isWeightsMessage(null)).toBe(false);
  });
});

function convEntry(layer: number, shape: number[], bias: boolean) {
  return { layer, kind: "conv", shape, bias };
}

describe("decodeWeights with conv layers", () => {
  it("decodes a conv kernel (O, I, KH, KW) and its bias between dense layers", () => {
    const content = {
      v: 2,
      kind: "weights",
      version: 5,
      layers: [{ layer: 0, n_in: 1, n_out: 1, bias: false }, convEntry(2, [2, 1, 1, 2], true), { layer: 4, n_in: 2, n_out: 1, bias: false }],
    };
    const weights = decodeWeights(content, [
      new Float32Array([9]),
      new Float32Array([1, 2, 3, 4]),
      new Float32Array([0.5, -0.5]),
      new Float32Array([7, 8]),
    ]);
    expect(weights.layers.map((l) => [l.layer, [...l.kernel]])).toEqual([[0, [9]], [4, [7, 8]]]);
    expect(weights.convs.length).toBe(1);
    const conv = weights.convs[0];
    expect([conv.layer, conv.shape]).toEqual([2, [2, 1, 1, 2]]);
    expect([...conv.kernel]).toEqual([1, 2, 3, 4]);
    expect([...conv.bias!]).toEqual([0.5, -0.5]);
  });

  it("decodes a conv layer without a bias", () => {
    const weights = decodeWeights({ v: 2, kind: "weights", version: 1, layers: [convEntry(0, [1, 1, 1, 1], false)] }, [new Float32Array([3])]);
    expect(weights.convs[0].bias).toBeNull();
    expect(weights.layers).toEqual([]);
  });

  it.each([1, 2, 3])("copies conv buffers at the unaligned byte offset %i", (offset) => {
    const kernel = Array.from({ length: 8 * 3 * 3 * 3 }, (_, k) => k / 8);
    const [kernelView, biasView] = floatViews([kernel, [1, 2, 3, 4, 5, 6, 7, 8]], offset);
    const conv = decodeWeights({ v: 2, kind: "weights", version: 1, layers: [convEntry(2, [8, 3, 3, 3], true)] }, [kernelView, biasView]).convs[0];
    expect(conv.kernel.byteOffset % 4).toBe(0);
    expect(conv.kernel.length).toBe(216);
    expect([conv.kernel[0], conv.kernel[1], conv.kernel[215]]).toEqual([0, 0.125, 26.875]);
    expect([...conv.bias!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("throws when a conv buffer's byte length does not match its shape", () => {
    const content = { v: 2, kind: "weights", version: 1, layers: [convEntry(2, [8, 3, 3, 3], true)] };
    expect(() => decodeWeights(content, [new Float32Array(215), new Float32Array(8)])).toThrow(
      "layer 2 is conv 8x3x3x3, so its kernel buffer must hold 864 bytes, but it holds 860",
    );
    expect(() => decodeWeights(content, [new Float32Array(216), new Float32Array(3)])).toThrow(
      "layer 2 is conv 8x3x3x3, so its bias buffer must hold 32 bytes, but it holds 12",
    );
  });

  it("counts a conv layer's buffers like a dense layer's", () => {
    const content = { v: 2, kind: "weights", version: 1, layers: [convEntry(0, [1, 1, 1, 1], true)] };
    expect(() => decodeWeights(content, [new Float32Array(1)])).toThrow(
      "weights message lists 1 layers, so it needs 2 buffers (a kernel per layer and a bias per layer with \"bias\": true), but 1 arrived",
    );
  });

  it.each([[[8, 3, 3]], [[8, 3, 3, -1]], [[8, 3, 3, 1.5]], [null]])("rejects a conv entry of shape %j", (shape) => {
    const content = { v: 2, kind: "weights", version: 1, layers: [convEntry(0, shape as number[], false)] };
    expect(() => decodeWeights(content, [new Float32Array(0)])).toThrow("bad weights layer header");
  });
});

function activationsHeader(shape: number[], range: number[][], columns: [number, number][], version = 7) {
  return { v: 2, kind: "activations", version, grid: { shape, range }, columns: columns.map(([layer, n]) => ({ layer, n })) };
}

describe("decodeActivations", () => {
  it("decodes a 2-D grid's columns as (G, n) row-major float32", () => {
    const content = activationsHeader([2, 3], [[-2, 2], [-1, 1]], [[-1, 2], [0, 1]], 4);
    const input = Float32Array.from({ length: 12 }, (_, k) => k);
    const hidden = new Float32Array([0.5, -0.5, 0, 1, -1, 0.25]);
    const decoded = decodeActivations(content, [input, hidden]);
    expect(decoded.version).toBe(4);
    expect(decoded.points).toBe(6);
    expect(decoded.grid).toEqual({ shape: [2, 3], range: [[-2, 2], [-1, 1]] });
    expect(decoded.columns.map((c) => [c.layer, c.n])).toEqual([[-1, 2], [0, 1]]);
    expect([...decoded.columns[0].values]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect([...decoded.columns[1].values]).toEqual([0.5, -0.5, 0, 1, -1, 0.25]);
  });

  it("decodes a 1-D grid", () => {
    const decoded = decodeActivations(activationsHeader([3], [[-1, 1]], [[-1, 1]]), [new Float32Array([-1, 0, 1])]);
    expect(decoded.points).toBe(3);
    expect(decoded.grid.shape).toEqual([3]);
    expect([...decoded.columns[0].values]).toEqual([-1, 0, 1]);
  });

  it("views aligned DataViews in place", () => {
    const [values] = floatViews([[1, 2, 3, 4]], 8);
    const column = decodeActivations(activationsHeader([2, 2], [[0, 1], [0, 1]], [[0, 1]]), [values]).columns[0];
    expect(column.values.buffer).toBe(values.buffer);
    expect(column.values.byteOffset).toBe(8);
  });

  it.each([1, 2, 3, 5])("copies DataViews at the unaligned byte offset %i", (offset) => {
    const [first, second] = floatViews([[0.1, -2, NaN, 4], [1e-30, 8]], offset);
    const decoded = decodeActivations(activationsHeader([2], [[0, 1]], [[-1, 2], [0, 1]]), [first, second]);
    const [input, hidden] = decoded.columns;
    expect(input.values.buffer).not.toBe(first.buffer);
    expect(input.values.byteOffset % 4).toBe(0);
    expect([input.values[0], input.values[1], input.values[3]]).toEqual([Math.fround(0.1), -2, 4]);
    expect(Number.isNaN(input.values[2])).toBe(true);
    expect([...hidden.values]).toEqual([Math.fround(1e-30), 8]);
  });

  it("accepts plain ArrayBuffers", () => {
    const decoded = decodeActivations(activationsHeader([2], [[0, 1]], [[0, 1]]), [new Float32Array([3, 4]).buffer]);
    expect([...decoded.columns[0].values]).toEqual([3, 4]);
  });

  it("throws when a buffer's byte length does not match G * n", () => {
    expect(() => decodeActivations(activationsHeader([4, 4], [[0, 1], [0, 1]], [[-1, 2], [0, 8]]), [new Float32Array(32), new Float32Array(127)])).toThrow(
      "activations column 1 (layer 0) holds 8 neurons on 16 grid points, so its buffer must hold 512 bytes, but it holds 508",
    );
  });

  it("throws when the number of buffers does not match the columns", () => {
    expect(() => decodeActivations(activationsHeader([2], [[0, 1]], [[-1, 1], [0, 1]]), [new Float32Array(2)])).toThrow(
      "activations message lists 2 columns, so it needs 2 buffers (one per column), but 1 arrived",
    );
  });

  it.each([
    [{ shape: [2, 2, 2], range: [[0, 1], [0, 1], [0, 1]] }],
    [{ shape: [0], range: [[0, 1]] }],
    [{ shape: [4], range: [[0, 1], [0, 1]] }],
    [{ shape: [4], range: [[0, Infinity]] }],
    [{ shape: [4, 4], range: [[0, 1], [0]] }],
    [null],
  ])("throws on the bad grid %j", (grid) => {
    const content = { ...activationsHeader([1], [[0, 1]], []), grid };
    expect(() => decodeActivations(content, [])).toThrow("activations message has a bad grid");
  });

  it("throws on a bad column header, a missing version or another protocol version", () => {
    expect(() => decodeActivations(activationsHeader([1], [[0, 1]], [[-2, 1]]), [new Float32Array(1)])).toThrow(
      'bad activations column header {"layer":-2,"n":1}',
    );
    expect(() => decodeActivations(activationsHeader([1], [[0, 1]], [[0, -1]]), [new Float32Array(0)])).toThrow("bad activations column header");
    expect(() => decodeActivations({ ...activationsHeader([1], [[0, 1]], []), version: "7" }, [])).toThrow('no integer "version"');
    expect(() => decodeActivations({ ...activationsHeader([1], [[0, 1]], []), v: 1 }, [])).toThrow("activations message has protocol version 1, this front end speaks version 2");
    expect(() => decodeActivations({ ...activationsHeader([1], [[0, 1]], []), columns: null }, [])).toThrow('no "columns" list');
  });

  it("recognises activations messages by kind", () => {
    expect(isActivationsMessage(activationsHeader([1], [[0, 1]], []))).toBe(true);
    expect(isActivationsMessage(weightsHeader([]))).toBe(false);
    expect(isActivationsMessage(null)).toBe(false);
  });
});

describe("decodeBlockStats", () => {
  const stats = (fields: Record<string, unknown> = {}) => ({ v: 2, kind: "block_stats", version: 4, step: 120, rms: [0.5, null, 0], update: [1e-3, null, 0], ...fields });

  it("reads the version, the step and one RMS and update per block, nulls kept", () => {
    expect(decodeBlockStats(stats())).toEqual({ version: 4, step: 120, rms: [0.5, null, 0], update: [0.001, null, 0] });
    expect(decodeBlockStats(stats({ step: null })).step).toBeNull();
    expect(decodeBlockStats(stats({ rms: [], update: [] }))).toEqual({ version: 4, step: 120, rms: [], update: [] });
  });

  it("recognises block_stats messages by kind", () => {
    expect(isBlockStatsMessage(stats())).toBe(true);
    expect(isBlockStatsMessage({ ...stats(), kind: "weights" })).toBe(false);
    expect(isBlockStatsMessage(null)).toBe(false);
  });

  it("names the field that is wrong", () => {
    expect(() => decodeBlockStats(stats({ version: 1.5 }))).toThrow('jaxscope: block_stats message has no integer "version"');
    expect(() => decodeBlockStats(stats({ step: "7" }))).toThrow('jaxscope: block_stats message\'s "step" must be an integer or null, got "7"');
    expect(() => decodeBlockStats(stats({ rms: undefined }))).toThrow('jaxscope: block_stats message has no "rms" list');
    expect(() => decodeBlockStats(stats({ update: [0, "x", 1] }))).toThrow(
      'jaxscope: block_stats message\'s "update"[1] must be a finite number or null, got "x"',
    );
    expect(() => decodeBlockStats(stats({ rms: [0.5, Infinity, 0] }))).toThrow(
      'jaxscope: block_stats message\'s "rms"[1] must be a finite number or null, got Infinity',
    );
    expect(() => decodeBlockStats(stats({ update: [1] }))).toThrow('jaxscope: block_stats message has 3 "rms" entries but 1 "update" entries');
  });

  it("throws on another protocol version", () => {
    expect(() => decodeBlockStats(stats({ v: 1 }))).toThrow(
      "jaxscope: block_stats message has protocol version 1, this front end speaks version 2; rebuild the front end (npm run build)",
    );
  });
});

describe("edit messages", () => {
  it("builds a weight edit and a bias edit", () => {
    expect(editMessage(1, "weight", 3, 0, -0.5)).toEqual({ v: 2, kind: "edit", layer: 1, param: "weight", i: 3, j: 0, value: -0.5 });
    expect(editMessage(1, "bias", 0, 0.25)).toEqual({ v: 2, kind: "edit", layer: 1, param: "bias", i: 0, value: 0.25 });
  });

  it("serialises keys in the documented order", () => {
    expect(JSON.stringify(editMessage(1, "weight", 3, 0, -0.5))).toBe('{"v":2,"kind":"edit","layer":1,"param":"weight","i":3,"j":0,"value":-0.5}');
    expect(JSON.stringify(editMessage(1, "bias", 0, 0.25))).toBe('{"v":2,"kind":"edit","layer":1,"param":"bias","i":0,"value":0.25}');
  });

  it("recognises version-2 edit_result messages", () => {
    expect(isEditResultMessage({ v: 2, kind: "edit_result", ok: true, message: "" })).toBe(true);
    expect(isEditResultMessage({ v: 2, kind: "edit_result", ok: false, message: "pause training to edit weights" })).toBe(true);
    expect(isEditResultMessage({ v: 1, kind: "edit_result", ok: true, message: "" })).toBe(false);
    expect(isEditResultMessage({ v: 2, kind: "edit_result", ok: "yes", message: "" })).toBe(false);
    expect(isEditResultMessage({ v: 2, kind: "edit_result", ok: true })).toBe(false);
    expect(isEditResultMessage(null)).toBe(false);
  });
});

describe("messages", () => {
  it("builds the messages the front end sends", () => {
    expect(readyMessage()).toEqual({ v: 2, kind: "ready" });
    expect(commandMessage("pause")).toEqual({ v: 2, kind: "command", action: "pause" });
    expect(setLearningRateMessage(0.003)).toEqual({ v: 2, kind: "set", name: "learning_rate", value: 0.003 });
    expect(pollMessage()).toEqual({ v: 2, kind: "poll" });
  });

  it("recognises points messages by kind", () => {
    expect(isPointsMessage(header([]))).toBe(true);
    expect(isPointsMessage({ v: 2, kind: "ready" })).toBe(false);
    expect(isPointsMessage(null)).toBe(false);
  });

  it("recognises version-2 ready_ack messages naming a known shell", () => {
    expect([...KERNEL_SHELLS]).toEqual(["main", "subshell"]);
    expect(isReadyAckMessage({ v: 2, kind: "ready_ack", shell: "main" })).toBe(true);
    expect(isReadyAckMessage({ v: 2, kind: "ready_ack", shell: "subshell" })).toBe(true);
    expect(isReadyAckMessage({ v: 1, kind: "ready_ack", shell: "subshell" })).toBe(false);
    expect(isReadyAckMessage({ kind: "ready_ack", shell: "subshell" })).toBe(false);
    expect(isReadyAckMessage({ v: 2, kind: "ready_ack", shell: "control" })).toBe(false);
    expect(isReadyAckMessage({ v: 2, kind: "ready_ack" })).toBe(false);
    expect(isReadyAckMessage({ v: 2, kind: "ready" })).toBe(false);
    expect(isReadyAckMessage(null)).toBe(false);
    expect(isReadyAckMessage("ready_ack")).toBe(false);
  });

  it("names change events after the trait", () => {
    expect(changeEvent("log_y")).toBe("change:log_y");
  });

  it("is version 2 with the documented statuses, actions and set names", () => {
    expect(PROTOCOL_VERSION).toBe(2);
    expect([...STATUSES]).toEqual(["idle", "compiling", "running", "paused", "done", "diverged", "error"]);
    expect([...COMMAND_ACTIONS]).toEqual(["start", "pause", "step", "reset"]);
    expect([...SET_NAMES]).toEqual(["learning_rate", "early_stopping"]);
  });

  it("lists every message kind once, sorted", () => {
    expect([...MESSAGE_KINDS]).toEqual([
      "ack", "activations", "block_stats", "command", "edit", "edit_result", "ping", "points", "poll", "ready", "ready_ack", "set", "weights",
    ]);
    expect([...MESSAGE_KINDS].sort()).toEqual([...MESSAGE_KINDS]);
    expect(new Set(MESSAGE_KINDS).size).toBe(MESSAGE_KINDS.length);
  });

  it("builds only messages of a listed kind", () => {
    const built = [
      readyMessage(), commandMessage("start"), setLearningRateMessage(0.1), setEarlyStoppingMessage(3), pollMessage(),
      ackMessage(0), editMessage(0, "bias", 0, 1),
    ];
    for (const message of built) expect(MESSAGE_KINDS).toContain(message.kind);
    expect([setLearningRateMessage(0.1).name, setEarlyStoppingMessage(3).name]).toEqual([...SET_NAMES]);
  });

  it("builds an ack of the pinged frame", () => {
    expect(ackMessage(12)).toEqual({ v: 2, kind: "ack", frame: 12 });
    expect(JSON.stringify(ackMessage(12))).toBe('{"v":2,"kind":"ack","frame":12}');
  });

  it("recognises pings with a non-negative integer frame", () => {
    expect(isPingMessage({ v: 2, kind: "ping", frame: 0 })).toBe(true);
    expect(isPingMessage({ v: 2, kind: "ping", frame: 41 })).toBe(true);
    expect(isPingMessage({ v: 2, kind: "ping", frame: -1 })).toBe(false);
    expect(isPingMessage({ v: 2, kind: "ping", frame: 0.5 })).toBe(false);
    expect(isPingMessage({ v: 2, kind: "ping", frame: "1" })).toBe(false);
    expect(isPingMessage({ v: 2, kind: "ping" })).toBe(false);
    expect(isPingMessage({ v: 2, kind: "ack", frame: 1 })).toBe(false);
    expect(isPingMessage(null)).toBe(false);
  });
});

describe("message guards", () => {
  /** A valid version-2 message for each guard. */
  const guards: [string, (msg: unknown) => boolean, Record<string, unknown>][] = [
    ["isPointsMessage", isPointsMessage, header([])],
    ["isWeightsMessage", isWeightsMessage, weightsHeader([])],
    ["isActivationsMessage", isActivationsMessage, activationsHeader([1], [[0, 1]], [])],
    ["isEditResultMessage", isEditResultMessage, { v: 2, kind: "edit_result", ok: true, message: "" }],
    ["isReadyAckMessage", isReadyAckMessage, { v: 2, kind: "ready_ack", shell: "main" }],
    ["isPingMessage", isPingMessage, { v: 2, kind: "ping", frame: 3 }],
    ["isBlockStatsMessage", isBlockStatsMessage, { v: 2, kind: "block_stats", version: 1, step: null, rms: [], update: [] }],
  ];

  it.each(guards)("%s accepts version 2", (_name, guard, message) => {
    expect(message.v).toBe(2);
    expect(guard(message)).toBe(true);
  });

  it.each(guards)("%s rejects version 1, no version and a string version", (_name, guard, message) => {
    const { v: _v, ...unversioned } = message;
    expect([guard({ ...message, v: 1 }), guard(unversioned), guard({ ...message, v: "2" })]).toEqual([false, false, false]);
  });

  it.each(guards)("%s rejects another kind", (_name, guard, message) => {
    expect(guard({ ...message, kind: "something-new" })).toBe(false);
  });

  it("checks the version and kind in one place, with messages that say what was expected", () => {
    expect(isMessage({ v: 2, kind: "poll" }, "poll")).toBe(true);
    expect(messageProblem({ v: 2, kind: "poll" }, "poll")).toBeNull();
    expect(messageProblem({ v: 1, kind: "poll" }, "poll")).toBe(
      "poll message has protocol version 1, this front end speaks version 2; rebuild the front end (npm run build)",
    );
    expect(messageProblem({ v: 2, kind: "ready" }, "poll")).toBe('expected a "poll" message, got {"v":2,"kind":"ready"}');
    expect(messageProblem(null, "ping")).toBe('expected a "ping" message, got null');
  });
});

describe("protocol.ts source", () => {
  /** What a Python test reads: `export const NAME = [ "a", "b" ] as const;`, strings only. */
  function literalList(name: string): string[] {
    const match = source.match(new RegExp(`export const ${name} = \\[([^\\]]*)\\] as const;`));
    if (match === null) throw new Error(`no literal list ${name}`);
    return [...match[1].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  }

  it.each([
    ["STATUSES", STATUSES],
    ["MESSAGE_KINDS", MESSAGE_KINDS],
    ["COMMAND_ACTIONS", COMMAND_ACTIONS],
    ["SET_NAMES", SET_NAMES],
    ["KERNEL_SHELLS", KERNEL_SHELLS],
  ] as const)("spells %s as a plain list of double-quoted strings", (name, values) => {
    expect(literalList(name)).toEqual([...values]);
  });
});

describe("docs/protocol.md", () => {
  /** Trait names in the first table after `heading`. */
  function documentedTraits(heading: string): string[] {
    const section = doc.slice(doc.indexOf(heading));
    const table = section.slice(section.indexOf("| trait"));
    const rows = table.split("\n\n")[0].split("\n").slice(2);
    return rows.map((row) => row.split("|")[1].trim().replace(/`/g, ""));
  }

  it("lists exactly the LossChart traits protocol.ts names", () => {
    expect(Object.values(LOSS_CHART)).toEqual(documentedTraits("## LossChart"));
  });

  it("lists exactly the ControlBar traits protocol.ts names", () => {
    expect(Object.values(CONTROL_BAR)).toEqual(documentedTraits("## ControlBar"));
  });

  it("lists exactly the NetworkDiagram traits protocol.ts names", () => {
    expect(Object.values(NETWORK_DIAGRAM)).toEqual(documentedTraits("## NetworkDiagram"));
  });

  it("documents the NetworkDiagram's weights and ready messages", () => {
    const section = doc.slice(doc.indexOf("## NetworkDiagram"));
    expect(section).toContain(`{"v": 2, "kind": "weights", "version": `);
    expect(section).toContain(`{"layer": 0, "n_in": 1, "n_out": 30, "bias": true}`);
    expect(section).toContain(`{"v": 2, "kind": "${readyMessage().kind}"}`);
  });

  it("documents the NetworkDiagram's conv weights, activations, edit and edit_result messages", () => {
    const section = doc.slice(doc.indexOf("## NetworkDiagram"));
    expect(section).toContain(`{"layer": 2, "kind": "conv", "shape": [8, 3, 3, 3], "bias": true}`);
    expect(section).toContain(`{"v": 2, "kind": "activations", "version": `);
    expect(section).toContain(`"grid": {"shape": [32, 32], "range": [[-2, 2], [-2, 2]]}`);
    expect(section).toContain(`"columns": [{"layer": -1, "n": 2}, {"layer": 0, "n": 8}, {"layer": 1, "n": 1}]`);
    expect(section).toContain(`{"v": 2, "kind": "edit_result", "ok": true, "message": ""}`);
    const spaced = (message: object) => JSON.stringify(message).replace(/([:,])/g, "$1 ");
    expect(section).toContain(spaced(editMessage(1, "weight", 3, 0, -0.5)));
    expect(section).toContain(spaced(editMessage(1, "bias", 0, 0.25)));
  });

  it("documents every message the ControlBar sends, poll included", () => {
    const section = doc.slice(doc.indexOf("## ControlBar"));
    for (const kind of [readyMessage().kind, commandMessage("start").kind, "set", pollMessage().kind]) {
      expect(section).toContain(`{"v": 2, "kind": "${kind}"`);
    }
  });

  it("documents the ControlBar's ready_ack with every shell", () => {
    const section = doc.slice(doc.indexOf("## ControlBar"));
    const shells = KERNEL_SHELLS.map((shell) => `"${shell}"`).join(" | ");
    expect(section).toContain(`{"v": 2, "kind": "ready_ack", "shell": ${shells}}`);
  });

  it("is the version-2 specification and shows every message kind", () => {
    expect(doc.startsWith(`# Wire protocol (version ${PROTOCOL_VERSION})\n`)).toBe(true);
    expect(doc).not.toContain(`"v": 1`);
    for (const kind of MESSAGE_KINDS) expect(doc).toContain(`{"v": 2, "kind": "${kind}"`);
  });

  it("lists every status in the ControlBar's status row", () => {
    const row = doc.split("\n").find((line) => line.startsWith("| `status` |"))!;
    expect(row.split("|")[3].trim()).toBe(STATUSES.map((status) => `\`${status}\``).join(", "));
  });

  it("documents ping and ack under Flow control", () => {
    const section = doc.slice(doc.indexOf("## Flow control"));
    expect(section).toContain(`{"v": 2, "kind": "ping", "frame": 12}`);
    expect(section).toContain(JSON.stringify(ackMessage(12)).replace(/([:,])/g, "$1 "));
  });
});

describe("decodeWeights with recurrent layers", () => {
  const entry = {
    layer: 0,
    kind: "recurrent",
    hidden: 2,
    gates: [
      { name: "i", n_in: 1, input: true, recurrent: true },
      { name: "f", n_in: 1, input: false, recurrent: true },
    ],
  };

  it("decodes each gate's input (hidden, n_in) and recurrent (hidden, hidden) matrices, before a dense layer", () => {
    const content = { v: 2, kind: "weights", version: 3, layers: [entry, { layer: 1, n_in: 2, n_out: 1, bias: false }] };
    const weights = decodeWeights(content, [
      new Float32Array([1, 2]),
      new Float32Array([3, 4, 5, 6]),
      new Float32Array([7, 8, 9, 10]),
      new Float32Array([11, 12]),
    ]);
    expect(weights.recurrents.length).toBe(1);
    const [lstm] = weights.recurrents;
    expect([lstm.layer, lstm.hidden, lstm.gates.map((g) => [g.name, g.nIn])]).toEqual([0, 2, [["i", 1], ["f", 1]]]);
    expect([...lstm.gates[0].input!]).toEqual([1, 2]);
    expect([...lstm.gates[0].recurrent!]).toEqual([3, 4, 5, 6]);
    expect(lstm.gates[1].input).toBeNull();
    expect([...lstm.gates[1].recurrent!]).toEqual([7, 8, 9, 10]);
    expect(weights.layers.map((l) => [l.layer, [...l.kernel]])).toEqual([[1, [11, 12]]]);
    expect(weights.convs).toEqual([]);
  });

  it("counts one buffer per matrix a gate's flags announce", () => {
    const content = { v: 2, kind: "weights", version: 1, layers: [entry] };
    expect(() => decodeWeights(content, [new Float32Array(2), new Float32Array(4)])).toThrow(
      'weights message lists 1 layers, so it needs 3 buffers (a kernel per layer and a bias per layer with "bias": true; a matrix per gate flag of a recurrent layer), but 2 arrived',
    );
    expect(() => decodeWeights(content, [new Float32Array(2), new Float32Array(3), new Float32Array(4)])).toThrow(
      "layer 0 is recurrent 1→2, so its gate i recurrent buffer must hold 16 bytes, but it holds 12",
    );
  });

  it("rejects a recurrent entry without its hidden size or with a malformed gate", () => {
    const noHidden = { v: 2, kind: "weights", version: 1, layers: [{ ...entry, hidden: undefined }] };
    expect(() => decodeWeights(noHidden, [])).toThrow("bad weights layer header");
    const badGate = { v: 2, kind: "weights", version: 1, layers: [{ ...entry, gates: [{ name: "i", n_in: 1, input: "yes", recurrent: true }] }] };
    expect(() => decodeWeights(badGate, [])).toThrow("bad weights layer header");
  });
});
