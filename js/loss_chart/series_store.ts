import type { DecodedSeries } from "../shared/protocol";
import { clampSmoothing } from "./ema";
import { Series } from "./series";

/**
 * Every series a LossChart view holds, in the order they first arrived ("loss" first).
 *
 * @example
 *   const store = new SeriesStore(0.6);
 *   store.reset([{name: "loss", steps: new Uint32Array([1]), values: new Float32Array([2])}]);
 *   store.count("loss");  // 1
 *   store.names();        // ["loss"]
 */
export class SeriesStore {
  private byName = new Map<string, Series>();
  private smoothingFactor: number;

  constructor(smoothing = 0) {
    this.smoothingFactor = clampSmoothing(smoothing);
  }

  get smoothing(): number {
    return this.smoothingFactor;
  }

  /** Replace everything held by `series` (an empty list empties the store). */
  reset(series: readonly DecodedSeries[]): void {
    this.byName.clear();
    this.append(series);
  }

  /** Append each series' points newer than the last held step of that series. */
  append(series: readonly DecodedSeries[]): void {
    for (const { name, steps, values } of series) {
      let target = this.byName.get(name);
      if (target === undefined) {
        target = new Series(name, this.smoothingFactor);
        this.byName.set(name, target);
      }
      target.append(steps, values);
    }
  }

  /** Change the smoothing factor; recomputes the smoothed values only when it changed. */
  setSmoothing(smoothing: number): boolean {
    const next = clampSmoothing(smoothing);
    if (next === this.smoothingFactor) return false;
    this.smoothingFactor = next;
    for (const series of this.byName.values()) series.setSmoothing(next);
    return true;
  }

  get(name: string): Series | undefined {
    return this.byName.get(name);
  }

  /** Number of points held for `name` (0 when unknown). */
  count(name: string): number {
    return this.byName.get(name)?.length ?? 0;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  all(): Series[] {
    return [...this.byName.values()];
  }

  /** [first, last] step over every series, or null when no point is held. */
  stepExtent(): [number, number] | null {
    let first = Infinity;
    let last = -Infinity;
    for (const series of this.byName.values()) {
      if (series.length === 0) continue;
      first = Math.min(first, series.steps[0]);
      last = Math.max(last, series.steps[series.length - 1]);
    }
    return first <= last ? [first, last] : null;
  }
}
