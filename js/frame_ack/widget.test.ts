// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeFrames } from "../shared/fake_frames";
import { FakeModel } from "../shared/fake_model";
import widget, { FRAME_ACK_CLASS } from "./widget";

let el: HTMLElement;

beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
});

afterEach(() => {
  el.remove();
  vi.unstubAllGlobals();
});

describe("FrameAck", () => {
  it("renders nothing visible", () => {
    const cleanup = widget.render({ el });
    expect(el.childNodes.length).toBe(0);
    expect(el.style.display).toBe("none");
    expect(el.classList.contains(FRAME_ACK_CLASS)).toBe(true);
    expect(FRAME_ACK_CLASS).toBe("jaxscope-frame-ack");
    cleanup();
    expect([el.style.display, el.className]).toEqual(["", ""]);
  });

  it("initialize acks each ping after two animation frames, and nothing after its cleanup", () => {
    const frames = fakeFrames();
    vi.stubGlobal("requestAnimationFrame", frames.request);
    vi.stubGlobal("cancelAnimationFrame", frames.cancel);
    const model = new FakeModel({});
    const stop = widget.initialize({ model });
    model.receive({ v: 2, kind: "ping", frame: 11 });
    frames.flush();
    expect(model.sent).toEqual([]);
    frames.flush();
    expect(model.sent).toEqual([{ v: 2, kind: "ack", frame: 11 }]);
    stop();
    model.receive({ v: 2, kind: "ping", frame: 12 });
    frames.flush();
    frames.flush();
    expect(model.sent).toEqual([{ v: 2, kind: "ack", frame: 11 }]);
    expect(model.listenerCount()).toBe(0);
  });
});
