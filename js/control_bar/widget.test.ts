// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeFrames } from "../shared/fake_frames";
import { FakeModel } from "../shared/fake_model";
import type { ControlBarTraits } from "../shared/protocol";
import { barTraits } from "./fixtures";
import widget from "./widget";

const traits = (overrides: Partial<ControlBarTraits> = {}) => barTraits(overrides);

let el: HTMLElement;
let cleanup: () => void;
let model: FakeModel<ControlBarTraits>;

function renderBar(overrides: Partial<ControlBarTraits> = {}) {
  model = new FakeModel(traits(overrides));
  cleanup = widget.render({ model, el });
}

const $ = <T extends HTMLElement>(selector: string) => el.querySelector<T>(selector)!;
const button = (action: string) => $<HTMLButtonElement>(`[data-action="${action}"]`);
const learningRate = () => $<HTMLInputElement>('[data-testid="learning-rate"]');
const stepSize = () => $<HTMLInputElement>('[data-testid="step-size"]');
const status = () => $('[data-testid="status"]');

function type(input: HTMLInputElement, text: string) {
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

function press(input: HTMLInputElement, key: string) {
  input.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
}

beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
});

afterEach(() => {
  cleanup();
  el.remove();
});

describe("ControlBar rendering", () => {
  it("sends ready when rendered", () => {
    renderBar();
    expect(model.sent).toEqual([{ v: 2, kind: "ready" }]);
  });

  it("renders the documented DOM hooks", () => {
    renderBar();
    expect($('[data-testid="jaxscope-controls"]')).not.toBeNull();
    expect(["start", "pause", "step", "reset"].map((a) => button(a).textContent)).toEqual([
      "Start",
      "Pause",
      "Step",
      "Reset",
    ]);
    expect($('[data-testid="steps-per-second"]').textContent).toBe("0 steps/s");
  });

  it.each(["start", "pause", "step", "reset"])("draws the %s icon as an inline SVG, not a glyph", (action) => {
    renderBar();
    const svgs = button(action).querySelectorAll("svg");
    expect(svgs.length).toBe(1);
    const svg = svgs[0];
    expect(svg.namespaceURI).toBe("http://www.w3.org/2000/svg");
    expect(svg.getAttribute("viewBox")).toBe("0 0 16 16");
    expect([svg.getAttribute("width"), svg.getAttribute("height")]).toEqual(["1em", "1em"]);
    expect(svg.getAttribute("aria-hidden")).toBe("true");
    expect(svg.textContent).toBe("");
    const shapes = [...svg.querySelectorAll("path, rect")];
    expect(shapes.length).toBeGreaterThan(0);
    for (const shape of shapes) {
      const paint = [shape.getAttribute("fill"), shape.getAttribute("stroke")];
      expect(paint).toContain("currentColor");
      expect(paint.filter((p) => p !== null && p !== "none" && p !== "currentColor")).toEqual([]);
    }
  });

  it("gives each button a fresh icon", () => {
    renderBar();
    const icons = ["start", "pause", "step", "reset"].map((a) => button(a).querySelector("svg"));
    expect(new Set(icons).size).toBe(4);
    expect(new Set(icons.map((svg) => svg!.innerHTML)).size).toBe(4);
  });

  it("keeps data-status and data-step equal to the traits", () => {
    renderBar();
    model.set("status", "running");
    model.set("step", 12340);
    model.set("steps_per_second", 5400);
    expect(status().dataset.status).toBe("running");
    expect(status().dataset.step).toBe("12340");
    expect(status().textContent).toBe("running · step 12,340");
    expect($('[data-testid="steps-per-second"]').textContent).toBe("5,400 steps/s");
  });

  const disabled = () => ["start", "pause", "step", "reset"].map((action) => button(action).disabled);

  it("disables Start and Step while running and Pause unless running", () => {
    renderBar();
    expect(disabled()).toEqual([false, true, false, false]);
    model.set("status", "running");
    expect(disabled()).toEqual([true, false, true, false]);
    model.set("status", "paused");
    expect(disabled()).toEqual([false, true, false, false]);
  });

  it("behaves as while running while compiling", () => {
    renderBar({ status: "compiling" });
    expect(disabled()).toEqual([true, false, true, false]);
    model.set("status", "running");
    expect(disabled()).toEqual([true, false, true, false]);
  });

  it("reads compiling… while compiling, with the raw status in data-status", () => {
    renderBar();
    model.set("status", "compiling");
    expect(status().dataset.status).toBe("compiling");
    expect(status().textContent).toBe("compiling… · step 0");
  });

  it("shows the message in red when training diverged or failed", () => {
    renderBar();
    const message = $('[data-testid="message"]');
    expect(message.hidden).toBe(true);
    model.set("message", "loss is NaN at step 1,203");
    model.set("status", "diverged");
    expect(message.hidden).toBe(false);
    expect(message.textContent).toBe("loss is NaN at step 1,203");
    expect(message.classList.contains("jaxscope-message-problem")).toBe(true);
    model.set("status", "idle");
    expect(message.classList.contains("jaxscope-message-problem")).toBe(false);
  });

  it("shows the title when there is one", () => {
    renderBar({ title: "mlp" });
    expect($(".jaxscope-title").textContent).toBe("mlp");
    expect($<HTMLElement>(".jaxscope-title").hidden).toBe(false);
  });
});

