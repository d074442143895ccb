/**
 * The architecture spec the Python side sends (`jaxscope.inspect.architecture(...).to_json()`),
 * validated and mapped from snake_case to camelCase in this one place.
 *
 * @example
 *   const spec = parseArchitecture(model.get("architecture"));
 *   spec.layers[0].kind           // "dense"
 *   spec.layers[0].outputShape    // [30]
 */

export const LAYER_KINDS = [
  "dense",
  "conv",
  "conv_transpose",
  "pool",
  "norm",
  "dropout",
  "activation",
  "flatten",
  "reshape",
  "embed",
  "recurrent",
  "other",
] as const;

export type LayerKind = (typeof LAYER_KINDS)[number];

/** How dense kernels are stored on the Python side: (n_out, n_in) or (n_in, n_out). */
export type Orientation = "out_in" | "in_out";

/** A per-sample shape (no batch axis); null marks a dimension not known. */
export type Shape = readonly (number | null)[];

/**
 * Where one gate's weights sit in a stored kernel: the leaf at `path`, its slice
 * [columns[0], columns[1]) along its output axis `axis` (1 for flax's (n_in, n_out), 0 for `W @ h`).
 */
export interface GateMatrixSpec {
  path: string;
  columns: readonly [number, number];
  axis: 0 | 1;
}

/** One gate of a recurrent cell ("i", "f", "g", "o"; "r", "z", "n"; "h"): its input and recurrent weights. */
export interface GateSpec {
  name: string;
  input: GateMatrixSpec | null;
  recurrent: GateMatrixSpec | null;
}

export interface LayerSpec {
  name: string;
  kind: LayerKind;
  inputShape: Shape | null;
  outputShape: Shape | null;
  /** Parameter name -> shape, as stored by the user (see `orientation` for dense kernels). */
  params: Readonly<Record<string, readonly number[]>>;
  paramCount: number;
  activation: string | null;
  path: string;
  /** A recurrent layer's cell: "LSTM", "GRU", "RNN"; null for other layers. */
  cell: string | null;
  /** A recurrent layer's gates, in the order the cell computes them; empty for other layers. */
  gates: readonly GateSpec[];
}

/** One parameter leaf of the user's tree. */
export interface ParamEntry {
  path: string;
  shape: readonly number[];
  count: number;
}

/**
 * A skip connection: layer `from`'s output (-1 = network input) also feeds layer `to`
 * (layers.length = network output). `kind` says how it joins: "add" (a residual sum), "concat"
 * (a U-Net's encoder map concatenated to the decoder's), "sub", or "" (not said).
 */
export interface SkipSpec {
  from: number;
  to: number;
  kind: string;
}

/**
 * How the diagram draws the model: "neurons" (columns, strips, heatmaps: the layers), or
 * "blocks" (its modules as boxes, where no neuron diagram can show it: attention, message passing,
 * a forward pass that cannot be traced).
 */
export const DIAGRAM_MODES = ["neurons", "blocks"] as const;
export type DiagramMode = (typeof DIAGRAM_MODES)[number];

/** One row inside a block: a sub-module (its class, a detail such as "4 heads × 8") or one array (its shape). */
export interface BlockPartSpec {
  name: string;
  /** The sub-module's class; "" for an array or a pytree. */
  cls: string;
  /** An array's shape; null for a sub-module. */
  shape: readonly number[] | null;
  count: number;
  detail: string;
}

/** One module drawn as a box (see src/jaxscope/inspect/blocks.py). */
export interface BlockSpec {
  /** Its path: "blocks[0]", "embed"; "params" for a lone array. */
  name: string;
  /** Its class; "" for a pytree. */
  cls: string;
  /** Parameter path -> shape. */
  params: Readonly<Record<string, readonly number[]>>;
  paramCount: number;
  parts: readonly BlockPartSpec[];
  /** Per-sample shapes in and out, where a traced forward pass told. */
  inputShape: Shape | null;
  outputShape: Shape | null;
  detail: string;
}

export interface ArchitectureSpec {
  orientation: Orientation;
  layers: readonly LayerSpec[];
  /** JSON `[from, to]` or `[from, to, kind]`. */
  skips: readonly SkipSpec[];
  totalParams: number;
  drawable: boolean;
  reason: string;
  tree: readonly ParamEntry[];
  /** "blocks": draw `blocks`, whatever `drawable` and `layers` say. */
  mode: DiagramMode;
  /** Why the diagram draws blocks; "" when nothing to say. */
  note: string;
  /** The modules in call order (empty in mode "neurons" unless sent). */
  blocks: readonly BlockSpec[];
}

type Json = Record<string, unknown>;

