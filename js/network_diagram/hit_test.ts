/**
 * What the pointer is over in the network diagram, so a hover can show the exact weight or
 * bias: a neuron (nearest centre within its radius + slack; within its square + slack when it
 * is a thumbnail square), a strip cell, a heatmap cell, an edge (nearest segment within a
 * tolerance), a conv kernel pixel, a recurrent gate's weight or a block, tried in that order.
 *
 * @example
 *   const hit = hitTest(layout, 140, 24);
 *   // {kind: "neuron", column: 1, layer: 0, i: 0}  -> biases of layer 0, neuron 0
 *   // {kind: "edge", gap: 1, layer: 1, i: 3, j: 7, distance: 0.4}  -> weights[1][3 * nOut + 7]
 *   // {kind: "kernel", block: 1, layer: 0, out: 3, row: 1, col: 2}  -> conv kernel[3, in, 1, 2]
 */
import { kernelPixelAt } from "./kernels";
import { stripCellRange, type DiagramLayout } from "./layout";
import { gateCellAt } from "./recurrent";

export type Hit =
  /** `layer`: the dense layer whose bias neuron `i` holds (null for an input column). */
  | { kind: "neuron"; column: number; layer: number | null; i: number }
  /** Neurons [start, end) aggregated in strip cell `cell`. */
  | { kind: "strip"; column: number; layer: number | null; cell: number; start: number; end: number }
  /** Weight (i, j) of dense layer `layer`, i.e. weights[i * nOut + j] in (n_in, n_out) order. */
  | { kind: "heatmap"; gap: number; layer: number; i: number; j: number }
  | { kind: "edge"; gap: number; layer: number; i: number; j: number; distance: number }
  /** Pixel (row, col) of output channel `out`'s kernel tile in conv layer `layer`'s block. */
  | { kind: "kernel"; block: number; layer: number; out: number; row: number; col: number }
  /** Weight (row, col) of gate `gate`'s input or recurrent matrix: into unit `row`, from input (or last unit) `col`. */
  | { kind: "gate"; block: number; layer: number; gate: number; matrix: "input" | "recurrent"; row: number; col: number }
  | { kind: "block"; block: number; layer: number };

export interface HitOptions {
  /** Extra pixels around a neuron that still count as on it (default 2). */
  neuronSlack?: number;
  /** Largest distance from an edge's line that counts as on it (default 3). */
  edgeTolerance?: number;
}

/** Distance from (px, py) to the segment (x0, y0)-(x1, y1). */
export function distanceToSegment(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / lengthSquared));
  return Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}

/** The thing under the pointer at (x, y) in the layout's CSS pixels, or null. */
export function hitTest(layout: DiagramLayout, x: number, y: number, options: HitOptions = {}): Hit | null {
  const slack = options.neuronSlack ?? 2;
  const tolerance = options.edgeTolerance ?? 3;

  let nearest: Hit | null = null;
  let nearestDistance = Infinity;
  layout.columns.forEach((column, c) => {
    if (column.mode !== "neurons" || Math.abs(x - column.x) > column.radius + slack) return;
    const square = column.side > 0;
    column.ys.forEach((cy, i) => {
      const distance = Math.hypot(x - column.x, y - cy);
      const inside = square ? Math.abs(y - cy) <= column.radius + slack : distance <= column.radius + slack;
      if (inside && distance < nearestDistance) {
        nearestDistance = distance;
        nearest = { kind: "neuron", column: c, layer: column.biasLayer, i };
      }
    });
  });
  if (nearest) return nearest;

  for (let c = 0; c < layout.columns.length; c++) {
    const column = layout.columns[c];
    if (column.mode !== "strip" || Math.abs(x - column.x) > column.stripWidth / 2 || y < column.top || y >= column.bottom) continue;
    const cell = Math.min(column.cells - 1, Math.floor(((y - column.top) / (column.bottom - column.top)) * column.cells));
    const [start, end] = stripCellRange(column, cell);
    return { kind: "strip", column: c, layer: column.biasLayer, cell, start, end };
  }

  for (let g = 0; g < layout.gaps.length; g++) {
    const rect = layout.gaps[g].heatmap;
    if (!rect || x < rect.x || x >= rect.x + rect.width || y < rect.y || y >= rect.y + rect.height) continue;
    const gap = layout.gaps[g];
    const i = Math.min(gap.nIn - 1, Math.floor(((y - rect.y) / rect.height) * gap.nIn));
    const j = Math.min(gap.nOut - 1, Math.floor(((x - rect.x) / rect.width) * gap.nOut));
    return { kind: "heatmap", gap: g, layer: gap.layer, i, j };
  }

  layout.gaps.forEach((gap, g) => {
    if (gap.mode !== "edges") return;
    const from = layout.columns[gap.from];
    const to = layout.columns[gap.to];
    if (x < from.x - tolerance || x > to.x + tolerance) return;
    for (let i = 0; i < gap.nIn; i++) {
      for (let j = 0; j < gap.nOut; j++) {
        const distance = distanceToSegment(x, y, from.x, from.ys[i], to.x, to.ys[j]);
        if (distance <= tolerance && distance < nearestDistance) {
          nearestDistance = distance;
          nearest = { kind: "edge", gap: g, layer: gap.layer, i, j, distance };
        }
      }
    }
  });
  if (nearest) return nearest;

  for (let b = 0; b < layout.blocks.length; b++) {
    const block = layout.blocks[b];
    if (Math.abs(x - block.x) <= block.width / 2 && y >= block.top && y <= block.bottom) {
      const pixel = block.kernels ? kernelPixelAt(block.kernels, x, y) : null;
      if (pixel) return { kind: "kernel", block: b, layer: block.layer, ...pixel };
      const weight = block.gates ? gateCellAt(block.gates, x, y) : null;
      if (weight) return { kind: "gate", block: b, layer: block.layer, ...weight };
      return { kind: "block", block: b, layer: block.layer };
    }
  }
  return null;
}
