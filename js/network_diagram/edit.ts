/**
 * What an edit-mode click changes: the weight of an edge or heatmap cell, or the bias of a
 * dense layer's output neuron (input neurons have none), with its current value; and the
 * parsing of the number typed for it.
 *
 * @example
 *   const target = editTarget(hitTest(layout, x, y), layout, byLayer);
 *   // {layer: 1, param: "weight", i: 3, j: 0, value: -0.4213}
 *   const value = parseEditValue("0.5");       // 0.5 (null for "", "abc", "1e999")
 *   if (target && value !== null) model.send(editTargetMessage(target, value));
 */
import { editMessage, type DecodedLayerWeights, type EditMessage } from "../shared/protocol";
import type { Hit } from "./hit_test";
import type { DiagramLayout } from "./layout";
import { columnBias, gapWeights } from "./weights";

export type EditTarget =
  | { layer: number; param: "weight"; i: number; j: number; value: number }
  | { layer: number; param: "bias"; i: number; value: number };

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The finite number `text` spells in decimal or e-notation (spaces around allowed), else null. */
export function parseEditValue(text: string): number | null {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/** The parameter a click on `hit` edits, when the latest weights hold it; else null. */
export function editTarget(hit: Hit | null, layout: DiagramLayout, weights: ReadonlyMap<number, DecodedLayerWeights>): EditTarget | null {
  if (hit === null) return null;
  if (hit.kind === "edge" || hit.kind === "heatmap") {
    const gap = layout.gaps[hit.gap];
    const layer = gapWeights(gap, weights);
    return layer ? { layer: hit.layer, param: "weight", i: hit.i, j: hit.j, value: layer.kernel[hit.i * gap.nOut + hit.j] } : null;
  }
  if (hit.kind === "neuron" && hit.layer !== null) {
    const bias = columnBias(layout.columns[hit.column], weights);
    return bias ? { layer: hit.layer, param: "bias", i: hit.i, value: bias[hit.i] } : null;
  }
  return null;
}

/** The `edit` message that sets `target` to `value`. */
export function editTargetMessage(target: EditTarget, value: number): EditMessage {
  return target.param === "weight"
    ? editMessage(target.layer, "weight", target.i, target.j, value)
    : editMessage(target.layer, "bias", target.i, value);
}
