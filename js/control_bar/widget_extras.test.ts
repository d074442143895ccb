// @vitest-environment jsdom
// The control bar's additions of issue 13: target and ETA, no-kernel state, Save, scale.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeModel } from "../shared/fake_model";
import type { ControlBarTraits } from "../shared/protocol";
import { NO_KERNEL_MS, NO_KERNEL_TITLE } from "./kernel_watch";
import { barTraits } from "./fixtures";
import widget from "./widget";

type Traits = Required<ControlBarTraits>;

const traits = (overrides: Partial<Traits> = {}) => barTraits(overrides);

let el: HTMLElement;
let cleanup: () => void;
let model: FakeModel<Traits>;

function renderBar(overrides: Partial<Traits> = {}, into: HTMLElement = el) {
  model = new FakeModel(traits(overrides));
  cleanup = widget.render({ model: model as unknown as FakeModel<ControlBarTraits>, el: into });
}

const $ = <T extends HTMLElement>(selector: string) => el.querySelector<T>(selector)!;
const button = (action: string) => $<HTMLButtonElement>(`[data-action="${action}"]`);
const target = () => $('[data-testid="target"]');

beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
});

afterEach(() => {
  cleanup();
  el.remove();
  vi.useRealTimers();
});

describe("target and ETA", () => {
  it("reads the target and the time left while training towards one", () => {
    renderBar();
    expect(target().hidden).toBe(true);
    model.set("status", "running");
    model.set("target_step", 5000);
    model.set("step", 1200);
    model.set("steps_per_second", 2345);
    expect([target().hidden, target().textContent]).toEqual([false, "/ 5,000 · ETA 0:02"]);
  });

  it("reads nothing without a target (start()) or once training stopped", () => {
    renderBar({ status: "running", step: 1200, steps_per_second: 2345 });
    expect([target().hidden, target().textContent]).toEqual([true, ""]);
    model.set("target_step", 5000);
    model.set("status", "done");
    expect([target().hidden, target().textContent]).toEqual([true, ""]);
  });
});

describe("without a kernel", () => {
  const controls = () => [
    ...["start", "pause", "step", "reset", "save"].map((a) => button(a)),
    $<HTMLInputElement>('[data-testid="learning-rate"]'),
    $<HTMLInputElement>('[data-testid="step-size"]'),
  ];

  it("disables every control with the reason as tooltip when no kernel answers ready", () => {
    vi.useFakeTimers();
    renderBar({ can_save: true });
    expect(model.sent).toEqual([{ v: 2, kind: "ready" }]);
    vi.advanceTimersByTime(NO_KERNEL_MS - 1);
    expect(button("start").disabled).toBe(false);
    vi.advanceTimersByTime(1);
    expect(controls().map((c) => c.disabled)).toEqual([true, true, true, true, true, true, true]);
    expect(new Set(controls().map((c) => c.title))).toEqual(new Set([NO_KERNEL_TITLE]));
    expect($('[data-testid="jaxscope-controls"]').dataset.kernel).toBe("none");
    model.set("status", "paused"); // a trait change does not bring a kernel back
    expect(button("start").disabled).toBe(true);
  });

  it("enables them again with their own titles at the first ready_ack", () => {
    vi.useFakeTimers();
    renderBar({ can_save: true });
    vi.advanceTimersByTime(NO_KERNEL_MS);
    model.receive({ v: 2, kind: "ready_ack", shell: "subshell" });
    expect(controls().map((c) => c.disabled)).toEqual([false, true, false, false, false, false, false]);
    expect(button("start").title).toBe("Train until paused");
    expect($('[data-testid="jaxscope-controls"]').dataset.kernel).toBe("connected");
  });

  it("stays enabled when the kernel answers in time", () => {
    vi.useFakeTimers();
    renderBar();
    model.receive({ v: 2, kind: "ready_ack", shell: "subshell" });
    vi.advanceTimersByTime(10 * NO_KERNEL_MS);
    expect(button("start").disabled).toBe(false);
  });
});

describe("Save", () => {
  it("shows only while the trainer has a checkpoint_dir", () => {
    renderBar();
    expect(button("save").style.display).toBe("none");
    model.set("can_save", true);
    expect(button("save").style.display).toBe("");
    expect(button("save").textContent).toBe("Save");
    expect(button("save").querySelectorAll("svg").length).toBe(1);
  });

  it("sends the save command on click", () => {
    renderBar({ can_save: true });
    button("save").click();
    expect(model.sent[1]).toEqual({ v: 2, kind: "command", action: "save" });
  });
});

describe("scale", () => {
  const scaleOf = (node: HTMLElement) => node.style.getPropertyValue("--jaxscope-scale");

  it("sets --jaxscope-scale on the dashboard that holds the bar, and follows the trait", () => {
    const dashboard = document.createElement("div");
    dashboard.className = "widget-vbox jaxscope-dashboard";
    document.body.append(dashboard);
    dashboard.append(el);
    renderBar({ scale: 1.5 });
    expect([scaleOf(dashboard), scaleOf(el)]).toEqual(["1.5", ""]);
    model.set("scale", 2);
    expect(scaleOf(dashboard)).toBe("2");
    dashboard.remove();
  });

  it("sets it on the bar's own element outside a dashboard", () => {
    renderBar({ scale: 1.5 });
    expect(scaleOf(el)).toBe("1.5");
  });
});
