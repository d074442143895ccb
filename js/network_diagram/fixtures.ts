/**
 * Architecture specs for tests, in the JSON form the Python side sends.
 *
 * @example
 *   parseArchitecture(mlpJson([1, 30, 20, 1]))   // the course MLP
 */

/** The spec of a course-style MLP (`{'weights': [...], 'biases': [...]}`, kernels out_in). */
export function mlpJson(sizes: number[], activation = "tanh"): Record<string, unknown> {
  const layers = sizes.slice(1).map((nOut, k) => {
    const nIn = sizes[k];
    return {
      name: `dense_${k}`,
      kind: "dense",
      input_shape: [nIn],
      output_shape: [nOut],
      params: { [`weights[${k}]`]: [nOut, nIn], [`biases[${k}]`]: [nOut] },
      param_count: nIn * nOut + nOut,
      activation: k === sizes.length - 2 ? null : activation,
      path: `weights[${k}]`,
    };
  });
  const tree = layers.flatMap((layer, k) => [
    { path: `weights[${k}]`, shape: layer.params[`weights[${k}]`], count: sizes[k] * sizes[k + 1] },
    { path: `biases[${k}]`, shape: [sizes[k + 1]], count: sizes[k + 1] },
  ]);
  return {
    orientation: "out_in",
    layers,
    skips: [],
    total_params: layers.reduce((sum, layer) => sum + layer.param_count, 0),
    drawable: true,
    reason: "",
    tree,
  };
}

function layer(name: string, kind: string, input: number[], output: number[], params: Record<string, number[]> = {}, activation: string | null = null) {
  const paramCount = Object.values(params).reduce((sum, dims) => sum + dims.reduce((p, d) => p * d, 1), 0);
  return { name, kind, input_shape: input, output_shape: output, params, param_count: paramCount, activation, path: name };
}

/** A small nnx-style CNN for MNIST: conv, relu, pool, flatten, dense 1568->64, relu, dense 64->10. */
export function convNetJson(): Record<string, unknown> {
  const layers = [
    layer("conv1", "conv", [28, 28, 1], [28, 28, 8], { kernel: [3, 3, 1, 8], bias: [8] }),
    layer("relu", "activation", [28, 28, 8], [28, 28, 8], {}, "relu"),
    layer("avg_pool", "pool", [28, 28, 8], [14, 14, 8]),
    layer("flatten", "flatten", [14, 14, 8], [1568]),
    layer("linear1", "dense", [1568], [64], { kernel: [1568, 64], bias: [64] }),
    layer("relu", "activation", [64], [64], {}, "relu"),
    layer("linear2", "dense", [64], [10], { kernel: [64, 10], bias: [10] }),
  ];
  return {
    orientation: "in_out",
    layers,
    skips: [[3, 6]],
    total_params: layers.reduce((sum, l) => sum + l.param_count, 0),
    drawable: true,
    reason: "",
    tree: [],
  };
}

/** A CNN on 8x8 RGB images: conv_0 (3 -> 20 channels, 3x3, HWIO kernel), relu, flatten, dense_0 1280->10. */
export function rgbConvNetJson(): Record<string, unknown> {
  const layers = [
    layer("conv_0", "conv", [8, 8, 3], [8, 8, 20], { kernel: [3, 3, 3, 20], bias: [20] }),
    layer("relu", "activation", [8, 8, 20], [8, 8, 20], {}, "relu"),
    layer("flatten", "flatten", [8, 8, 20], [1280]),
    layer("dense_0", "dense", [1280], [10], { kernel: [1280, 10], bias: [10] }),
  ];
  return {
    orientation: "in_out",
    layers,
    skips: [],
    total_params: layers.reduce((sum, l) => sum + l.param_count, 0),
    drawable: true,
    reason: "",
    tree: [],
  };
}

/**
 * A two-level nnx U-Net on 16x16x1 images: enc1, pool, enc2, pool, mid, up2, dec2 (takes up2's
 * output concatenated with enc2's), up1, dec1 (up1's with enc1's), out; as structure.py reads it.
 */
