/**
 * Wire protocol, version 1: the JS mirror of `src/jaxscope/widgets/protocol.py`.
 *
 * docs/protocol.md is the specification. This module is the only JS place that spells a trait
 * name or a message format; the widgets import the constants below.
 *
 * @example
 *   model.on(CUSTOM_MESSAGE, (msg, buffers) => {
 *     if (isPointsMessage(msg)) store.reset(decodePoints(msg, buffers).series);
 *   });
 *   model.send(readyMessage());
 */

export const PROTOCOL_VERSION = 1;

/** anywidget's event name for custom messages. */
export const CUSTOM_MESSAGE = "msg:custom";

/** The Backbone event fired when a trait changes: `changeEvent("log_y") === "change:log_y"`. */
export function changeEvent(trait: string): string {
  return `change:${trait}`;
}

/** LossChart trait names (snake_case, as on the Python side). */
export const LOSS_CHART = {
  logY: "log_y",
  smoothing: "smoothing",
  height: "height",
  title: "title",
  bestStep: "best_step",
} as const;

export interface LossChartTraits {
  log_y: boolean;
  smoothing: number;
  height: number;
  title: string;
  best_step: number;
}

/** ControlBar trait names (snake_case, as on the Python side). */
export const CONTROL_BAR = {
  status: "status",
  step: "step",
  stepsPerSecond: "steps_per_second",
  learningRate: "learning_rate",
  stepSize: "step_size",
  message: "message",
  title: "title",
} as const;

export const STATUSES = ["idle", "running", "paused", "done", "diverged", "error"] as const;
export type TrainingStatus = (typeof STATUSES)[number];

export interface ControlBarTraits {
  status: TrainingStatus;
  step: number;
  steps_per_second: number;
  learning_rate: number | null;
  step_size: number;
  message: string;
  title: string;
}

/** The series every LossChart holds first: the training loss. */
export const LOSS_SERIES = "loss";

export interface ReadyMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "ready";
}

/** The kernel shells a `ready_ack` may name: the main shell, or a comm's subshell thread. */
export const KERNEL_SHELLS = ["main", "subshell"] as const;
export type KernelShell = (typeof KERNEL_SHELLS)[number];

/** The ControlBar's answer to every `ready`: on which kernel shell the `ready` was handled. */
export interface ReadyAckMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "ready_ack";
  shell: KernelShell;
}

export const COMMAND_ACTIONS = ["start", "pause", "step", "reset"] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

export interface CommandMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "command";
  action: CommandAction;
}

export interface SetMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "set";
  name: "learning_rate";
  value: number;
}

/** Sent by the ControlBar while running when no step change has arrived for a while. */
export interface PollMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "poll";
}

export interface PointsSeriesHeader {
  name: string;
  count: number;
}

export interface PointsMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "points";
  reset: boolean;
  series: PointsSeriesHeader[];
}

/** One decoded series: `steps[i]` is the step of `values[i]`. */
export interface DecodedSeries {
  name: string;
  steps: Uint32Array;
  values: Float32Array;
}

export interface DecodedPoints {
  reset: boolean;
  series: DecodedSeries[];
}

/** What anywidget may hand us as a buffer: DataViews in practice, the others in tests. */
export type WireBuffer = DataView | ArrayBuffer | ArrayBufferView;

export function readyMessage(): ReadyMessage {
  return { v: PROTOCOL_VERSION, kind: "ready" };
}

export function commandMessage(action: CommandAction): CommandMessage {
  return { v: PROTOCOL_VERSION, kind: "command", action };
}

export function setLearningRateMessage(value: number): SetMessage {
  return { v: PROTOCOL_VERSION, kind: "set", name: "learning_rate", value };
}

export function pollMessage(): PollMessage {
  return { v: PROTOCOL_VERSION, kind: "poll" };
}

/** True for a custom message whose kind is "points" (any version; decodePoints checks it). */
export function isPointsMessage(msg: unknown): msg is PointsMessage {
  return typeof msg === "object" && msg !== null && (msg as { kind?: unknown }).kind === "points";
}

