/**
 * The control bar's texts.
 *
 * @example
 *   statusText("running", 12340)    // "running · step 12,340"
 *   statusText("compiling", 0)      // "compiling… · step 0"
 *   stepsPerSecondText(5400)        // "5,400 steps/s"
 *   learningRateText(0.0003)        // "3e-4"
 *   targetText(1200, 5000, 2345)    // "/ 5,000 · ETA 0:02"
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

/** `m:ss`, or `h:mm:ss` from an hour on, as the progress line in the terminal: 125 -> "2:05". */
export function durationText(seconds: number): string {
  const whole = Math.round(Math.max(seconds, 0));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

/**
 * The step training runs to and the time left at the current speed ("/ 5,000 · ETA 0:02"), only
 * the target before the speed is known; "" without a target (`target` < 0, e.g. `start()`).
 */
export function targetText(step: number, target: number, stepsPerSecond: number): string {
  if (!Number.isFinite(target) || target < 0) return "";
  const text = `/ ${formatInteger(target)}`;
  if (!Number.isFinite(stepsPerSecond) || stepsPerSecond <= 0) return text;
  return `${text} · ETA ${durationText(Math.max(target - step, 0) / stepsPerSecond)}`;
}
