// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { FakeModel } from "../shared/fake_model";
import type { LossChartTraits, RunEntry } from "../shared/protocol";
import { widgetHarness } from "../shared/widget_harness";
import widget from "./widget";

/** A points message with plain typed-array buffers. */
function points(reset: boolean, series: Record<string, [number[], number[]]>): [unknown, DataView[]] {
  const buffers: DataView[] = [];
  for (const [steps, values] of Object.values(series)) {
    buffers.push(new DataView(new Uint32Array(steps).buffer), new DataView(new Float32Array(values).buffer));
  }
  const header = Object.entries(series).map(([name, [steps]]) => ({ name, count: steps.length }));
  return [{ v: 2, kind: "points", reset, series: header }, buffers];
}

const RUNS: RunEntry[] = [
  { key: "r1", label: "lr 1e-3", color: "#1f77b4", visible: true },
  { key: "r2", label: "lr 1e-2", color: "#ff7f0e", visible: true },
];

const h = widgetHarness(widget);
const { flushFrames, resizeTo, $ } = h;
let model: FakeModel<LossChartTraits>;

function renderChart(overrides: Partial<LossChartTraits> = {}) {
  model = new FakeModel<LossChartTraits>({ log_y: false, smoothing: 0, height: 280, title: "", best_step: -1, ...overrides });
  h.render(model);
  resizeTo(674);
}

function receive(series: Record<string, [number[], number[]]>) {
  const [content, buffers] = points(true, series);
  model.receive(content, buffers);
  flushFrames();
}

const chart = () => $('[data-testid="loss-chart"]');
const legendButtons = () => [...h.el.querySelectorAll<HTMLButtonElement>('[data-testid="run-legend"] [data-run]')];
const membersButton = () => $<HTMLButtonElement>('[data-action="toggle-members"]');

describe("a comparison chart", () => {
  const TWO_RUNS = {
    "r1:loss": [[0, 100, 200], [1, 0.5, 0.25]],
    "r1:val_loss": [[100, 200], [0.6, 0.3]],
    "r2:loss": [[0, 100, 200], [2, 1, 0.5]],
  } as Record<string, [number[], number[]]>;

  it("lists each run in the legend with its colour and label, pressed while shown", () => {
    renderChart({ runs: RUNS });
    receive(TWO_RUNS);
    expect(legendButtons().map((b) => [b.dataset.run, b.textContent, b.getAttribute("aria-pressed")])).toEqual([
      ["r1", "lr 1e-3", "true"],
      ["r2", "lr 1e-2", "true"],
    ]);
    expect(legendButtons()[1].querySelector<HTMLElement>(".jaxscope-run-swatch")!.style.background).toBe("rgb(255, 127, 14)");
    expect(chart().dataset.series).toBe("r1:loss,r1:val_loss,r2:loss");
    expect(chart().dataset.points).toBe("6");
  });

  it("hides a run on a legend click, writes `runs` back and leaves its series out", () => {
    renderChart({ runs: RUNS });
    receive(TWO_RUNS);
    legendButtons()[0].click();
    expect(model.get("runs")!.map((r) => r.visible)).toEqual([false, true]);
    expect(model.saves).toBe(1);
    flushFrames();
    expect(legendButtons()[0].getAttribute("aria-pressed")).toBe("false");
    expect(chart().dataset.series).toBe("r2:loss");
    expect(chart().dataset.runs).toBe("r2");
    expect($('[data-testid="readout"]').textContent).toBe("step 200 · lr 1e-2: loss 0.5");
    legendButtons()[0].click();
    expect(chart().dataset.runs).toBe("r1,r2");
  });

  it("reads out every shown run at the step under the pointer", () => {
    renderChart({ runs: RUNS });
    receive(TWO_RUNS);
    const canvas = $<HTMLCanvasElement>('[data-testid="loss-canvas"]');
    // the plot spans x = 60..660 for steps 0..200: x = 360 is step 100
    canvas.dispatchEvent(new MouseEvent("pointermove", { clientX: 360, clientY: 100 }));
    flushFrames();
    expect($('[data-testid="readout"]').textContent).toBe("step 100 · lr 1e-3: loss 0.5, val_loss 0.6 · lr 1e-2: loss 1");
  });

  it("has no legend of runs when it shows one run", () => {
    renderChart();
    receive({ loss: [[0], [1]] });
    expect($('[data-testid="run-legend"]').hidden).toBe(true);
    expect(chart().dataset.series).toBe("loss");
  });
});

describe("an ensemble's members", () => {
  const ENSEMBLE = {
    loss: [[0, 100, 200], [1, 0.5, 0.25]],
    "loss#lo": [[0, 100, 200], [0.8, 0.4, 0.2]],
    "loss#hi": [[0, 100, 200], [1.2, 0.6, 0.3]],
    "loss#0": [[0, 100, 200], [0.9, 0.45, 0.22]],
    "loss#1": [[0, 100, 200], [1.1, 0.55, 0.28]],
  } as Record<string, [number[], number[]]>;

  it("show while the pointer is over the chart, or always with the members toggle", () => {
    renderChart();
    receive({ loss: [[0], [1]] });
    expect(membersButton().hidden).toBe(true); // no ensemble: no toggle
    receive(ENSEMBLE);
    expect(membersButton().hidden).toBe(false);
    expect(chart().dataset.members).toBe("hidden");
    const canvas = $<HTMLCanvasElement>('[data-testid="loss-canvas"]');
    canvas.dispatchEvent(new MouseEvent("pointermove", { clientX: 360, clientY: 100 }));
    flushFrames();
    expect(chart().dataset.members).toBe("shown");
    expect($('[data-testid="readout"]').textContent).toMatch(/^step 100 · loss 0\.5 \(25–75 % 0\.4–0\.6/);
    canvas.dispatchEvent(new MouseEvent("pointerleave"));
    flushFrames();
    expect(chart().dataset.members).toBe("hidden");
    membersButton().click();
    flushFrames();
    expect(membersButton().getAttribute("aria-pressed")).toBe("true");
    expect(chart().dataset.members).toBe("shown");
  });
});

describe("the marked step", () => {
  it("follows the marked_step trait", () => {
    renderChart();
    receive({ loss: [[0, 1000], [1, 0.5]] });
    expect(chart().dataset.markedStep).toBe("-1");
    model.set("marked_step", 300);
    flushFrames();
    expect(chart().dataset.markedStep).toBe("300");
  });
});
