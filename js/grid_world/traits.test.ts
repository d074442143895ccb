import { describe, expect, it } from "vitest";
import { decodeGrid, decodeWorld, type GridWorldTraits } from "./traits";

const grid = { rows: 1, cols: 2, walls: [0, 1], start: [0, 0] as [number, number], chests: [], actions: ["up", "right", "down", "left"] };

function traits(overrides: Partial<GridWorldTraits> = {}): GridWorldTraits {
  return {
    grid,
    probabilities: new DataView(new Float32Array(8).fill(0.25).buffer),
    positions: new DataView(Int32Array.from([0, 0, 0, 0]).buffer),
    rewards: new DataView(Float32Array.from([-1]).buffer),
    trajectories: 1,
    length: 1,
    returns: [-1],
    step: 5,
    frame: 1,
    title: "",
    cell_size: 40,
    speed: 12,
    ...overrides,
  };
}

describe("decodeWorld", () => {
  it("reads the binary traits as typed arrays", () => {
    const t = traits();
    const world = decodeWorld((key) => t[key]);
    expect(Array.from(world.walls)).toEqual([0, 1]);
    expect(Array.from(world.probabilities)).toEqual(new Array(8).fill(0.25));
    expect(Array.from(world.positions)).toEqual([0, 0, 0, 0]);
    expect(Array.from(world.rewards)).toEqual([-1]);
    expect([world.trajectories, world.length, world.step]).toEqual([1, 1, 5]);
  });

  it("copies a DataView that starts at an unaligned byte", () => {
    const bytes = new Uint8Array(5);
    new DataView(bytes.buffer).setFloat32(1, -1, true);
    const t = traits({ rewards: new DataView(bytes.buffer, 1, 4) });
    expect(Array.from(decodeWorld((key) => t[key]).rewards)).toEqual([-1]);
  });

  it("says what it expected when a buffer has the wrong size", () => {
    const t = traits({ rewards: new DataView(new Float32Array(3).buffer) });
    expect(() => decodeWorld((key) => t[key])).toThrow("grid world: rewards holds 12 bytes, expected 4 (1 values)");
  });

  it("has no episodes before the first redraw", () => {
    const t = traits({ trajectories: 0, length: 0, probabilities: new DataView(new ArrayBuffer(0)) });
    const world = decodeWorld((key) => t[key]);
    expect([world.probabilities.length, world.positions.length]).toEqual([0, 0]);
  });
});

describe("decodeGrid", () => {
  it("refuses walls that do not fill the grid", () => {
    expect(() => decodeGrid({ ...grid, walls: [0] })).toThrow("grid world: walls must hold rows × cols = 2 cells");
  });
});
