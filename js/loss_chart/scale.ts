/**
 * Map data values to pixels and back, linearly or logarithmically (base 10).
 *
 * @example
 *   const y = makeScale([1e-3, 1], [200, 0], true);
 *   y.toPixel(0.01);  // 133.33...  (one third of the way up)
 *   y.toData(100);    // 0.0316...
 */
export interface Scale {
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  readonly log: boolean;
  toPixel(value: number): number;
  toData(pixel: number): number;
}

export function makeScale(
  domain: readonly [number, number],
  range: readonly [number, number],
  log = false,
): Scale {
  const forward = log ? Math.log10 : (v: number) => v;
  const inverse = log ? (v: number) => Math.pow(10, v) : (v: number) => v;
  const d0 = forward(domain[0]);
  const span = forward(domain[1]) - d0;
  const [r0, r1] = range;
  return {
    domain,
    range,
    log,
    toPixel: (value) => r0 + ((forward(value) - d0) / span) * (r1 - r0),
    toData: (pixel) => inverse(d0 + ((pixel - r0) / (r1 - r0)) * span),
  };
}