describe("ControlBar commands", () => {
  it.each(["start", "step", "reset"])("sends the %s command on click", (action) => {
    renderBar();
    button(action).click();
    expect(model.sent[1]).toEqual({ v: 2, kind: "command", action });
  });

  it("sends pause while running", () => {
    renderBar({ status: "running" });
    button("pause").click();
    expect(model.sent[1]).toEqual({ v: 2, kind: "command", action: "pause" });
  });
});

describe("ControlBar learning rate", () => {
  it("shows the trait compactly", () => {
    renderBar({ learning_rate: 3e-4 });
    expect(learningRate().value).toBe("3e-4");
    model.set("learning_rate", 0.01);
    expect(learningRate().value).toBe("0.01");
    model.set("learning_rate", null);
    expect(learningRate().value).toBe("");
  });

  it("sends a set message on Enter", () => {
    renderBar();
    type(learningRate(), "3e-4");
    press(learningRate(), "Enter");
    expect(model.sent.slice(1)).toEqual([{ v: 2, kind: "set", name: "learning_rate", value: 3e-4 }]);
  });

  it("sends the value once when Enter is followed by a change event", () => {
    renderBar();
    type(learningRate(), "0.02");
    press(learningRate(), "Enter");
    learningRate().dispatchEvent(new Event("change"));
    expect(model.sent.slice(1)).toEqual([{ v: 2, kind: "set", name: "learning_rate", value: 0.02 }]);
  });

  it("sends a set message on change", () => {
    renderBar();
    type(learningRate(), "0.005");
    learningRate().dispatchEvent(new Event("change"));
    expect(model.sent.slice(1)).toEqual([{ v: 2, kind: "set", name: "learning_rate", value: 0.005 }]);
  });

  it.each(["-1", "0", "fast", ""])("outlines %j in red and sends nothing", (text) => {
    renderBar();
    type(learningRate(), text);
    press(learningRate(), "Enter");
    expect(learningRate().classList.contains("jaxscope-invalid")).toBe(true);
    expect(learningRate().getAttribute("aria-invalid")).toBe("true");
    expect(model.sent.length).toBe(1);
  });

  it("clears the outline once the value is valid", () => {
    renderBar();
    type(learningRate(), "-1");
    press(learningRate(), "Enter");
    type(learningRate(), "0.1");
    press(learningRate(), "Enter");
    expect(learningRate().classList.contains("jaxscope-invalid")).toBe(false);
  });

  it("keeps showing the value sent until the trait reports it", () => {
    renderBar({ status: "running", learning_rate: 0.001 });
    type(learningRate(), "3e-4");
    press(learningRate(), "Enter");
    model.set("step", 500);
    expect(learningRate().value).toBe("3e-4");
    model.set("learning_rate", 0.0003);
    model.set("learning_rate", 0.002);
    expect(learningRate().value).toBe("2e-3");
  });

  it("restores the trait's value on Escape", () => {
    renderBar({ learning_rate: 0.001 });
    type(learningRate(), "-5");
    press(learningRate(), "Enter");
    press(learningRate(), "Escape");
    expect(learningRate().value).toBe("1e-3");
    expect(learningRate().classList.contains("jaxscope-invalid")).toBe(false);
  });

  it("does not overwrite what the user is typing when the step ticks", () => {
    renderBar({ status: "running" });
    type(learningRate(), "0.00");
    model.set("step", 500);
    expect(learningRate().value).toBe("0.00");
  });
});

