import { describe, expect, it } from "vitest";
import { formatStepTicks, formatValueTicks, linearTicks, logTicks, paddedRange } from "./axes";

describe("linearTicks", () => {
  it.each([
    [0, 1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [-0.05, 1.05, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, 10000, 5, [0, 2000, 4000, 6000, 8000, 10000]],
    [0.31, 0.45, 5, [0.32, 0.34, 0.36, 0.38, 0.4, 0.42, 0.44]],
    [-3, 7, 4, [-2, 0, 2, 4, 6]],
    [0.0012, 0.0031, 4, [0.0015, 0.002, 0.0025, 0.003]],
    [1000, 9000, 3, [2000, 4000, 6000, 8000]],
  ])("linearTicks(%s, %s, %s) is %j", (min, max, count, ticks) => {
    expect(linearTicks(min, max, count)).toEqual(ticks);
  });

  it("never steps by less than minStep (whole steps on the step axis)", () => {
    expect(linearTicks(0, 3, 10, 1)).toEqual([0, 1, 2, 3]);
  });

  it("has no ticks for an empty or invalid range", () => {
    expect(linearTicks(1, 1, 5)).toEqual([]);
    expect(linearTicks(NaN, 1, 5)).toEqual([]);
  });
});

describe("logTicks", () => {
  it.each([
    [1e-3, 10, 6, [0.001, 0.01, 0.1, 1, 10]],
    [0.05, 3, 6, [0.05, 0.1, 0.2, 0.5, 1, 2]],
    [1e-8, 1e4, 6, [1e-6, 1e-3, 1, 1000]],
    [0.02, 0.6, 4, [0.02, 0.05, 0.1, 0.2, 0.5]],
    [0.31, 0.45, 4, [0.35, 0.4, 0.45]],
  ])("logTicks(%s, %s, %s) is %j", (min, max, count, ticks) => {
    expect(logTicks(min, max, count)).toEqual(ticks);
  });

  it("has no ticks when the range reaches zero or below", () => {
    expect(logTicks(0, 1, 5)).toEqual([]);
    expect(logTicks(-1, 1, 5)).toEqual([]);
  });
});

describe("tick labels", () => {
  it("formats value ticks compactly", () => {
    expect(formatValueTicks([0.001, 0.01, 0.1, 1, 10])).toEqual(["1e-3", "0.01", "0.1", "1", "10"]);
    expect(formatValueTicks([0, 0.02, 0.04])).toEqual(["0", "0.02", "0.04"]);
    expect(formatValueTicks([0.0015, 0.002, 0.0025])).toEqual(["1.5e-3", "2e-3", "2.5e-3"]);
    expect(formatValueTicks([1.0005, 1.001])).toEqual(["1.0005", "1.001"]);
    expect(formatValueTicks([20000, 40000])).toEqual(["2e4", "4e4"]);
  });

  it("formats step ticks with k and M", () => {
    expect(formatStepTicks([0, 5000, 10000, 15000, 20000])).toEqual(["0", "5k", "10k", "15k", "20k"]);
    expect(formatStepTicks([0, 1500, 3000])).toEqual(["0", "1.5k", "3k"]);
    expect(formatStepTicks([0, 200, 400])).toEqual(["0", "200", "400"]);
    expect(formatStepTicks([1_000_000, 2_000_000])).toEqual(["1M", "2M"]);
    expect(formatStepTicks([100_000, 100_050, 100_100])).toEqual(["100k", "100.05k", "100.1k"]);
  });
});

describe("paddedRange", () => {
  it("pads a linear range by 5% of its span", () => {
    expect(paddedRange([0, 1], false)).toEqual([-0.05, 1.05]);
    expect(paddedRange([2, 12], false)).toEqual([1.5, 12.5]);
  });

  it("pads a log range by 5% of its decades", () => {
    expect(paddedRange([0.01, 100], true)).toEqual([Math.pow(10, -2.2), Math.pow(10, 2.2)]);
  });

  it("widens a single value", () => {
    expect(paddedRange([5, 5], false)).toEqual([4.5, 5.5]);
    expect(paddedRange([0, 0], false)).toEqual([-1, 1]);
    expect(paddedRange([0.5, 0.5], true)).toEqual([0.25, 1]);
  });

  it("has a default without data", () => {
    expect(paddedRange(null, false)).toEqual([0, 1]);
    expect(paddedRange(null, true)).toEqual([0.1, 10]);
  });
});
