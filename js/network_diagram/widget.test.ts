// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FakeModel } from "../shared/fake_model";
import type { NetworkDiagramTraits } from "../shared/protocol";
import { widgetHarness } from "../shared/widget_harness";
import { convNetJson, loneArrayBlocksJson, mlpJson, rgbConvNetJson, transformerBlocksJson } from "./fixtures";
import { kernelAtlasPixels, kernelIndex } from "./kernels";
import { diagramLayout } from "./layout";
import { parseArchitecture } from "./spec";
import widget, { DRAW_MEASURE, formatValue } from "./widget";

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
  return [{ v: 2, kind: "weights", version, layers }, buffers];
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
    expect(model.sent).toEqual([{ v: 2, kind: "ready" }]);
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
    model.receive({ v: 2, kind: "weights", version: 4, layers: [{ layer: 0, n_in: 1, n_out: 30, bias: true }] }, []);
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
    model.receive({ v: 2, kind: "weights", version: 2, layers }, buffers);
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

  it("times each redraw as a jaxscope:diagram-draw performance measure", () => {
    const measure = vi.spyOn(performance, "measure");
    renderDiagram();
    resizeTo(640);
    flushFrames();
    expect(measure).toHaveBeenCalledTimes(1);
    const [name, options] = measure.mock.calls[0] as [string, { start: number; end: number }];
    expect(name).toBe(DRAW_MEASURE);
    expect(name).toBe("jaxscope:diagram-draw");
    expect(options.end).toBeGreaterThanOrEqual(options.start);
    expect(performance.getEntriesByName(DRAW_MEASURE)).toEqual([]);
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

describe("NetworkDiagram block mode", () => {
  const blockStats = (version: number, rms: (number | null)[], update: (number | null)[] = rms.map(() => null)) => ({
    v: 2, kind: "block_stats", version, step: 10 * version, rms, update,
  });
  const blocks = () => [...h.el.querySelectorAll<HTMLElement>('[data-testid="diagram-block"]')];
  const shown = (testid: string) => !$(`[data-testid="${testid}"]`).hidden;

  it("shows the blocks, the note and the title instead of the canvas, the toolbar and the fallback", () => {
    renderDiagram(transformerBlocksJson(), { title: "Transformer" });
    resizeTo(640);
    flushFrames();
    expect([diagram().dataset.mode, diagram().dataset.blocks, diagram().dataset.layers]).toEqual(["blocks", "4", "0"]);
    expect(["diagram-blocks", "diagram-canvas", "diagram-toolbar", "diagram-fallback", "diagram-note"].map(shown)).toEqual([
      true, false, false, false, true,
    ]);
    expect($('[data-testid="diagram-title"]').textContent).toBe("Transformer · 17,930 params");
    expect($('[data-testid="diagram-note"]').textContent).toBe(
      "drawn as blocks: it uses attention (a product of two activations), which no neuron diagram shows",
    );
    expect(blocks().map((b) => b.dataset.name)).toEqual(["embed", "blocks[0]", "blocks[1]", "head"]);
    expect(h.calls("fillRect")).toBe(0);
    expect(h.el.querySelector('[data-testid="diagram-tree"]')).toBeNull();
  });

  it("draws blocks even where the spec is not drawable, its reason not shown", () => {
    renderDiagram(loneArrayBlocksJson());
    flushFrames();
    expect(diagram().dataset.mode).toBe("blocks");
    expect(blocks()[0].textContent).toContain("array 1000×2");
    expect(h.el.querySelector('[data-testid="diagram-reason"]')).toBeNull();
  });

  it("shades the blocks from the latest block_stats message once a frame, then marks its version", () => {
    renderDiagram(transformerBlocksJson());
    model.receive(blockStats(1, [0.1, 0.01, 0.001, null]));
    model.receive(blockStats(2, [0.4, 0.2, 0.1, 0.05], [null, 1e-3, 1e-2, 1e-1]));
    expect(diagram().dataset.version).toBe("");
    expect(blocks().map((b) => b.dataset.shade)).toEqual(["", "", "", ""]);
    flushFrames();
    expect(diagram().dataset.version).toBe("2");
    expect(blocks().map((b) => b.dataset.shade)).toEqual(["1.000", "0.667", "0.333", "0.000"]);
    expect(blocks().map((b) => b.dataset.value)).toEqual(["0.4", "0.2", "0.1", "0.05"]);
    expect(blocks()[1].querySelector('[data-testid="diagram-block-stats"]')!.textContent).toBe("RMS 0.2 · update 1e-3 / step");
    $<HTMLButtonElement>('[data-testid="diagram-blocks-colour"][data-statistic="update"]').click();
    expect(blocks().map((b) => b.dataset.shade)).toEqual(["", "0.000", "0.500", "1.000"]);
  });

  it("reports a malformed or mismatched block_stats message on the console and keeps the last", () => {
    renderDiagram(transformerBlocksJson());
    model.receive(blockStats(1, [0.1, 0.01, 0.001, null]));
    flushFrames();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    model.receive({ ...blockStats(2, [0.1, 0.2, 0.3, 0.4]), rms: "no" });
    flushFrames();
    model.receive(blockStats(3, [0.1, 0.2]));
    flushFrames();
    expect(error).toHaveBeenCalledTimes(2);
    expect(diagram().dataset.version).toBe("1");
    expect(blocks().map((b) => b.dataset.value)).toEqual(["0.1", "0.01", "0.001", ""]);
  });

  it("switches between neurons and blocks when the architecture changes", () => {
    renderDiagram(mlpJson([2, 3]));
    resizeTo(640);
    flushFrames();
    expect([diagram().dataset.mode, diagram().dataset.blocks, diagram().dataset.layers]).toEqual(["neurons", "0", "2"]);
    expect(["diagram-blocks", "diagram-canvas", "diagram-toolbar", "diagram-note"].map(shown)).toEqual([false, true, true, false]);
    model.set("architecture", transformerBlocksJson());
    flushFrames();
    expect([diagram().dataset.mode, diagram().dataset.blocks, diagram().dataset.layers, diagram().dataset.edges]).toEqual([
      "blocks", "4", "0", "0",
    ]);
    expect(["diagram-blocks", "diagram-canvas", "diagram-toolbar", "diagram-note"].map(shown)).toEqual([true, false, false, true]);
    model.set("architecture", loneArrayBlocksJson());
    flushFrames();
    expect(blocks().map((b) => b.dataset.name)).toEqual(["params"]);
    expect(diagram().dataset.blocks).toBe("1");
    model.set("architecture", mlpJson([2, 3]));
    flushFrames();
    expect([diagram().dataset.mode, diagram().dataset.blocks, diagram().dataset.layers]).toEqual(["neurons", "0", "2"]);
    expect(["diagram-blocks", "diagram-canvas", "diagram-note"].map(shown)).toEqual([false, true, false]);
    expect(blocks()).toEqual([]);
  });
});

// ---- Thumbnails, enlarged maps, edit mode and conv kernels ----

const NET = [2, 8, 8, 1];
/** The widget's own layout at 640 x 360 (default padding and label band). */
const layoutAt = (architecture: unknown, options: { thumbnails?: boolean; kernels?: Map<number, readonly [number, number, number, number]> } = {}) =>
  diagramLayout(parseArchitecture(architecture), { width: 640, height: 360, ...options });

/** A 2-D grid's x at column c of `cols` over [-2, 2] (the network input x1). */
const gridX = (c: number, cols: number) => -2 + (4 * c) / (cols - 1);

/** An activations message for an MLP: the input column, then every dense layer's outputs; DataViews at odd offsets. */
function activationsFor(
  sizes: number[],
  shape: number[],
  version: number,
  fill = (layer: number, g: number, k: number) => 0.5 * Math.sin(g + k + layer),
): [unknown, DataView[]] {
  const points = shape.reduce((p, n) => p * n, 1);
  const cols = shape[shape.length - 1];
  const buffers: DataView[] = [];
  const columns = sizes.map((n, k) => {
    const layer = k - 1;
    const bytes = new ArrayBuffer(3 + 4 * points * n);
    const view = new DataView(bytes);
    for (let g = 0; g < points; g++) {
      for (let i = 0; i < n; i++) {
        const value = layer < 0 ? (i === 0 ? gridX(g % cols, cols) : 0.25) : fill(layer, g, i);
        view.setFloat32(3 + 4 * (g * n + i), value, true);
      }
    }
    buffers.push(new DataView(bytes, 3, 4 * points * n));
    return { layer, n };
  });
  return [{ v: 2, kind: "activations", version, grid: { shape, range: shape.map(() => [-2, 2]) }, columns }, buffers];
}

/** A stand-in for the browser's ImageData (jsdom has none), keeping the pixels it was given. */
class FakeImageData {
  constructor(
    readonly data: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
  ) {}
}

/** Pointer and mouse events at canvas coordinates (the canvas sits at the page's origin). */
function canvasAt() {
  const canvas = $<HTMLCanvasElement>('[data-testid="diagram-canvas"]');
  vi.spyOn(canvas, "getBoundingClientRect").mockReturnValue({ left: 0, top: 0 } as DOMRect);
  return {
    canvas,
    move: (x: number, y: number) => canvas.dispatchEvent(Object.assign(new Event("pointermove"), { clientX: x, clientY: y })),
    click: (x: number, y: number) => canvas.dispatchEvent(new MouseEvent("click", { clientX: x, clientY: y, bubbles: true })),
  };
}

const key = (target: Element, name: string) => target.dispatchEvent(new KeyboardEvent("keydown", { key: name, bubbles: true }));
const query = (testid: string) => h.el.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
const readoutText = () => $('[data-testid="diagram-readout"]').textContent;

describe("NetworkDiagram flow control", () => {
  it("initialize answers a ping after two frames even when the model is not shown", () => {
    model = new FakeModel<NetworkDiagramTraits>({ architecture: mlpJson(SIZES), height: 360, title: "", editable: true });
    const stop = widget.initialize({ model });
    model.receive({ v: 2, kind: "ping", frame: 0 });
    flushFrames();
    expect(model.sent).toEqual([]);
    flushFrames();
    expect(model.sent).toEqual([{ v: 2, kind: "ack", frame: 0 }]);
    stop();
    expect(model.listenerCount()).toBe(0);
  });
});

describe("NetworkDiagram thumbnails", () => {
  beforeEach(() => vi.stubGlobal("ImageData", FakeImageData));

  function renderWithActivations(fill?: (layer: number, g: number, k: number) => number) {
    renderDiagram(mlpJson(NET));
    resizeTo(640);
    const [weights, weightBuffers] = weightsFor(NET, 3);
    model.receive(weights, weightBuffers);
    const [content, buffers] = activationsFor(NET, [4, 4], 3, fill);
    model.receive(content, buffers);
    flushFrames();
  }

  it("draws one thumbnail per neuron of a 2-8-8-1 network, each column's image built once", () => {
    renderDiagram(mlpJson(NET));
    resizeTo(640);
    flushFrames();
    expect(diagram().dataset.thumbnails).toBe("0");
    const [content, buffers] = activationsFor(NET, [4, 4], 1);
    model.receive(content, buffers);
    flushFrames();
    expect(diagram().dataset.thumbnails).toBe("19");
    expect(h.calls("putImageData")).toBe(4);
    resizeTo(700);
    flushFrames();
    expect(diagram().dataset.thumbnails).toBe("19");
    expect(h.calls("putImageData")).toBe(4);
    const [next, nextBuffers] = activationsFor(NET, [4, 4], 2);
    model.receive(next, nextBuffers);
    flushFrames();
    expect(h.calls("putImageData")).toBe(8);
  });

  it("draws 1-D grids as line plots in every square of the course MLP 1-30-20-1", () => {
    vi.stubGlobal("ImageData", undefined);
    renderDiagram();
    resizeTo(640);
    const [content, buffers] = activationsFor(SIZES, [50], 1);
    model.receive(content, buffers);
    flushFrames();
    expect(diagram().dataset.thumbnails).toBe("52");
    expect(h.calls("putImageData")).toBe(0);
    expect(diagram().dataset.edges).toBe("650");
  });

  it("draws no thumbnails for activations that fit no column", () => {
    renderDiagram(mlpJson(NET));
    resizeTo(640);
    const [content, buffers] = activationsFor([3, 7], [4, 4], 1);
    model.receive(content, buffers);
    flushFrames();
    expect(diagram().dataset.thumbnails).toBe("0");
  });

  it("reports a malformed activations message on the console and keeps the thumbnails", () => {
    renderWithActivations();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    model.receive({ v: 2, kind: "activations", version: 4, grid: { shape: [4, 4], range: [[-2, 2], [-2, 2]] }, columns: [{ layer: -1, n: 2 }] }, [new DataView(new ArrayBuffer(8))]);
    flushFrames();
    expect(error).toHaveBeenCalledTimes(1);
    expect(diagram().dataset.thumbnails).toBe("19");
  });

  it("offers to enlarge a thumbnail in the hover read-out", () => {
    renderWithActivations();
    const column = layoutAt(mlpJson(NET), { thumbnails: true }).columns[2];
    const { move } = canvasAt();
    move(column.x + 5, column.ys[3] - 5);
    expect(readoutText()).toBe(`dense_1 neuron 3 bias = ${formatValue(Math.fround(Math.sin(1 + 3)))} · click to enlarge`);
  });

  it("enlarges a clicked neuron's map with its name and value range, and closes", () => {
    renderWithActivations((layer, g, k) => (layer === 1 && k === 3 ? (g === 0 ? -0.82 : g === 1 ? 0.97 : 0.1) : 0.5));
    const column = layoutAt(mlpJson(NET), { thumbnails: true }).columns[2];
    const { click } = canvasAt();
    expect(query("diagram-enlarged")).toBeNull();
    click(column.x, column.ys[3]);
    const overlay = query("diagram-enlarged")!;
    expect(overlay).not.toBeNull();
    expect(diagram().contains(overlay)).toBe(true);
    expect(query("diagram-enlarged-caption")!.textContent).toBe("dense_1 neuron 3 · min -0.82 · max 0.97");
    const canvas = overlay.querySelector("canvas")!;
    expect([canvas.style.width, canvas.style.height]).toEqual(["220px", "220px"]);
    query("diagram-enlarged-close")!.click();
    expect(query("diagram-enlarged")).toBeNull();
  });

  it("names the input's neurons x1, x2 and closes on Escape", () => {
    renderWithActivations();
    const input = layoutAt(mlpJson(NET), { thumbnails: true }).columns[0];
    canvasAt().click(input.x, input.ys[0]);
    expect(query("diagram-enlarged-caption")!.textContent).toBe("input x1 · min -2 · max 2");
    canvasAt().click(input.x, input.ys[1]);
    expect(query("diagram-enlarged-caption")!.textContent).toBe("input x2 · min 0.25 · max 0.25");
    key(query("diagram-enlarged-close")!, "Escape");
    expect(query("diagram-enlarged")).toBeNull();
  });

  it("closes the enlarged map on Escape wherever focus is, and stops listening on cleanup", () => {
    const listen = vi.spyOn(document, "addEventListener");
    renderWithActivations();
    const input = layoutAt(mlpJson(NET), { thumbnails: true }).columns[0];
    canvasAt().click(input.x, input.ys[0]);
    key(document.body, "Escape");
    expect(query("diagram-enlarged")).toBeNull();
    const keydown = listen.mock.calls.filter(([type]) => type === "keydown");
    expect(keydown.length).toBe(1);
    const options = keydown[0][2] as AddEventListenerOptions;
    expect([options.capture, options.signal!.aborted]).toEqual([true, false]);
    h.cleanup();
    expect(options.signal!.aborted).toBe(true);
  });

  it("updates the enlarged map when new activations arrive", () => {
    renderWithActivations(() => 0.5);
    const column = layoutAt(mlpJson(NET), { thumbnails: true }).columns[1];
    canvasAt().click(column.x, column.ys[0]);
    expect(query("diagram-enlarged-caption")!.textContent).toBe("dense_0 neuron 0 · min 0.5 · max 0.5");
    const [content, buffers] = activationsFor(NET, [4, 4], 4, (layer, g) => (layer === 0 ? g / 10 : 0));
    model.receive(content, buffers);
    flushFrames();
    expect(query("diagram-enlarged-caption")!.textContent).toBe("dense_0 neuron 0 · min 0 · max 1.5");
  });

  it("opens nothing for a neuron without a thumbnail", () => {
    renderDiagram(mlpJson(NET));
    resizeTo(640);
    flushFrames();
    const column = layoutAt(mlpJson(NET)).columns[1];
    canvasAt().click(column.x, column.ys[0]);
    expect(query("diagram-enlarged")).toBeNull();
  });
});

describe("NetworkDiagram edit mode", () => {
  const layout = () => layoutAt(mlpJson(NET));

  function renderEditable(overrides: Partial<NetworkDiagramTraits> = {}) {
    renderDiagram(mlpJson(NET), overrides);
    resizeTo(640);
    const [content, buffers] = weightsFor(NET, 5);
    model.receive(content, buffers);
    flushFrames();
    model.sent.length = 0;
  }

  const toggle = () => $<HTMLButtonElement>('[data-testid="diagram-edit-toggle"]');
  const editInput = () => h.el.querySelector<HTMLInputElement>('[data-testid="diagram-edit-input"]');

  /** Click the midpoint of dense_2's edge from neuron i of the last hidden column to the output. */
  function clickEdge(i: number) {
    const { columns } = layout();
    canvasAt().click((columns[2].x + columns[3].x) / 2, (columns[2].ys[i] + columns[3].ys[0]) / 2);
  }

  it("has an Edit weights toggle in the toolbar, off at first", () => {
    renderEditable();
    expect($('[data-testid="diagram-toolbar"]').contains(toggle())).toBe(true);
    expect(toggle().textContent).toBe("Edit weights");
    expect([toggle().getAttribute("aria-pressed"), toggle().disabled, diagram().dataset.editing]).toEqual(["false", false, "false"]);
    toggle().click();
    expect([toggle().getAttribute("aria-pressed"), diagram().dataset.editing]).toEqual(["true", "true"]);
    toggle().click();
    expect([toggle().getAttribute("aria-pressed"), diagram().dataset.editing]).toEqual(["false", "false"]);
  });

  it("disables the toggle while not editable, saying why, and leaves edit mode", () => {
    renderEditable({ editable: false });
    expect([toggle().disabled, toggle().title]).toEqual([true, "Pause training to edit weights"]);
    model.set("editable", true);
    expect(toggle().disabled).toBe(false);
    toggle().click();
    clickEdge(3);
    expect(editInput()).not.toBeNull();
    model.set("editable", false);
    expect([toggle().disabled, toggle().title, toggle().getAttribute("aria-pressed"), diagram().dataset.editing]).toEqual([
      true, "Pause training to edit weights", "false", "false",
    ]);
    expect(editInput()).toBeNull();
    expect(model.sent).toEqual([]);
  });

  it("edits the weight of a clicked edge: the current value, then Enter sends the new one", () => {
    renderEditable();
    toggle().click();
    clickEdge(3);
    const input = editInput()!;
    expect(input.value).toBe(formatValue(Math.fround(Math.sin(2 + 3))));
    expect(input.value).toBe("-0.9589");
    expect(document.activeElement).toBe(input);
    expect([input.selectionStart, input.selectionEnd]).toEqual([0, 7]);
    input.value = "0.5";
    input.dispatchEvent(new Event("input"));
    key(input, "Enter");
    expect(model.sent).toEqual([{ v: 2, kind: "edit", layer: 2, param: "weight", i: 3, j: 0, value: 0.5 }]);
    expect(editInput()).toBeNull();
  });

  it("places the field at the click", () => {
    renderEditable();
    toggle().click();
    const { columns } = layout();
    const x = (columns[2].x + columns[3].x) / 2;
    const y = (columns[2].ys[0] + columns[3].ys[0]) / 2;
    canvasAt().click(x, y);
    expect([editInput()!.style.left, editInput()!.style.top]).toEqual([`${x}px`, `${y}px`]);
  });

  it("cancels on Escape or on a press elsewhere, sending nothing; a blur alone keeps it", () => {
    renderEditable();
    toggle().click();
    clickEdge(0);
    editInput()!.value = "2";
    key(editInput()!, "Escape");
    expect(editInput()).toBeNull();
    clickEdge(1);
    editInput()!.value = "2";
    editInput()!.dispatchEvent(new Event("blur"));  // JupyterLab takes focus after a click in an output
    expect(editInput()).not.toBeNull();
    editInput()!.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(editInput()).not.toBeNull();  // a press in the field itself
    document.body.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(editInput()).toBeNull();
    expect(model.sent).toEqual([]);
  });

  it("keeps the field open and outlined in red for a value that is not a finite number", () => {
    renderEditable();
    toggle().click();
    clickEdge(0);
    const input = editInput()!;
    for (const text of ["abc", "", "1e999"]) {
      input.value = text;
      key(input, "Enter");
      expect(editInput()).toBe(input);
      expect([input.classList.contains("jaxscope-invalid"), input.getAttribute("aria-invalid")]).toEqual([true, "true"]);
    }
    expect(model.sent).toEqual([]);
    input.value = "-1e-3";
    input.dispatchEvent(new Event("input"));
    expect(input.classList.contains("jaxscope-invalid")).toBe(false);
    key(input, "Enter");
    expect(model.sent).toEqual([{ v: 2, kind: "edit", layer: 2, param: "weight", i: 0, j: 0, value: -0.001 }]);
  });

  it("edits the bias of a dense layer's neuron, never the input's", () => {
    renderEditable();
    toggle().click();
    const { columns } = layout();
    canvasAt().click(columns[0].x, columns[0].ys[1]);
    expect(editInput()).toBeNull();
    canvasAt().click(columns[2].x, columns[2].ys[0]);
    expect(editInput()!.value).toBe(formatValue(Math.fround(Math.sin(1))));
    editInput()!.value = "0.25";
    key(editInput()!, "Enter");
    expect(model.sent).toEqual([{ v: 2, kind: "edit", layer: 1, param: "bias", i: 0, value: 0.25 }]);
  });

  it("offers edits in the hover read-out and opens nothing outside edit mode", () => {
    renderEditable();
    const { columns } = layout();
    const { move, click } = canvasAt();
    move(columns[2].x, columns[2].ys[0]);
    expect(readoutText()).toBe(`dense_1 neuron 0 bias = ${formatValue(Math.fround(Math.sin(1)))}`);
    clickEdge(3);
    expect(editInput()).toBeNull();
    toggle().click();
    move(columns[2].x, columns[2].ys[0]);
    expect(readoutText()).toBe(`dense_1 neuron 0 bias = ${formatValue(Math.fround(Math.sin(1)))} · click to edit`);
    click(columns[0].x, columns[0].ys[0]);
    expect(editInput()).toBeNull();
  });

  it("edits a heatmap cell's weight", () => {
    renderDiagram(convNetJson());
    resizeTo(800);
    const kernel = Float32Array.from({ length: 1568 * 64 }, (_, k) => (k === 392 * 64 + 32 ? 0.75 : 0));
    model.receive({ v: 2, kind: "weights", version: 2, layers: [{ layer: 4, n_in: 1568, n_out: 64, bias: false }] }, [new DataView(kernel.buffer)]);
    flushFrames();
    const rect = diagramLayout(parseArchitecture(convNetJson()), { width: 800, height: 360 }).gaps[0].heatmap!;
    toggle().click();
    canvasAt().click(rect.x + (32.5 / 64) * rect.width, rect.y + (392.5 / 1568) * rect.height);
    expect(editInput()!.value).toBe("0.75");
    editInput()!.value = "-2";
    key(editInput()!, "Enter");
    expect(model.sent[model.sent.length - 1]).toEqual({ v: 2, kind: "edit", layer: 4, param: "weight", i: 392, j: 32, value: -2 });
  });

  it("shows a failed edit's message in the read-out", () => {
    renderEditable();
    model.receive({ v: 2, kind: "edit_result", ok: false, message: "pause training to edit weights" });
    expect(readoutText()).toBe("pause training to edit weights");
    expect($('[data-testid="diagram-readout"]').classList.contains("jaxscope-readout-problem")).toBe(true);
    model.receive({ v: 2, kind: "edit_result", ok: true, message: "" });
    expect(readoutText()).toBe("");
  });

  it("closes an enlarged map when edit mode starts, and clicks a thumbnail's bias in edit mode", () => {
    vi.stubGlobal("ImageData", FakeImageData);
    renderEditable();
    const [content, buffers] = activationsFor(NET, [4, 4], 5);
    model.receive(content, buffers);
    flushFrames();
    const column = layoutAt(mlpJson(NET), { thumbnails: true }).columns[3];
    canvasAt().click(column.x, column.ys[0]);
    expect(query("diagram-enlarged")).not.toBeNull();
    toggle().click();
    expect(query("diagram-enlarged")).toBeNull();
    canvasAt().click(column.x, column.ys[0]);
    expect(query("diagram-enlarged")).toBeNull();
    expect(editInput()!.value).toBe(formatValue(Math.fround(Math.sin(2))));
  });
});

describe("NetworkDiagram conv kernels", () => {
  const SHAPE = [20, 3, 3, 3] as const;

  /** A recording 2D context per canvas: the pixels of each kernel atlas (48 x 3) put, in order. */
  function recordAtlases(): Uint8ClampedArray[] {
    const images: Uint8ClampedArray[] = [];
    vi.mocked(HTMLCanvasElement.prototype.getContext).mockImplementation(
      () =>
        new Proxy({} as Record<string | symbol, unknown>, {
          get(target, name) {
            if (name in target) return target[name];
            if (name === "measureText") return (text: string) => ({ width: 6 * text.length });
            if (name === "putImageData") return (image: FakeImageData) => image.width === 48 && image.height === 3 && images.push(image.data);
            return () => {};
          },
          set(target, name, value) {
            target[name] = value;
            return true;
          },
        }) as unknown as RenderingContext,
    );
    return images;
  }

  /** Input channel c of every output channel is all (c === 0 ? +1 : c === 1 ? -1 : 0.5), out 3 (1, 2) in 0 = 0.1234 of 1. */
  function convWeights(version = 1): [unknown, DataView[]] {
    const kernel = new Float32Array(SHAPE.reduce((p, n) => p * n, 1));
    for (let o = 0; o < SHAPE[0]; o++) {
      for (let c = 0; c < SHAPE[1]; c++) {
        for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) kernel[kernelIndex(SHAPE, o, c, r, k)] = c === 0 ? 1 : c === 1 ? -1 : 0.5;
      }
    }
    kernel[kernelIndex(SHAPE, 3, 0, 1, 2)] = 0.1234;
    const bias = new Float32Array(20);
    return [
      { v: 2, kind: "weights", version, layers: [{ layer: 0, kind: "conv", shape: [...SHAPE], bias: true }, { layer: 3, n_in: 1280, n_out: 10, bias: true }] },
      [new DataView(kernel.buffer), new DataView(bias.buffer), new DataView(new Float32Array(12800).buffer), new DataView(new Float32Array(10).buffer)],
    ];
  }

  beforeEach(() => vi.stubGlobal("ImageData", FakeImageData));

  it("draws 16 of 20 kernel tiles and a channel picker for the 3 input channels", () => {
    renderDiagram(rgbConvNetJson());
    resizeTo(640);
    flushFrames();
    expect(diagram().dataset.kernels).toBe("0");
    expect(query("diagram-channel")).toBeNull();
    const [content, buffers] = convWeights();
    model.receive(content, buffers);
    flushFrames();
    expect(diagram().dataset.kernels).toBe("16");
    const select = $<HTMLSelectElement>('[data-testid="diagram-channel"]');
    expect(select.dataset.layer).toBe("0");
    expect(select.closest("label")!.textContent).toBe("conv_0 in-channel012");
    expect([...select.options].map((o) => o.value)).toEqual(["0", "1", "2"]);
    expect(select.value).toBe("0");
    expect($('[data-testid="diagram-toolbar"]').contains(select)).toBe(true);
  });

  it("redraws the tiles for the picked input channel", () => {
    const images = recordAtlases();
    renderDiagram(rgbConvNetJson());
    resizeTo(640);
    const [content, buffers] = convWeights();
    model.receive(content, buffers);
    flushFrames();
    expect(images.length).toBe(1);
    // The atlas: 16 tiles of 3 x 3 side by side; in-channel 0 is all +1 but out 3 (1, 2).
    expect(images[0].length).toBe(4 * 48 * 3);
    expect([...images[0].subarray(0, 4)]).toEqual([31, 119, 180, 255]);
    const select = $<HTMLSelectElement>('[data-testid="diagram-channel"]');
    select.value = "1";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    flushFrames();
    expect(images.length).toBe(2);
    expect([...images[1].subarray(0, 4)]).toEqual([255, 127, 14, 255]);
    select.value = "2";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    flushFrames();
    expect([...images[2].subarray(0, 4)]).toEqual([143, 187, 218, 255]);
    const [kernel] = buffers;
    expect([...images[2]]).toEqual([...kernelAtlasPixels(new Float32Array(kernel.buffer), SHAPE, 2, 16)]);
    expect(diagram().dataset.kernels).toBe("16");
  });

  it("keeps the picked channel when new weights arrive", () => {
    renderDiagram(rgbConvNetJson());
    resizeTo(640);
    const [content, buffers] = convWeights();
    model.receive(content, buffers);
    flushFrames();
    const select = $<HTMLSelectElement>('[data-testid="diagram-channel"]');
    select.value = "2";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    const [next, nextBuffers] = convWeights(2);
    model.receive(next, nextBuffers);
    flushFrames();
    expect($<HTMLSelectElement>('[data-testid="diagram-channel"]').value).toBe("2");
  });

  it("reads out the kernel pixel under the pointer", () => {
    renderDiagram(rgbConvNetJson());
    resizeTo(640);
    const [content, buffers] = convWeights();
    model.receive(content, buffers);
    flushFrames();
    const block = layoutAt(rgbConvNetJson(), { kernels: new Map([[0, SHAPE]]) }).blocks[1];
    const tiles = block.kernels!;
    const tile = tiles.tiles[3];
    canvasAt().move(tile.x + 2.5 * tiles.pixel, tile.y + 1.5 * tiles.pixel);
    expect(readoutText()).toBe("conv_0 kernel[out 3, in 0] (1, 2) = 0.1234");
  });

  it("needs no channel picker for a single input channel", () => {
    renderDiagram(convNetJson());
    resizeTo(800);
    const kernel = new Float32Array(8 * 9).fill(0.5);
    model.receive({ v: 2, kind: "weights", version: 1, layers: [{ layer: 0, kind: "conv", shape: [8, 1, 3, 3], bias: false }] }, [new DataView(kernel.buffer)]);
    flushFrames();
    expect(diagram().dataset.kernels).toBe("8");
    expect(query("diagram-channel")).toBeNull();
  });
});

describe("formatValue", () => {
  it("keeps 4 significant digits", () => {
    expect(formatValue(-0.42131)).toBe("-0.4213");
    expect(formatValue(0.0123)).toBe("0.0123");
    expect(formatValue(NaN)).toBe("NaN");
  });
});