function fail(field: string, expected: string, value: unknown): never {
  let shown: string;
  try {
    shown = value === undefined ? "undefined" : JSON.stringify(value);
  } catch {
    shown = String(value);
  }
  if (shown !== undefined && shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  throw new Error(`architecture.${field} must be ${expected}, got ${shown}`);
}

function object(value: unknown, field: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(field, "an object", value);
  return value as Json;
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) fail(field, "an array", value);
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== "string") fail(field, "a string", value);
  return value;
}

function count(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    fail(field, "a non-negative integer", value);
  }
  return value;
}

function integerShape(value: unknown, field: string): number[] {
  return array(value, field).map((dim, k) => count(dim, `${field}[${k}]`));
}

function shape(value: unknown, field: string): Shape | null {
  if (value === null) return null;
  return array(value, field).map((dim, k) => (dim === null ? null : count(dim, `${field}[${k}]`)));
}

function parseGateMatrix(value: unknown, field: string): GateMatrixSpec | null {
  if (value === null || value === undefined) return null;
  const matrix = object(value, field);
  const columns = array(matrix.columns, `${field}.columns`).map((c, k) => count(c, `${field}.columns[${k}]`));
  if (columns.length !== 2 || columns[0] >= columns[1]) fail(`${field}.columns`, "[start, stop] with start < stop", matrix.columns);
  const axis = matrix.axis ?? 1;
  if (axis !== 0 && axis !== 1) fail(`${field}.axis`, "0 or 1", axis);
  return { path: string(matrix.path, `${field}.path`), columns: [columns[0], columns[1]], axis };
}

function parseGate(value: unknown, field: string): GateSpec {
  const gate = object(value, field);
  return {
    name: string(gate.name, `${field}.name`),
    input: parseGateMatrix(gate.input, `${field}.input`),
    recurrent: parseGateMatrix(gate.recurrent, `${field}.recurrent`),
  };
}

function parseLayer(value: unknown, field: string): LayerSpec {
  const layer = object(value, field);
  const kind = layer.kind;
  if (!(LAYER_KINDS as readonly unknown[]).includes(kind)) {
    fail(`${field}.kind`, `one of ${LAYER_KINDS.join(", ")}`, kind);
  }
  const params: Record<string, number[]> = {};
  for (const [name, dims] of Object.entries(object(layer.params ?? {}, `${field}.params`))) {
    params[name] = integerShape(dims, `${field}.params[${JSON.stringify(name)}]`);
  }
  const activation = layer.activation ?? null;
  if (activation !== null && typeof activation !== "string") {
    fail(`${field}.activation`, "a string or null", activation);
  }
  return {
    name: string(layer.name, `${field}.name`),
    kind: kind as LayerKind,
    inputShape: shape(layer.input_shape ?? null, `${field}.input_shape`),
    outputShape: shape(layer.output_shape ?? null, `${field}.output_shape`),
    params,
    paramCount: count(layer.param_count ?? 0, `${field}.param_count`),
    activation,
    path: string(layer.path ?? "", `${field}.path`),
    cell: layer.cell === undefined || layer.cell === null ? null : string(layer.cell, `${field}.cell`),
    gates: array(layer.gates ?? [], `${field}.gates`).map((gate, k) => parseGate(gate, `${field}.gates[${k}]`)),
  };
}

function parseSkip(value: unknown, field: string, layerCount: number): SkipSpec {
  const entry = array(value, field);
  const ends = entry.slice(0, 2);
  if (entry.length < 2 || entry.length > 3 || !ends.every((end) => typeof end === "number" && Number.isInteger(end))) {
    fail(field, "a pair of integers [from, to], or [from, to, kind]", value);
  }
  const [from, to] = ends as [number, number];
  if (from < -1 || to > layerCount || from >= to) {
    fail(field, `[from, to] with -1 <= from < to <= ${layerCount}`, value);
  }
  const kind = entry.length === 3 ? string(entry[2], `${field}[2]`) : "";
  return { from, to, kind };
}

function parsePart(value: unknown, field: string): BlockPartSpec {
  const part = object(value, field);
  const dims = part.shape ?? null;
  return {
    name: string(part.name, `${field}.name`),
    cls: string(part.cls ?? "", `${field}.cls`),
    shape: dims === null ? null : integerShape(dims, `${field}.shape`),
    count: count(part.count ?? 0, `${field}.count`),
    detail: string(part.detail ?? "", `${field}.detail`),
  };
}

