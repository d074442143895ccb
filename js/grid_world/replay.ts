/**
 * The replay of the sampled trajectories, as pure state: which trajectory, how far into it (in moves,
 * fractional while the agent glides between cells), whether it plays. The widget advances it from
 * requestAnimationFrame timestamps; nothing here touches the DOM or the kernel.
 *
 * @example
 *   let replay = startReplay();
 *   replay = advance(replay, 0.5, 12, {trajectories: 4, length: 80});   // half a second at 12 moves/s
 *   replay.time;                                                         // 6
 *   const now = replayFrame(world, replay);   // the agent's cell, chests taken, return so far
 */
import type { GridWorld } from "./traits";

export interface Replay {
  trajectory: number;
  /** Moves made, 0..length (fractional between cells). */
  time: number;
  playing: boolean;
  /** Seconds left to rest on the last cell before the next trajectory starts. */
  rest: number;
}

/** Seconds the agent rests at the end of an episode before the next one. */
export const REST_SECONDS = 0.8;

export function startReplay(playing = true): Replay {
  return { trajectory: 0, time: 0, playing, rest: REST_SECONDS };
}

/** The replay `seconds` later at `speed` moves a second: on to the next trajectory after a rest at the end. */
export function advance(replay: Replay, seconds: number, speed: number, size: { trajectories: number; length: number }): Replay {
  if (!replay.playing || size.trajectories === 0 || size.length === 0) return replay;
  let { trajectory, time, rest } = replay;
  time += Math.max(0, seconds) * speed;
  if (time >= size.length) {
    const over = (time - size.length) / speed;       // seconds spent at the end
    rest -= over;
    time = size.length;
    if (rest <= 0) {
      return { trajectory: (trajectory + 1) % size.trajectories, time: 0, playing: true, rest: REST_SECONDS };
    }
  }
  return { trajectory, time, playing: true, rest };
}

/** Step by `moves` whole moves (paused), within the trajectory. */
export function stepBy(replay: Replay, moves: number, length: number): Replay {
  const time = Math.min(length, Math.max(0, Math.round(replay.time) + moves));
  return { ...replay, time, playing: false, rest: REST_SECONDS };
}

/** Show trajectory `trajectory` from its start. */
export function choose(replay: Replay, trajectory: number): Replay {
  return { ...replay, trajectory, time: 0, rest: REST_SECONDS };
}

export interface ReplayFrame {
  /** The cell reached after `move` moves (whole moves). */
  cell: [number, number];
  move: number;
  /** Where to draw the agent: between cell `move` and the next, in (row, column) units. */
  at: [number, number];
  /** Per chest: taken by now. */
  taken: boolean[];
  /** Sum of the rewards of the moves made. */
  returnSoFar: number;
  /** The cells visited so far (the trail), the start first. */
  trail: [number, number][];
}

/** What the replay shows at its time, from the decoded world (null before the first redraw). */
export function replayFrame(world: GridWorld, replay: Replay): ReplayFrame | null {
  const { trajectories: n, length } = world;
  if (n === 0 || replay.trajectory >= n) return null;
  const move = Math.min(length, Math.floor(replay.time));
  const base = replay.trajectory * (length + 1) * 2;
  const cellAt = (t: number): [number, number] => [world.positions[base + 2 * t], world.positions[base + 2 * t + 1]];
  const trail: [number, number][] = [];
  const taken = world.chests.map(() => false);
  let returnSoFar = 0;
  for (let t = 0; t <= move; t++) {
    const [r, c] = cellAt(t);
    trail.push([r, c]);
    if (t > 0) {
      returnSoFar += world.rewards[replay.trajectory * length + t - 1];
      world.chests.forEach(([cr, cc], k) => {
        if (cr === r && cc === c) taken[k] = true;
      });
    }
  }
  const cell = cellAt(move);
  const fraction = move < length ? replay.time - move : 0;
  const next = move < length ? cellAt(move + 1) : cell;
  const at: [number, number] = [cell[0] + (next[0] - cell[0]) * fraction, cell[1] + (next[1] - cell[1]) * fraction];
  return { cell, move, at, taken, returnSoFar, trail };
}
