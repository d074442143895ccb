/**
 * The control bar's DOM: buttons (an SVG icon and a label each), learning-rate and step-size
 * inputs, status, speed, message.
 * It only builds and updates elements; the widget decides what they do.
 *
 * @example
 *   const bar = createBar();
 *   bar.update({status: "running", step: 12340, steps_per_second: 5400, learning_rate: 3e-4,
 *               step_size: 10, message: "", title: "mlp"});
 */
import { element } from "../shared/dom";
import type { CommandAction, ControlBarTraits } from "../shared/protocol";
import { learningRateText, statusText, stepsPerSecondText, targetText } from "./format";
import { icon, type IconName } from "./icons";
import { NO_KERNEL_TITLE } from "./kernel_watch";
import { isBusy } from "./status";

export type BarState = ControlBarTraits;

export interface Bar {
  root: HTMLElement;
  buttons: Record<CommandAction, HTMLButtonElement>;
  /** Shown only while `can_save` (trainer.checkpoint_dir is set). */
  save: HTMLButtonElement;
  learningRate: HTMLInputElement;
  stepSize: HTMLInputElement;
  earlyStopping: HTMLInputElement;
  update(state: BarState, options?: { keepLearningRate?: boolean; keepStepSize?: boolean }): void;
  /** Without a kernel every button and input is disabled, titled with the reason. */
  setConnected(connected: boolean): void;
}

const BUTTONS: Record<IconName, [label: string, title: string]> = {
  start: ["Start", "Train until paused"],
  pause: ["Pause", "Pause at the end of the current chunk"],
  step: ["Step", "Train the number of steps on the right"],
  reset: ["Reset", "Start again from the initial parameters"],
  save: ["Save", "Save a checkpoint into trainer.checkpoint_dir"],
};

const PROBLEM_STATUSES = new Set(["error", "diverged"]);

export const INVALID_CLASS = "jaxscope-invalid";

function button(action: IconName): HTMLButtonElement {
  const [label, title] = BUTTONS[action];
  return element(
    "button",
    { type: "button", class: `jaxscope-button jaxscope-${action}`, "data-action": action, title },
    icon(action),
    element("span", { class: "jaxscope-label" }, label),
  );
}

export function createBar(): Bar {
  const buttons = {
    start: button("start"),
    pause: button("pause"),
    step: button("step"),
    reset: button("reset"),
  };
  const stepSize = element("input", {
    type: "number",
    min: "1",
    step: "1",
    class: "jaxscope-input jaxscope-step-size",
    "data-testid": "step-size",
    "aria-label": "Steps per Step click",
    title: "Steps per Step click",
  });
  const learningRate = element("input", {
    type: "text",
    inputmode: "decimal",
    spellcheck: "false",
    autocomplete: "off",
    class: "jaxscope-input jaxscope-learning-rate",
    "data-testid": "learning-rate",
    "aria-label": "Learning rate",
    title: "Learning rate: type a positive number (e.g. 3e-4) and press Enter",
    placeholder: "—",
  });
  const earlyStopping = element("input", {
    type: "checkbox",
    class: "jaxscope-early-stopping",
    "data-testid": "early-stopping",
    "aria-label": "Early stopping",
  });
  const earlyStoppingField = element(
    "label",
    { class: "jaxscope-field", title: "Stop when the validation loss stops improving, and keep its best parameters" },
    earlyStopping,
    element("span", {}, "early stopping"),
  );
  const title = element("span", { class: "jaxscope-title" });
  const status = element("span", { class: "jaxscope-status", "data-testid": "status" });
  const speed = element("span", { class: "jaxscope-speed", "data-testid": "steps-per-second" });
  const target = element("span", { class: "jaxscope-speed jaxscope-target", "data-testid": "target" });
  const save = button("save");
  const message = element("div", { class: "jaxscope-message", "data-testid": "message" });
  const root = element(
    "div",
    { class: "jaxscope jaxscope-controls", "data-testid": "jaxscope-controls" },
    element(
      "div",
      { class: "jaxscope-bar" },
      title,
      buttons.start,
      buttons.pause,
      element("span", { class: "jaxscope-group" }, buttons.step, stepSize),
      buttons.reset,
      save,
      element("label", { class: "jaxscope-field" }, element("span", {}, "learning rate"), learningRate),
      earlyStoppingField,
      element("span", { class: "jaxscope-readings" }, status, target, speed),
    ),
    message,
  );

  let connected = true;
  let last: BarState | null = null;
  const controls = [...Object.values(buttons), save, learningRate, stepSize, earlyStopping];
  const titles = new Map<HTMLElement, string>(controls.map((c) => [c, c.title]));

  const bar: Bar = {
    root,
    buttons,
    save,
    learningRate,
    stepSize,
    earlyStopping,
    update(state, options = {}) {
      last = state;
      const patience = state.early_stopping ?? -1;
      earlyStoppingField.hidden = patience < 0;
      earlyStopping.checked = patience > 0;
      if (patience > 0) titles.set(earlyStopping, `patience: ${patience} evaluations`);
      const busy = isBusy(state.status);
      buttons.start.disabled = busy || !connected;
      buttons.pause.disabled = !busy || !connected;
      buttons.step.disabled = busy || !connected;
      buttons.reset.disabled = !connected;
      save.disabled = !connected;
      save.style.display = state.can_save ? "" : "none";
      for (const input of [learningRate, stepSize, earlyStopping]) input.disabled = !connected;
      for (const control of controls) control.title = connected ? (titles.get(control) ?? "") : NO_KERNEL_TITLE;
      root.dataset.kernel = connected ? "connected" : "none";
      const targetStep = busy ? (state.target_step ?? -1) : -1;
      target.textContent = targetText(state.step, targetStep, state.steps_per_second);
      target.hidden = target.textContent === "";
      title.textContent = state.title ?? "";
      title.hidden = !state.title;
      status.dataset.status = state.status;
      status.dataset.step = String(state.step);
      status.textContent = statusText(state.status, state.step);
      speed.textContent = stepsPerSecondText(state.steps_per_second);
      if (!options.keepLearningRate) {
        learningRate.value = learningRateText(state.learning_rate);
        learningRate.classList.remove(INVALID_CLASS);
        learningRate.removeAttribute("aria-invalid");
      }
      if (!options.keepStepSize) {
        stepSize.value = String(state.step_size);
        stepSize.classList.remove(INVALID_CLASS);
        stepSize.removeAttribute("aria-invalid");
      }
      message.textContent = state.message ?? "";
      message.hidden = !state.message;
      message.classList.toggle("jaxscope-message-problem", PROBLEM_STATUSES.has(state.status));
    },
    setConnected(value) {
      connected = value;
      if (last !== null) bar.update(last, { keepLearningRate: true, keepStepSize: true });
    },
  };
  return bar;
}

/** Show or clear the red outline of an input the user filled in wrongly. */
export function markInvalid(input: HTMLInputElement, invalid: boolean): void {
  input.classList.toggle(INVALID_CLASS, invalid);
  if (invalid) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}
