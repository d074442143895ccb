// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { FakeModel } from "../shared/fake_model";
import type { NetworkDiagramTraits } from "../shared/protocol";
import { widgetHarness } from "../shared/widget_harness";
import { convNetJson, mlpJson } from "./fixtures";
import widget, { formatValue } from "./widget";

const SIZES = [1, 30, 20, 1];

/** A weights message for an MLP, every buffer a DataView at an odd byte offset. */
function weightsFor(sizes: number[], version: number, fill = (k: number, n: number) => Math.sin(k + n)): [unknown, DataView[]] {
  const buffers: DataView[] = [];
  const layers = sizes.slice(1).map((nOut, k) => {
    const nIn = sizes[k];
    for (const count of [nIn * nOut, nOut]) {
      const bytes = new ArrayBuffer(1 + 4 * count);
      const view = new DataView(bytes);
      for (let n = 0; n < count; n++) view.setFloat32(1 + 4 * n, fill(k, n), true);
      buffers.push(new DataView(bytes, 1, 4 * count));
    }
    return { layer: k, n_in: nIn, n_out: nOut, bias: true };
  });
  return [{ v: 1, kind: "weights", version, layers }, buffers];
}

const h = widgetHarness(widget);
const { flushFrames, resizeTo, frames, observers, $ } = h;

let model: FakeModel<NetworkDiagramTraits>;

function renderDiagram(architecture: unknown = mlpJson(SIZES), overrides: Partial<NetworkDiagramTraits> = {}) {
  model = new FakeModel<NetworkDiagramTraits>({ architecture, height: 360, title: "", editable: true, ...overrides });
  h.render(model);
}

const diagram = () => $('[data-testid="network-diagram"]');

