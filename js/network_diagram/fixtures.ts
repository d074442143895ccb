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
