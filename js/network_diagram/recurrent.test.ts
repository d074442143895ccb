// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { resolveTheme } from "../loss_chart/theme";
import type { DecodedRecurrentWeights } from "../shared/protocol";
import { drawDiagram, type Scene } from "./draw";
import { lightParticleJson, plainRnnJson } from "./fixtures";
import { hitTest } from "./hit_test";
import { diagramLayout, LABEL_FONT_PX, LABEL_LINE_HEIGHT, layerLabel, RECURRENT_BLOCK_MAX_WIDTH, textWidth, type DiagramLayout } from "./layout";
import { describeHit } from "./readout";
import { gateAtlasPixels, gateTiles, LOOP_LABEL, LOOP_SPACE, loopArrow } from "./recurrent";
import { gateSizes, parseArchitecture } from "./spec";
import { blockGates } from "./weights";

const theme = resolveTheme(() => "");
const lightParticle = parseArchitecture(lightParticleJson());
const plainRnn = parseArchitecture(plainRnnJson());

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const intersect = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: Box, b: Box) => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

/** Every piece of text the layout places: layer labels, the loop's label, each gate's name. */
function textBoxes(lay: DiagramLayout): (Box & { text: string })[] {
  const boxes = lay.labels.map((l) => ({ text: l.text, x: l.x - l.width / 2, y: l.y, width: l.width, height: l.lines.length * LABEL_LINE_HEIGHT }));
  for (const block of lay.blocks) {
    if (!block.loop || !block.gates) continue;
    const loop = block.loop;
    boxes.push({ text: loop.label, x: loop.labelX - textWidth(loop.label) / 2, y: loop.labelY - LABEL_FONT_PX / 2, width: textWidth(loop.label), height: LABEL_FONT_PX });
    for (const gate of block.gates.gates) {
      boxes.push({ text: gate.name, x: gate.nameX - textWidth(gate.name) / 2, y: gate.nameY - LABEL_FONT_PX / 2, width: textWidth(gate.name), height: LABEL_FONT_PX });
    }
  }
  return boxes;
}

/** Decoded weights of the LSTM: value = gate * 1000 + (0 input, 500 recurrent) + row * hidden + col. */
function lstmWeights(): DecodedRecurrentWeights {
  const gates = ["i", "f", "g", "o"].map((name, g) => ({
    name,
    nIn: 1,
    input: Float32Array.from({ length: 10 }, (_, k) => g * 1000 + k),
    recurrent: Float32Array.from({ length: 100 }, (_, k) => g * 1000 + 500 + k),
  }));
  return { layer: 0, hidden: 10, gates };
}

describe("a recurrent layer in the spec", () => {
  it("parses the cell and each gate's slice of its kernels", () => {
    const lstm = lightParticle.layers[0];
    expect([lstm.kind, lstm.cell, lstm.inputShape, lstm.outputShape, lstm.paramCount]).toEqual(["recurrent", "LSTM", [60, 1], [60, 10], 480]);
    expect(lstm.gates.map((g) => g.name)).toEqual(["i", "f", "g", "o"]);
    expect(lstm.gates[1]).toEqual({
      name: "f",
      input: { path: "lstm.dense_i.kernel", columns: [10, 20], axis: 1 },
      recurrent: { path: "lstm.dense_h.kernel", columns: [10, 20], axis: 1 },
    });
    expect(lightParticle.layers[1].cell).toBeNull();
    expect(lightParticle.layers[1].gates).toEqual([]);
  });

  it("gives each gate's matrix sizes from the stored kernels", () => {
    expect(gateSizes(lightParticle.layers[0])).toEqual(["i", "f", "g", "o"].map((name) => ({ name, hidden: 10, nIn: 1, recurrent: true })));
    expect(gateSizes(plainRnn.layers[0])).toEqual([{ name: "h", hidden: 8, nIn: 2, recurrent: true }]);
    const transposed = parseArchitecture(plainRnnJson());
    const json = plainRnnJson() as { layers: Record<string, unknown>[] };
    json.layers[0].params = { W_in: [8, 2], W_rec: [8, 8], b: [8] };
    json.layers[0].gates = [{ name: "h", input: { path: "W_in", columns: [0, 8], axis: 0 }, recurrent: { path: "W_rec", columns: [0, 8], axis: 0 } }];
    expect(gateSizes(parseArchitecture(json).layers[0])).toEqual(gateSizes(transposed.layers[0]));
  });

  it("names a bad gate field", () => {
    const json = lightParticleJson() as { layers: Record<string, any>[] };
    json.layers[0].gates[2].input.columns = [30, 20];
    expect(() => parseArchitecture(json)).toThrow("architecture.layers[0].gates[2].input.columns must be [start, stop] with start < stop, got [30,20]");
    const axis = lightParticleJson() as { layers: Record<string, any>[] };
    axis.layers[0].gates[0].recurrent.axis = 2;
    expect(() => parseArchitecture(axis)).toThrow("architecture.layers[0].gates[0].recurrent.axis must be 0 or 1, got 2");
  });

  it("is labelled with its cell, sizes, output shape, gates and parameters", () => {
    expect(layerLabel(lightParticle.layers[0])).toBe("LSTM 1→10 · 60×10 · 4 gates · 480 params");
    expect(layerLabel(plainRnn.layers[0])).toBe("RNN 2→8 · 30×8 · 1 gate · 88 params");
  });
});

