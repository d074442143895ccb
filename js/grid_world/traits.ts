/**
 * The GridWorldWidget's traits (src/jaxscope/views/grid_world_widget.py) and their decoding into typed
 * arrays: the layout (JSON, sent once) and, per redraw, the policy and the trajectories (binary traits,
 * little-endian float32 / int32, which anywidget hands over as DataViews).
 *
 * @example
 *   const world = decodeWorld(model);   // throws an Error saying what was expected
 *   world.probabilities[(r * world.cols + c) * 4 + action];
 */

/** What may arrive for a binary trait: a DataView from anywidget, typed arrays or buffers in tests. */
export type Binary = DataView | ArrayBuffer | ArrayBufferView | null | undefined;

export interface GridTrait {
  rows: number;
  cols: number;
  walls: number[];
  start: [number, number];
  chests: [number, number][];
  actions: string[];
}

export interface GridWorldTraits {
  grid: GridTrait;
  probabilities: Binary;
  positions: Binary;
  rewards: Binary;
  trajectories: number;
  length: number;
  returns: (number | null)[];
  step: number;
  frame: number;
  title: string;
  cell_size: number;
  speed: number;
}

export interface GridWorld {
  rows: number;
  cols: number;
  /** 1 where a wall is, row-major (rows × cols). */
  walls: Uint8Array;
  start: [number, number];
  chests: [number, number][];
  /** (rows, cols, 4) action probabilities; empty before the first redraw. */
  probabilities: Float32Array;
  /** (n, T + 1, 2) cells, the start first. */
  positions: Int32Array;
  /** (n, T) rewards. */
  rewards: Float32Array;
  trajectories: number;
  length: number;
  returns: (number | null)[];
  step: number;
}

/** The bytes of a binary trait as `Kind` words (copied when unaligned); `count` words expected. */
function words<A extends Float32Array | Int32Array>(
  value: Binary,
  count: number,
  Kind: { new (buffer: ArrayBuffer, offset: number, length: number): A; new (length: number): A },
  what: string,
): A {
  if (value == null || count === 0) {
    if (count === 0) return new Kind(0);
    throw new Error(`grid world: ${what} is missing (expected ${count} values)`);
  }
  const bytes =
    value instanceof ArrayBuffer
      ? new Uint8Array(value)
      : new Uint8Array(value.buffer as ArrayBuffer, value.byteOffset, value.byteLength);
  if (bytes.byteLength !== count * 4) {
    throw new Error(`grid world: ${what} holds ${bytes.byteLength} bytes, expected ${count * 4} (${count} values)`);
  }
  if (bytes.byteOffset % 4 === 0) return new Kind(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  const copy = new Uint8Array(bytes);
  return new Kind(copy.buffer, 0, count);
}

/** Check and decode the layout; throws an Error naming what is wrong. */
export function decodeGrid(grid: GridTrait | undefined): Pick<GridWorld, "rows" | "cols" | "walls" | "start" | "chests"> {
  if (!grid || !Number.isInteger(grid.rows) || !Number.isInteger(grid.cols) || grid.rows < 1 || grid.cols < 1) {
    throw new Error("grid world: the grid trait needs integer rows and cols >= 1");
  }
  if (!Array.isArray(grid.walls) || grid.walls.length !== grid.rows * grid.cols) {
    throw new Error(`grid world: walls must hold rows × cols = ${grid.rows * grid.cols} cells`);
  }
  return {
    rows: grid.rows,
    cols: grid.cols,
    walls: Uint8Array.from(grid.walls, (w) => (w ? 1 : 0)),
    start: [grid.start[0], grid.start[1]],
    chests: (grid.chests ?? []).map(([r, c]) => [r, c] as [number, number]),
  };
}

/** Everything the widget draws, from the model's traits. */
export function decodeWorld(get: <K extends keyof GridWorldTraits>(key: K) => GridWorldTraits[K]): GridWorld {
  const grid = decodeGrid(get("grid"));
  const n = get("trajectories") ?? 0;
  const length = get("length") ?? 0;
  const drawn = n > 0;
  return {
    ...grid,
    probabilities: drawn ? words(get("probabilities"), grid.rows * grid.cols * 4, Float32Array, "probabilities") : new Float32Array(0),
    positions: drawn ? words(get("positions"), n * (length + 1) * 2, Int32Array, "positions") : new Int32Array(0),
    rewards: drawn ? words(get("rewards"), n * length, Float32Array, "rewards") : new Float32Array(0),
    trajectories: n,
    length,
    returns: get("returns") ?? [],
    step: get("step") ?? 0,
  };
}