export function uNetJson(): Record<string, unknown> {
  const conv = (name: string, kind: string, input: number[], output: number[], window: number, activation: string | null = "relu") => {
    const [cIn, cOut] = [input[2], output[2]];
    return layer(name, kind, input, output, { [`${name}.kernel`]: [window, window, cIn, cOut], [`${name}.bias`]: [cOut] }, activation);
  };
  const layers = [
    conv("enc1", "conv", [16, 16, 1], [16, 16, 8], 3),
    layer("max_pool", "pool", [16, 16, 8], [8, 8, 8]),
    conv("enc2", "conv", [8, 8, 8], [8, 8, 16], 3),
    layer("max_pool", "pool", [8, 8, 16], [4, 4, 16]),
    conv("mid", "conv", [4, 4, 16], [4, 4, 32], 3),
    conv("up2", "conv_transpose", [4, 4, 32], [8, 8, 16], 2, null),
    conv("dec2", "conv", [8, 8, 32], [8, 8, 16], 3),
    conv("up1", "conv_transpose", [8, 8, 16], [16, 16, 8], 2, null),
    conv("dec1", "conv", [16, 16, 16], [16, 16, 8], 3),
    conv("out", "conv", [16, 16, 8], [16, 16, 1], 1, null),
  ];
  return {
    orientation: "in_out",
    layers,
    skips: [[2, 6, "concat"], [0, 8, "concat"]],
    total_params: layers.reduce((sum, l) => sum + l.param_count, 0),
    drawable: true,
    reason: "",
    tree: [],
  };
}

/**
 * Lesson 3's CNN on 3x50x50 Duffing images, as the course stores it (conv kernels OIHW, dense
 * out_in) and the spec reads it from the parameters: four 3x3 stride-2 convs 3->30->30->30->10,
 * flatten to 40, dense 40->50->3.
 */
export function lesson3CnnJson(): Record<string, unknown> {
  const conv = (k: number, input: number[], output: number[]) => {
    const kernel = [output[0], input[0], 3, 3];
    return {
      ...layer(`conv_${k}`, "conv", input, output, { [`conv_kernels[${k}]`]: kernel, [`conv_biases[${k}]`]: [output[0]] }),
      path: `conv_kernels[${k}]`,
    };
  };
  const dense = (k: number, nIn: number, nOut: number) => ({
    ...layer(`dense_${k}`, "dense", [nIn], [nOut], { [`dense.weights[${k}]`]: [nOut, nIn], [`dense.biases[${k}]`]: [nOut] }),
    path: `dense.weights[${k}]`,
  });
  const layers = [
    conv(0, [3, 50, 50], [30, 24, 24]),
    conv(1, [30, 24, 24], [30, 11, 11]),
    conv(2, [30, 11, 11], [30, 5, 5]),
    conv(3, [30, 5, 5], [10, 2, 2]),
    { ...layer("flatten", "flatten", [10, 2, 2], [40]), path: "" },
    dense(0, 40, 50),
    dense(1, 50, 3),
  ];
  return {
    orientation: "out_in",
    layers,
    skips: [],
    total_params: layers.reduce((sum, l) => sum + l.param_count, 0),
    drawable: true,
    reason: "",
    tree: [],
  };
}

/**
 * The recurrent notebook's model as the Python side sends it: an nnx OptimizedLSTMCell (1 input,
 * 10 units, the four gates i, f, g, o stacked in one kernel per side) scanned over 60 steps, then
 * dense 10->20 (tanh) and dense 20->1 applied at every step.
 */
export function lightParticleJson(): Record<string, unknown> {
  const gate = (name: string, k: number) => ({
    name,
    input: { path: "lstm.dense_i.kernel", columns: [10 * k, 10 * k + 10], axis: 1 },
    recurrent: { path: "lstm.dense_h.kernel", columns: [10 * k, 10 * k + 10], axis: 1 },
  });
  const lstm = {
    ...layer("lstm", "recurrent", [60, 1], [60, 10], { "lstm.dense_h.bias": [40], "lstm.dense_h.kernel": [10, 40], "lstm.dense_i.kernel": [1, 40] }),
    cell: "LSTM",
    gates: ["i", "f", "g", "o"].map(gate),
  };
  const layers = [
    lstm,
    layer("dense", "dense", [60, 10], [60, 20], { "dense.bias": [20], "dense.kernel": [10, 20] }, "tanh"),
    layer("out", "dense", [60, 20], [60, 1], { "out.bias": [1], "out.kernel": [20, 1] }),
  ];
  return { orientation: "in_out", layers, skips: [], total_params: 721, drawable: true, reason: "", tree: [] };
}

