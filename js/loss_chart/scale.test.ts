import { describe, expect, it } from "vitest";
import { makeScale } from "./scale";

describe("makeScale", () => {
  it("maps a linear domain onto pixels and back", () => {
    const x = makeScale([0, 100], [60, 560]);
    expect(x.toPixel(0)).toBe(60);
    expect(x.toPixel(50)).toBe(310);
    expect(x.toPixel(100)).toBe(560);
    expect(x.toData(310)).toBe(50);
  });

  it("maps a log domain in decades, top to bottom", () => {
    const y = makeScale([0.01, 100], [200, 0], true);
    expect(y.toPixel(0.01)).toBe(200);
    expect(y.toPixel(1)).toBe(100);
    expect(y.toPixel(100)).toBe(0);
    expect(y.toData(150)).toBe(0.1);
  });
});
