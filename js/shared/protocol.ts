/**
 * Wire protocol, version 2: the JS mirror of `src/jaxscope/widgets/protocol.py`.
 *
 * docs/protocol.md is the specification. This module is the only JS place that spells a trait
 * name or a message format; the widgets import the constants below. The `as const` lists are
 * plain literals on purpose: the Python tests read them out of this file.
 *
 * @example
 *   model.on(CUSTOM_MESSAGE, (msg, buffers) => {
 *     if (isPointsMessage(msg)) store.reset(decodePoints(msg, buffers).series);
 *   });
 *   model.send(readyMessage());
 */

export const PROTOCOL_VERSION = 2;

/** Every custom message kind, in either direction, sorted. */
export const MESSAGE_KINDS = [
  "ack",
  "activations",
  "block_stats",
  "command",
  "edit",
  "edit_result",
  "ping",
  "points",
  "poll",
  "ready",
  "ready_ack",
  "set",
  "weights",
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

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
  snapshot: "snapshot",
  runs: "runs",
  markedStep: "marked_step",
} as const;

/**
 * Series names beyond a plain metric: `<run key>:<metric>` in a comparison chart (`runs` names the
 * keys), `<metric>#lo` / `<metric>#hi` an ensemble's 25 % / 75 % band, `<metric>#<i>` member i,
 * `diverged#<i>` one point where member i diverged.
 */
export const RUN_SEPARATOR = ":";
export const PART_SEPARATOR = "#";

/** One run of a comparison chart; the page writes `visible` back when the legend toggles it. */
export interface RunEntry {
  key: string;
  label: string;
  color: string;
  visible: boolean;
}

export interface LossChartTraits {
  log_y: boolean;
  smoothing: number;
  height: number;
  title: string;
  best_step: number;
  /** The picture kept in widget state when training pauses or stops (shared/saved_state.ts). */
  snapshot?: unknown;
  /** A comparison chart's runs, in legend order; empty (or missing) for one run. */
  runs?: RunEntry[];
  /** A dashed line labelled "step N" (the rewind scrubber's step); -1 none. */
  marked_step?: number;
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
  earlyStopping: "early_stopping",
  targetStep: "target_step",
  canSave: "can_save",
  scale: "scale",
} as const;

/** `compiling`: the trainer is compiling its first chunk (the bar behaves as while running). */
export const STATUSES = ["idle", "compiling", "running", "paused", "done", "diverged", "error"] as const;
export type TrainingStatus = (typeof STATUSES)[number];

export interface ControlBarTraits {
  status: TrainingStatus;
  step: number;
  steps_per_second: number;
  learning_rate: number | null;
  step_size: number;
  message: string;
  title: string;
  /** Patience in validation evaluations; 0 = off; -1 = no validation data (no checkbox). */
  early_stopping: number;
  /** The step run(n) / step(n) trains to while running; -1 none. */
  target_step?: number;
  /** trainer.checkpoint_dir is set: the Save button shows. */
  can_save?: boolean;
  /** Dashboard size (0.5-3): the bar sets --jaxscope-scale on its dashboard. */
  scale?: number;
}

/** NetworkDiagram trait names (snake_case, as on the Python side). */
export const NETWORK_DIAGRAM = {
  architecture: "architecture",
  height: "height",
  title: "title",
  editable: "editable",
  snapshot: "snapshot",
} as const;

export interface NetworkDiagramTraits {
  /** `jaxscope.inspect.architecture(...).to_json()`; validated by network_diagram/spec.ts. */
  architecture: unknown;
  height: number;
  title: string;
  /** Edit mode may be switched on (false while a trainer runs); missing counts as true. */
  editable: boolean;
  /** The picture kept in widget state when training pauses or stops (shared/saved_state.ts). */
  snapshot?: unknown;
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

export const SET_NAMES = ["learning_rate", "early_stopping"] as const;
export type SetName = (typeof SET_NAMES)[number];

export interface SetMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "set";
  name: SetName;
  value: number;
}

/** Sent by the ControlBar while running when no step change has arrived for a while. */
export interface PollMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "poll";
}

/** Flow control: the kernel sends a widget's next frame only after the `ack` of this `ping`. */
export interface PingMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "ping";
  /** The kernel's number for the frame just sent (a non-negative integer). */
  frame: number;
}

