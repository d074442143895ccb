/**
 * Which of the latest weights belong to a part of the layout: a gap's kernel, a column's
 * biases, a conv block's kernel, a recurrent block's gates; null wherever the message held
 * nothing of matching size.
 *
 * @example
 *   const layer = gapWeights(layout.gaps[1], byLayer);   // kernel (n_in, n_out) or null
 *   const bias = columnBias(layout.columns[2], byLayer);  // float32[count] or null
 */
import type { DecodedConvWeights, DecodedLayerWeights, DecodedRecurrentWeights } from "../shared/protocol";
import type { Gap, LayerBlock, NeuronColumn } from "./layout";
import { gatesMatch } from "./recurrent";
import { gateSizes, type LayerSpec } from "./spec";

/** The weights of `gap` when the message held a dense layer of matching size. */
export function gapWeights(gap: Gap, weights: ReadonlyMap<number, DecodedLayerWeights>): DecodedLayerWeights | null {
  const layer = weights.get(gap.layer);
  return layer && layer.nIn === gap.nIn && layer.nOut === gap.nOut ? layer : null;
}

/** The biases that colour `column` (one per neuron), or null. */
export function columnBias(column: NeuronColumn, weights: ReadonlyMap<number, DecodedLayerWeights>): Float32Array | null {
  const bias = column.biasLayer === null ? null : weights.get(column.biasLayer)?.bias ?? null;
  return bias !== null && bias.length === column.count ? bias : null;
}

/** The conv weights drawn in `block`, when its tiles were laid out for exactly their shape. */
export function blockKernel(block: LayerBlock, convs: ReadonlyMap<number, DecodedConvWeights>): DecodedConvWeights | null {
  const conv = convs.get(block.layer);
  const tiles = block.kernels;
  return conv && tiles && conv.shape.every((n, k) => n === tiles.shape[k]) ? conv : null;
}

/** The gate weights drawn in a recurrent `block` of `layer`, when they have the sizes its tiles were laid out for. */
export function blockGates(
  block: LayerBlock,
  layer: LayerSpec | undefined,
  recurrents: ReadonlyMap<number, DecodedRecurrentWeights>,
): DecodedRecurrentWeights | null {
  const weights = recurrents.get(block.layer);
  return weights && layer && block.gates && gatesMatch(weights, gateSizes(layer)) ? weights : null;
}
