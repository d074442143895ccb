// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { fakeFrames } from "../shared/fake_frames";
import { markDashboard, markDashboardWhenAttached, MAX_FRAMES } from "./dashboard";

function dashboard(): HTMLElement {
  const box = document.createElement("div");
  box.className = "widget-vbox jaxscope-dashboard";
  return box;
}

describe("markDashboard", () => {
  it("sets data-testid on the dashboard ancestor", () => {
    const box = dashboard();
    const inner = document.createElement("div");
    const el = document.createElement("div");
    box.append(inner);
    inner.append(el);
    expect(markDashboard(el)).toBe(true);
    expect(box.dataset.testid).toBe("jaxscope-dashboard");
  });

  it("finds nothing outside a dashboard", () => {
    expect(markDashboard(document.createElement("div"))).toBe(false);
  });
});

describe("markDashboardWhenAttached", () => {
  it("marks the dashboard once the bar is attached to it", () => {
    const frames = fakeFrames();
    const el = document.createElement("div");
    const box = dashboard();
    markDashboardWhenAttached(el, frames.request, frames.cancel);
    frames.flush();
    expect(box.dataset.testid).toBeUndefined();
    box.append(el);
    frames.flush();
    expect(box.dataset.testid).toBe("jaxscope-dashboard");
    expect(frames.pending.size).toBe(0);
  });

  it("calls found once, when the dashboard is marked", () => {
    const frames = fakeFrames();
    const el = document.createElement("div");
    const box = dashboard();
    let found = 0;
    markDashboardWhenAttached(el, frames.request, frames.cancel, () => found++);
    frames.flush();
    expect(found).toBe(0);
    box.append(el);
    frames.flush();
    frames.flush();
    expect(found).toBe(1);
  });

  it("gives up after a bounded number of frames", () => {
    const frames = fakeFrames();
    markDashboardWhenAttached(document.createElement("div"), frames.request, frames.cancel);
    for (let i = 0; i < MAX_FRAMES; i++) frames.flush();
    expect(frames.pending.size).toBe(0);
  });

  it("stops looking when cleaned up", () => {
    const frames = fakeFrames();
    const stop = markDashboardWhenAttached(document.createElement("div"), frames.request, frames.cancel);
    expect(frames.pending.size).toBe(1);
    stop();
    expect(frames.pending.size).toBe(0);
  });
});
