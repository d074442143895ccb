/**
 * What the user typed into the control bar, checked before anything is sent.
 *
 * @example
 *   parseLearningRate("3e-4")  // 0.0003
 *   parseLearningRate("-1")    // null  (rejected: not positive)
 *   parseStepSize("25")        // 25
 */

/** A finite, strictly positive number, or null. */
export function parseLearningRate(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** A whole number of steps >= 1, or null. */
export function parseStepSize(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) && value >= 1 ? value : null;
}
