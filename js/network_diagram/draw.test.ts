// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { resolveTheme } from "../loss_chart/theme";
import { drawDiagram, type Scene } from "./draw";
import { lesson3CnnJson, uNetJson } from "./fixtures";
import { diagramLayout } from "./layout";
import { parseArchitecture, type ArchitectureSpec } from "./spec";

const theme = resolveTheme(() => "");

/** A 2D context that records the text written (with where) and draws nothing; text is 5px a character. */
function recordingContext(canvas: HTMLCanvasElement | null = null) {
  const texts: [string, number, number][] = [];
  const context = new Proxy({ canvas } as Record<string | symbol, unknown>, {
    get(target, name) {
      if (name in target) return target[name];
      if (name === "measureText") return (text: string) => ({ width: 5 * text.length });
      if (name === "fillText") return (text: string, x: number, y: number) => texts.push([text, x, y]);
      return () => {};
    },
    set(target, name, value) {
      target[name] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
  return { context, texts };
}

function sceneOf(spec: ArchitectureSpec): Scene {
  return { spec, weights: new Map(), edges: () => null, heatmap: () => null, thumbnails: [], kernels: [] };
}

describe("drawDiagram labels", () => {
  const spec = parseArchitecture(lesson3CnnJson());
  const layout = diagramLayout(spec, { width: 600, height: 360 });

  it("writes each label's lines one under another, centred where the layout put them", () => {
    const { context, texts } = recordingContext();
    drawDiagram(context, layout, theme, sceneOf(spec));
    const conv0 = layout.labels[1]; // on the lower row at 600px
    expect(texts.filter(([text]) => conv0.lines.includes(text))).toEqual([
      ["conv 3×3 3→30", 87, 308],
      ["30×24×24", 87, 320],
      ["840 params", 87, 332],
    ]);
  });

  it("reports the box each label covers, measured as drawn", () => {
    const { context } = recordingContext();
    const counts = drawDiagram(context, layout, theme, sceneOf(spec));
    expect(counts.labels[1]).toEqual({
      layers: [0], text: "conv 3×3 3→30 · 30×24×24 · 840 params", lines: ["conv 3×3 3→30", "30×24×24", "840 params"],
      x: 87 - (5 * 13) / 2, y: 308, width: 65, height: 36,
    });
    expect(counts.labels.map((box) => box.text)).toEqual(layout.labels.map((label) => label.text));
  });

  it("puts the label boxes and skip routes on the canvas element as JSON, for tests in a browser", () => {
    const canvas = document.createElement("canvas");
    const { context } = recordingContext(canvas);
    const counts = drawDiagram(context, layout, theme, sceneOf(spec));
    expect(JSON.parse(canvas.dataset.labelBoxes!)).toEqual({ width: 600, height: 360, labels: counts.labels });
    expect(JSON.parse(canvas.dataset.skipRoutes!)).toEqual({ skips: [] });
  });
});

describe("drawDiagram skip routes", () => {
  const spec = parseArchitecture(uNetJson());
  const layout = diagramLayout(spec, { width: 900, height: 400 });

  it("go up from the encoder block, along their lane and down into the decoder block, their kind on the lane", () => {
    const { context, texts } = recordingContext();
    const counts = drawDiagram(context, layout, theme, sceneOf(spec));
    expect(counts.skips).toEqual([
      {
        from: 2, to: 6, kind: "concat",
        points: [[276.4, 113.5], [276.4, 42], [623.6, 42], [623.6, 113.5]],
        label: { text: "concat", x: 435, y: 37, width: 30, height: 10 },
      },
      {
        from: 0, to: 8, kind: "concat",
        points: [[102.8, 113.5], [102.8, 28], [797.2, 28], [797.2, 113.5]],
        label: { text: "concat", x: 435, y: 23, width: 30, height: 10 },
      },
    ]);
    expect(texts.filter(([text]) => text === "concat")).toEqual([["concat", 450, 42], ["concat", 450, 28]]);
  });

  it("name each block as its label does: max pool, convT, upsample", () => {
    const named = parseArchitecture({
      ...uNetJson(),
      layers: [...(uNetJson().layers as unknown[]), { name: "upsample", kind: "reshape", input_shape: [8, 8, 16], output_shape: [16, 16, 16] }],
    });
    const { context, texts } = recordingContext();
    drawDiagram(context, diagramLayout(named, { width: 900, height: 400 }), theme, sceneOf(named));
    const written = new Set(texts.map(([text]) => text));
    expect(["max pool", "convT", "upsample"].filter((name) => written.has(name))).toEqual(["max pool", "convT", "upsample"]);
    expect(["pool", "conv transpose", "reshape"].filter((name) => written.has(name))).toEqual([]);
  });

  it("leave the label off a skip whose kind is not known", () => {
    const plain = parseArchitecture({ ...uNetJson(), skips: [[2, 6]] });
    const { context } = recordingContext();
    const counts = drawDiagram(context, diagramLayout(plain, { width: 900, height: 400 }), theme, sceneOf(plain));
    expect(counts.skips.map((route) => [route.kind, route.label])).toEqual([["", null]]);
  });
});
