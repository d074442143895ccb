import { describe, expect, it } from "vitest";
import { hairlineCount, strokeSegments } from "./strokes";

/** A context that records path commands and the line width at stroke time. */
function recorder() {
  const calls: (string | number)[][] = [];
  const context = {
    lineWidth: 0,
    beginPath: () => calls.push(["begin"]),
    moveTo: (x: number, y: number) => calls.push(["M", x, y]),
    lineTo: (x: number, y: number) => calls.push(["L", x, y]),
    stroke() {
      calls.push(["stroke", this.lineWidth]);
    },
  };
  return { context: context as unknown as CanvasRenderingContext2D, calls };
}

describe("hairlineCount", () => {
  it("rounds the width in device pixels, between 1 and 8", () => {
    expect([0.5, 1, 1.4, 1.6, 3].map((w) => hairlineCount(w, 1))).toEqual([1, 1, 1, 2, 3]);
    expect([0.5, 1.6, 3, 10].map((w) => hairlineCount(w, 2))).toEqual([1, 3, 6, 8]);
  });
});

describe("strokeSegments", () => {
  it("strokes thin lines as one path at their own width", () => {
    const { context, calls } = recorder();
    strokeSegments(context, [0, 0, 10, 0, 0, 5, 10, 5], 0.75);
    expect(calls).toEqual([["begin"], ["M", 0, 0], ["L", 10, 0], ["M", 0, 5], ["L", 10, 5], ["stroke", 0.75]]);
  });

  it("draws a 2 px line as two hairlines one pixel apart, across the line", () => {
    const { context, calls } = recorder();
    strokeSegments(context, [0, 0, 10, 0], 2);
    expect(calls).toEqual([["begin"], ["M", 0, -0.5], ["L", 10, -0.5], ["M", 0, 0.5], ["L", 10, 0.5], ["stroke", 1]]);
  });

  it("spaces hairlines one device pixel apart at a device pixel ratio of 2", () => {
    const { context, calls } = recorder();
    strokeSegments(context, [0, 0, 0, 8], 1.5, 2);  // vertical: offsets along x
    expect(calls).toEqual([
      ["begin"], ["M", 0.5, 0], ["L", 0.5, 8], ["M", 0, 0], ["L", 0, 8], ["M", -0.5, 0], ["L", -0.5, 8], ["stroke", 0.5],
    ]);
  });
});
