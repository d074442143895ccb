import { describe, expect, it } from "vitest";
import { fakeFrames } from "./fake_frames";
import { frameScheduler } from "./frame_scheduler";

describe("frameScheduler", () => {
  it("runs the callback once per frame however often it was requested", () => {
    const frames = fakeFrames();
    let draws = 0;
    const redraw = frameScheduler(() => draws++, frames.request, frames.cancel);
    redraw.request();
    redraw.request();
    redraw.request();
    expect(draws).toBe(0);
    frames.flush();
    expect(draws).toBe(1);
    frames.flush();
    expect(draws).toBe(1);
  });

  it("runs again in a later frame after a new request", () => {
    const frames = fakeFrames();
    let draws = 0;
    const redraw = frameScheduler(() => draws++, frames.request, frames.cancel);
    redraw.request();
    frames.flush();
    redraw.request();
    frames.flush();
    expect(draws).toBe(2);
  });

  it("cancels the pending frame", () => {
    const frames = fakeFrames();
    let draws = 0;
    const redraw = frameScheduler(() => draws++, frames.request, frames.cancel);
    redraw.request();
    redraw.cancel();
    expect(frames.pending.size).toBe(0);
    frames.flush();
    expect(draws).toBe(0);
  });
});
