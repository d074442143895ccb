import { describe, expect, it } from "vitest";
import type { RunEntry } from "../shared/protocol";
import { prepareFrame, type Frame } from "./frame";
import { formatReadout, readoutAt } from "./readout";
import { BAND_ALPHA, drawFrame, legendItems, MEMBER, type Decorations } from "./renderer";
import { Series } from "./series";
import { resolveTheme } from "./theme";
import { FOLLOW } from "./viewport";

function series(name: string, steps: number[], values: number[], smoothing = 0): Series {
  const s = new Series(name, smoothing);
  s.append(new Uint32Array(steps), new Float32Array(values));
  return s;
}

const STEPS = [0, 100, 200];
/** An ensemble of two members, one of which diverged at step 150. */
function ensemble(prefix = ""): Series[] {
  return [
    series(`${prefix}loss`, STEPS, [1, 0.5, 0.25]),
    series(`${prefix}loss#lo`, STEPS, [0.8, 0.4, 0.2]),
    series(`${prefix}loss#hi`, STEPS, [1.2, 0.6, 0.3]),
    series(`${prefix}loss#0`, STEPS, [0.9, 0.45, 0.22]),
    series(`${prefix}loss#1`, STEPS, [1.1, 0.55, 0.28]),
    series(`${prefix}diverged#1`, [150], [0.7]),
  ];
}

function frameOf(all: Series[], members: boolean, runs: RunEntry[] = []): Frame {
  return prepareFrame({
    width: 600,
    height: 280,
    series: all,
    view: FOLLOW,
    logY: false,
    smoothing: 0,
    stepExtent: [Math.min(...all.map((s) => s.steps[0])), Math.max(...all.map((s) => s.lastStep))],
    runs,
    members,
  });
}

/** Records strokes, fills (with their alpha) and texts. */
class Recorder {
  strokeStyle = "";
  fillStyle = "";
  globalAlpha = 1;
  lineWidth = 1;
  font = "";
  textAlign = "left";
  textBaseline = "";
  lineJoin = "";
  lineCap = "";
  strokes: { color: string; alpha: number; width: number; dash: number[]; vertices: number }[] = [];
  fills: { color: string; alpha: number; vertices: number }[] = [];
  texts: string[] = [];
  private dash: number[] = [];
  private vertices = 0;
  setLineDash(dash: number[]) {
    this.dash = dash;
  }
  beginPath() {
    this.vertices = 0;
  }
  moveTo() {
    this.vertices += 1;
  }
  lineTo() {
    this.vertices += 1;
  }
  stroke() {
    const { strokeStyle: color, globalAlpha: alpha, lineWidth: width, dash, vertices } = this;
    this.strokes.push({ color, alpha, width, dash, vertices });
  }
  fill() {
    this.fills.push({ color: this.fillStyle, alpha: this.globalAlpha, vertices: this.vertices });
  }
  fillText(text: string) {
    this.texts.push(text);
  }
  measureText(text: string) {
    return { width: 6 * text.length };
  }
  fillRect() {}
  setTransform() {}
  save() {}
  restore() {}
  rect() {}
  clip() {}
  closePath() {}
  arc() {}
}

const theme = resolveTheme(() => "");
function draw(frame: Frame, deco: Partial<Decorations> = {}): Recorder {
  const ctx = new Recorder();
  const all: Decorations = { pixelRatio: 1, theme, title: "", smoothing: 0, bestStep: -1, hover: null, ...deco };
  drawFrame(ctx as unknown as CanvasRenderingContext2D, frame, all);
  return ctx;
}

describe("an ensemble's frame", () => {
  it("has one main line, a band between the quantiles and a marker where a member diverged", () => {
    const frame = frameOf(ensemble(), false);
    expect(frame.lines.map((l) => l.name)).toEqual(["loss"]);
    expect(frame.bands).toHaveLength(1);
    expect(Array.from(frame.bands[0].lo.y)).toEqual([0.8, 0.4, 0.2].map(Math.fround));
    expect(Array.from(frame.bands[0].hi.y)).toEqual([1.2, 0.6, 0.3].map(Math.fround));
    expect(frame.bands[0].style.color).toBe(frame.lines[0].style.color);
    expect(frame.markers).toEqual([
      { name: "diverged#1", member: 1, style: frame.lines[0].style, step: 150, value: Math.fround(0.7) },
    ]);
  });

  it("computes the member lines only when they show", () => {
    expect(frameOf(ensemble(), false).members).toEqual([]);
    const members = frameOf(ensemble(), true).members;
    expect(members.map((m) => [m.name, m.main, m.member])).toEqual([
      ["loss#0", "loss", 0],
      ["loss#1", "loss", 1],
    ]);
  });

  it("gives band and member series neither legend entries nor palette colours", () => {
    const frame = frameOf([...ensemble(), series("val_loss", [100], [0.6])], true);
    expect(legendItems(frame, "#000").map((item) => item.label)).toEqual(["loss", "val_loss"]);
    expect(frame.lines.map((l) => l.style.color)).toEqual(["#1f77b4", "#ff7f0e"]);
  });

  it("fits the y axis to the lines and the band, not to members or markers", () => {
    const wild = [...ensemble(), series("loss#2", STEPS, [50, 60, 70]), series("diverged#3", [10], [90])];
    const [, top] = frameOf(wild, true).y.domain;
    expect(top).toBeLessThan(2);
  });
});