describe("diagramLayout of the recurrent notebook's model", () => {
  const lay = diagramLayout(lightParticle, { width: 800, height: 360 });
  const block = lay.blocks.find((b) => b.layer === 0)!;

  it("draws the input and the LSTM as blocks, then the dense layers' neurons as columns", () => {
    expect(lay.blocks.map((b) => b.layer)).toEqual([-1, 0]);
    expect(lay.columns.map((c) => c.count)).toEqual([10, 20, 1]);
    expect(lay.gaps.map((g) => [g.layer, g.nIn, g.nOut, g.mode])).toEqual([[1, 10, 20, "edges"], [2, 20, 1, "edges"]]);
    expect(lay.labels.map((l) => l.text)).toEqual([
      "input · 60×1",
      "LSTM 1→10 · 60×10 · 4 gates · 480 params",
      "dense 10→20 · tanh · 220 params",
      "dense 20→1 · 21 params",
    ]);
  });

  it("makes the LSTM block wide (0.7 of the slot spacing) and leaves room for its loop under it", () => {
    const spacing = lay.columns[0].x - block.x;
    expect(block.width).toBeCloseTo(Math.min(RECURRENT_BLOCK_MAX_WIDTH, 0.7 * spacing));
    expect(block.width).toBeGreaterThan(100);
    const drawingBottom = lay.labels[0].y - 4;
    expect(drawingBottom - block.bottom).toBeGreaterThanOrEqual(LOOP_SPACE);
  });

  it("holds one tile per gate: a 10×1 input heatmap and a 10×10 recurrent heatmap side by side", () => {
    const tiles = block.gates!;
    expect([tiles.shown, tiles.columns, tiles.rows, tiles.pixel]).toEqual([4, 2, 2, 5]);
    expect(tiles.gates.map((g) => g.name)).toEqual(["i", "f", "g", "o"]);
    for (const gate of tiles.gates) {
      expect([gate.input!.rows * gate.input!.cols, gate.recurrent!.rows * gate.recurrent!.cols]).toEqual([10, 100]);
      expect([gate.input!.width, gate.input!.height, gate.recurrent!.width, gate.recurrent!.height]).toEqual([5, 50, 50, 50]);
      expect(gate.recurrent!.x).toBeGreaterThan(gate.input!.x + gate.input!.width);
      expect(gate.nameY).toBeGreaterThan(gate.recurrent!.y + gate.recurrent!.height);
      const box = { x: block.x - block.width / 2, y: block.top, width: block.width, height: block.bottom - block.top };
      expect(inside(gate.input!, box) && inside(gate.recurrent!, box)).toBe(true);
    }
    const matrices = tiles.gates.flatMap((g) => [g.input!, g.recurrent!]);
    expect(matrices.filter((a, k) => matrices.slice(k + 1).some((b) => intersect(a, b)))).toEqual([]);
    expect(tiles.gates.map((g) => [g.input!.atlasX, g.recurrent!.atlasX])).toEqual([[0, 1], [11, 12], [22, 23], [33, 34]]);
  });

  it("loops from the block's right side, under it, back into its left side, labelled h(t−1)", () => {
    const loop = block.loop!;
    const left = block.x - block.width / 2;
    const right = block.x + block.width / 2;
    expect(loop.points[0][0]).toBeCloseTo(right);
    expect(loop.points[loop.points.length - 1][0]).toBeCloseTo(left);
    const lane = Math.max(...loop.points.map(([, y]) => y));
    expect(lane).toBeGreaterThan(block.bottom);
    expect(loop.labelY).toBe(lane);
    expect(loop.label).toBe("h(t−1)");
    expect(Math.max(...loop.points.map(([x]) => x))).toBeLessThan(lay.columns[0].x - lay.columns[0].radius);
  });

  it.each([800, 520, 400, 300])("keeps every label, gate name and the loop's label apart at %ipx", (width) => {
    const boxes = textBoxes(diagramLayout(lightParticle, { width, height: 360 }));
    const overlaps = boxes.flatMap((a, k) => boxes.slice(k + 1).filter((b) => intersect(a, b)).map((b) => [a.text, b.text]));
    expect(overlaps).toEqual([]);
  });

  it("draws a plain RNN's single gate large", () => {
    const rnn = diagramLayout(plainRnn, { width: 800, height: 360 }).blocks[1];
    const gate = rnn.gates!.gates[0];
    expect([rnn.gates!.pixel, gate.name, gate.input!.cols, gate.recurrent!.cols]).toEqual([16, "h", 2, 8]);
  });
});

