/**
 * The words the diagram shows for what the pointer is over (the hover read-out) and for an
 * enlarged thumbnail (its caption), with exact values where the latest weights know them.
 *
 * @example
 *   describeHit({kind: "neuron", column: 3, layer: 2, i: 0}, spec, layout, byLayer)
 *   // "dense_2 neuron 0 bias = 0.0123"
 *   neuronCaption(spec, map, 3)   // "dense_1 neuron 3 · min -0.82 · max 0.97"
 */
import type { DecodedConvWeights, DecodedLayerWeights, DecodedRecurrentWeights } from "../shared/protocol";
import type { Hit } from "./hit_test";
import { kernelIndex } from "./kernels";
import { aggregateStrip, layerLabel, type DiagramLayout } from "./layout";
import type { ArchitectureSpec } from "./spec";
import { neuronRange, type ColumnActivations } from "./thumbnails";
import { blockKernel } from "./weights";

/** A value with 4 significant digits and no trailing zeros: -0.4213, 0.0123, 1.235e-7. */
export function formatValue(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

/** The name of layer `layer` in the spec; "input" for -1 or null. */
export function layerName(spec: ArchitectureSpec, layer: number | null): string {
  return layer === null || layer < 0 ? "input" : spec.layers[layer]?.name ?? `layer ${layer}`;
}

/**
 * The read-out text for a hit, with the values of `weights` (dense), `convs` (conv, showing
 * input channel `channels.get(layer)`, default 0) and `recurrents` (gates) where they are known.
 */
export function describeHit(
  hit: Hit,
  spec: ArchitectureSpec,
  layout: DiagramLayout,
  weights: ReadonlyMap<number, DecodedLayerWeights>,
  convs: ReadonlyMap<number, DecodedConvWeights> = new Map(),
  channels: ReadonlyMap<number, number> = new Map(),
  recurrents: ReadonlyMap<number, DecodedRecurrentWeights> = new Map(),
): string {
  const name = (layer: number | null) => layerName(spec, layer);
  switch (hit.kind) {
    case "neuron": {
      if (hit.layer === null) return `input neuron ${hit.i}`;
      const bias = weights.get(hit.layer)?.bias;
      return bias ? `${name(hit.layer)} neuron ${hit.i} bias = ${formatValue(bias[hit.i])}` : `${name(hit.layer)} neuron ${hit.i}`;
    }
    case "strip": {
      const range = `neurons ${hit.start}–${hit.end - 1}`;
      if (hit.layer === null) return `input ${range}`;
      const bias = weights.get(hit.layer)?.bias;
      if (!bias) return `${name(hit.layer)} ${range}`;
      const mean = aggregateStrip(bias, layout.columns[hit.column])[hit.cell];
      return `${name(hit.layer)} ${range} mean bias = ${formatValue(mean)}`;
    }
    case "heatmap":
    case "edge": {
      const layer = weights.get(hit.layer);
      const gap = layout.gaps[hit.gap];
      const where = `${name(hit.layer)} weight [${hit.i}→${hit.j}]`;
      return layer ? `${where} = ${formatValue(layer.kernel[hit.i * gap.nOut + hit.j])}` : where;
    }
    case "kernel": {
      const channel = channels.get(hit.layer) ?? 0;
      const where = `${name(hit.layer)} kernel[out ${hit.out}, in ${channel}] (${hit.row}, ${hit.col})`;
      const conv = blockKernel(layout.blocks[hit.block], convs);
      return conv ? `${where} = ${formatValue(conv.kernel[kernelIndex(conv.shape, hit.out, channel, hit.row, hit.col)])}` : where;
    }
    case "gate": {
      const gate = spec.layers[hit.layer]?.gates[hit.gate];
      const from = hit.matrix === "input" ? `x${hit.col}` : `h${hit.col}(t−1)`;
      const where = `${name(hit.layer)} gate ${gate?.name ?? hit.gate} ${hit.matrix} [${from}→${hit.row}]`;
      const decoded = recurrents.get(hit.layer);
      const values = decoded?.gates[hit.gate]?.[hit.matrix];
      const columns = hit.matrix === "input" ? decoded?.gates[hit.gate].nIn ?? 0 : decoded?.hidden ?? 0;
      const index = hit.row * columns + hit.col;
      return values && index < values.length ? `${where} = ${formatValue(values[index])}` : where;
    }
    case "block":
      return hit.layer < 0 ? "input" : `${name(hit.layer)}: ${layerLabel(spec.layers[hit.layer])}`;
  }
}

/** "dense_1 neuron 3 · min -0.82 · max 0.97"; the network input's neurons are "input x1", "input x2". */
export function neuronCaption(spec: ArchitectureSpec, map: ColumnActivations, neuron: number): string {
  const [low, high] = neuronRange(map, neuron);
  const who = map.layer < 0 ? `input x${neuron + 1}` : `${layerName(spec, map.layer)} neuron ${neuron}`;
  return `${who} · min ${formatValue(low)} · max ${formatValue(high)}`;
}
