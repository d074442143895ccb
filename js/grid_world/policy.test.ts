import { describe, expect, it } from "vitest";
import { arrow, arrowCode, bestActions } from "./policy";

const world = {
  rows: 2,
  cols: 3,
  walls: Uint8Array.from([1, 0, 0, 0, 0, 1]),
  // per cell: up, right, down, left
  probabilities: Float32Array.from([
    0.25, 0.25, 0.25, 0.25, /**/ 0.1, 0.7, 0.1, 0.1, /**/ 0.1, 0.1, 0.6, 0.2,
    0.9, 0.0, 0.05, 0.05, /**/ 0.0, 0.1, 0.2, 0.7, /**/ 0, 0, 0, 1,
  ]),
};

describe("bestActions", () => {
  it("takes the most likely action of each free cell and -1 on walls", () => {
    expect(Array.from(bestActions(world))).toEqual([-1, 1, 2, 0, 3, -1]);
  });

  it("gives -1 everywhere before the first policy arrives", () => {
    expect(Array.from(bestActions({ ...world, probabilities: new Float32Array(0) }))).toEqual([-1, -1, -1, -1, -1, -1]);
  });
});

describe("arrowCode", () => {
  it("writes a symbol per cell, a row per slash-separated line", () => {
    expect(arrowCode(bestActions(world), 3)).toBe("#>v/^<#");
  });
});

describe("arrow", () => {
  it("points along the action, longer and more opaque with its probability", () => {
    const sure = arrow(1, 1, 40);
    expect(sure.dx).toBeCloseTo(20 * 0.85);
    expect(sure.dy).toBe(0);
    expect(sure.opacity).toBe(1);
    const coin = arrow(2, 0.25, 40);
    expect(coin.dx).toBe(0);
    expect(coin.dy).toBeCloseTo(20 * 0.25);
    expect(coin.opacity).toBeCloseTo(0.3);
    expect(arrow(0, 0.625, 40).dy).toBeCloseTo(-20 * 0.55);
    expect(arrow(3, 0.625, 40).dx).toBeCloseTo(-20 * 0.55);
  });
});