/** The answer to a `ping`, once the frame before it has been handled and painted. */
export interface AckMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "ack";
  frame: number;
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
  /** Dense entries may omit it. */
  kind?: "dense";
  n_in: number;
  n_out: number;
  bias: boolean;
}

/** One conv layer's entry in a "weights" message: the kernel is (O, I, KH, KW) on the wire. */
export interface ConvWeightsLayerHeader {
  layer: number;
  kind: "conv";
  /** [O, I, KH, KW]: output channels, input channels, kernel height and width. */
  shape: [number, number, number, number];
  bias: boolean;
}

/** One gate of a recurrent layer's entry: which of its two matrices follow, and the input size. */
export interface RecurrentGateHeader {
  name: string;
  n_in: number;
  input: boolean;
  recurrent: boolean;
}

/**
 * A recurrent layer's entry in a "weights" message: per gate, in order, its input matrix
 * float32[hidden * n_in] and its recurrent matrix float32[hidden * hidden], each row-major
 * (units, inputs) and present when its flag is true.
 */
export interface RecurrentWeightsLayerHeader {
  layer: number;
  kind: "recurrent";
  hidden: number;
  gates: RecurrentGateHeader[];
}

export interface WeightsMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "weights";
  version: number;
  layers: (WeightsLayerHeader | ConvWeightsLayerHeader | RecurrentWeightsLayerHeader)[];
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

/**
 * One decoded conv layer: `kernel[((o * I + i) * KH + r) * KW + c]` is row r, column c of the
 * kernel from input channel i to output channel o.
 */
export interface DecodedConvWeights {
  layer: number;
  /** [O, I, KH, KW]. */
  shape: readonly [number, number, number, number];
  kernel: Float32Array;
  /** float32[O], or null when the layer has no bias. */
  bias: Float32Array | null;
}

/** One gate's matrices: `input[u * nIn + i]` joins input i to unit u, `recurrent[u * hidden + v]` unit v's last state to unit u. */
export interface DecodedGate {
  name: string;
  nIn: number;
  input: Float32Array | null;
  recurrent: Float32Array | null;
}

/** One decoded recurrent layer: its hidden size and gates, in message order. */
export interface DecodedRecurrentWeights {
  layer: number;
  hidden: number;
  gates: DecodedGate[];
}

export interface DecodedWeights {
  version: number;
  /** The dense layers, in message order. */
  layers: DecodedLayerWeights[];
  /** The conv layers, in message order. */
  convs: DecodedConvWeights[];
  /** The recurrent layers, in message order. */
  recurrents: DecodedRecurrentWeights[];
}

/** The input grid the activations were computed on (see docs/protocol.md). */
export interface ActivationsGrid {
  /** [G] for a 1-D input, [rows, cols] for a 2-D one. */
  shape: [number] | [number, number];
  /** [[x0, x1]] or [[x0, x1], [y0, y1]]. */
  range: [number, number][];
}

export interface ActivationsColumnHeader {
  /** The dense layer whose outputs the column holds; -1 for the network input. */
  layer: number;
  n: number;
}

export interface ActivationsMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "activations";
  version: number;
  grid: ActivationsGrid;
  columns: ActivationsColumnHeader[];
}

/** One decoded column: `values[g * n + k]` is neuron k at grid point g. */
export interface DecodedActivationsColumn {
  layer: number;
  n: number;
  values: Float32Array;
}

export interface DecodedActivations {
  version: number;
  grid: ActivationsGrid;
  /** G, the number of grid points (the product of `grid.shape`). */
  points: number;
  columns: DecodedActivationsColumn[];
}

/**
 * The block diagram's live numbers, one entry per `architecture.blocks` entry, in order: `rms`, the
 * RMS of the block's parameters; `update`, the RMS of their change per training step since the
 * previous message divided by `rms`; null where unknown (a first message, after a reset, an empty
 * block). Plain JSON, no buffers.
 */
export interface BlockStatsMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "block_stats";
  version: number;
  /** The trainer step of the parameters measured; null outside a trainer. */
  step: number | null;
  rms: (number | null)[];
  update: (number | null)[];
}

/** A checked "block_stats" message. */
export interface DecodedBlockStats {
  version: number;
  step: number | null;
  rms: readonly (number | null)[];
  update: readonly (number | null)[];
}

/** The answer to an `edit`: `message` says why when `ok` is false. */
export interface EditResultMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "edit_result";
  ok: boolean;
  message: string;
}