describe("gateTiles and loopArrow", () => {
  it("shows no gate when the block has no room", () => {
    expect(gateTiles({ x: 0, y: 0, width: 6, height: 10 }, gateSizes(lightParticle.layers[0])).shown).toBe(0);
  });

  it("routes the loop through six points with the label at the middle of its lane", () => {
    const loop = loopArrow(10, 50, 100, 5);
    expect(loop.points).toEqual([[50, 92], [55, 92], [55, 109], [5, 109], [5, 92], [10, 92]]);
    expect([loop.label, loop.labelX, loop.labelY]).toEqual([LOOP_LABEL, 30, 109]);
  });
});

describe("gateAtlasPixels", () => {
  const sizes = gateSizes(lightParticle.layers[0]);

  it("puts each gate's input column, then its recurrent matrix, unit by unit in rows", () => {
    const weights = lstmWeights();
    const pixels = gateAtlasPixels(weights, sizes, 1e-9); // every nonzero value saturates
    const width = 44;
    const colour = (x: number, y: number) => Array.from(pixels.slice(4 * (y * width + x), 4 * (y * width + x) + 4));
    expect(pixels.length).toBe(4 * width * 10);
    expect(colour(0, 0)).toEqual([255, 255, 255, 255]); // gate i, input, unit 0: 0 is white
    expect(colour(0, 1)).toEqual([31, 119, 180, 255]); // unit 1: positive, blue
    expect(colour(11, 3)).toEqual([31, 119, 180, 255]); // gate f's input
  });

  it("uses one scale for every gate, so they compare", () => {
    const weights: DecodedRecurrentWeights = {
      layer: 0,
      hidden: 1,
      gates: [{ name: "h", nIn: 1, input: new Float32Array([1]), recurrent: new Float32Array([-0.5]) }],
    };
    const pixels = gateAtlasPixels(weights, [{ name: "h", hidden: 1, nIn: 1, recurrent: true }]);
    expect(Array.from(pixels)).toEqual([31, 119, 180, 255, 255, 191, 135, 255]);
  });

  it("refuses weights of other sizes than the layout's", () => {
    const weights = { ...lstmWeights(), hidden: 5 };
    expect(() => gateAtlasPixels(weights, sizes)).toThrow("the weights do not have the gates' sizes");
    expect(blockGates(diagramLayout(lightParticle, { width: 800, height: 360 }).blocks[1], lightParticle.layers[0], new Map([[0, weights]]))).toBeNull();
  });
});

