// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { FakeModel } from "../shared/fake_model";
import type { LossChartTraits } from "../shared/protocol";
import { widgetHarness } from "../shared/widget_harness";
import widget from "./widget";

type Traits = LossChartTraits & { snapshot: unknown };

/** A snapshot trait as the kernel keeps it: one reset points message, its buffers flat. */
function snapshot(series: Record<string, [number[], number[]]>) {
  const buffers: DataView[] = [];
  for (const [steps, values] of Object.values(series)) {
    buffers.push(new DataView(new Uint32Array(steps).buffer), new DataView(new Float32Array(values).buffer));
  }
  const header = Object.entries(series).map(([name, [steps]]) => ({ name, count: steps.length }));
  return { messages: [{ v: 2, kind: "points", reset: true, series: header }], counts: [buffers.length], buffers };
}

function live(series: Record<string, [number[], number[]]>): [unknown, DataView[]] {
  const kept = snapshot(series);
  return [kept.messages[0], kept.buffers];
}

const h = widgetHarness(widget);
const chart = () => h.$('[data-testid="loss-chart"]');
let model: FakeModel<Traits>;

function renderChart(kept: unknown) {
  model = new FakeModel<Traits>({ log_y: true, smoothing: 0, height: 280, title: "", best_step: -1, snapshot: kept });
  h.render(model);
}

describe("LossChart saved picture", () => {
  it("draws the snapshot kept in widget state when no kernel sent points", () => {
    renderChart(snapshot({ loss: [[1, 2, 3], [3, 2, 1]], val_loss: [[3], [2.5]] }));
    expect(chart().dataset.points).toBe("3");
    expect(chart().dataset.series).toBe("loss,val_loss");
  });

  it("is replaced by the live history answering ready", () => {
    renderChart(snapshot({ loss: [[1, 2, 3], [3, 2, 1]] }));
    model.receive(...live({ loss: [[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]] }));
    expect(chart().dataset.points).toBe("5");
  });

  it("is ignored once live points arrived (a snapshot kept at a pause)", () => {
    renderChart({ messages: [], counts: [], buffers: [] });
    model.receive(...live({ loss: [[1, 2], [2, 1]] }));
    model.set("snapshot", snapshot({ loss: [[1], [2]] }));
    expect(chart().dataset.points).toBe("2");
  });

  it("draws a snapshot that arrives before the first live points", () => {
    renderChart({ messages: [], counts: [], buffers: [] });
    model.set("snapshot", snapshot({ loss: [[1, 2, 3, 4], [4, 3, 2, 1]] }));
    expect(chart().dataset.points).toBe("4");
  });
});
