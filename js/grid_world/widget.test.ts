// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { FakeModel } from "../shared/fake_model";
import { widgetHarness } from "../shared/widget_harness";
import type { GridWorldTraits } from "./traits";
import widget from "./widget";

const h = widgetHarness(widget);

/** A 1 × 4 corridor with a chest at the end; one episode: right, right, right. */
function traits(overrides: Partial<GridWorldTraits> = {}): GridWorldTraits {
  const probabilities = new Float32Array(16);
  for (let i = 0; i < 4; i++) probabilities.set([0.1, 0.7, 0.1, 0.1], i * 4);
  return {
    grid: { rows: 1, cols: 4, walls: [0, 0, 0, 0], start: [0, 0], chests: [[0, 3]], actions: ["up", "right", "down", "left"] },
    probabilities: new DataView(probabilities.buffer),
    positions: new DataView(Int32Array.from([0, 0, 0, 1, 0, 2, 0, 3]).buffer),
    rewards: new DataView(Float32Array.from([0, 0, 10]).buffer),
    trajectories: 1,
    length: 3,
    returns: [10],
    step: 4,
    frame: 1,
    title: "maze",
    cell_size: 40,
    speed: 10,
    ...overrides,
  };
}

/** Animation frames run by the test at the times it chooses (ms). */
function timedFrames() {
  const pending = new Map<number, FrameRequestCallback>();
  let next = 1;
  vi.stubGlobal("requestAnimationFrame", (run: FrameRequestCallback) => {
    pending.set(next, run);
    return next++;
  });
  vi.stubGlobal("cancelAnimationFrame", (handle: number) => pending.delete(handle));
  return {
    pending,
    at(ms: number) {
      const runs = [...pending.values()];
      pending.clear();
      runs.forEach((run) => run(ms));
    },
  };
}

const agent = () => h.$<SVGCircleElement & HTMLElement>("[data-testid=grid-world-agent]");
const cellOf = () => [agent().getAttribute("data-row"), agent().getAttribute("data-col")].join(",");

describe("GridWorld widget", () => {
  it("draws the walls, the chests, the start and an arrow per free cell", () => {
    h.render(new FakeModel(traits({ grid: { ...traits().grid, walls: [0, 0, 1, 0] } })));
    const root = h.$("[data-testid=grid-world]");
    expect(root.dataset.arrows).toBe(">>#>");
    expect(root.dataset.step).toBe("4");
    expect(h.el.querySelectorAll("[data-testid=grid-world-walls] rect").length).toBe(1);
    expect(h.el.querySelectorAll("[data-testid=grid-world-chest]").length).toBe(1);
    expect(h.el.querySelectorAll("[data-testid=grid-world-arrows] path[data-action='1']").length).toBe(3);
    expect(h.$("[data-testid=grid-world-title]").textContent).toBe("maze · policy at step 4");
    expect(h.$("[data-testid=grid-world-episode]").textContent).toBe("episode 1+10");
  });

  it("replays the episode with animation frames, taking the chest at the end", () => {
    const frames = timedFrames();
    h.render(new FakeModel(traits()));
    expect(cellOf()).toBe("0,0");
    frames.at(1000);
    frames.at(1100);                       // 0.1 s at 10 moves/s: one move
    expect(cellOf()).toBe("0,1");
    frames.at(1200);
    frames.at(1300);
    expect(cellOf()).toBe("0,3");
    expect(h.$("[data-testid=grid-world-chest]").getAttribute("visibility")).toBe("hidden");
    expect(h.$("[data-testid=grid-world-readout]").textContent).toBe("episode 1 · move 3 / 3 · return +10");
  });

  it("pauses, steps and plays from the buttons", () => {
    const frames = timedFrames();
    h.render(new FakeModel(traits()));
    h.$("[data-action=play]").click();
    expect(frames.pending.size).toBe(0);
    expect(h.$("[data-testid=grid-world]").dataset.playing).toBe("false");
    h.$("[data-action=forward]").click();
    h.$("[data-action=forward]").click();
    expect(cellOf()).toBe("0,2");
    h.$("[data-action=back]").click();
    expect(cellOf()).toBe("0,1");
    h.$("[data-action=play]").click();
    expect(frames.pending.size).toBe(1);
  });

  it("shows a new policy at once but finishes the episode on screen before replaying new ones", () => {
    const frames = timedFrames();
    const model = new FakeModel(traits());
    h.render(model);
    frames.at(0);
    frames.at(150);                          // 1.5 moves into the episode
    const left = new Float32Array(16);
    for (let i = 0; i < 4; i++) left.set([0.1, 0.1, 0.1, 0.7], i * 4);
    model.set("probabilities", new DataView(left.buffer));
    model.set("positions", new DataView(Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0]).buffer));
    model.set("rewards", new DataView(Float32Array.from([-1, -1, -1]).buffer));
    model.set("returns", [-3]);
    model.set("step", 9);
    model.set("frame", 2);
    const root = h.$("[data-testid=grid-world]");
    expect(root.dataset.arrows).toBe("<<<<");
    expect(root.dataset.replayStep).toBe("4");
    frames.at(250);
    expect(cellOf()).toBe("0,2");            // still the old episode
    for (let ms = 350; ms <= 1400; ms += 50) frames.at(ms);   // the end and the rest after it
    expect(root.dataset.replayStep).toBe("9");
    expect(h.$("[data-testid=grid-world-episode]").textContent).toBe("episode 1−3");
  });

  it("shows what is wrong with a trait instead of drawing", () => {
    h.render(new FakeModel(traits({ rewards: new DataView(new ArrayBuffer(2)) })));
    expect(h.$("[data-testid=grid-world-problem]").textContent).toBe("grid world: rewards holds 2 bytes, expected 12 (3 values)");
  });

  it("cancels its animation frame and removes its element on cleanup", () => {
    const frames = timedFrames();
    h.render(new FakeModel(traits()));
    expect(frames.pending.size).toBe(1);
    h.cleanup();
    expect(frames.pending.size).toBe(0);
    expect(h.el.querySelector("[data-testid=grid-world]")).toBeNull();
  });
});
