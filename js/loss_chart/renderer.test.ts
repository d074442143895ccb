import { describe, expect, it } from "vitest";
import { prepareFrame } from "./frame";
import { drawFrame, RAW_ALONE, RAW_UNDER_SMOOTHED, SMOOTHED, type Decorations } from "./renderer";
import { Series } from "./series";
import { resolveTheme } from "./theme";
import { FOLLOW } from "./viewport";

interface Stroke {
  color: string;
  alpha: number;
  width: number;
  dashed: boolean;
  /** Vertices of the stroked path. */
  vertices: number;
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
  /** Style assignments (strokeStyle, globalAlpha, lineWidth, setLineDash) so far. */
  styleChanges = 0;
  private dash: number[] = [];
  private vertices = 0;
  setLineDash(dash: number[]) {
    this.dash = dash;
    this.styleChanges += 1;
  }
  stroke() {
    this.strokes.push({
      color: this.strokeStyle,
      alpha: this.globalAlpha,
      width: this.lineWidth,
      dashed: this.dash.length > 0,
      vertices: this.vertices,
    });
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
  beginPath() {
    this.vertices = 0;
  }
  rect() {}
  clip() {}
  moveTo() {
    this.vertices += 1;
  }
  lineTo() {
    this.vertices += 1;
  }
  fill() {}
}

/** Counts the style assignments a draw makes, to check they happen per line, not per point. */
function countingStyles(ctx: RecordingContext): RecordingContext {
  let strokeStyle = ctx.strokeStyle;
  let globalAlpha = ctx.globalAlpha;
  let lineWidth = ctx.lineWidth;
  Object.defineProperties(ctx, {
    strokeStyle: { get: () => strokeStyle, set: (v: string) => ((strokeStyle = v), (ctx.styleChanges += 1)) },
    globalAlpha: { get: () => globalAlpha, set: (v: number) => ((globalAlpha = v), (ctx.styleChanges += 1)) },
    lineWidth: { get: () => lineWidth, set: (v: number) => ((lineWidth = v), (ctx.styleChanges += 1)) },
  });
  return ctx;
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

function draw(smoothing: number, deco: Partial<Decorations> = {}, empty = false, all?: Series[]) {
  all ??= empty
    ? []
    : [series("loss", [0, 50, 100], [2, 1, 0.5], smoothing), series("val_acc", [0, 100], [0.5, 0.9], smoothing)];
  const frame = prepareFrame({
    width: 600,
    height: 280,
    series: all,
    view: FOLLOW,
    logY: true,
    smoothing,
    stepExtent: all.length === 0 ? null : [0, Math.max(...all.map((s) => s.lastStep))],
  });
  const ctx = countingStyles(new RecordingContext());
  drawFrame(ctx as unknown as CanvasRenderingContext2D, frame, decorations({ smoothing, ...deco }));
  return ctx;
}

/** Noisy, decaying loss and val_loss, as a long run logs them. */
function noisyRun(n: number, smoothing: number): Series[] {
  let state = 1;
  const next = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const steps = Array.from({ length: n }, (_, i) => i + 1);
  const loss = steps.map((step) => Math.exp(-step / (n / 4)) * Math.exp(3 * (next() - 0.5)));
  const valSteps = steps.filter((step) => step % 100 === 0);
  const valLoss = valSteps.map((step) => 1.5 * Math.exp(-step / (n / 4)) * Math.exp(next() - 0.5));
  return [series("loss", steps, loss, smoothing), series("val_loss", valSteps, valLoss, smoothing)];
}

/** The strokes in the given colours, without their vertex counts. */
const seriesStrokes = (ctx: RecordingContext, colors = ["#1f77b4", "#2ca02c"]) =>
  ctx.strokes.filter((s) => colors.includes(s.color)).map(({ vertices: _, ...style }) => style);

describe("drawFrame", () => {
  it("fills the background with the theme's colour", () => {
    expect(draw(0.6).fills[0]).toBe("#ffffff");
  });

  it("styles the raw line faint and thin under a bold smoothed one, and in full alone", () => {
    expect(RAW_UNDER_SMOOTHED).toEqual({ alpha: 0.25, width: 1 });
    expect(SMOOTHED).toEqual({ alpha: 1, width: 2 });
    expect(RAW_ALONE).toEqual({ alpha: 1, width: 1.75 });
  });

  it("draws every series faint and raw, then every smoothed line bold on top, then the legend", () => {
    expect(seriesStrokes(draw(0.6))).toEqual([
      { color: "#1f77b4", alpha: 0.25, width: 1, dashed: false },
      { color: "#2ca02c", alpha: 0.25, width: 1, dashed: true },
      { color: "#1f77b4", alpha: 1, width: 2, dashed: false },
      { color: "#2ca02c", alpha: 1, width: 2, dashed: true },
      // legend swatches, drawn right to left
      { color: "#2ca02c", alpha: 1, width: 2, dashed: true },
      { color: "#1f77b4", alpha: 1, width: 2, dashed: false },
    ]);
  });

  it("draws only the raw line, in full, without smoothing", () => {
    expect(seriesStrokes(draw(0))).toEqual([
      { color: "#1f77b4", alpha: 1, width: 1.75, dashed: false },
      { color: "#2ca02c", alpha: 1, width: 1.75, dashed: true },
      // legend swatches
      { color: "#2ca02c", alpha: 1, width: 2, dashed: true },
      { color: "#1f77b4", alpha: 1, width: 2, dashed: false },
    ]);
  });

  it("draws 60,000 noisy points as a faint envelope under a bold line of one vertex per column", () => {
    const ctx = draw(0.6, {}, false, noisyRun(60_000, 0.6));
    const columns = 600 - 60 - 14;
    const strokes = ctx.strokes.filter((s) => s.color === "#1f77b4" || s.color === "#ff7f0e");
    expect(strokes.slice(0, 4)).toEqual([
      // min/max envelope of the loss: first, min, max, last of each pixel column
      { color: "#1f77b4", alpha: 0.25, width: 1, dashed: false, vertices: 4 * columns },
      // 600 validation points: fewer than two per column, drawn as they are
      { color: "#ff7f0e", alpha: 0.25, width: 1, dashed: false, vertices: 600 },
      { color: "#1f77b4", alpha: 1, width: 2, dashed: false, vertices: columns },
      { color: "#ff7f0e", alpha: 1, width: 2, dashed: false, vertices: 600 },
    ]);
  });

  it("sets the style per line, not per point", () => {
    const few = draw(0.6).styleChanges;
    const many = draw(0.6, {}, false, noisyRun(60_000, 0.6)).styleChanges;
    expect(many).toBe(few);
    expect(many).toBeLessThan(60);
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
