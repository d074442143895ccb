import { describe, expect, it } from "vitest";
import { parseLearningRate, parseStepSize } from "./parse";

describe("parseLearningRate", () => {
  it.each([
    ["3e-4", 3e-4],
    ["0.001", 0.001],
    [" .01 ", 0.01],
    ["1", 1],
  ])("accepts %j", (text, value) => {
    expect(parseLearningRate(text)).toBe(value);
  });

  it.each(["", "abc", "0", "-1", "1e400", "NaN", "Infinity", "0.1.2"])("rejects %j", (text) => {
    expect(parseLearningRate(text)).toBeNull();
  });
});

describe("parseStepSize", () => {
  it("accepts whole numbers of steps from 1", () => {
    expect(parseStepSize("25")).toBe(25);
    expect(parseStepSize(" 1 ")).toBe(1);
  });

  it.each(["", "0", "-5", "2.5", "1e3", "ten"])("rejects %j", (text) => {
    expect(parseStepSize(text)).toBeNull();
  });
});
