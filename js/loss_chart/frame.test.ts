import { describe, expect, it } from "vitest";
import { MARGIN, prepareFrame, type FrameInput } from "./frame";
import { Series } from "./series";
import { FOLLOW } from "./viewport";

function series(name: string, steps: number[], values: number[], smoothing = 0): Series {
  const s = new Series(name, smoothing);
  s.append(new Uint32Array(steps), new Float32Array(values));
  return s;
}

function frameInput(overrides: Partial<FrameInput>): FrameInput {
  return {
    width: 674,
    height: 280,
    series: [],
    view: FOLLOW,
    logY: false,
    smoothing: 0,
    stepExtent: null,
    ...overrides,
  };
}

describe("prepareFrame", () => {
  it("lays the plot out inside the margins", () => {
    const frame = prepareFrame(frameInput({}));
    expect(frame.plot).toEqual({
      left: MARGIN.left,
      top: MARGIN.top,
      width: 674 - MARGIN.left - MARGIN.right,
      height: 280 - MARGIN.top - MARGIN.bottom,
    });
    expect(frame.empty).toBe(true);
  });

  it("fits x to every step and y to the padded values", () => {
    const loss = series("loss", [0, 100, 200], [1, 3, 2]);
    const frame = prepareFrame(frameInput({ series: [loss], stepExtent: [0, 200] }));
    expect(frame.x.domain).toEqual([0, 200]);
    expect(frame.y.domain).toEqual([0.9, 3.1]);
    expect(frame.xTicks).toEqual([0, 50, 100, 150, 200]);
    expect(frame.yTicks).toEqual([1, 1.5, 2, 2.5, 3]);
    expect(frame.yLabels).toEqual(["1", "1.5", "2", "2.5", "3"]);
    expect(frame.lines[0].style).toEqual({ color: "#1f77b4", dashed: false });
    expect([...frame.lines[0].raw.y]).toEqual([1, 3, 2]);
    expect(frame.lines[0].smoothed).toBeNull();
  });

  it("fits y to the values inside a zoomed x range only", () => {
    const loss = series("loss", [0, 100, 200, 300], [100, 2, 4, 1000]);
    const frame = prepareFrame(frameInput({ series: [loss], stepExtent: [0, 300], view: { x: [50, 250], y: null } }));
    expect(frame.y.domain).toEqual([1.9, 4.1]);
    // the neighbours beyond the edges are still drawn, so the line reaches the edges
    expect([...frame.lines[0].raw.x]).toEqual([0, 100, 200, 300]);
  });

  it("draws the smoothed line when smoothing is on", () => {
    const loss = series("loss", [1, 2], [1, 3], 0.5);
    const frame = prepareFrame(frameInput({ series: [loss], stepExtent: [1, 2], smoothing: 0.5 }));
    expect([...frame.lines[0].smoothed!.y]).toEqual([1, Math.fround(7 / 3)]);
  });

  it("draws a dense smoothed series as one point per pixel column, inside the raw envelope", () => {
    const n = 60_000;
    const steps = Array.from({ length: n }, (_, i) => i + 1);
    // noise of a factor of 10 either way around a slowly decaying trend
    const values = steps.map((step) => Math.exp(-step / 60_000) * (step % 2 === 0 ? 10 : 0.1));
    const loss = series("loss", steps, values, 0.6);
    const frame = prepareFrame(frameInput({ series: [loss], stepExtent: [1, n], smoothing: 0.6, logY: true }));
    const columns = Math.floor(frame.plot.width);
    const { raw, smoothed } = frame.lines[0];
    expect(raw.x.length).toBe(4 * columns);
    expect(smoothed!.x.length).toBe(columns);
    // the raw envelope spans the noise; the smoothed line stays between its ends, one value each
    const spread = (y: Float64Array) => Math.log10(Math.max(...y) / Math.min(...y));
    expect(spread(raw.y)).toBeGreaterThan(2);
    expect(spread(smoothed!.y)).toBeLessThan(0.6);
  });

  it("uses decade ticks on a log axis", () => {
    const loss = series("loss", [0, 10], [1000, 0.001]);
    const frame = prepareFrame(frameInput({ series: [loss], stepExtent: [0, 10], logY: true }));
    // 1e-3.3 .. 1e3.3 spans six decades: every second one is labelled
    expect(frame.yTicks).toEqual([0.01, 1, 100]);
    expect(frame.yLabels).toEqual(["0.01", "1", "100"]);
  });
});
