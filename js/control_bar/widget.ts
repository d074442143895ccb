/**
 * ControlBar front end (anywidget module): Start / Pause / Step / Reset, the live learning
 * rate and step size, status and speed. Clicks become "command" messages, a new learning rate a
 * "set" message; the step size is a trait written back; while running with no step change for
 * 500 ms, "poll" messages ask for the state (poller.ts). "ready" is sent at render and repeated
 * while the kernel answers that it handled it on the main shell (handshake.ts); without any
 * answer within 3 s (a saved notebook, an nbconvert page, a dead kernel) the controls are disabled
 * (kernel_watch.ts). With a target (`run(n)`, `step(n)`) the bar reads "/ 5,000 · ETA 0:02"; with
 * `can_save` a Save button sends the "save" command; `scale` sets --jaxscope-scale on the
 * dashboard (extras.ts). `initialize` answers the kernel's pings (shared/frame_ack.ts). See
 * docs/protocol.md.
 */
import type { AnyModel, RenderProps } from "@anywidget/types";
import { initialize } from "../shared/frame_ack";
import {
  changeEvent,
  COMMAND_ACTIONS,
  commandMessage,
  CONTROL_BAR,
  CUSTOM_MESSAGE,
  isReadyAckMessage,
  pollMessage,
  readyMessage,
  setEarlyStoppingMessage,
  setLearningRateMessage,
  type ControlBarTraits,
} from "../shared/protocol";
import { subscriptions } from "../shared/subscriptions";
import { DASHBOARD_CLASS, markDashboardWhenAttached } from "./dashboard";
import { SCALE_VARIABLE, saveMessage, validScale } from "./extras";
import { createHandshake } from "./handshake";
import { createKernelWatch } from "./kernel_watch";
import { parseLearningRate, parseStepSize } from "./parse";
import { createPoller, pollsDuring } from "./poller";
import { type BarState, createBar, markInvalid } from "./view";

type Model = AnyModel<ControlBarTraits>;

function traits(model: Model): BarState {
  return {
    status: model.get(CONTROL_BAR.status),
    step: model.get(CONTROL_BAR.step),
    steps_per_second: model.get(CONTROL_BAR.stepsPerSecond),
    learning_rate: model.get(CONTROL_BAR.learningRate),
    step_size: model.get(CONTROL_BAR.stepSize),
    message: model.get(CONTROL_BAR.message),
    title: model.get(CONTROL_BAR.title),
    early_stopping: model.get(CONTROL_BAR.earlyStopping) ?? -1,
    target_step: model.get(CONTROL_BAR.targetStep) ?? -1,
    can_save: model.get(CONTROL_BAR.canSave) ?? false,
  };
}

/** Set --jaxscope-scale where the whole dashboard reads it (the bar alone outside a dashboard). */
function applyScale(el: HTMLElement, scale: unknown): void {
  const dashboard = el.closest<HTMLElement>(`.${DASHBOARD_CLASS}`);
  const value = String(validScale(scale));
  if (dashboard !== null) {
    dashboard.style.setProperty(SCALE_VARIABLE, value);
    el.style.removeProperty(SCALE_VARIABLE);
  } else {
    el.style.setProperty(SCALE_VARIABLE, value);
  }
}

/** The patience a ticked early-stopping box asks for when the trainer had none. */
export const DEFAULT_PATIENCE = 10;