function parseBlock(value: unknown, field: string): BlockSpec {
  const block = object(value, field);
  const params: Record<string, number[]> = {};
  for (const [name, dims] of Object.entries(object(block.params ?? {}, `${field}.params`))) {
    params[name] = integerShape(dims, `${field}.params[${JSON.stringify(name)}]`);
  }
  return {
    name: string(block.name, `${field}.name`),
    cls: string(block.cls ?? "", `${field}.cls`),
    params,
    paramCount: count(block.param_count ?? 0, `${field}.param_count`),
    parts: array(block.parts ?? [], `${field}.parts`).map((part, k) => parsePart(part, `${field}.parts[${k}]`)),
    inputShape: shape(block.input_shape ?? null, `${field}.input_shape`),
    outputShape: shape(block.output_shape ?? null, `${field}.output_shape`),
    detail: string(block.detail ?? "", `${field}.detail`),
  };
}

/**
 * The validated spec from its JSON (a string or the parsed object). Throws an Error naming the
 * first bad field, e.g. `architecture.layers[1].kind must be one of dense, ..., got "lstm"`.
 */
export function parseArchitecture(json: unknown): ArchitectureSpec {
  if (typeof json === "string") {
    try {
      json = JSON.parse(json);
    } catch (error) {
      throw new Error(`architecture is not valid JSON: ${(error as Error).message}`);
    }
  }
  const root = object(json, "(root)");
  const orientation = root.orientation ?? "in_out";
  if (orientation !== "out_in" && orientation !== "in_out") {
    fail("orientation", '"out_in" or "in_out"', orientation);
  }
  const mode = root.mode ?? "neurons";
  if (!(DIAGRAM_MODES as readonly unknown[]).includes(mode)) fail("mode", '"neurons" or "blocks"', mode);
  const blocks = array(root.blocks ?? [], "blocks").map((block, k) => parseBlock(block, `blocks[${k}]`));
  // A block diagram needs no layers; a neuron diagram does.
  const layers = array(mode === "blocks" ? (root.layers ?? []) : root.layers, "layers").map((layer, k) => parseLayer(layer, `layers[${k}]`));
  const skips = array(root.skips ?? [], "skips").map((skip, k) => parseSkip(skip, `skips[${k}]`, layers.length));
  const drawable = root.drawable ?? true;
  if (typeof drawable !== "boolean") fail("drawable", "a boolean", drawable);
  const tree = array(root.tree ?? [], "tree").map((value, k) => {
    const entry = object(value, `tree[${k}]`);
    return {
      path: string(entry.path, `tree[${k}].path`),
      shape: integerShape(entry.shape, `tree[${k}].shape`),
      count: count(entry.count, `tree[${k}].count`),
    };
  });
  return {
    orientation,
    layers,
    skips,
    totalParams: count(root.total_params ?? 0, "total_params"),
    drawable,
    reason: string(root.reason ?? "", "reason"),
    tree,
    mode: mode as DiagramMode,
    note: string(root.note ?? "", "note"),
    blocks,
  };
}

/**
 * (n_in, n_out) of a dense layer: from its 2-D kernel under `orientation`, else from the last
 * axis of its shapes; null where neither tells.
 *
 * @example
 *   denseSizes(spec.layers[1], "out_in")   // [30, 20] for a kernel stored (20, 30)
 */
export function denseSizes(layer: LayerSpec, orientation: Orientation): [number, number] | null {
  const kernel = Object.values(layer.params).find((dims) => dims.length === 2);
  if (kernel) return orientation === "out_in" ? [kernel[1], kernel[0]] : [kernel[0], kernel[1]];
  const last = (s: Shape | null) => (s && s.length > 0 ? s[s.length - 1] : null);
  const nIn = last(layer.inputShape);
  const nOut = last(layer.outputShape);
  return nIn !== null && nOut !== null ? [nIn, nOut] : null;
}

/** A recurrent gate's matrices as drawn: `hidden` units (rows) by `nIn` inputs, and hidden by hidden. */
export interface GateSizes {
  name: string;
  hidden: number;
  /** Inputs of the input matrix; 0 when the gate has none. */
  nIn: number;
  /** Whether the gate has a recurrent matrix. */
  recurrent: boolean;
}

/**
 * The sizes of each gate's matrices, from the stored kernels' shapes in `layer.params`: the units
 * are the gate's columns, the inputs the kernel's other axis. Empty for other layers.
 *
 * @example
 *   gateSizes(lstm)   // [{name: "i", hidden: 10, nIn: 1, recurrent: true}, ... 4 gates]
 */
export function gateSizes(layer: LayerSpec): GateSizes[] {
  return layer.gates.map((gate) => {
    const span = (m: GateMatrixSpec | null) => (m ? m.columns[1] - m.columns[0] : 0);
    const inputs = (m: GateMatrixSpec | null) => {
      const dims = m ? layer.params[m.path] : undefined;
      return m && dims && dims.length === 2 ? dims[1 - m.axis] : 0;
    };
    return { name: gate.name, hidden: span(gate.recurrent) || span(gate.input), nIn: inputs(gate.input), recurrent: gate.recurrent !== null };
  });
}
