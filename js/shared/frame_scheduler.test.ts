import { describe, expect, it } from "vitest";
import { frameScheduler } from "./frame_scheduler";

function fakeFrames() {
  const pending = new Map<number, FrameRequestCallback>();
  let next = 1;
  return {
    request: (run: FrameRequestCallback) => {
      pending.set(next, run);
      return next++;
    },
    cancel: (handle: number) => void pending.delete(handle),
    pending,
    flush() {
      const runs = [...pending.values()];
      pending.clear();
      runs.forEach((run) => run(0));
    },
  };
}

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