describe("ControlBar step size", () => {
  it("shows the trait", () => {
    renderBar({ step_size: 25 });
    expect(stepSize().value).toBe("25");
  });

  it("writes a new step size back", () => {
    renderBar();
    type(stepSize(), "50");
    stepSize().dispatchEvent(new Event("change"));
    expect(model.get("step_size")).toBe(50);
    expect(model.saves).toBe(1);
  });

  it("outlines an invalid step size and keeps the trait", () => {
    renderBar();
    type(stepSize(), "0");
    stepSize().dispatchEvent(new Event("change"));
    expect(stepSize().classList.contains("jaxscope-invalid")).toBe(true);
    expect(model.get("step_size")).toBe(10);
    expect(model.saves).toBe(0);
  });
});

describe("ControlBar cleanup", () => {
  it("removes its model listeners and its DOM", () => {
    renderBar();
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(el.children.length).toBe(0);
    cleanup = () => {};
  });

  it("sends nothing on clicks after cleanup", () => {
    renderBar();
    const start = button("start");
    cleanup();
    cleanup = () => {};
    start.click();
    expect(model.sent.length).toBe(1);
  });
});

describe("ControlBar poll fallback", () => {
  const POLL = { v: 2, kind: "poll" };
  const polls = () => model.sent.filter((msg) => (msg as { kind: string }).kind === "poll").length;

  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("polls 500 ms after running starts when no step change arrives, once per 500 ms", () => {
    renderBar();
    vi.advanceTimersByTime(5_000);
    expect(polls()).toBe(0);
    model.set("status", "running");
    vi.advanceTimersByTime(499);
    expect(polls()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(model.sent).toEqual([{ v: 2, kind: "ready" }, POLL]);
    vi.advanceTimersByTime(1_000);
    expect(polls()).toBe(3);
  });

  it("polls when rendered while already running", () => {
    renderBar({ status: "running" });
    vi.advanceTimersByTime(500);
    expect(polls()).toBe(1);
  });

  it("does not poll while step changes arrive", () => {
    renderBar({ status: "running" });
    for (let step = 1; step <= 100; step++) {
      vi.advanceTimersByTime(50);
      model.set("step", step * 10);
    }
    expect(polls()).toBe(0);
    vi.advanceTimersByTime(500);
    expect(polls()).toBe(1);
  });

  it("ignores changes of other traits", () => {
    renderBar({ status: "running" });
    vi.advanceTimersByTime(300);
    model.set("steps_per_second", 5400);
    model.set("message", "hello");
    vi.advanceTimersByTime(200);
    expect(polls()).toBe(1);
  });

  it("does not poll while compiling, and starts once running", () => {
    renderBar({ status: "compiling" });
    vi.advanceTimersByTime(5_000);
    expect(polls()).toBe(0);
    model.set("status", "running");
    vi.advanceTimersByTime(500);
    expect(polls()).toBe(1);
  });

  it.each(["paused", "done", "diverged", "error", "idle", "compiling"] as const)("stops polling once %s", (next) => {
    renderBar({ status: "running" });
    vi.advanceTimersByTime(1_000);
    expect(polls()).toBe(2);
    model.set("status", next);
    vi.advanceTimersByTime(10_000);
    expect(polls()).toBe(2);
  });

  it("stops polling on cleanup", () => {
    renderBar({ status: "running" });
    vi.advanceTimersByTime(500);
    cleanup();
    cleanup = () => {};
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(polls()).toBe(1);
  });
});

describe("ControlBar ready handshake", () => {
  const readies = () => model.sent.filter((msg) => (msg as { kind: string }).kind === "ready").length;
  const ack = (shell: string, v = 2) => model.receive({ v, kind: "ready_ack", shell });

  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends ready again 100 ms after a main-shell ack, and stops at a subshell ack", () => {
    renderBar();
    ack("main");
    vi.advanceTimersByTime(99);
    expect(readies()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(model.sent).toEqual([{ v: 2, kind: "ready" }, { v: 2, kind: "ready" }]);
    ack("main");
    vi.advanceTimersByTime(100);
    ack("subshell");
    ack("main");
    vi.advanceTimersByTime(10_000);
    expect(readies()).toBe(3);
  });

  it("sends at most 20 readies when every ack says main", () => {
    renderBar();
    for (let i = 0; i < 50; i++) {
      ack("main");
      vi.advanceTimersByTime(100);
    }
    expect(readies()).toBe(20);
    expect(model.sent.length).toBe(20);
  });

  it.each([
    ["another protocol version", { v: 1, kind: "ready_ack", shell: "main" }],
    ["an unknown shell", { v: 2, kind: "ready_ack", shell: "control" }],
    ["another kind", { v: 2, kind: "points", reset: true, series: [] }],
  ])("ignores %s", (_what, msg) => {
    renderBar();
    model.receive(msg);
    vi.advanceTimersByTime(10_000);
    expect(readies()).toBe(1);
  });

  it("sends no ready after cleanup, even with a retry scheduled", () => {
    renderBar();
    ack("main");
    cleanup();
    cleanup = () => {};
    expect(vi.getTimerCount()).toBe(0);
    ack("main");
    vi.advanceTimersByTime(10_000);
    expect(model.sent).toEqual([{ v: 2, kind: "ready" }]);
  });
});

