import { describe, expect, it } from "vitest";
import doc from "../../docs/protocol.md?raw";
import {
  changeEvent,
  COMMAND_ACTIONS,
  commandMessage,
  CONTROL_BAR,
  decodePoints,
  isPointsMessage,
  isReadyAckMessage,
  KERNEL_SHELLS,
  LOSS_CHART,
  pollMessage,
  PROTOCOL_VERSION,
  readyMessage,
  setLearningRateMessage,
  STATUSES,
} from "./protocol";

function header(series: [string, number][], reset = false) {
  return { v: 1, kind: "points", reset, series: series.map(([name, count]) => ({ name, count })) };
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
    expect(() => decodePoints({ ...header([]), v: 2 }, [])).toThrow("protocol version 2");
  });

  it("throws on a malformed series header", () => {
    expect(() => decodePoints(header([["loss", -1]]), [new Uint32Array(0), new Float32Array(0)])).toThrow(
      "bad series header",
    );
  });
});

describe("messages", () => {
  it("builds the messages the front end sends", () => {
    expect(readyMessage()).toEqual({ v: 1, kind: "ready" });
    expect(commandMessage("pause")).toEqual({ v: 1, kind: "command", action: "pause" });
    expect(setLearningRateMessage(0.003)).toEqual({ v: 1, kind: "set", name: "learning_rate", value: 0.003 });
    expect(pollMessage()).toEqual({ v: 1, kind: "poll" });
  });

  it("recognises points messages by kind", () => {
    expect(isPointsMessage(header([]))).toBe(true);
    expect(isPointsMessage({ v: 1, kind: "ready" })).toBe(false);
    expect(isPointsMessage(null)).toBe(false);
  });

  it("recognises version-1 ready_ack messages naming a known shell", () => {
    expect([...KERNEL_SHELLS]).toEqual(["main", "subshell"]);
    expect(isReadyAckMessage({ v: 1, kind: "ready_ack", shell: "main" })).toBe(true);
    expect(isReadyAckMessage({ v: 1, kind: "ready_ack", shell: "subshell" })).toBe(true);
    expect(isReadyAckMessage({ v: 2, kind: "ready_ack", shell: "subshell" })).toBe(false);
    expect(isReadyAckMessage({ kind: "ready_ack", shell: "subshell" })).toBe(false);
    expect(isReadyAckMessage({ v: 1, kind: "ready_ack", shell: "control" })).toBe(false);
    expect(isReadyAckMessage({ v: 1, kind: "ready_ack" })).toBe(false);
    expect(isReadyAckMessage({ v: 1, kind: "ready" })).toBe(false);
    expect(isReadyAckMessage(null)).toBe(false);
    expect(isReadyAckMessage("ready_ack")).toBe(false);
  });

  it("names change events after the trait", () => {
    expect(changeEvent("log_y")).toBe("change:log_y");
  });

  it("is version 1 with the documented statuses and actions", () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect([...STATUSES]).toEqual(["idle", "running", "paused", "done", "diverged", "error"]);
    expect([...COMMAND_ACTIONS]).toEqual(["start", "pause", "step", "reset"]);
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

  it("documents every message the ControlBar sends, poll included", () => {
    const section = doc.slice(doc.indexOf("## ControlBar"));
    for (const kind of [readyMessage().kind, commandMessage("start").kind, "set", pollMessage().kind]) {
      expect(section).toContain(`{"v": 1, "kind": "${kind}"`);
    }
  });

  it("documents the ControlBar's ready_ack with every shell", () => {
    const section = doc.slice(doc.indexOf("## ControlBar"));
    const shells = KERNEL_SHELLS.map((shell) => `"${shell}"`).join(" | ");
    expect(section).toContain(`{"v": 1, "kind": "ready_ack", "shell": ${shells}}`);
  });
});
