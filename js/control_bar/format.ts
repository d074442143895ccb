/**
 * The control bar's texts.
 *
 * @example
 *   statusText("running", 12340)    // "running · step 12,340"
 *   statusText("compiling", 0)      // "compiling… · step 0"
 *   stepsPerSecondText(5400)        // "5,400 steps/s"
 *   learningRateText(0.0003)        // "3e-4"
 */
import { formatCompact, formatInteger } from "../shared/format";

/** Statuses read out in other words than their own: a compile takes a while, say it is going on. */
const STATUS_WORDS: Readonly<Record<string, string>> = { compiling: "compiling…" };

export function statusText(status: string, step: number): string {
  return `${STATUS_WORDS[status] ?? status} · step ${formatInteger(step)}`;
}

/** Whole steps per second from 10 up, one decimal below (a slow model still shows progress). */
export function stepsPerSecondText(stepsPerSecond: number): string {
  const rate = Number.isFinite(stepsPerSecond) && stepsPerSecond > 0 ? stepsPerSecond : 0;
  const text = rate >= 10 || rate === 0 ? formatInteger(rate) : String(Math.round(rate * 10) / 10);
  return `${text} steps/s`;
}

/** The learning rate as the user would type it; "" when unknown. */
export function learningRateText(learningRate: number | null | undefined): string {
  return typeof learningRate === "number" && Number.isFinite(learningRate) ? formatCompact(learningRate, 3) : "";
}
