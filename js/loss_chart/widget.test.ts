// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { FakeModel } from "../shared/fake_model";
import type { LossChartTraits } from "../shared/protocol";
import { widgetHarness } from "../shared/widget_harness";
import widget from "./widget";

function traits(overrides: Partial<LossChartTraits> = {}): LossChartTraits {
  return { log_y: true, smoothing: 0, height: 280, title: "", best_step: -1, ...overrides };
}

/** A points message whose buffers are DataViews at odd byte offsets, as anywidget may deliver. */
function points(reset: boolean, series: Record<string, [number[], number[]]>): [unknown, DataView[]] {
  const buffers: DataView[] = [];
  for (const [steps, values] of Object.values(series)) {
    const bytes = new ArrayBuffer(1 + 8 * steps.length);
    const view = new DataView(bytes);
    steps.forEach((s, i) => view.setUint32(1 + 4 * i, s, true));
    values.forEach((v, i) => view.setFloat32(1 + 4 * steps.length + 4 * i, v, true));
    buffers.push(new DataView(bytes, 1, 4 * steps.length), new DataView(bytes, 1 + 4 * steps.length, 4 * values.length));
  }
  const header = Object.entries(series).map(([name, [steps]]) => ({ name, count: steps.length }));
  return [{ v: 2, kind: "points", reset, series: header }, buffers];
}

const h = widgetHarness(widget);
const { flushFrames, resizeTo, frames, observers, $ } = h;
/** Count full draws: each starts by filling the background. */
const backgroundFills = () => h.calls("fillRect");

let model: FakeModel<LossChartTraits>;

function renderChart(overrides: Partial<LossChartTraits> = {}) {
  model = new FakeModel(traits(overrides));
  h.render(model);
}

function receive(reset: boolean, series: Record<string, [number[], number[]]>) {
  const [content, buffers] = points(reset, series);
  model.receive(content, buffers);
}

const chart = () => $('[data-testid="loss-chart"]');

describe("LossChart rendering", () => {
  it("sends ready when rendered", () => {
    renderChart();
    expect(model.sent).toEqual([{ v: 2, kind: "ready" }]);
  });

  it("renders the documented DOM hooks", () => {
    renderChart();
    for (const selector of [
      '[data-testid="loss-chart"]',
      '[data-testid="loss-canvas"]',
      '[data-testid="readout"]',
      '[data-testid="smoothing"]',
      '[data-action="toggle-log"]',
      '[data-action="reset-zoom"]',
      '[data-action="export-png"]',
    ]) {
      expect(h.el.querySelector(selector), selector).not.toBeNull();
    }
    expect(chart().dataset.points).toBe("0");
    expect(chart().dataset.series).toBe("");
  });

  it("sizes the canvas from the height trait and the container's width", () => {
    renderChart({ height: 300 });
    resizeTo(640);
    flushFrames();
    const canvas = $<HTMLCanvasElement>('[data-testid="loss-canvas"]');
    expect(canvas.style.height).toBe("300px");
    expect(canvas.width).toBe(640 * (window.devicePixelRatio || 1));
    model.set("height", 200);
    flushFrames();
    expect(canvas.style.height).toBe("200px");
  });
});

describe("LossChart points", () => {
  it("holds the history sent in answer to ready", () => {
    renderChart();
    receive(true, { loss: [[0, 10, 20], [2, 1, 0.5]], val_loss: [[10], [1.5]] });
    expect(chart().dataset.points).toBe("3");
    expect(chart().dataset.series).toBe("loss,val_loss");
  });

  it("appends new points and ignores a repeated message", () => {
    renderChart();
    receive(true, { loss: [[0, 10], [2, 1]] });
    receive(false, { loss: [[20, 30], [0.5, 0.25]] });
    receive(false, { loss: [[20, 30], [0.5, 0.25]] });
    expect(chart().dataset.points).toBe("4");
  });

  it("lists only series that hold points", () => {
    renderChart();
    receive(true, { loss: [[0], [2]], val_loss: [[], []] });
    expect(chart().dataset.series).toBe("loss");
  });

  it("empties on an empty reset", () => {
    renderChart();
    receive(true, { loss: [[0, 10], [2, 1]] });
    receive(true, {});
    expect(chart().dataset.points).toBe("0");
    expect(chart().dataset.series).toBe("");
  });

  it("reads out the latest values", () => {
    renderChart();
    receive(true, { loss: [[0, 10, 1200], [2, 1, 0.25]], val_loss: [[1000], [0.5]] });
    flushFrames();
    expect($('[data-testid="readout"]').textContent).toBe("step 1,200 · loss 0.25 · val_loss 0.5 (step 1,000)");
  });

  it("reports a malformed message on the console and keeps what it holds", () => {
    renderChart();
    receive(true, { loss: [[0], [2]] });
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    model.receive({ v: 2, kind: "points", reset: false, series: [{ name: "loss", count: 2 }] }, []);
    expect(error).toHaveBeenCalledTimes(1);
    expect(chart().dataset.points).toBe("1");
  });

  it("ignores custom messages of other kinds", () => {
    renderChart();
    model.receive({ v: 2, kind: "something-new" }, []);
    expect(chart().dataset.points).toBe("0");
  });
});

describe("LossChart flow control", () => {
  it("initialize acks a ping one frame after the frame that draws the points before it", () => {
    renderChart();
    const stop = widget.initialize({ model });
    resizeTo(600);
    flushFrames();
    expect(backgroundFills()).toBe(1);
    receive(true, { loss: [[0, 10], [2, 1]] });
    model.receive({ v: 2, kind: "ping", frame: 3 });
    flushFrames();
    expect(backgroundFills()).toBe(2);
    expect(model.sent).toEqual([{ v: 2, kind: "ready" }]);
    flushFrames();
    expect(model.sent).toEqual([{ v: 2, kind: "ready" }, { v: 2, kind: "ack", frame: 3 }]);
    stop();
  });
});

