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

/** NetworkDiagram trait names (snake_case, as on the Python side). */
export const NETWORK_DIAGRAM = {
  architecture: "architecture",
  height: "height",
  title: "title",
} as const;

export interface NetworkDiagramTraits {
  /** `jaxscope.inspect.architecture(...).to_json()`; validated by network_diagram/spec.ts. */
  architecture: unknown;
  height: number;
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

/** One dense layer's entry in a "weights" message. */
export interface WeightsLayerHeader {
  /** Index of the dense layer in `architecture.layers`. */
  layer: number;
  n_in: number;
  n_out: number;
  bias: boolean;
}

export interface WeightsMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "weights";
  version: number;
  layers: WeightsLayerHeader[];
}

/** One decoded dense layer: `kernel[i * nOut + j]` joins input i to output j. */
export interface DecodedLayerWeights {
  layer: number;
  nIn: number;
  nOut: number;
  kernel: Float32Array;
  /** float32[nOut], or null when the layer has no bias. */
  bias: Float32Array | null;
}

export interface DecodedWeights {
  version: number;
  layers: DecodedLayerWeights[];
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

/** True for a custom message whose kind is "weights" (any version; decodeWeights checks it). */
export function isWeightsMessage(msg: unknown): msg is WeightsMessage {
  return typeof msg === "object" && msg !== null && (msg as { kind?: unknown }).kind === "weights";
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
  throw new Error(`jaxscope: a message buffer must be a DataView, ArrayBuffer or typed array`);
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

function checkVersion(kind: string, v: unknown): void {
  if (v !== PROTOCOL_VERSION) {
    throw new Error(
      `jaxscope: ${kind} message has protocol version ${String(v)}, this front end ` +
        `speaks version ${PROTOCOL_VERSION}; rebuild the front end (npm run build)`,
    );
  }
}

/**
 * Decode a "weights" message: per entry of `layers`, the kernel as float32[n_in * n_out]
 * (row-major (n_in, n_out)), then the bias as float32[n_out] when `bias` is true.
 *
 * Unaligned buffers are copied, aligned ones viewed in place. Throws an Error naming the
 * problem when the header and buffers disagree.
 *
 * @example
 *   decodeWeights({v: 1, kind: "weights", version: 3, layers: [{layer: 0, n_in: 1, n_out: 2, bias: true}]},
 *                 [new Float32Array([0.5, -1]), new Float32Array([0, 0.1])])
 *   // -> {version: 3, layers: [{layer: 0, nIn: 1, nOut: 2, kernel: [0.5, -1], bias: [0, 0.1]}]}
 */
export function decodeWeights(content: unknown, buffers: readonly WireBuffer[]): DecodedWeights {
  if (!isWeightsMessage(content)) {
    throw new Error(`jaxscope: expected a "weights" message, got ${JSON.stringify(content)}`);
  }
  checkVersion("weights", content.v);
  const { version, layers: headers } = content;
  if (!Number.isInteger(version)) {
    throw new Error(`jaxscope: weights message has no integer "version"`);
  }
  if (!Array.isArray(headers)) {
    throw new Error(`jaxscope: weights message has no "layers" list`);
  }
  for (const header of headers) {
    const { layer, n_in, n_out, bias } = (header ?? {}) as Partial<WeightsLayerHeader>;
    const isCount = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
    if (!isCount(layer) || !isCount(n_in) || !isCount(n_out) || typeof bias !== "boolean") {
      throw new Error(`jaxscope: bad weights layer header ${JSON.stringify(header)}`);
    }
  }
  const expected = headers.reduce((sum, h) => sum + (h.bias ? 2 : 1), 0);
  if (buffers.length !== expected) {
    throw new Error(
      `jaxscope: weights message lists ${headers.length} layers, so it needs ${expected} buffers ` +
        `(a kernel per layer and a bias per layer with "bias": true), but ${buffers.length} arrived`,
    );
  }
  let next = 0;
  const take = (what: string, header: WeightsLayerHeader, count: number): Float32Array => {
    const bytes = bytesOf(buffers[next++]);
    if (bytes.byteLength !== 4 * count) {
      throw new Error(
        `jaxscope: layer ${header.layer} is ${header.n_in}x${header.n_out}, so its ${what} buffer must hold ` +
          `${4 * count} bytes, but it holds ${bytes.byteLength}`,
      );
    }
    return words(bytes, count, Float32Array);
  };
  const layers = headers.map((header): DecodedLayerWeights => {
    const kernel = take("kernel", header, header.n_in * header.n_out);
    const bias = header.bias ? take("bias", header, header.n_out) : null;
    return { layer: header.layer, nIn: header.n_in, nOut: header.n_out, kernel, bias };
  });
  return { version, layers };
}