describe("ControlBar early stopping", () => {
  const box = () => $<HTMLInputElement>('[data-testid="early-stopping"]');
  const sentSets = () => model.sent.filter((m) => (m as { kind: string }).kind === "set");

  it("has no checkbox without validation data (-1)", () => {
    renderBar({ early_stopping: -1 });
    expect((box().closest("label") as HTMLElement).hidden).toBe(true);
  });

  it("shows the trainer's patience as a ticked box and turns it off with 0", () => {
    renderBar({ early_stopping: 7 });
    expect([(box().closest("label") as HTMLElement).hidden, box().checked, box().title]).toEqual([
      false, true, "patience: 7 evaluations",
    ]);
    box().click();
    expect(sentSets()).toEqual([{ v: 2, kind: "set", name: "early_stopping", value: 0 }]);
  });

  it("ticking asks for the last patience the trainer had, else 10", () => {
    renderBar({ early_stopping: 0 });
    expect(box().checked).toBe(false);
    box().click();
    model.set("early_stopping", 10);
    model.set("early_stopping", 0);
    box().click();
    expect(sentSets()).toEqual([
      { v: 2, kind: "set", name: "early_stopping", value: 10 },  // the default
      { v: 2, kind: "set", name: "early_stopping", value: 10 },  // what the trainer had
    ]);
    model.set("early_stopping", 4);
    model.set("early_stopping", 0);
    box().click();
    expect(sentSets()[2]).toEqual({ v: 2, kind: "set", name: "early_stopping", value: 4 });
  });
});

describe("ControlBar flow control", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("initialize answers each ping once per model, after two frames, however many views", () => {
    const frames = fakeFrames();
    vi.stubGlobal("requestAnimationFrame", frames.request);
    vi.stubGlobal("cancelAnimationFrame", frames.cancel);
    renderBar();
    const stop = widget.initialize({ model });
    const second = widget.render({ model, el: document.createElement("div") });
    model.sent.length = 0;
    model.receive({ v: 2, kind: "ping", frame: 5 });
    frames.flush();
    expect(model.sent).toEqual([]);
    frames.flush();
    expect(model.sent).toEqual([{ v: 2, kind: "ack", frame: 5 }]);
    second();
    stop();
  });
});