describe("NetworkDiagram rendering", () => {
  it("sends ready and renders the documented DOM hooks", () => {
    renderDiagram(mlpJson(SIZES), { title: "MLP" });
    expect(model.sent).toEqual([{ v: 1, kind: "ready" }]);
    for (const selector of ['[data-testid="network-diagram"]', '[data-testid="diagram-canvas"]', '[data-testid="diagram-readout"]']) {
      expect(h.el.querySelector(selector), selector).not.toBeNull();
    }
    expect($('[data-testid="diagram-title"]').textContent).toBe("MLP · 701 params");
    expect(h.el.querySelector('[data-testid="diagram-tree"]')).toBeNull();
  });

  it("sizes the canvas from the height trait and the container's width", () => {
    renderDiagram(mlpJson(SIZES), { height: 300 });
    resizeTo(640);
    flushFrames();
    const canvas = $<HTMLCanvasElement>('[data-testid="diagram-canvas"]');
    expect(canvas.style.height).toBe("300px");
    expect(canvas.width).toBe(640 * (window.devicePixelRatio || 1));
  });

  it("draws the 1-30-20-1 MLP's layers and 650 edges, then marks the version", () => {
    renderDiagram();
    resizeTo(640);
    const [content, buffers] = weightsFor(SIZES, 7);
    model.receive(content, buffers);
    expect(diagram().dataset.version).toBe("");
    flushFrames();
    expect(diagram().dataset.layers).toBe("4");
    expect(diagram().dataset.edges).toBe("650");
    expect(diagram().dataset.version).toBe("7");
    const [next, nextBuffers] = weightsFor(SIZES, 8, () => 0.25);
    model.receive(next, nextBuffers);
    flushFrames();
    expect(diagram().dataset.version).toBe("8");
  });

  it("keeps the last weights and reports a malformed message on the console", () => {
    renderDiagram();
    resizeTo(640);
    const [content, buffers] = weightsFor(SIZES, 3);
    model.receive(content, buffers);
    flushFrames();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    model.receive({ v: 1, kind: "weights", version: 4, layers: [{ layer: 0, n_in: 1, n_out: 30, bias: true }] }, []);
    flushFrames();
    expect(error).toHaveBeenCalledTimes(1);
    expect(diagram().dataset.version).toBe("3");
  });

  it("draws a conv net's large dense layer as a heatmap and the rest as edges", () => {
    renderDiagram(convNetJson());
    resizeTo(800);
    const buffers: DataView[] = [];
    const layers = [[4, 1568, 64], [6, 64, 10]].map(([layer, nIn, nOut]) => {
      buffers.push(new DataView(new Float32Array(nIn * nOut).fill(0.5).buffer), new DataView(new Float32Array(nOut).buffer));
      return { layer, n_in: nIn, n_out: nOut, bias: true };
    });
    model.receive({ v: 1, kind: "weights", version: 2, layers }, buffers);
    flushFrames();
    expect(diagram().dataset.edges).toBe("640");
    expect(Number(diagram().dataset.layers)).toBeGreaterThan(0);
    expect(diagram().dataset.version).toBe("2");
  });

  it("reads out the weight or bias under the pointer and clears on leave", () => {
    renderDiagram();
    resizeTo(640);
    const [content, buffers] = weightsFor(SIZES, 1, (k, n) => (k === 0 ? -0.4213 : 0.0123 * (n + 1)));
    model.receive(content, buffers);
    flushFrames();
    const canvas = $<HTMLCanvasElement>('[data-testid="diagram-canvas"]');
    vi.spyOn(canvas, "getBoundingClientRect").mockReturnValue({ left: 0, top: 0 } as DOMRect);
    // The single output neuron of dense_2 sits at the right end, mid-height of the drawing.
    const move = (x: number, y: number) => canvas.dispatchEvent(Object.assign(new Event("pointermove"), { clientX: x, clientY: y }));
    move(624, (16 + 360 - 16 - 40) / 2);
    expect($('[data-testid="diagram-readout"]').textContent).toBe("dense_2 neuron 0 bias = 0.0123");
    canvas.dispatchEvent(new Event("pointerleave"));
    expect($('[data-testid="diagram-readout"]').textContent).toBe("");
  });

  it("shows the reason and the parameter tree when the model is not drawable", () => {
    renderDiagram({ ...mlpJson(SIZES), drawable: false, reason: "a recurrent cell cannot be drawn" });
    resizeTo(640);
    flushFrames();
    expect(diagram().dataset.layers).toBe("0");
    expect(diagram().textContent).toContain("a recurrent cell cannot be drawn");
    const rows = h.el.querySelectorAll('[data-testid="diagram-tree"] tbody tr');
    expect(rows.length).toBe(6);
    expect(rows[0].textContent).toBe("weights[0]30×130");
    expect($<HTMLCanvasElement>('[data-testid="diagram-canvas"]').hidden).toBe(true);
  });

  it("redraws when the architecture changes", () => {
    renderDiagram({ ...mlpJson(SIZES), drawable: false, reason: "no" });
    resizeTo(640);
    flushFrames();
    model.set("architecture", mlpJson([2, 3]));
    flushFrames();
    expect(diagram().dataset.layers).toBe("2");
    expect(diagram().dataset.edges).toBe("6");
    expect(h.el.querySelector('[data-testid="diagram-tree"]')).toBeNull();
  });

  it("reports an invalid architecture instead of drawing", () => {
    renderDiagram({ layers: "nope" });
    flushFrames();
    expect(diagram().dataset.layers).toBe("0");
    expect(diagram().textContent).toContain("architecture.layers must be an array");
  });

  it("removes its listeners, observers and pending frames on cleanup", () => {
    renderDiagram();
    expect(model.listenerCount()).toBeGreaterThan(0);
    expect(frames.size).toBe(1);
    h.cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(frames.size).toBe(0);
    expect(observers.every((o) => o.disconnected)).toBe(true);
    expect(h.el.querySelector('[data-testid="network-diagram"]')).toBeNull();
  });
});

describe("formatValue", () => {
  it("keeps 4 significant digits", () => {
    expect(formatValue(-0.42131)).toBe("-0.4213");
    expect(formatValue(0.0123)).toBe("0.0123");
    expect(formatValue(NaN)).toBe("NaN");
  });
});
