import { describe, expect, it } from "vitest";
import { durationText, learningRateText, statusText, stepsPerSecondText, targetText } from "./format";

describe("control bar texts", () => {
  it("shows the status and the step with thousands separators", () => {
    expect(statusText("running", 12340)).toBe("running · step 12,340");
    expect(statusText("idle", 0)).toBe("idle · step 0");
  });

  it("says compiling is going on", () => {
    expect(statusText("compiling", 0)).toBe("compiling… · step 0");
    expect(statusText("compiling", 1500)).toBe("compiling… · step 1,500");
  });

  it.each([
    [5400, "5,400 steps/s"],
    [5432.7, "5,433 steps/s"],
    [42.4, "42 steps/s"],
    [2.46, "2.5 steps/s"],
    [0, "0 steps/s"],
    [NaN, "0 steps/s"],
  ])("shows %s steps per second as %s", (rate, text) => {
    expect(stepsPerSecondText(rate)).toBe(text);
  });

  it.each([
    [0.01, "0.01"],
    [3e-4, "3e-4"],
    [0.001, "1e-3"],
    [0.1, "0.1"],
    [1, "1"],
    [null, ""],
  ])("shows the learning rate %s as %s", (rate, text) => {
    expect(learningRateText(rate)).toBe(text);
  });
});

describe("durationText", () => {
  it.each([
    [0.4, "0:00"],
    [2.4, "0:02"],
    [59.6, "1:00"],
    [125, "2:05"],
    [3725, "1:02:05"],
  ])("%s s reads %s", (seconds, text) => expect(durationText(seconds)).toBe(text));
});

describe("targetText", () => {
  it("gives the target and the time left at the current speed", () => {
    expect(targetText(1200, 5000, 2345)).toBe("/ 5,000 · ETA 0:02");
  });
  it("gives only the target before the speed is known", () => {
    expect(targetText(0, 5000, 0)).toBe("/ 5,000");
  });
  it("is empty without a target", () => {
    expect(targetText(1200, -1, 2345)).toBe("");
  });
});
