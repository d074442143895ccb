import { describe, expect, it } from "vitest";
import { mainName, parseSeriesName } from "./series_name";

describe("parseSeriesName", () => {
  it("reads a plain metric as a main line", () => {
    expect(parseSeriesName("val_loss", false)).toEqual({ run: null, metric: "val_loss", part: "main", member: -1 });
  });

  it("reads an ensemble's band, members and diverged points", () => {
    expect(parseSeriesName("loss#lo", false)).toEqual({ run: null, metric: "loss", part: "lo", member: -1 });
    expect(parseSeriesName("val_acc#hi", false)).toEqual({ run: null, metric: "val_acc", part: "hi", member: -1 });
    expect(parseSeriesName("loss#12", false)).toEqual({ run: null, metric: "loss", part: "member", member: 12 });
    expect(parseSeriesName("diverged#3", false)).toEqual({ run: null, metric: "loss", part: "diverged", member: 3 });
  });

  it("reads the run key only in a comparison chart", () => {
    expect(parseSeriesName("r2:loss#hi", true)).toEqual({ run: "r2", metric: "loss", part: "hi", member: -1 });
    expect(parseSeriesName("r1:diverged#0", true)).toEqual({ run: "r1", metric: "loss", part: "diverged", member: 0 });
    expect(parseSeriesName("a:b", false)).toEqual({ run: null, metric: "a:b", part: "main", member: -1 });
  });

  it("keeps any other '#' in the metric's name", () => {
    expect(parseSeriesName("top#k", false)).toEqual({ run: null, metric: "top#k", part: "main", member: -1 });
  });

  it("names a run's main line", () => {
    expect(mainName("r1", "loss")).toBe("r1:loss");
    expect(mainName(null, "loss")).toBe("loss");
  });
});
