import { describe, expect, it } from "vitest";
import { prepareFrame } from "./frame";
import { drawFrame, type Decorations } from "./renderer";
import { Series } from "./series";
import { resolveTheme } from "./theme";
import { FOLLOW } from "./viewport";

interface Stroke {
  color: string;
  alpha: number;
  width: number;
  dashed: boolean;
}

/** A 2D context that records what was stroked and written, nothing else. */
class RecordingContext {
  strokeStyle = "";
  fillStyle = "";
  globalAlpha = 1;
  lineWidth = 1;
  font = "";
  textAlign = "";
  textBaseline = "";
  lineJoin = "";
  lineCap = "";
  strokes: Stroke[] = [];
  texts: string[] = [];
  fills: string[] = [];
  dots = 0;
  private dash: number[] = [];
  setLineDash(dash: number[]) {
    this.dash = dash;
  }
  stroke() {
    this.strokes.push({ color: this.strokeStyle, alpha: this.globalAlpha, width: this.lineWidth, dashed: this.dash.length > 0 });
  }
  fillText(text: string) {
    this.texts.push(text);
  }
  fillRect() {
    this.fills.push(this.fillStyle);
  }
  measureText(text: string) {
    return { width: 6 * text.length };
  }
  arc() {
    this.dots += 1;
  }
  setTransform() {}
  save() {}
  restore() {}
  beginPath() {}
  rect() {}
  clip() {}
  moveTo() {}
  lineTo() {}
  fill() {}
}

const theme = resolveTheme(() => "");

function decorations(overrides: Partial<Decorations> = {}): Decorations {
  return { pixelRatio: 2, theme, title: "mlp", smoothing: 0.6, bestStep: -1, hover: null, ...overrides };
}

function series(name: string, steps: number[], values: number[], smoothing: number): Series {
  const s = new Series(name, smoothing);
  s.append(new Uint32Array(steps), new Float32Array(values));
  return s;
}

function draw(smoothing: number, deco: Partial<Decorations> = {}, empty = false) {
  const all = empty
    ? []
    : [series("loss", [0, 50, 100], [2, 1, 0.5], smoothing), series("val_acc", [0, 100], [0.5, 0.9], smoothing)];
  const frame = prepareFrame({
    width: 600,
    height: 280,
    series: all,
    view: FOLLOW,
    logY: true,
    smoothing,
    stepExtent: empty ? null : [0, 100],
  });
  const ctx = new RecordingContext();
  drawFrame(ctx as unknown as CanvasRenderingContext2D, frame, decorations({ smoothing, ...deco }));
  return ctx;
}

const seriesStrokes = (ctx: RecordingContext) =>
  ctx.strokes.filter((s) => s.color === "#1f77b4" || s.color === "#2ca02c");

describe("drawFrame", () => {
  it("fills the background with the theme's colour", () => {
    expect(draw(0.6).fills[0]).toBe("#ffffff");
  });

  it("draws each series faint and raw under a bold smoothed line, then the legend", () => {
    expect(seriesStrokes(draw(0.6))).toEqual([
      { color: "#1f77b4", alpha: 0.25, width: 1, dashed: false },
      { color: "#1f77b4", alpha: 1, width: 2, dashed: false },
      { color: "#2ca02c", alpha: 0.25, width: 1, dashed: true },
      { color: "#2ca02c", alpha: 1, width: 2, dashed: true },
      // legend swatches, drawn right to left
      { color: "#2ca02c", alpha: 1, width: 2, dashed: true },
      { color: "#1f77b4", alpha: 1, width: 2, dashed: false },
    ]);
  });

  it("draws only the raw line, in full, without smoothing", () => {
    expect(seriesStrokes(draw(0)).slice(0, 2)).toEqual([
      { color: "#1f77b4", alpha: 1, width: 1.75, dashed: false },
      { color: "#2ca02c", alpha: 1, width: 1.75, dashed: true },
    ]);
  });

  it("writes the title, tick labels and legend names", () => {
    const texts = draw(0.6).texts;
    expect(texts).toContain("mlp");
    expect(texts).toContain("loss");
    expect(texts).toContain("val_acc");
    expect(texts).toContain("100");
  });

  it("marks the best step when it is in view", () => {
    expect(draw(0.6, { bestStep: 50 }).texts).toContain("best");
    expect(draw(0.6, { bestStep: 500 }).texts).not.toContain("best");
    expect(draw(0.6, { bestStep: -1 }).texts).not.toContain("best");
  });

  it("puts a dot on each series under the crosshair", () => {
    const hover = {
      x: 300,
      entries: [
        { name: "loss", step: 50, value: 1, smoothed: null },
        { name: "val_acc", step: 100, value: NaN, smoothed: null },
      ],
    };
    expect(draw(0, { hover }).dots).toBe(1);
  });

  it("says it is waiting when there is no data", () => {
    expect(draw(0.6, {}, true).texts).toContain("waiting for data…");
  });
});