function recordingContext(canvas: HTMLCanvasElement | null = null) {
  const texts: string[] = [];
  const images: number[][] = [];
  const context = new Proxy({ canvas } as Record<string | symbol, unknown>, {
    get(target, name) {
      if (name in target) return target[name];
      if (name === "measureText") return (text: string) => ({ width: 5 * text.length });
      if (name === "fillText") return (text: string) => texts.push(text);
      if (name === "drawImage") return (...args: unknown[]) => images.push(args.slice(1) as number[]);
      return () => {};
    },
    set(target, name, value) {
      target[name] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
  return { context, texts, images };
}

describe("drawDiagram of a recurrent block", () => {
  const lay = diagramLayout(lightParticle, { width: 800, height: 360 });
  const scene = (atlas: CanvasImageSource | null): Scene => ({
    spec: lightParticle, weights: new Map(), edges: () => null, heatmap: () => null, thumbnails: [], kernels: [],
    gates: lay.blocks.map((b) => (b.gates ? atlas : null)),
  });

  it("draws each gate's two heatmaps from the atlas, the gate names, the cell and the loop's label", () => {
    const { context, texts, images } = recordingContext();
    const counts = drawDiagram(context, lay, theme, scene({} as CanvasImageSource));
    expect(counts.gates).toBe(8);
    expect(texts).toEqual(expect.arrayContaining(["LSTM", "i", "f", "g", "o", "h(t−1)"]));
    const tiles = lay.blocks[1].gates!;
    // source x, y, width, height, then where: gate g's recurrent matrix from atlas column 11 g + 1
    expect(images[1]).toEqual([1, 0, 10, 10, tiles.gates[0].recurrent!.x, tiles.gates[0].recurrent!.y, 50, 50]);
    expect(images.map((args) => args[0])).toEqual([0, 1, 11, 12, 22, 23, 33, 34]);
  });

  it("draws empty frames while the gates' weights are unknown", () => {
    const { context, images } = recordingContext();
    expect(drawDiagram(context, lay, theme, scene(null)).gates).toBe(0);
    expect(images).toEqual([]);
  });

  it("puts the block, its gates and its loop on the canvas as JSON, for tests in a browser", () => {
    const canvas = document.createElement("canvas");
    const { context } = recordingContext(canvas);
    const counts = drawDiagram(context, lay, theme, scene({} as CanvasImageSource));
    const drawn = JSON.parse(canvas.dataset.recurrent!);
    expect(drawn).toEqual({ blocks: counts.recurrent });
    const [lstm] = drawn.blocks;
    expect([lstm.layer, lstm.cell, lstm.gates.map((g: { name: string }) => g.name)]).toEqual([0, "LSTM", ["i", "f", "g", "o"]]);
    expect(lstm.gates[0].recurrent).toEqual({ x: 155, y: 100, width: 50, height: 50 });
    expect(lstm.loop.label.text).toBe("h(t−1)");
    expect(lstm.loop.label.y).toBeGreaterThan(lstm.box.y + lstm.box.height);
    const labels = JSON.parse(canvas.dataset.labelBoxes!).labels as Box[];
    expect(labels.filter((box) => intersect(box, lstm.loop.label))).toEqual([]);
  });

  it("leaves no data-recurrent on a canvas that never drew a recurrent layer", () => {
    const canvas = document.createElement("canvas");
    const { context } = recordingContext(canvas);
    const mlp = parseArchitecture({ ...lightParticleJson(), layers: (lightParticleJson().layers as unknown[]).slice(1) });
    drawDiagram(context, diagramLayout(mlp, { width: 400, height: 300 }), theme, { ...scene(null), spec: mlp });
    expect(canvas.dataset.recurrent).toBeUndefined();
  });
});

describe("hovering a gate", () => {
  const lay = diagramLayout(lightParticle, { width: 800, height: 360 });
  const tiles = lay.blocks[1].gates!;

  it("finds the gate, the matrix and the weight under the pointer and reads out its value", () => {
    const f = tiles.gates[1].recurrent!;
    const hit = hitTest(lay, f.x + 7 * 5 + 2, f.y + 3 * 5 + 2);
    expect(hit).toEqual({ kind: "gate", block: 1, layer: 0, gate: 1, matrix: "recurrent", row: 3, col: 7 });
    const recurrents = new Map([[0, lstmWeights()]]);
    expect(describeHit(hit!, lightParticle, lay, new Map(), new Map(), new Map(), recurrents)).toBe("lstm gate f recurrent [h7(t−1)→3] = 1537");
    const input = tiles.gates[3].input!;
    const inputHit = hitTest(lay, input.x + 1, input.y + 9 * 5 + 1)!;
    expect(describeHit(inputHit, lightParticle, lay, new Map(), new Map(), new Map(), recurrents)).toBe("lstm gate o input [x0→9] = 3009");
    expect(describeHit(inputHit, lightParticle, lay, new Map())).toBe("lstm gate o input [x0→9]");
  });

  it("reads out the whole block elsewhere in it", () => {
    const block = lay.blocks[1];
    const hit = hitTest(lay, block.x, block.top + 3);
    expect(hit).toEqual({ kind: "block", block: 1, layer: 0 });
    expect(describeHit(hit!, lightParticle, lay, new Map())).toBe("lstm: LSTM 1→10 · 60×10 · 4 gates · 480 params");
  });
});
