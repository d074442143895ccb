import { describe, expect, it } from "vitest";
import { METRIC_PALETTE, seriesStyle } from "./series_style";

describe("seriesStyle", () => {
  const names = ["loss", "val_loss", "acc", "val_acc", "mae"];

  it("draws the training loss blue and the validation loss orange", () => {
    expect(seriesStyle("loss", names)).toEqual({ color: "#1f77b4", dashed: false });
    expect(seriesStyle("val_loss", names)).toEqual({ color: "#ff7f0e", dashed: false });
  });

  it("gives metrics palette colours in the order they arrived", () => {
    expect(seriesStyle("acc", names)).toEqual({ color: METRIC_PALETTE[0], dashed: false });
    expect(seriesStyle("mae", names)).toEqual({ color: METRIC_PALETTE[1], dashed: false });
  });

  it("draws val_<metric> dashed in the colour of <metric>", () => {
    expect(seriesStyle("val_acc", names)).toEqual({ color: METRIC_PALETTE[0], dashed: true });
  });

  it("cycles through the palette", () => {
    const many = Array.from({ length: 10 }, (_, i) => `m${i}`);
    expect(seriesStyle("m8", many).color).toBe(METRIC_PALETTE[0]);
  });
});
