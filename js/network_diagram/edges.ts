/**
 * The edges of one gap, batched for a canvas: edges are bucketed by (sign, quantised |w|) so
 * each bucket is one path with one stroke style; at most 2 * levels buckets, faint first and
 * strong last so strong weights are drawn on top.
 *
 * @example
 *   const {buckets} = gapEdges(layout.columns[gap.from], layout.columns[gap.to], weights);
 *   for (const b of buckets) {
 *     context.strokeStyle = b.color; context.lineWidth = b.width; context.beginPath();
 *     for (let k = 0; k < b.segments.length; k += 4) {
 *       context.moveTo(b.segments[k], b.segments[k + 1]); context.lineTo(b.segments[k + 2], b.segments[k + 3]);
 *     }
 *     context.stroke();
 *   }
 */
import { alphaForRatio, magnitudeRatio, maxAbs, rgba, signRgb, widthForRatio } from "./colors";
import type { NeuronColumn } from "./layout";

/** Opacity steps per sign: 2 * 8 = 16 buckets at most. */
export const ALPHA_LEVELS = 8;

export interface EdgeBucket {
  /** 1 for weights >= 0 (blue), -1 for negative (orange). */
  sign: 1 | -1;
  /** 0 (faintest) .. levels - 1 (strongest). */
  level: number;
  alpha: number;
  width: number;
  color: string;
  count: number;
  /** x0, y0, x1, y1 per edge, from the input neuron's centre to the output neuron's. */
  segments: Float32Array;
  /** (i, j) per edge: input and output neuron indices, in the order of `segments`. */
  indices: Uint32Array;
}

export interface GapEdges {
  /** Non-empty buckets, faint first; within a level positive before negative. */
  buckets: EdgeBucket[];
  /** The largest finite |w| the opacities are relative to. */
  largest: number;
  /** Edges left out because their weight is NaN (drawn transparent). */
  skipped: number;
}

/** The level (0 .. levels - 1) of |value| / largest, or -1 for NaN. */
export function edgeLevel(value: number, largest: number, levels = ALPHA_LEVELS): number {
  const ratio = magnitudeRatio(value, largest);
  return Number.isNaN(ratio) ? -1 : Math.round(ratio * (levels - 1));
}

/**
 * The bucketed edges between neuron columns `from` (n_in) and `to` (n_out) for `weights`, an
 * (n_in, n_out) row-major matrix: weights[i * n_out + j] joins input i to output j.
 */
export function gapEdges(
  from: NeuronColumn,
  to: NeuronColumn,
  weights: ArrayLike<number>,
  options: { levels?: number; largest?: number } = {},
): GapEdges {
  if (from.mode !== "neurons" || to.mode !== "neurons") {
    throw new Error("gapEdges: edges join neuron columns only; a strip's gap is drawn as a heatmap");
  }
  const nIn = from.count;
  const nOut = to.count;
  if (weights.length !== nIn * nOut) {
    throw new Error(`gapEdges: ${weights.length} weights do not fill a ${nIn}x${nOut} (n_in, n_out) matrix`);
  }
  const levels = options.levels ?? ALPHA_LEVELS;
  const largest = options.largest ?? maxAbs(weights);

  // Bucket b = 2 * level + (negative ? 1 : 0): count first, then fill arrays of exact size.
  const bucketOf = new Int8Array(weights.length);
  const counts = new Uint32Array(2 * levels);
  let skipped = 0;
  for (let k = 0; k < weights.length; k++) {
    const level = edgeLevel(weights[k], largest, levels);
    if (level < 0) {
      bucketOf[k] = -1;
      skipped += 1;
      continue;
    }
    const bucket = 2 * level + (weights[k] < 0 ? 1 : 0);
    bucketOf[k] = bucket;
    counts[bucket] += 1;
  }
  const segments = Array.from(counts, (count) => new Float32Array(4 * count));
  const indices = Array.from(counts, (count) => new Uint32Array(2 * count));
  const filled = new Uint32Array(2 * levels);
  for (let i = 0; i < nIn; i++) {
    for (let j = 0; j < nOut; j++) {
      const bucket = bucketOf[i * nOut + j];
      if (bucket < 0) continue;
      const n = filled[bucket]++;
      const points = segments[bucket];
      points[4 * n] = from.x;
      points[4 * n + 1] = from.ys[i];
      points[4 * n + 2] = to.x;
      points[4 * n + 3] = to.ys[j];
      indices[bucket][2 * n] = i;
      indices[bucket][2 * n + 1] = j;
    }
  }

  const buckets: EdgeBucket[] = [];
  for (let bucket = 0; bucket < 2 * levels; bucket++) {
    if (counts[bucket] === 0) continue;
    const level = bucket >> 1;
    const sign = bucket % 2 === 0 ? 1 : -1;
    const ratio = levels > 1 ? level / (levels - 1) : 1;
    const alpha = alphaForRatio(ratio);
    buckets.push({
      sign, level, alpha,
      width: widthForRatio(ratio),
      color: rgba(signRgb(sign), alpha),
      count: counts[bucket],
      segments: segments[bucket],
      indices: indices[bucket],
    });
  }
  return { buckets, largest, skipped };
}
