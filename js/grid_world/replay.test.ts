import { describe, expect, it } from "vitest";
import { advance, choose, replayFrame, REST_SECONDS, startReplay, stepBy } from "./replay";
import type { GridWorld } from "./traits";

/** A 1 × 4 corridor, chest at (0, 3); two episodes of 3 moves. */
function corridor(): GridWorld {
  return {
    rows: 1,
    cols: 4,
    walls: new Uint8Array(4),
    start: [0, 0],
    chests: [[0, 3]],
    probabilities: new Float32Array(16).fill(0.25),
    // episode 0: right, right, right (chest); episode 1: left (bump), right, right
    positions: Int32Array.from([0, 0, 0, 1, 0, 2, 0, 3, /**/ 0, 0, 0, 0, 0, 1, 0, 2]),
    rewards: Float32Array.from([0, 0, 10, -1, 0, 0]),
    trajectories: 2,
    length: 3,
    returns: [10, -1],
    step: 7,
  };
}

describe("advance", () => {
  it("moves on at `speed` moves a second", () => {
    const replay = advance(startReplay(), 0.25, 4, { trajectories: 2, length: 3 });
    expect(replay).toEqual({ trajectory: 0, time: 1, playing: true, rest: REST_SECONDS });
  });

  it("rests at the end, then starts the next episode, and wraps to the first", () => {
    let replay = advance(startReplay(), 1, 3, { trajectories: 2, length: 3 });
    expect(replay.time).toBe(3);
    expect(replay.trajectory).toBe(0);
    replay = advance(replay, REST_SECONDS / 2, 3, { trajectories: 2, length: 3 });
    expect([replay.trajectory, replay.time]).toEqual([0, 3]);
    replay = advance(replay, REST_SECONDS, 3, { trajectories: 2, length: 3 });
    expect([replay.trajectory, replay.time]).toEqual([1, 0]);
    replay = advance(advance(replay, 1, 3, { trajectories: 2, length: 3 }), 2 * REST_SECONDS, 3, { trajectories: 2, length: 3 });
    expect([replay.trajectory, replay.time]).toEqual([0, 0]);
  });

  it("does not move while paused or without episodes", () => {
    const paused = { ...startReplay(), playing: false };
    expect(advance(paused, 1, 10, { trajectories: 2, length: 3 })).toBe(paused);
    const empty = startReplay();
    expect(advance(empty, 1, 10, { trajectories: 0, length: 0 })).toBe(empty);
  });
});

describe("stepBy and choose", () => {
  it("steps whole moves within the episode and pauses", () => {
    const replay = stepBy({ ...startReplay(), time: 1.6 }, 1, 3);
    expect([replay.time, replay.playing]).toEqual([3, false]);
    expect(stepBy(replay, 5, 3).time).toBe(3);
    expect(stepBy(replay, -9, 3).time).toBe(0);
  });

  it("starts another episode from its first move", () => {
    expect(choose({ ...startReplay(), time: 2.5 }, 1)).toMatchObject({ trajectory: 1, time: 0 });
  });
});

describe("replayFrame", () => {
  it("gives the cell, the trail, the chests taken and the return so far", () => {
    const world = corridor();
    const start = replayFrame(world, startReplay())!;
    expect(start).toEqual({ cell: [0, 0], move: 0, at: [0, 0], taken: [false], returnSoFar: 0, trail: [[0, 0]] });
    const gliding = replayFrame(world, { ...startReplay(), time: 1.5 })!;
    expect(gliding.cell).toEqual([0, 1]);
    expect(gliding.at).toEqual([0, 1.5]);
    const end = replayFrame(world, { ...startReplay(), time: 3 })!;
    expect(end).toMatchObject({ cell: [0, 3], move: 3, at: [0, 3], taken: [true], returnSoFar: 10 });
    expect(end.trail).toEqual([[0, 0], [0, 1], [0, 2], [0, 3]]);
    const second = replayFrame(world, { ...choose(startReplay(), 1), time: 3 })!;
    expect(second).toMatchObject({ cell: [0, 2], taken: [false], returnSoFar: -1 });
  });

  it("is null before the first episodes arrive", () => {
    expect(replayFrame({ ...corridor(), trajectories: 0, length: 0 }, startReplay())).toBeNull();
  });
});