/**
 * True for a version-1 `ready_ack` naming a known shell. Unlike points, a `ready_ack` of another
 * version (or with an unknown shell) is not an error: the control bar just ignores it.
 */
export function isReadyAckMessage(msg: unknown): msg is ReadyAckMessage {
  if (typeof msg !== "object" || msg === null) return false;
  const { v, kind, shell } = msg as { v?: unknown; kind?: unknown; shell?: unknown };
  return (
    v === PROTOCOL_VERSION &&
    kind === "ready_ack" &&
    (KERNEL_SHELLS as readonly unknown[]).includes(shell)
  );
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function bytesOf(buffer: WireBuffer): Uint8Array {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) {
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  throw new Error(`jaxscope: a points buffer must be a DataView, ArrayBuffer or typed array`);
}

/** Little-endian uint32/float32 words of `bytes`: a view when aligned, else a copy. */
function words<T extends Uint32Array | Float32Array>(
  bytes: Uint8Array,
  count: number,
  make: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; new (length: number): T },
): T {
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0) {
    return new make(bytes.buffer, bytes.byteOffset, count);
  }
  const out = new make(count);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const isFloat = out instanceof Float32Array;
    for (let i = 0; i < count; i++) {
      out[i] = isFloat ? view.getFloat32(4 * i, true) : view.getUint32(4 * i, true);
    }
  }
  return out;
}

/**
 * Decode a "points" message: two buffers per series entry (uint32 steps, float32 values).
 *
 * Unaligned buffers (anywidget's DataViews may start at any byte) are copied; aligned ones are
 * viewed in place. Throws an Error naming the problem when the header and buffers disagree.
 *
 * @example
 *   decodePoints({v: 1, kind: "points", reset: true, series: [{name: "loss", count: 1}]},
 *                [new Uint32Array([5]), new Float32Array([0.5])])
 *   // -> {reset: true, series: [{name: "loss", steps: Uint32Array [5], values: Float32Array [0.5]}]}
 */
export function decodePoints(content: unknown, buffers: readonly WireBuffer[]): DecodedPoints {
  if (!isPointsMessage(content)) {
    throw new Error(`jaxscope: expected a "points" message, got ${JSON.stringify(content)}`);
  }
  if (content.v !== PROTOCOL_VERSION) {
    throw new Error(
      `jaxscope: points message has protocol version ${String(content.v)}, this front end ` +
        `speaks version ${PROTOCOL_VERSION}; rebuild the front end (npm run build)`,
    );
  }
  const headers = content.series;
  if (!Array.isArray(headers)) {
    throw new Error(`jaxscope: points message has no "series" list`);
  }
  if (buffers.length !== 2 * headers.length) {
    throw new Error(
      `jaxscope: points message lists ${headers.length} series, so it needs ` +
        `${2 * headers.length} buffers (steps and values per series), but ${buffers.length} arrived`,
    );
  }
  const series = headers.map((header, i): DecodedSeries => {
    const { name, count } = header;
    if (typeof name !== "string" || !Number.isInteger(count) || count < 0) {
      throw new Error(`jaxscope: bad series header ${JSON.stringify(header)}`);
    }
    const stepBytes = bytesOf(buffers[2 * i]);
    const valueBytes = bytesOf(buffers[2 * i + 1]);
    for (const [what, bytes] of [["steps", stepBytes], ["values", valueBytes]] as const) {
      if (bytes.byteLength !== 4 * count) {
        throw new Error(
          `jaxscope: series "${name}" has count ${count}, so its ${what} buffer must hold ` +
            `${4 * count} bytes, but it holds ${bytes.byteLength}`,
        );
      }
    }
    return {
      name,
      steps: words(stepBytes, count, Uint32Array),
      values: words(valueBytes, count, Float32Array),
    };
  });
  return { reset: content.reset === true, series };
}