export interface EditWeightMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "edit";
  layer: number;
  param: "weight";
  /** Input neuron: kernel[i, j] in (n_in, n_out) terms. */
  i: number;
  /** Output neuron. */
  j: number;
  value: number;
}

export interface EditBiasMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "edit";
  layer: number;
  param: "bias";
  /** Output neuron. */
  i: number;
  value: number;
}

export type EditMessage = EditWeightMessage | EditBiasMessage;

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

/** Early stopping on with `patience` evaluations, or off with 0. */
export function setEarlyStoppingMessage(patience: number): SetMessage {
  return { v: PROTOCOL_VERSION, kind: "set", name: "early_stopping", value: patience };
}

export function pollMessage(): PollMessage {
  return { v: PROTOCOL_VERSION, kind: "poll" };
}

/** `ackMessage(7)` -> `{v: 2, kind: "ack", frame: 7}`: the answer to the ping of frame 7. */
export function ackMessage(frame: number): AckMessage {
  return { v: PROTOCOL_VERSION, kind: "ack", frame };
}

/**
 * An `edit` of one weight (from input neuron i to output neuron j) or one bias (of output neuron
 * i) of dense layer `layer`.
 *
 * @example
 *   editMessage(1, "weight", 3, 0, -0.5)  // {v: 2, kind: "edit", layer: 1, param: "weight", i: 3, j: 0, value: -0.5}
 *   editMessage(1, "bias", 0, 0.25)       // {v: 2, kind: "edit", layer: 1, param: "bias", i: 0, value: 0.25}
 */
export function editMessage(layer: number, param: "weight", i: number, j: number, value: number): EditWeightMessage;
export function editMessage(layer: number, param: "bias", i: number, value: number): EditBiasMessage;
export function editMessage(layer: number, param: "weight" | "bias", i: number, jOrValue: number, value?: number): EditMessage {
  return param === "weight"
    ? { v: PROTOCOL_VERSION, kind: "edit", layer, param, i, j: jOrValue, value: value as number }
    : { v: PROTOCOL_VERSION, kind: "edit", layer, param, i, value: jOrValue };
}

const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;

/**
 * Why `msg` is not a message of `kind` in this protocol version, or null when it is one. The only
 * place that reads a message's `v`: every guard and decoder goes through it.
 *
 * @example
 *   messageProblem({v: 2, kind: "poll"}, "poll")    // null
 *   messageProblem({v: 1, kind: "points"}, "points")
 *   // -> 'points message has protocol version 1, this front end speaks version 2; rebuild the front end (npm run build)'
 */
export function messageProblem(msg: unknown, kind: MessageKind): string | null {
  if (typeof msg !== "object" || msg === null || (msg as { kind?: unknown }).kind !== kind) {
    return `expected a "${kind}" message, got ${JSON.stringify(msg)}`;
  }
  const v = (msg as { v?: unknown }).v;
  if (v !== PROTOCOL_VERSION) {
    return (
      `${kind} message has protocol version ${String(v)}, this front end ` +
      `speaks version ${PROTOCOL_VERSION}; rebuild the front end (npm run build)`
    );
  }
  return null;
}

/** A message of this version whose other fields are not checked yet. */
export interface UncheckedMessage {
  v: typeof PROTOCOL_VERSION;
  kind: MessageKind;
  [field: string]: unknown;
}

/** True for an object whose `v` is PROTOCOL_VERSION and whose `kind` is `kind`. */
export function isMessage(msg: unknown, kind: MessageKind): msg is UncheckedMessage {
  return messageProblem(msg, kind) === null;
}

/** True for a "points" message of this version (decodePoints checks the rest). */
export function isPointsMessage(msg: unknown): msg is PointsMessage {
  return isMessage(msg, "points");
}

/** True for a "weights" message of this version (decodeWeights checks the rest). */
export function isWeightsMessage(msg: unknown): msg is WeightsMessage {
  return isMessage(msg, "weights");
}

/** True for an "activations" message of this version (decodeActivations checks the rest). */
export function isActivationsMessage(msg: unknown): msg is ActivationsMessage {
  return isMessage(msg, "activations");
}

/** True for a "block_stats" message of this version (decodeBlockStats checks the rest). */
export function isBlockStatsMessage(msg: unknown): msg is BlockStatsMessage {
  return isMessage(msg, "block_stats");
}

