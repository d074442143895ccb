import { describe, expect, it } from "vitest";
import { formatCompact, formatInteger, formatSteps } from "./format";

describe("formatCompact", () => {
  it.each([
    [0.001, "1e-3"],
    [0.0003, "3e-4"],
    [0.00025, "2.5e-4"],
    [0.01, "0.01"],
    [0.02, "0.02"],
    [1.5, "1.5"],
    [0.123456, "0.123"],
    [9990, "9990"],
    [9999, "1e4"],
    [12345, "1.23e4"],
    [-0.5, "-0.5"],
    [0, "0"],
    [NaN, "NaN"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
  ])("formats %s as %s", (value, text) => {
    expect(formatCompact(value)).toBe(text);
  });

  it("keeps as many significant digits as asked for", () => {
    expect(formatCompact(0.123456, 4)).toBe("0.1235");
    expect(formatCompact(0.0012346, 4)).toBe("1.235e-3");
  });
});

describe("formatInteger", () => {
  it.each([
    [0, "0"],
    [999, "999"],
    [12340, "12,340"],
    [1234567, "1,234,567"],
    [-1000, "-1,000"],
    [5399.6, "5,400"],
  ])("formats %s as %s", (value, text) => {
    expect(formatInteger(value)).toBe(text);
  });
});

describe("formatSteps", () => {
  it.each([
    [0, "0"],
    [500, "500"],
    [1500, "1.5k"],
    [20000, "20k"],
    [12500, "12.5k"],
    [1_200_000, "1.2M"],
  ])("formats %s as %s", (value, text) => {
    expect(formatSteps(value)).toBe(text);
  });
});
