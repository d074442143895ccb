/**
 * The hover read-out: for each series, the point nearest to the cursor's step (or the latest
 * point when the cursor is elsewhere), and the one-line text shown under the chart.
 *
 * @example
 *   formatReadout([{name: "loss", step: 1200, value: 0.2134, smoothed: null}])
 *   // "step 1,200 · loss 0.2134"
 */
import { formatCompact, formatInteger } from "../shared/format";
import type { Series } from "./series";

export interface ReadoutEntry {
  name: string;
  step: number;
  value: number;
  /** The smoothed value, or null when smoothing is off. */
  smoothed: number | null;
}

/** One entry per non-empty series: nearest to step `x`, or the latest when `x` is null. */
export function readoutAt(series: readonly Series[], x: number | null, smoothing: number): ReadoutEntry[] {
  const entries: ReadoutEntry[] = [];
  for (const s of series) {
    const i = x === null ? s.length - 1 : s.nearestIndex(x);
    if (i < 0) continue;
    entries.push({
      name: s.name,
      step: s.steps[i],
      value: s.values[i],
      smoothed: smoothing > 0 ? s.smoothed[i] : null,
    });
  }
  return entries;
}

function formatEntry(entry: ReadoutEntry, mainStep: number): string {
  const notes: string[] = [];
  if (entry.smoothed !== null) notes.push(`smoothed ${formatCompact(entry.smoothed, 4)}`);
  if (entry.step !== mainStep) notes.push(`step ${formatInteger(entry.step)}`);
  const suffix = notes.length > 0 ? ` (${notes.join(", ")})` : "";
  return `${entry.name} ${formatCompact(entry.value, 4)}${suffix}`;
}

/** "step 1,200 · loss 0.2134 · val_loss 0.25 (step 1,000)"; "" when there is nothing to show. */
export function formatReadout(entries: readonly ReadoutEntry[]): string {
  if (entries.length === 0) return "";
  const mainStep = entries[0].step;
  return [`step ${formatInteger(mainStep)}`, ...entries.map((e) => formatEntry(e, mainStep))].join(" · ");
}