describe("LossChart drawing", () => {
  it("draws at most once per frame, only when something changed", () => {
    renderChart();
    resizeTo(600);
    flushFrames();
    expect(backgroundFills()).toBe(1);
    receive(true, { loss: [[0, 10], [2, 1]] });
    receive(false, { loss: [[20], [0.5]] });
    model.set("title", "mlp");
    flushFrames();
    expect(backgroundFills()).toBe(2);
    flushFrames();
    expect(backgroundFills()).toBe(2);
  });

  it("redraws when JupyterLab switches theme", async () => {
    renderChart();
    resizeTo(600);
    flushFrames();
    document.body.setAttribute("data-jp-theme-light", "false");
    await Promise.resolve();
    flushFrames();
    expect(backgroundFills()).toBe(2);
    document.body.removeAttribute("data-jp-theme-light");
  });

  it("does not draw before it has a width", () => {
    renderChart();
    receive(true, { loss: [[0, 10], [2, 1]] });
    flushFrames();
    expect(backgroundFills()).toBe(0);
  });
});

describe("LossChart toolbar", () => {
  it("toggles the log axis and writes log_y back", () => {
    renderChart({ log_y: true });
    const toggle = $<HTMLButtonElement>('[data-action="toggle-log"]');
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    toggle.click();
    expect(model.get("log_y")).toBe(false);
    expect(model.saves).toBe(1);
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
  });

  it("writes the smoothing while the slider moves and saves when released", () => {
    renderChart({ smoothing: 0.6 });
    const slider = $<HTMLInputElement>('[data-testid="smoothing"]');
    expect(slider.value).toBe("0.6");
    slider.value = "0.3";
    slider.dispatchEvent(new Event("input"));
    expect(model.get("smoothing")).toBe(0.3);
    expect(model.saves).toBe(0);
    slider.dispatchEvent(new Event("change"));
    expect(model.saves).toBe(1);
  });

  it("follows a smoothing set from Python", () => {
    renderChart({ smoothing: 0.6 });
    model.set("smoothing", 0.9);
    expect($<HTMLInputElement>('[data-testid="smoothing"]').value).toBe("0.9");
    receive(true, { loss: [[1, 2], [1, 3]] });
    model.set("smoothing", 0.5);
    flushFrames();
    expect($('[data-testid="readout"]').textContent).toBe("step 2 · loss 3 (smoothed 2.333)");
  });

  it("downloads the canvas as loss.png", () => {
    renderChart();
    resizeTo(600);
    vi.spyOn(HTMLCanvasElement.prototype, "toDataURL").mockReturnValue("data:image/png;base64,AAAA");
    const downloads: { href: string; download: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      downloads.push({ href: this.href, download: this.download });
    });
    $<HTMLButtonElement>('[data-action="export-png"]').click();
    expect(downloads).toEqual([{ href: "data:image/png;base64,AAAA", download: "loss.png" }]);
    expect(backgroundFills()).toBe(1);
  });
});

describe("LossChart zoom and hover", () => {
  function readyToInteract() {
    renderChart({ log_y: false });
    resizeTo(674);
    receive(true, { loss: [[0, 100, 200, 300, 400, 500, 600], [6, 5, 4, 3, 2, 1, 0.5]] });
    flushFrames();
    return $<HTMLCanvasElement>('[data-testid="loss-canvas"]');
  }
  const resetZoom = () => $<HTMLButtonElement>('[data-action="reset-zoom"]');

  it("zooms on the wheel and returns to following on double-click", () => {
    const canvas = readyToInteract();
    expect(resetZoom().classList.contains("jaxscope-idle")).toBe(true);
    canvas.dispatchEvent(new WheelEvent("wheel", { clientX: 360, clientY: 100, deltaY: -200, cancelable: true }));
    expect(resetZoom().classList.contains("jaxscope-idle")).toBe(false);
    canvas.dispatchEvent(new MouseEvent("dblclick"));
    expect(resetZoom().classList.contains("jaxscope-idle")).toBe(true);
  });

  it("returns to following with the reset-zoom button", () => {
    const canvas = readyToInteract();
    canvas.dispatchEvent(new WheelEvent("wheel", { clientX: 360, clientY: 100, deltaY: -200, cancelable: true }));
    resetZoom().click();
    expect(resetZoom().classList.contains("jaxscope-idle")).toBe(true);
  });

  it("reads out the points nearest to the cursor", () => {
    const canvas = readyToInteract();
    // the plot spans x = 60..660 for steps 0..600: x = 262 is step 202
    canvas.dispatchEvent(new MouseEvent("pointermove", { clientX: 262, clientY: 100 }));
    flushFrames();
    expect($('[data-testid="readout"]').textContent).toBe("step 200 · loss 4");
    canvas.dispatchEvent(new MouseEvent("pointerleave"));
    flushFrames();
    expect($('[data-testid="readout"]').textContent).toBe("step 600 · loss 0.5");
  });
});

describe("LossChart cleanup", () => {
  it("removes listeners, observers, pending frames and its DOM", () => {
    renderChart();
    receive(true, { loss: [[0], [2]] });
    expect(frames.size).toBe(1);
    h.cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(observers.every((o) => o.disconnected)).toBe(true);
    expect(frames.size).toBe(0);
    expect(h.el.children.length).toBe(0);
  });
});
