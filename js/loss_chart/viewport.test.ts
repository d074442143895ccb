import { describe, expect, it } from "vitest";
import {
  FOLLOW,
  isFollowing,
  onScaleChange,
  pan,
  resolveX,
  resolveY,
  zoomX,
  zoomY,
  type Viewport,
} from "./viewport";

describe("following the data", () => {
  it("shows every step held", () => {
    expect(isFollowing(FOLLOW)).toBe(true);
    expect(resolveX(FOLLOW, [0, 1000])).toEqual([0, 1000]);
    expect(resolveX(FOLLOW, [0, 5000])).toEqual([0, 5000]);
  });

  it("widens a single step and has a default without data", () => {
    expect(resolveX(FOLLOW, [7, 7])).toEqual([6, 8]);
    expect(resolveX(FOLLOW, null)).toEqual([0, 1]);
  });

  it("fits y to the visible values", () => {
    expect(resolveY(FOLLOW, [0.1, 3])).toEqual([0.1, 3]);
  });
});

describe("zoomX", () => {
  it("zooms around the step under the cursor", () => {
    expect(zoomX(FOLLOW, [0, 1000], 500, 0.5)).toEqual({ x: [250, 750], y: null });
    expect(zoomX(FOLLOW, [0, 1000], 0, 0.5)).toEqual({ x: [0, 500], y: null });
    expect(zoomX(FOLLOW, [0, 1000], 800, 2)).toEqual({ x: [-800, 1200], y: null });
  });

  it("stays put while new points stream in", () => {
    const view = zoomX(FOLLOW, [0, 1000], 500, 0.5);
    expect(isFollowing(view)).toBe(false);
    expect(resolveX(view, [0, 1000])).toEqual([250, 750]);
    expect(resolveX(view, [0, 90000])).toEqual([250, 750]);
  });

  it("keeps y fitting the visible values", () => {
    const view = zoomX(FOLLOW, [0, 1000], 500, 0.5);
    expect(resolveY(view, [0.2, 0.4])).toEqual([0.2, 0.4]);
  });

  it("never zooms narrower than two steps", () => {
    expect(zoomX(FOLLOW, [0, 1000], 500, 1e-6)).toEqual({ x: [499, 501], y: null });
  });

  it("keeps a fixed y range", () => {
    const view: Viewport = { x: null, y: [1, 2] };
    expect(zoomX(view, [0, 100], 50, 0.5)).toEqual({ x: [25, 75], y: [1, 2] });
  });
});

describe("zoomY", () => {
  it("zooms a linear axis around the value under the cursor", () => {
    expect(zoomY(FOLLOW, [0, 10], 5, 0.5, false)).toEqual({ x: null, y: [2.5, 7.5] });
  });

  it("zooms a log axis in decades", () => {
    expect(zoomY(FOLLOW, [0.01, 100], 1, 0.5, true)).toEqual({ x: null, y: [0.1, 10] });
  });
});

describe("pan", () => {
  const current = { x: [0, 100] as const, y: [1, 100] as const };

  it("moves x with a horizontal drag and keeps y fitting", () => {
    const view = pan(FOLLOW, { current, dx: 50, dy: 0, width: 500, height: 200, logY: true });
    expect(view).toEqual({ x: [-10, 90], y: null });
  });

  it("moves y in decades with a vertical drag on a log axis and keeps following x", () => {
    const view = pan(FOLLOW, { current, dx: 0, dy: 100, width: 500, height: 200, logY: true });
    expect(view).toEqual({ x: null, y: [10, 1000] });
  });

  it("moves both axes with a diagonal drag on a linear axis", () => {
    const view = pan(FOLLOW, {
      current: { x: [0, 100], y: [0, 10] },
      dx: -100,
      dy: -20,
      width: 500,
      height: 200,
      logY: false,
    });
    expect(view).toEqual({ x: [20, 120], y: [-1, 9] });
  });
});

describe("returning to following", () => {
  it("forgets the y range when the axis switches between linear and log", () => {
    expect(onScaleChange({ x: [1, 2], y: [-5, 5] })).toEqual({ x: [1, 2], y: null });
    expect(onScaleChange({ x: null, y: [-5, 5] })).toEqual(FOLLOW);
  });

  it("is FOLLOW again after a reset", () => {
    const zoomed = zoomX(FOLLOW, [0, 1000], 500, 0.5);
    expect(isFollowing(zoomed)).toBe(false);
    expect(isFollowing(FOLLOW)).toBe(true);
  });
});
