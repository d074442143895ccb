import { describe, expect, it } from "vitest";
import { clampSmoothing, DebiasedEma } from "./ema";

describe("DebiasedEma", () => {
  it("starts at the first value (the debiasing removes the pull towards 0)", () => {
    expect(new DebiasedEma(0.9).push(5)).toBe(5);
  });

  it("equals the formula with Math.pow at every step of a long run", () => {
    // Long enough for s^n to vanish, where the implementation stops calling Math.pow.
    const s = 0.6;
    const ema = new DebiasedEma(s);
    let last = 0;
    for (let n = 1; n <= 200; n++) {
      const value = Math.sin(n) + 2;
      last = last * s + (1 - s) * value;
      expect(ema.push(value)).toBe(last / (1 - Math.pow(s, n)));
    }
  });

  it("passes non-finite values through without counting them", () => {
    const ema = new DebiasedEma(0.5);
    ema.push(1);
    expect(ema.push(Infinity)).toBe(Infinity);
    expect(ema.push(3)).toBe(7 / 3);
  });
});

describe("clampSmoothing", () => {
  it("keeps factors in [0, 0.999]", () => {
    expect([clampSmoothing(0.6), clampSmoothing(1), clampSmoothing(-1), clampSmoothing(NaN)]).toEqual([0.6, 0.999, 0, 0]);
  });
});