/** True for an `edit_result` of this version with a boolean `ok` and a string `message`. */
export function isEditResultMessage(msg: unknown): msg is EditResultMessage {
  return isMessage(msg, "edit_result") && typeof msg.ok === "boolean" && typeof msg.message === "string";
}

/**
 * True for a `ready_ack` of this version naming a known shell. Unlike points, a `ready_ack` of
 * another version (or with an unknown shell) is not an error: the control bar just ignores it.
 */
export function isReadyAckMessage(msg: unknown): msg is ReadyAckMessage {
  return isMessage(msg, "ready_ack") && (KERNEL_SHELLS as readonly unknown[]).includes(msg.shell);
}

/** True for a `ping` of this version whose `frame` is a non-negative integer. */
export function isPingMessage(msg: unknown): msg is PingMessage {
  return isMessage(msg, "ping") && isCount(msg.frame);
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
 *   decodePoints({v: 2, kind: "points", reset: true, series: [{name: "loss", count: 1}]},
 *                [new Uint32Array([5]), new Float32Array([0.5])])
 *   // -> {reset: true, series: [{name: "loss", steps: Uint32Array [5], values: Float32Array [0.5]}]}
 */
export function decodePoints(content: unknown, buffers: readonly WireBuffer[]): DecodedPoints {
  if (!isPointsMessage(content)) throw new Error(`jaxscope: ${messageProblem(content, "points")}`);
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


type WeightsEntry = WeightsLayerHeader | ConvWeightsLayerHeader | RecurrentWeightsLayerHeader;

/** The header as a recurrent entry, or null when it is not a valid one. */
function recurrentEntry(entry: Record<string, unknown>): RecurrentWeightsLayerHeader | null {
  if (!isCount(entry.hidden) || !Array.isArray(entry.gates)) return null;
  const valid = entry.gates.every((gate) => {
    if (typeof gate !== "object" || gate === null) return false;
    const g = gate as Record<string, unknown>;
    return typeof g.name === "string" && isCount(g.n_in) && typeof g.input === "boolean" && typeof g.recurrent === "boolean";
  });
  return valid ? (entry as unknown as RecurrentWeightsLayerHeader) : null;
}

/** Buffers one entry takes: a kernel and maybe a bias; a recurrent layer one per matrix present. */
function bufferCount(entry: WeightsEntry): number {
  if (entry.kind === "recurrent") return entry.gates.reduce((sum, g) => sum + Number(g.input) + Number(g.recurrent), 0);
  return entry.bias ? 2 : 1;
}

/** The header as a conv, dense or recurrent entry, or null when it is none of them. */
function weightsEntry(header: unknown): WeightsEntry | null {
  if (typeof header !== "object" || header === null) return null;
  const entry = header as Record<string, unknown>;
  if (!isCount(entry.layer)) return null;
  if (entry.kind === "recurrent") return recurrentEntry(entry);
  if (typeof entry.bias !== "boolean") return null;
  if (entry.kind === "conv") {
    const shape = entry.shape;
    return Array.isArray(shape) && shape.length === 4 && shape.every(isCount) ? (entry as unknown as ConvWeightsLayerHeader) : null;
  }
  if (entry.kind !== undefined && entry.kind !== "dense") return null;
  return isCount(entry.n_in) && isCount(entry.n_out) ? (entry as unknown as WeightsLayerHeader) : null;
}

/**
 * Decode a "weights" message: per entry of `layers`, the kernel, then the bias when `bias` is
 * true. A dense entry's kernel is float32[n_in * n_out], row-major (n_in, n_out), its bias
 * float32[n_out]; a conv entry (`"kind": "conv"`, `"shape": [O, I, KH, KW]`) has its kernel as
 * float32[O * I * KH * KW], row-major (O, I, KH, KW), and its bias as float32[O].
 *
 * Unaligned buffers are copied, aligned ones viewed in place. Throws an Error naming the
 * problem when the header and buffers disagree.
 *
 * @example
 *   decodeWeights({v: 2, kind: "weights", version: 3, layers: [{layer: 0, n_in: 1, n_out: 2, bias: true}]},
 *                 [new Float32Array([0.5, -1]), new Float32Array([0, 0.1])])
 *   // -> {version: 3, layers: [{layer: 0, nIn: 1, nOut: 2, kernel: [0.5, -1], bias: [0, 0.1]}], convs: [], recurrents: []}
 */
export function decodeWeights(content: unknown, buffers: readonly WireBuffer[]): DecodedWeights {
  if (!isWeightsMessage(content)) throw new Error(`jaxscope: ${messageProblem(content, "weights")}`);
  const { version, layers: headers } = content;
  if (!Number.isInteger(version)) {
    throw new Error(`jaxscope: weights message has no integer "version"`);
  }
  if (!Array.isArray(headers)) {
    throw new Error(`jaxscope: weights message has no "layers" list`);
  }
  const entries = headers.map((header) => {
    const entry = weightsEntry(header);
    if (entry === null) throw new Error(`jaxscope: bad weights layer header ${JSON.stringify(header)}`);
    return entry;
  });
  const expected = entries.reduce((sum, h) => sum + bufferCount(h), 0);
  if (buffers.length !== expected) {
    throw new Error(
      `jaxscope: weights message lists ${headers.length} layers, so it needs ${expected} buffers ` +
        `(a kernel per layer and a bias per layer with "bias": true` +
        `${entries.some((h) => h.kind === "recurrent") ? "; a matrix per gate flag of a recurrent layer" : ""}), but ${buffers.length} arrived`,
    );
  }
  let next = 0;
  const take = (what: string, size: string, layer: number, count: number): Float32Array => {
    const bytes = bytesOf(buffers[next++]);
    if (bytes.byteLength !== 4 * count) {
      throw new Error(
        `jaxscope: layer ${layer} is ${size}, so its ${what} buffer must hold ` +
          `${4 * count} bytes, but it holds ${bytes.byteLength}`,
      );
    }
    return words(bytes, count, Float32Array);
  };
  const layers: DecodedLayerWeights[] = [];
  const convs: DecodedConvWeights[] = [];
  const recurrents: DecodedRecurrentWeights[] = [];
  for (const entry of entries) {
    if (entry.kind === "recurrent") {
      const h = entry.hidden;
      const gates = entry.gates.map((gate) => ({
        name: gate.name,
        nIn: gate.n_in,
        input: gate.input ? take(`gate ${gate.name} input`, `recurrent ${gate.n_in}→${h}`, entry.layer, h * gate.n_in) : null,
        recurrent: gate.recurrent ? take(`gate ${gate.name} recurrent`, `recurrent ${gate.n_in}→${h}`, entry.layer, h * h) : null,
      }));
      recurrents.push({ layer: entry.layer, hidden: h, gates });
    } else if (entry.kind === "conv") {
      const [o, i, kh, kw] = entry.shape;
      const size = `conv ${o}x${i}x${kh}x${kw}`;
      const kernel = take("kernel", size, entry.layer, o * i * kh * kw);
      const bias = entry.bias ? take("bias", size, entry.layer, o) : null;
      convs.push({ layer: entry.layer, shape: [o, i, kh, kw], kernel, bias });
    } else {
      const size = `${entry.n_in}x${entry.n_out}`;
      const kernel = take("kernel", size, entry.layer, entry.n_in * entry.n_out);
      const bias = entry.bias ? take("bias", size, entry.layer, entry.n_out) : null;
      layers.push({ layer: entry.layer, nIn: entry.n_in, nOut: entry.n_out, kernel, bias });
    }
  }
  return { version, layers, convs, recurrents };
}

/** The grid when it is a valid 1- or 2-D grid, else null. */
function activationsGrid(grid: unknown): ActivationsGrid | null {
  if (typeof grid !== "object" || grid === null) return null;
  const { shape, range } = grid as { shape?: unknown; range?: unknown };
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 2)) return null;
  if (!shape.every((n) => Number.isInteger(n) && n > 0)) return null;
  if (!Array.isArray(range) || range.length !== shape.length) return null;
  const pairs = range.every(
    (pair) => Array.isArray(pair) && pair.length === 2 && pair.every((end) => typeof end === "number" && Number.isFinite(end)),
  );
  return pairs ? (grid as ActivationsGrid) : null;
}

