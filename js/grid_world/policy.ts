/**
 * The policy as arrows: per free cell its most likely action, drawn from the cell's centre with a
 * length and an opacity that grow with that action's probability.
 *
 * @example
 *   const best = bestActions(world);          // Int8Array: 0 up, 1 right, 2 down, 3 left, -1 wall
 *   arrowCode(best, world.cols);              // "#####/#>>v#/#####": what the e2e tests compare
 *   arrow(1, 0.9, 40);                        // {dx: ≈15.4, dy: 0, opacity: ≈0.91, ...}
 */
import type { GridWorld } from "./traits";

/** (row, column) step of each action: up, right, down, left (as the maze's MOVES). */
export const MOVES: readonly [number, number][] = [[-1, 0], [0, 1], [1, 0], [0, -1]];
const SYMBOLS = "^>v<";

/** The most likely action per cell, -1 on walls and before the first redraw. */
export function bestActions(world: Pick<GridWorld, "rows" | "cols" | "walls" | "probabilities">): Int8Array {
  const cells = world.rows * world.cols;
  const best = new Int8Array(cells).fill(-1);
  if (world.probabilities.length !== cells * 4) return best;
  for (let i = 0; i < cells; i++) {
    if (world.walls[i]) continue;
    let top = 0;
    for (let a = 1; a < 4; a++) if (world.probabilities[i * 4 + a] > world.probabilities[i * 4 + top]) top = a;
    best[i] = top;
  }
  return best;
}

/** The arrows as text, a row per line joined by "/": ^ > v < per action, # for walls and undrawn cells. */
export function arrowCode(best: Int8Array, cols: number): string {
  const rows: string[] = [];
  for (let start = 0; start < best.length; start += cols) {
    rows.push(Array.from(best.subarray(start, start + cols), (a) => (a < 0 ? "#" : SYMBOLS[a])).join(""));
  }
  return rows.join("/");
}

export interface Arrow {
  /** From the cell's centre to the tip, in pixels. */
  dx: number;
  dy: number;
  opacity: number;
  width: number;
}

/**
 * The arrow of `action` with probability `p` in a cell of `size` pixels: from a quarter of the half
 * cell (p = 1/4, a coin toss among four) to 85 % of it (p = 1); faint when undecided.
 */
export function arrow(action: number, p: number, size: number): Arrow {
  const certainty = Math.min(1, Math.max(0, (p - 0.25) / 0.75));
  const reach = (size / 2) * (0.25 + 0.6 * certainty);
  const [dr, dc] = MOVES[action];
  return { dx: dc * reach, dy: dr * reach, opacity: 0.3 + 0.7 * certainty, width: Math.max(1.5, size * (0.05 + 0.04 * certainty)) };
}