function render(props: Pick<RenderProps<ControlBarTraits>, "model" | "el">): () => void {
  // The traits of extras.ts may be missing (a saved notebook from before them): read as optional.
  const model = props.model as unknown as Model;
  const el = props.el;
  const bar = createBar();
  el.append(bar.root);
  // While the user is typing, trait updates (the step counter ticks ~20 times a second) must
  // not overwrite the half-typed text.
  let editingLearningRate = false;
  let editingStepSize = false;
  // After a "set", show the value sent until the trait reports it, not the old one meanwhile.
  let awaitingLearningRate = false;
  const update = () =>
    bar.update(traits(model), {
      keepLearningRate: editingLearningRate || awaitingLearningRate,
      keepStepSize: editingStepSize,
    });

  const dom = new AbortController();
  const listen = { signal: dom.signal };
  for (const action of COMMAND_ACTIONS) {
    bar.buttons[action].addEventListener("click", () => model.send(commandMessage(action)), listen);
  }
  bar.save.addEventListener("click", () => model.send(saveMessage()), listen);

  let lastSentLearningRate: string | null = null;
  const applyLearningRate = (fromEnter: boolean) => {
    const text = bar.learningRate.value;
    const value = parseLearningRate(text);
    markInvalid(bar.learningRate, value === null);
    if (value === null) return;
    editingLearningRate = false;
    // A change event follows Enter when the input loses focus: send that value once.
    if (!fromEnter && text === lastSentLearningRate) return;
    lastSentLearningRate = text;
    awaitingLearningRate = true;
    model.send(setLearningRateMessage(value));
  };
  bar.learningRate.addEventListener(
    "input",
    () => {
      editingLearningRate = true;
      lastSentLearningRate = null;
    },
    listen,
  );
  bar.learningRate.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Enter") applyLearningRate(true);
      if (event.key === "Escape") {
        editingLearningRate = false;
        awaitingLearningRate = false;
        update();
      }
    },
    listen,
  );
  bar.learningRate.addEventListener("change", () => applyLearningRate(false), listen);
  bar.learningRate.addEventListener(
    "blur",
    () => {
      // A rejected value stays visible (outlined) until the user fixes it or presses Escape.
      if (parseLearningRate(bar.learningRate.value) !== null) editingLearningRate = false;
    },
    listen,
  );

  const applyStepSize = () => {
    const value = parseStepSize(bar.stepSize.value);
    markInvalid(bar.stepSize, value === null);
    if (value === null) return;
    editingStepSize = false;
    if (value !== model.get(CONTROL_BAR.stepSize)) {
      model.set(CONTROL_BAR.stepSize, value);
      model.save_changes();
    }
  };
  // Early stopping: ticking asks for the last patience the trainer had (else DEFAULT_PATIENCE).
  let lastPatience = DEFAULT_PATIENCE;
  const rememberPatience = () => {
    const patience = model.get(CONTROL_BAR.earlyStopping) ?? -1;
    if (patience > 0) lastPatience = patience;
  };
  rememberPatience();
  bar.earlyStopping.addEventListener(
    "change",
    () => model.send(setEarlyStoppingMessage(bar.earlyStopping.checked ? lastPatience : 0)),
    listen,
  );
  bar.stepSize.addEventListener("input", () => (editingStepSize = true), listen);
  bar.stepSize.addEventListener("change", applyStepSize, listen);
  bar.stepSize.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Enter") applyStepSize();
    },
    listen,
  );

  // Pull fallback for front ends that miss updates published from the trainer's thread.
  const poller = createPoller(() => model.send(pollMessage()));
  const pollsNow = () => pollsDuring(model.get(CONTROL_BAR.status));

  const subs = subscriptions(model);
  for (const trait of Object.values(CONTROL_BAR).filter((name) => name !== CONTROL_BAR.scale)) {
    subs.on(changeEvent(trait), () => {
      if (trait === CONTROL_BAR.learningRate) awaitingLearningRate = false;
      if (trait === CONTROL_BAR.status) poller.setRunning(pollsNow());
      if (trait === CONTROL_BAR.step) poller.stepChanged();
      if (trait === CONTROL_BAR.earlyStopping) rememberPatience();
      update();
    });
  }
  subs.on(changeEvent(CONTROL_BAR.scale), () => applyScale(el, model.get(CONTROL_BAR.scale)));
  // Repeat "ready" until the kernel handles one on a comm subshell (at most 20 in all).
  const handshake = createHandshake(() => model.send(readyMessage()));
  // No answer at all: no kernel (a saved notebook, an exported page); any message brings it back.
  const kernel = createKernelWatch((connected) => bar.setConnected(connected));
  subs.on(CUSTOM_MESSAGE, (msg: unknown) => {
    kernel.heard();
    if (isReadyAckMessage(msg)) handshake.acknowledged(msg.shell);
  });

  const stopLookingForDashboard = markDashboardWhenAttached(el, undefined, undefined, () =>
    applyScale(el, model.get(CONTROL_BAR.scale)),
  );
  applyScale(el, model.get(CONTROL_BAR.scale));
  update();
  kernel.start();
  handshake.start();
  poller.setRunning(pollsNow());

  return () => {
    handshake.dispose();
    kernel.dispose();
    poller.dispose();
    subs.dispose();
    dom.abort();
    stopLookingForDashboard();
    bar.root.remove();
  };
}

export default { initialize, render };