/** A plain-jax tanh RNN (`W_in` (2, 8), `W_rec` (8, 8), `b`) over 30 steps, then `W_out` (8, 1). */
export function plainRnnJson(): Record<string, unknown> {
  const rnn = {
    ...layer("rnn", "recurrent", [30, 2], [30, 8], { W_in: [2, 8], W_rec: [8, 8], b: [8] }),
    path: "",
    cell: "RNN",
    gates: [{ name: "h", input: { path: "W_in", columns: [0, 8], axis: 1 }, recurrent: { path: "W_rec", columns: [0, 8], axis: 1 } }],
  };
  const layers = [rnn, { ...layer("dense_0", "dense", [30, 8], [30, 1], { W_out: [8, 1] }), path: "W_out" }];
  return { orientation: "in_out", layers, skips: [], total_params: 96, drawable: true, reason: "", tree: [] };
}

/** A block's JSON from its parts: `[name, cls, {param path below the block: shape}, detail]`. */
function blockJson(
  name: string,
  cls: string,
  parts: [string, string, Record<string, number[]>, string][],
  input: (number | null)[] | null,
  output: (number | null)[] | null,
  detail = "",
) {
  const size = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
  const params: Record<string, number[]> = {};
  const rows = parts.map(([part, partCls, arrays, partDetail]) => {
    for (const [path, dims] of Object.entries(arrays)) params[`${name}.${part}${path ? `.${path}` : ""}`] = dims;
    const lone = arrays[""];
    return {
      name: part,
      cls: partCls,
      shape: lone ?? null,
      count: Object.values(arrays).reduce((sum, dims) => sum + size(dims), 0),
      detail: partDetail,
    };
  });
  const paramCount = Object.values(params).reduce((sum, dims) => sum + size(dims), 0);
  return { name, cls, params, param_count: paramCount, parts: rows, input_shape: input, output_shape: output, detail };
}

/**
 * A small nnx transformer as the Python side sends it in mode "blocks": embed (16 tokens, width
 * 32), two blocks of 4-head attention, layer norms and an MLP 32->64->32 on 24 tokens, then a
 * dense head 32->10; its `layers` the misleading chain a trace finds (to be ignored). 17,930 params.
 */
export function transformerBlocksJson(): Record<string, unknown> {
  const linear = (nIn: number, nOut: number) => ({ kernel: [nIn, nOut], bias: [nOut] });
  const norm = { scale: [32], bias: [32] };
  const attention = {
    "query.kernel": [32, 4, 8], "query.bias": [4, 8],
    "key.kernel": [32, 4, 8], "key.bias": [4, 8],
    "value.kernel": [32, 4, 8], "value.bias": [4, 8],
    "out.kernel": [4, 8, 32], "out.bias": [32],
  };
  const block = (k: number) =>
    blockJson(`blocks[${k}]`, "Block", [
      ["norm1", "LayerNorm", norm, ""],
      ["attn", "MultiHeadAttention", attention, "4 heads × 8"],
      ["norm2", "LayerNorm", norm, ""],
      ["mlp_in", "Linear", linear(32, 64), ""],
      ["mlp_out", "Linear", linear(64, 32), ""],
    ], [24, 32], [24, 32]);
  const blocks = [
    blockJson("embed", "Embed", [["embedding", "", { "": [16, 32] }, ""]], [24], [24, 32]),
    block(0),
    block(1),
    blockJson("head", "Linear", [["kernel", "", { "": [32, 10] }, ""], ["bias", "", { "": [10] }, ""]], [24, 32], [24, 10]),
  ];
  const tree = blocks.flatMap((b) =>
    Object.entries(b.params).map(([path, shape]) => ({ path, shape, count: shape.reduce((p, d) => p * d, 1) })),
  );
  return {
    orientation: "in_out",
    layers: [
      layer("embed", "embed", [24], [24, 32], { "embed.embedding": [16, 32] }),
      layer("head", "dense", [24, 32], [24, 10], { "head.kernel": [32, 10], "head.bias": [10] }),
    ],
    skips: [],
    total_params: blocks.reduce((sum, b) => sum + b.param_count, 0),
    drawable: true,
    reason: "",
    tree,
    mode: "blocks",
    note: "drawn as blocks: it uses attention (a product of two activations), which no neuron diagram shows",
    blocks,
  };
}

/** t-SNE's embedding as the Python side sends it: one lone (1000, 2) array, no forward pass. */
export function loneArrayBlocksJson(): Record<string, unknown> {
  return {
    orientation: "in_out",
    layers: [],
    skips: [],
    total_params: 2000,
    drawable: false,
    reason: "no layers found",
    tree: [{ path: "", shape: [1000, 2], count: 2000 }],
    mode: "blocks",
    note: "drawn as blocks: no layers found",
    blocks: [{ name: "params", cls: "", params: { "": [1000, 2] }, param_count: 2000, parts: [], input_shape: null, output_shape: null, detail: "" }],
  };
}
