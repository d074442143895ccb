/**
 * The LossChart toolbar: log-y toggle, smoothing slider, "members" toggle (shown only for an
 * ensemble: keep its member lines drawn, not just while the pointer is over the chart), reset-zoom
 * and PNG export.
 * It only builds and updates DOM; the widget decides what the controls do.
 *
 * @example
 *   const toolbar = createToolbar();
 *   toolbar.update({logY: true, smoothing: 0.6, following: true, members: null});
 */
import { element } from "../shared/dom";

export interface Toolbar {
  root: HTMLElement;
  toggleLog: HTMLButtonElement;
  smoothing: HTMLInputElement;
  resetZoom: HTMLButtonElement;
  exportPng: HTMLButtonElement;
  toggleMembers: HTMLButtonElement;
  /** `members`: whether member lines are kept; null hides the toggle (no ensemble). */
  update(state: { logY: boolean; smoothing: number; following: boolean; members?: boolean | null }): void;
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
  const toggleMembers = element(
    "button",
    {
      type: "button",
      class: "jaxscope-button",
      "data-action": "toggle-members",
      title: "Keep the ensemble's member lines (otherwise drawn while the pointer is over the chart)",
    },
    "members",
  );
  toggleMembers.hidden = true;
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
    toggleMembers,
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
    toggleMembers,
    update({ logY, smoothing: factor, following, members = null }) {
      toggleMembers.hidden = members === null;
      toggleMembers.setAttribute("aria-pressed", String(members === true));
      toggleMembers.classList.toggle("jaxscope-pressed", members === true);
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