describe("drawing an ensemble", () => {
  it("fills the band translucent in the median's colour, under the lines", () => {
    const ctx = draw(frameOf(ensemble(), false));
    expect(ctx.fills.filter((f) => f.alpha === BAND_ALPHA)).toEqual([{ color: "#1f77b4", alpha: BAND_ALPHA, vertices: 6 }]);
  });

  it("draws members thin and faint only when the frame holds them", () => {
    const faint = (ctx: Recorder) => ctx.strokes.filter((s) => s.alpha === MEMBER.alpha && s.width === MEMBER.width);
    expect(faint(draw(frameOf(ensemble(), false)))).toHaveLength(0);
    expect(faint(draw(frameOf(ensemble(), true))).map((s) => s.color)).toEqual(["#1f77b4", "#1f77b4"]);
  });

  it("marks a diverged member with an x", () => {
    const ctx = draw(frameOf(ensemble(), false));
    expect(ctx.strokes.filter((s) => s.width === 1.75 && s.vertices === 4)).toHaveLength(1);
  });
});

describe("the marked step", () => {
  it("draws a dashed line labelled with its step when in view", () => {
    const frame = frameOf(ensemble(), false);
    const ctx = draw(frame, { markedStep: 1200 });
    expect(ctx.texts).not.toContain("step 1,200");
    const marked = draw(frameOf([series("loss", [0, 2000], [1, 0.5])], false), { markedStep: 1200 });
    expect(marked.texts).toContain("step 1,200");
    expect(marked.strokes.some((s) => s.dash.join() === "5,4" && s.vertices === 2)).toBe(true);
    expect(draw(frame, { markedStep: -1 }).texts.some((t) => t.startsWith("step "))).toBe(false);
  });
});

describe("an ensemble's read-out", () => {
  it("gives the median and the band", () => {
    const entries = readoutAt(ensemble(), 110, 0);
    expect(formatReadout(entries)).toBe("step 100 · loss 0.5 (25–75 % 0.4–0.6)");
  });

  it("names the member under the pointer when members show", () => {
    const near = (value: number) => Math.abs(value - 0.55) * 100; // pixels from the pointer
    expect(formatReadout(readoutAt(ensemble(), 100, 0, { memberDistance: near }))).toBe(
      "step 100 · loss 0.5 (25–75 % 0.4–0.6, member 1 0.55)",
    );
    const far = (value: number) => Math.abs(value - 5) * 100;
    expect(formatReadout(readoutAt(ensemble(), 100, 0, { memberDistance: far }))).toBe(
      "step 100 · loss 0.5 (25–75 % 0.4–0.6)",
    );
  });
});

describe("runs compared", () => {
  const runs: RunEntry[] = [
    { key: "r1", label: "lr 1e-3", color: "#d62728", visible: true },
    { key: "r2", label: "lr 1e-2", color: "#2ca02c", visible: true },
  ];
  const both = () => [
    series("r1:loss", STEPS, [1, 0.5, 0.25]),
    series("r1:val_loss", [100, 200], [0.7, 0.4]),
    series("r2:loss", STEPS, [2, 1, 0.5]),
  ];

  it("colours each run's series in its run's colour, validation dashed", () => {
    const frame = frameOf(both(), false, runs);
    expect(frame.lines.map((l) => [l.name, l.style.color, l.style.dashed])).toEqual([
      ["r1:loss", "#d62728", false],
      ["r1:val_loss", "#d62728", true],
      ["r2:loss", "#2ca02c", false],
    ]);
  });

  it("keeps one legend entry per metric, in the text colour", () => {
    const items = legendItems(frameOf(both(), false, runs), "#111");
    expect(items.map((i) => [i.label, i.color, i.dash.length > 0])).toEqual([
      ["loss", "#111", false],
      ["val_loss", "#111", true],
    ]);
  });

  it("reads out every run at the step, by its label", () => {
    expect(formatReadout(readoutAt(both(), 190, 0, { runs }), runs)).toBe(
      "step 200 · lr 1e-3: loss 0.25, val_loss 0.4 · lr 1e-2: loss 0.5",
    );
  });

  it("draws an ensemble's band in its run's colour", () => {
    const frame = frameOf(ensemble("r2:"), false, runs);
    expect(frame.bands.map((b) => [b.name, b.style.color])).toEqual([["r2:loss", "#2ca02c"]]);
    expect(frame.markers.map((m) => m.name)).toEqual(["r2:diverged#1"]);
  });
});