/**
 * Decode an "activations" message: per entry of `columns`, float32[G * n], row-major (G, n),
 * where G is the product of `grid.shape` (1-D `[G]` or 2-D `[rows, cols]`, with a `range`
 * [lo, hi] per axis).
 *
 * Unaligned buffers are copied, aligned ones viewed in place. Throws an Error naming the
 * problem when the header and buffers disagree.
 *
 * @example
 *   decodeActivations({v: 2, kind: "activations", version: 2, grid: {shape: [3], range: [[-1, 1]]},
 *                      columns: [{layer: -1, n: 1}]}, [new Float32Array([-1, 0, 1])])
 *   // -> {version: 2, grid: {...}, points: 3, columns: [{layer: -1, n: 1, values: [-1, 0, 1]}]}
 */
export function decodeActivations(content: unknown, buffers: readonly WireBuffer[]): DecodedActivations {
  if (!isActivationsMessage(content)) throw new Error(`jaxscope: ${messageProblem(content, "activations")}`);
  const { version, columns: headers } = content;
  if (!Number.isInteger(version)) {
    throw new Error(`jaxscope: activations message has no integer "version"`);
  }
  const grid = activationsGrid(content.grid);
  if (grid === null) {
    throw new Error(
      `jaxscope: activations message has a bad grid ${JSON.stringify(content.grid)}; it needs ` +
        `"shape": [G] or [rows, cols] of positive integers and a finite [lo, hi] "range" per axis`,
    );
  }
  if (!Array.isArray(headers)) {
    throw new Error(`jaxscope: activations message has no "columns" list`);
  }
  for (const header of headers) {
    const { layer, n } = (header ?? {}) as Partial<ActivationsColumnHeader>;
    if (!Number.isInteger(layer) || (layer as number) < -1 || !isCount(n)) {
      throw new Error(`jaxscope: bad activations column header ${JSON.stringify(header)}`);
    }
  }
  if (buffers.length !== headers.length) {
    throw new Error(
      `jaxscope: activations message lists ${headers.length} columns, so it needs ${headers.length} ` +
        `buffers (one per column), but ${buffers.length} arrived`,
    );
  }
  const points = grid.shape.reduce((product, n) => product * n, 1);
  const columns = headers.map(({ layer, n }, k): DecodedActivationsColumn => {
    const bytes = bytesOf(buffers[k]);
    const count = points * n;
    if (bytes.byteLength !== 4 * count) {
      throw new Error(
        `jaxscope: activations column ${k} (layer ${layer}) holds ${n} neurons on ${points} grid points, ` +
          `so its buffer must hold ${4 * count} bytes, but it holds ${bytes.byteLength}`,
      );
    }
    return { layer, n, values: words(bytes, count, Float32Array) };
  });
  return { version, grid, points, columns };
}

