import { describe, expect, it } from "vitest";
import { formatReadout, readoutAt } from "./readout";
import { Series } from "./series";

function series(name: string, steps: number[], values: number[], smoothing = 0): Series {
  const s = new Series(name, smoothing);
  s.append(new Uint32Array(steps), new Float32Array(values));
  return s;
}

describe("readoutAt", () => {
  const loss = series("loss", [0, 10, 20, 30], [4, 2, 1, 0.5]);
  const valLoss = series("val_loss", [0, 20], [5, 1.5]);
  const empty = series("acc", [], []);

  it("reads the latest point of each series when not hovering", () => {
    expect(readoutAt([loss, valLoss, empty], null, 0)).toEqual([
      { name: "loss", step: 30, value: 0.5, smoothed: null },
      { name: "val_loss", step: 20, value: 1.5, smoothed: null },
    ]);
  });

  it("reads the point nearest to the cursor's step in each series", () => {
    expect(readoutAt([loss, valLoss], 12.4, 0)).toEqual([
      { name: "loss", step: 10, value: 2, smoothed: null },
      { name: "val_loss", step: 20, value: 1.5, smoothed: null },
    ]);
  });

  it("includes the smoothed value when smoothing is on", () => {
    const smoothed = series("loss", [1, 2], [1, 3], 0.5);
    expect(readoutAt([smoothed], 2, 0.5)).toEqual([
      { name: "loss", step: 2, value: 3, smoothed: Math.fround(7 / 3) },
    ]);
  });
});

describe("formatReadout", () => {
  it("shows the step, then each series' value", () => {
    expect(
      formatReadout([
        { name: "loss", step: 1200, value: 0.2134, smoothed: null },
        { name: "val_loss", step: 1200, value: 0.25, smoothed: null },
      ]),
    ).toBe("step 1,200 · loss 0.2134 · val_loss 0.25");
  });

  it("names a series' own step when it differs, and its smoothed value", () => {
    expect(
      formatReadout([
        { name: "loss", step: 1200, value: 0.2134, smoothed: 0.22 },
        { name: "val_loss", step: 1000, value: 0.25, smoothed: 0.3 },
      ]),
    ).toBe("step 1,200 · loss 0.2134 (smoothed 0.22) · val_loss 0.25 (smoothed 0.3, step 1,000)");
  });

  it("shows NaN values as NaN", () => {
    expect(formatReadout([{ name: "loss", step: 5, value: NaN, smoothed: null }])).toBe("step 5 · loss NaN");
  });

  it("is empty without data", () => {
    expect(formatReadout([])).toBe("");
  });
});
