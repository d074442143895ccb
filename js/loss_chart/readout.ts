/**
 * The hover read-out: for each main series, the point nearest to the cursor's step (or the latest
 * point when the cursor is elsewhere), with an ensemble's band (25 %-75 %) and the member under the
 * pointer, and the one-line text shown under the chart (grouped by run in a comparison chart).
 *
 * @example
 *   formatReadout([{name: "loss", step: 1200, value: 0.2134, smoothed: null}])
 *   // "step 1,200 · loss 0.2134"
 *   formatReadout([{name: "loss", step: 5, value: 0.2, smoothed: null, band: [0.1, 0.3]}])
 *   // "step 5 · loss 0.2 (25–75 % 0.1–0.3)"
 */
import { formatCompact, formatInteger } from "../shared/format";
import type { RunEntry } from "../shared/protocol";
import type { Series } from "./series";
import { mainName, parseSeriesName } from "./series_name";

export interface ReadoutEntry {
  name: string;
  step: number;
  value: number;
  /** The smoothed value, or null when smoothing is off. */
  smoothed: number | null;
  /** The run key, in a comparison chart. */
  run?: string;
  /** The metric (the name without the run key), in a comparison chart. */
  metric?: string;
  /** An ensemble's 25 % and 75 % quantiles at that step (smoothed when smoothing is on). */
  band?: [number, number];
  /** The member line nearest to the pointer, when members show. */
  member?: { index: number; value: number };
}

export interface ReadoutContext {
  /** A comparison chart's runs. */
  runs?: readonly RunEntry[];
  /** Members show: `distance(value)` is how far (in pixels) a member's value is from the pointer. */
  memberDistance?: ((value: number) => number) | null;
}

/** Members further than this from the pointer (CSS pixels) are not "under" it. */
export const MEMBER_PICK_PX = 12;

const shownValue = (s: Series, i: number, smoothing: number): number => (smoothing > 0 ? s.smoothed[i] : s.values[i]);

/** One entry per non-empty main series: nearest to step `x`, or the latest when `x` is null. */
export function readoutAt(
  series: readonly Series[],
  x: number | null,
  smoothing: number,
  context: ReadoutContext = {},
): ReadoutEntry[] {
  const withRuns = (context.runs ?? []).length > 0;
  const byName = new Map(series.map((s) => [s.name, s]));
  const entries: ReadoutEntry[] = [];
  let picked: { entry: ReadoutEntry; index: number; value: number; distance: number } | null = null;
  for (const s of series) {
    const parsed = parseSeriesName(s.name, withRuns);
    if (parsed.part !== "main") continue;
    const i = x === null ? s.length - 1 : s.nearestIndex(x);
    if (i < 0) continue;
    const entry: ReadoutEntry = {
      name: s.name,
      step: s.steps[i],
      value: s.values[i],
      smoothed: smoothing > 0 ? s.smoothed[i] : null,
    };
    if (parsed.run !== null) Object.assign(entry, { run: parsed.run, metric: parsed.metric });
    const lo = byName.get(`${s.name}#lo`);
    const hi = byName.get(`${s.name}#hi`);
    const j = lo?.nearestIndex(entry.step) ?? -1;
    const k = hi?.nearestIndex(entry.step) ?? -1;
    if (lo !== undefined && hi !== undefined && j >= 0 && k >= 0) {
      entry.band = [shownValue(lo, j, smoothing), shownValue(hi, k, smoothing)];
    }
    entries.push(entry);
    const distance = context.memberDistance;
    if (distance == null) continue;
    for (const other of series) {
      const p = parseSeriesName(other.name, withRuns);
      if (p.part !== "member" || mainName(p.run, p.metric) !== s.name) continue;
      const m = other.nearestIndex(entry.step);
      if (m < 0) continue;
      const value = shownValue(other, m, smoothing);
      const d = distance(value);
      if (Number.isFinite(d) && d <= MEMBER_PICK_PX && (picked === null || d < picked.distance)) {
        picked = { entry, index: p.member, value, distance: d };
      }
    }
  }
  if (picked !== null) picked.entry.member = { index: picked.index, value: picked.value };
  return entries;
}

function formatEntry(entry: ReadoutEntry, mainStep: number): string {
  const notes: string[] = [];
  if (entry.smoothed !== null) notes.push(`smoothed ${formatCompact(entry.smoothed, 4)}`);
  if (entry.band !== undefined) {
    notes.push(`25–75 % ${formatCompact(entry.band[0], 4)}–${formatCompact(entry.band[1], 4)}`);
  }
  if (entry.member !== undefined) notes.push(`member ${entry.member.index} ${formatCompact(entry.member.value, 4)}`);
  if (entry.step !== mainStep) notes.push(`step ${formatInteger(entry.step)}`);
  const suffix = notes.length > 0 ? ` (${notes.join(", ")})` : "";
  return `${entry.metric ?? entry.name} ${formatCompact(entry.value, 4)}${suffix}`;
}

/**
 * "step 1,200 · loss 0.2134 · val_loss 0.25 (step 1,000)"; in a comparison chart one group per run,
 * "step 1,200 · lr 1e-3: loss 0.21, val_loss 0.25 · lr 1e-2: loss 0.3"; "" when there is nothing to show.
 */
export function formatReadout(entries: readonly ReadoutEntry[], runs: readonly RunEntry[] = []): string {
  if (entries.length === 0) return "";
  const mainStep = entries[0].step;
  const parts = [`step ${formatInteger(mainStep)}`];
  if (runs.length === 0 || entries.every((e) => e.run === undefined)) {
    return [...parts, ...entries.map((e) => formatEntry(e, mainStep))].join(" · ");
  }
  const keys: string[] = [];
  for (const entry of entries) if (entry.run !== undefined && !keys.includes(entry.run)) keys.push(entry.run);
  for (const key of keys) {
    const label = runs.find((r) => r.key === key)?.label ?? key;
    const own = entries.filter((e) => e.run === key).map((e) => formatEntry(e, mainStep));
    parts.push(`${label}: ${own.join(", ")}`);
  }
  return parts.join(" · ");
}