/** `list` as finite numbers or nulls, or the Error naming the first bad entry. */
function statsList(list: unknown, field: string): (number | null)[] {
  if (!Array.isArray(list)) throw new Error(`jaxscope: block_stats message has no "${field}" list`);
  return list.map((value, k) => {
    if (value === null || (typeof value === "number" && Number.isFinite(value))) return value;
    throw new Error(`jaxscope: block_stats message's "${field}"[${k}] must be a finite number or null, got ${typeof value === "number" ? value : JSON.stringify(value)}`);
  });
}

/**
 * Decode a "block_stats" message: an integer `version`, `step` an integer or null, and `rms` and
 * `update` lists of equal length holding finite numbers or nulls. Throws an Error naming the problem.
 *
 * @example
 *   decodeBlockStats({v: 2, kind: "block_stats", version: 4, step: 120, rms: [0.5, null], update: [1e-3, null]})
 *   // -> {version: 4, step: 120, rms: [0.5, null], update: [0.001, null]}
 */
export function decodeBlockStats(content: unknown): DecodedBlockStats {
  if (!isBlockStatsMessage(content)) throw new Error(`jaxscope: ${messageProblem(content, "block_stats")}`);
  const { version } = content;
  const step = content.step ?? null;
  if (!Number.isInteger(version)) throw new Error(`jaxscope: block_stats message has no integer "version"`);
  if (step !== null && !Number.isInteger(step)) {
    throw new Error(`jaxscope: block_stats message's "step" must be an integer or null, got ${JSON.stringify(step)}`);
  }
  const rms = statsList(content.rms, "rms");
  const update = statsList(content.update, "update");
  if (rms.length !== update.length) {
    throw new Error(`jaxscope: block_stats message has ${rms.length} "rms" entries but ${update.length} "update" entries`);
  }
  return { version, step: step as number | null, rms, update };
}
