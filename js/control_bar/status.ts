/**
 * What a training status means for the buttons.
 *
 * @example
 *   isBusy("compiling")  // true: Start and Step disabled, Pause enabled
 *   isBusy("paused")     // false
 */
import type { TrainingStatus } from "../shared/protocol";

const BUSY: ReadonlySet<string> = new Set<TrainingStatus>(["compiling", "running"]);

/** True while the trainer works in the background: compiling its first chunk, or running. */
export function isBusy(status: string): boolean {
  return BUSY.has(status);
}
