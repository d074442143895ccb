/**
 * Stroke many straight segments of one width fast on a software-rasterised canvas. Skia draws
 * lines of at most one device pixel as hairlines (5,000 in ~20 ms on 2 CPU cores), but a path of
 * thicker lines goes through its stroker, ~10x slower (~210 ms for 5,000 lines 1.5 px wide). So a
 * line w CSS px wide is drawn as round(w * scale) parallel hairlines one device pixel apart.
 *
 * @example
 *   strokeSegments(context, bucket.segments, bucket.width, 2);   // device pixel ratio 2
 */

/** How many hairlines, one device pixel apart, make a line `width` CSS px wide. */
export function hairlineCount(width: number, scale: number): number {
  return Math.min(8, Math.max(1, Math.round(width * scale)));
}

/**
 * Stroke segments (x0, y0, x1, y1 per segment) `width` CSS px wide, in the current strokeStyle,
 * where `scale` device pixels make one CSS pixel (the context's transform).
 */
export function strokeSegments(context: CanvasRenderingContext2D, segments: ArrayLike<number>, width: number, scale = 1): void {
  context.beginPath();
  if (width * scale <= 1) {
    context.lineWidth = width;
    for (let k = 0; k < segments.length; k += 4) {
      context.moveTo(segments[k], segments[k + 1]);
      context.lineTo(segments[k + 2], segments[k + 3]);
    }
  } else {
    const lines = hairlineCount(width, scale);
    const step = 1 / scale;
    context.lineWidth = step;
    for (let k = 0; k < segments.length; k += 4) {
      const x0 = segments[k];
      const y0 = segments[k + 1];
      const dx = segments[k + 2] - x0;
      const dy = segments[k + 3] - y0;
      const length = Math.hypot(dx, dy) || 1;
      const nx = (-dy / length) * step;
      const ny = (dx / length) * step;
      for (let q = 0; q < lines; q++) {
        const offset = q - (lines - 1) / 2;
        context.moveTo(x0 + nx * offset, y0 + ny * offset);
        context.lineTo(x0 + dx + nx * offset, y0 + dy + ny * offset);
      }
    }
  }
  context.stroke();
}
