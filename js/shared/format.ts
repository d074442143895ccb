/**
 * Number formatting shared by the widgets: short, locale-independent strings for axes,
 * read-outs and the control bar.
 *
 * @example
 *   formatCompact(0.001)  // "1e-3"
 *   formatCompact(0.02)   // "0.02"
 *   formatSteps(1500)     // "1.5k"
 *   formatInteger(12340)  // "12,340"
 */

function trimExponent(text: string): string {
  // "3.00e-4" -> "3e-4", "1.50e+5" -> "1.5e5"
  const [mantissa, exponent] = text.split("e");
  const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  return `${trimmed}e${Number(exponent)}`;
}

/** `value` to `digits` significant digits without trailing zeros: 0.0200 -> "0.02". */
function significant(value: number, digits: number): string {
  return String(Number(value.toPrecision(digits)));
}

function nonFinite(value: number): string | null {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  return null;
}

/**
 * A short decimal or e-notation: plain decimals for 0.01 <= |v| < 10000, e-notation outside.
 * `digits` significant digits at most.
 */
export function formatCompact(value: number, digits = 3): string {
  const special = nonFinite(value);
  if (special !== null) return special;
  if (value === 0) return "0";
  const rounded = Number(value.toPrecision(digits));
  const magnitude = Math.abs(rounded);
  if (magnitude >= 0.01 && magnitude < 1e4) return String(rounded);
  return trimExponent(rounded.toExponential(digits - 1));
}

/** An integer with "," thousands separators, whatever the browser's locale: 12340 -> "12,340". */
export function formatInteger(value: number): string {
  const special = nonFinite(value);
  if (special !== null) return special;
  const rounded = Math.round(value);
  const sign = rounded < 0 ? "-" : "";
  return sign + String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A step count for an axis, `digits` significant digits at most: 500, 1.5k, 20k, 1.2M. */
export function formatSteps(value: number, digits = 4): string {
  const special = nonFinite(value);
  if (special !== null) return special;
  const magnitude = Math.abs(value);
  if (magnitude < 1e3) return significant(value, digits);
  if (magnitude < 1e6) return `${significant(value / 1e3, digits)}k`;
  if (magnitude < 1e9) return `${significant(value / 1e6, digits)}M`;
  return `${significant(value / 1e9, digits)}G`;
}
