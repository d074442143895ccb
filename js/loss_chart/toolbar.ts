/**
 * The LossChart toolbar: log-y toggle, smoothing slider, reset-zoom and PNG export.
 * It only builds and updates DOM; the widget decides what the controls do.
 *
 * @example
 *   const toolbar = createToolbar();
 *   toolbar.update({logY: true, smoothing: 0.6, following: true});
 */
import { element } from "../shared/dom";

export interface Toolbar {
  root: HTMLElement;
  toggleLog: HTMLButtonElement;
  smoothing: HTMLInputElement;
  resetZoom: HTMLButtonElement;
  exportPng: HTMLButtonElement;
  update(state: { logY: boolean; smoothing: number; following: boolean }): void;
}

export const SMOOTHING_MAX = 0.99;

export function createToolbar(): Toolbar {
  const toggleLog = element(
    "button",
    { type: "button", class: "jaxscope-button", "data-action": "toggle-log", title: "Logarithmic y axis" },
    "log y",
  );
  const smoothing = element("input", {
    type: "range",
    min: "0",
    max: String(SMOOTHING_MAX),
    step: "0.01",
    class: "jaxscope-smoothing",
    "data-testid": "smoothing",
    "aria-label": "Smoothing",
    title: "Smoothing (exponential moving average)",
  });
  const smoothingValue = element("span", { class: "jaxscope-smoothing-value" });
  const resetZoom = element(
    "button",
    {
      type: "button",
      class: "jaxscope-button",
      "data-action": "reset-zoom",
      title: "Show all data (or double-click the chart)",
    },
    "⤢ Fit",
  );
  const exportPng = element(
    "button",
    { type: "button", class: "jaxscope-button", "data-action": "export-png", title: "Download as loss.png" },
    "⤓ PNG",
  );
  const smoothingLabel = element(
    "label",
    { class: "jaxscope-smoothing-label" },
    "smoothing",
    smoothing,
    smoothingValue,
  );
  const root = element(
    "div",
    { class: "jaxscope-toolbar" },
    toggleLog,
    smoothingLabel,
    element("span", { class: "jaxscope-spacer" }),
    resetZoom,
    exportPng,
  );

  return {
    root,
    toggleLog,
    smoothing,
    resetZoom,
    exportPng,
    update({ logY, smoothing: factor, following }) {
      toggleLog.setAttribute("aria-pressed", String(logY));
      toggleLog.classList.toggle("jaxscope-pressed", logY);
      const shown = Math.min(Math.max(factor, 0), SMOOTHING_MAX);
      // Don't fight the user's drag: only move the thumb when the value differs.
      if (Number(smoothing.value) !== shown) smoothing.value = String(shown);
      smoothingValue.textContent = factor.toFixed(2);
      resetZoom.classList.toggle("jaxscope-idle", following);
    },
  };
}
