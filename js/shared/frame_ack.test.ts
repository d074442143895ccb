import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeFrames } from "./fake_frames";
import { FakeModel } from "./fake_model";
import { answerPings, initialize, paintFrames } from "./frame_ack";

const ping = (frame: unknown, v: unknown = 2) => ({ v, kind: "ping", frame });

function setup() {
  const model = new FakeModel({});
  const frames = fakeFrames();
  const stop = answerPings(model, frames);
  return { model, frames, stop };
}

describe("answerPings", () => {
  it("acks a ping with its frame number after two animation frames, not before", () => {
    const { model, frames } = setup();
    model.receive(ping(7));
    expect(model.sent).toEqual([]);
    frames.flush();
    expect(model.sent).toEqual([]);
    frames.flush();
    expect(model.sent).toEqual([{ v: 2, kind: "ack", frame: 7 }]);
  });

  it("acks each ping exactly once, in order", () => {
    const { model, frames } = setup();
    model.receive(ping(0));
    model.receive(ping(1));
    for (let i = 0; i < 5; i++) frames.flush();
    expect(model.sent).toEqual([{ v: 2, kind: "ack", frame: 0 }, { v: 2, kind: "ack", frame: 1 }]);
  });

  it("acks a ping that arrived between the two frames of another one frame later", () => {
    const { model, frames } = setup();
    model.receive(ping(1));
    frames.flush();
    model.receive(ping(2));
    frames.flush();
    expect(model.sent).toEqual([{ v: 2, kind: "ack", frame: 1 }]);
    frames.flush();
    expect(model.sent).toEqual([{ v: 2, kind: "ack", frame: 1 }, { v: 2, kind: "ack", frame: 2 }]);
  });

  it.each([
    ["a ping of version 1", ping(3, 1)],
    ["a ping without a version", { kind: "ping", frame: 3 }],
    ["a fractional frame", ping(1.5)],
    ["a negative frame", ping(-1)],
    ["a frame given as a string", ping("3")],
    ["a ping without a frame", { v: 2, kind: "ping" }],
    ["another kind", { v: 2, kind: "poll", frame: 3 }],
    ["a string", "ping"],
  ])("does not answer %s", (_what, msg) => {
    const { model, frames } = setup();
    model.receive(msg);
    frames.flush();
    frames.flush();
    expect(model.sent).toEqual([]);
    expect(frames.pending.size).toBe(0);
  });

  it("removes its listener on cleanup", () => {
    const { model, stop } = setup();
    expect(model.listenerCount()).toBe(1);
    stop();
    expect(model.listenerCount()).toBe(0);
  });

  it("sends no ack after cleanup, not even for a ping already waiting", () => {
    const { model, frames, stop } = setup();
    model.receive(ping(4));
    frames.flush();
    stop();
    expect(frames.pending.size).toBe(0);
    model.receive(ping(5));
    frames.flush();
    frames.flush();
    expect(model.sent).toEqual([]);
  });
});

describe("initialize", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("answers pings through requestAnimationFrame and returns the cleanup", () => {
    const frames = fakeFrames();
    vi.stubGlobal("requestAnimationFrame", frames.request);
    vi.stubGlobal("cancelAnimationFrame", frames.cancel);
    const model = new FakeModel({});
    const cleanup = initialize({ model });
    model.receive(ping(9));
    frames.flush();
    frames.flush();
    expect(model.sent).toEqual([{ v: 2, kind: "ack", frame: 9 }]);
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });
});

describe("paintFrames", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("falls back to zero-delay timeouts without requestAnimationFrame", () => {
    vi.useFakeTimers();
    vi.stubGlobal("requestAnimationFrame", undefined);
    const model = new FakeModel({});
    answerPings(model, paintFrames());
    model.receive(ping(3));
    expect(model.sent).toEqual([]);
    vi.runAllTimers();
    expect(model.sent).toEqual([{ v: 2, kind: "ack", frame: 3 }]);
  });

  it("cancels a waiting timeout", () => {
    vi.useFakeTimers();
    vi.stubGlobal("requestAnimationFrame", undefined);
    const frames = paintFrames();
    const run = vi.fn();
    frames.cancel(frames.request(run));
    vi.advanceTimersByTime(10);
    expect(run).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
