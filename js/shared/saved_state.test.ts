import type { AnyModel } from "@anywidget/types";
import { describe, expect, it, vi } from "vitest";
import { FakeModel } from "./fake_model";
import { savedMessages, showSaved } from "./saved_state";
import { subscriptions } from "./subscriptions";

const floats = (...values: number[]) => new DataView(new Float32Array(values).buffer);

describe("savedMessages", () => {
  it("splits the flat buffer list by each message's count", () => {
    const kept = { messages: [{ kind: "a" }, { kind: "b" }], counts: [2, 1], buffers: [floats(1), floats(2), floats(3)] };
    const out = savedMessages(kept);
    expect(out.map((m) => m.content)).toEqual([{ kind: "a" }, { kind: "b" }]);
    expect(out.map((m) => m.buffers.map((b) => b.getFloat32(0, true)))).toEqual([[1, 2], [3]]);
  });

  it("ignores buffers beyond the counts (left over from a longer snapshot)", () => {
    const out = savedMessages({ messages: [{}], counts: [1], buffers: [floats(1), floats(9)] });
    expect(out[0].buffers).toHaveLength(1);
  });

  it("reads ArrayBuffers and typed arrays as DataViews", () => {
    const out = savedMessages({ messages: [{}], counts: [2], buffers: [new Float32Array([4]).buffer, new Float32Array([5])] });
    expect(out[0].buffers.map((b) => b.getFloat32(0, true))).toEqual([4, 5]);
  });

  it("is empty for an empty or absent snapshot", () => {
    expect(savedMessages(undefined)).toEqual([]);
    expect(savedMessages({})).toEqual([]);
    expect(savedMessages({ messages: [], counts: [], buffers: [] })).toEqual([]);
  });

  it("says what was expected when the snapshot is malformed", () => {
    expect(() => savedMessages({ messages: [{}] })).toThrow(/expected \{messages/);
    expect(() => savedMessages({ messages: [{}], counts: [], buffers: [] })).toThrow(/1 messages but 0 buffer counts/);
    expect(() => savedMessages({ messages: [{}], counts: [1], buffers: [] })).toThrow(/buffers\[0\] is not binary/);
  });
});

describe("showSaved", () => {
  it("replays now and on change until live data arrived", () => {
    const model = new FakeModel<{ snapshot: unknown }>({ snapshot: { messages: [{ n: 1 }], counts: [0], buffers: [] } });
    const seen = vi.fn();
    const markLive = showSaved(model, subscriptions(model as AnyModel<any>), seen);
    expect(seen).toHaveBeenCalledTimes(1);
    model.set("snapshot", { messages: [{ n: 2 }], counts: [0], buffers: [] });
    expect(seen).toHaveBeenLastCalledWith({ n: 2 }, []);
    markLive();
    model.set("snapshot", { messages: [{ n: 3 }], counts: [0], buffers: [] });
    expect(seen).toHaveBeenCalledTimes(2);
  });

  it("logs a damaged snapshot instead of throwing", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const model = new FakeModel<{ snapshot: unknown }>({ snapshot: { messages: [{}], counts: [3], buffers: [] } });
    const seen = vi.fn();
    showSaved(model, subscriptions(model as AnyModel<any>), seen);
    expect(seen).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });
});
