/**
 * A comparison chart's legend of runs, above the canvas: one button per run (its colour and the
 * label naming what differs), pressed while the run is drawn; a click toggles it.
 *
 * @example
 *   const legend = createRunLegend((key) => toggle(key));
 *   legend.update([{key: "r1", label: "lr 1e-3", color: "#1f77b4", visible: true}]);
 */
import { element } from "../shared/dom";
import type { RunEntry } from "../shared/protocol";

export interface RunLegend {
  root: HTMLElement;
  update(runs: readonly RunEntry[]): void;
}

export function createRunLegend(onToggle: (key: string) => void): RunLegend {
  const root = element("div", { class: "jaxscope-run-legend", "data-testid": "run-legend" });
  root.hidden = true;
  root.addEventListener("click", (event) => {
    const button = (event.target as Element | null)?.closest?.("[data-run]");
    if (button instanceof HTMLElement && root.contains(button)) onToggle(button.dataset.run ?? "");
  });
  return {
    root,
    update(runs) {
      root.hidden = runs.length === 0;
      root.replaceChildren(
        ...runs.map((run) => {
          const swatch = element("span", { class: "jaxscope-run-swatch" });
          swatch.style.background = run.color;
          return element(
            "button",
            {
              type: "button",
              class: "jaxscope-run",
              "data-run": run.key,
              "aria-pressed": String(run.visible),
              title: run.visible ? "Hide this run" : "Show this run",
            },
            swatch,
            run.label,
          );
        }),
      );
    },
  };
}

/** `runs` with `key`'s visibility flipped (a new list; the others unchanged). */
export function toggledRun(runs: readonly RunEntry[], key: string): RunEntry[] {
  return runs.map((run) => (run.key === key ? { ...run, visible: !run.visible } : { ...run }));
}

/** Checks the `runs` trait: a list of {key, label, color, visible}; anything else reads as no runs. */
export function asRuns(value: unknown): RunEntry[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (r): r is RunEntry =>
      typeof r === "object" &&
      r !== null &&
      typeof r.key === "string" &&
      typeof r.label === "string" &&
      typeof r.color === "string" &&
      typeof r.visible === "boolean",
  );
}
