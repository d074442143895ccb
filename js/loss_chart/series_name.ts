/**
 * What a series name on the wire means: which run (in a comparison chart), which metric, and which
 * part of an ensemble's drawing it is (docs/protocol.md, "Series names").
 *
 * @example
 *   parseSeriesName("loss", false)           // {run: null, metric: "loss", part: "main", member: -1}
 *   parseSeriesName("r2:val_loss#hi", true)  // {run: "r2", metric: "val_loss", part: "hi", member: -1}
 *   parseSeriesName("loss#3", false)         // {run: null, metric: "loss", part: "member", member: 3}
 *   parseSeriesName("diverged#1", false)     // {run: null, metric: "loss", part: "diverged", member: 1}
 */
import { PART_SEPARATOR, RUN_SEPARATOR } from "../shared/protocol";

export type SeriesPart = "main" | "lo" | "hi" | "member" | "diverged";

export interface SeriesName {
  /** The run key of a comparison chart, null in a one-run chart. */
  run: string | null;
  /** The metric it belongs to (a diverged marker sits on the loss). */
  metric: string;
  part: SeriesPart;
  /** The ensemble member of a member line or a diverged marker; -1 otherwise. */
  member: number;
}

/** The series a diverged member leaves: one point, at its step and its last finite loss. */
export const DIVERGED = "diverged";

const MEMBER = /^\d+$/;

/** `name` split into run, metric and part; `withRuns`: the chart compares runs (names carry a run key). */
export function parseSeriesName(name: string, withRuns: boolean): SeriesName {
  let run: string | null = null;
  let rest = name;
  const colon = withRuns ? name.indexOf(RUN_SEPARATOR) : -1;
  if (colon > 0) {
    run = name.slice(0, colon);
    rest = name.slice(colon + 1);
  }
  const hash = rest.lastIndexOf(PART_SEPARATOR);
  if (hash <= 0) return { run, metric: rest, part: "main", member: -1 };
  const metric = rest.slice(0, hash);
  const suffix = rest.slice(hash + 1);
  if (suffix === "lo" || suffix === "hi") return { run, metric, part: suffix, member: -1 };
  if (!MEMBER.test(suffix)) return { run, metric: rest, part: "main", member: -1 };
  const member = Number(suffix);
  if (metric === DIVERGED) return { run, metric: "loss", part: "diverged", member };
  return { run, metric, part: "member", member };
}

/** The wire name of the main line of `metric` in `run` (null: a one-run chart). */
export function mainName(run: string | null, metric: string): string {
  return run === null ? metric : `${run}${RUN_SEPARATOR}${metric}`;
}
