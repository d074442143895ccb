/**
 * How each series is drawn: the training loss blue, the validation loss orange, other metrics
 * from a palette; a validation metric `val_<name>` takes the colour of `<name>`, dashed.
 *
 * @example
 *   seriesStyle("loss", ["loss", "val_loss"])          // {color: "#1f77b4", dashed: false}
 *   seriesStyle("val_acc", ["loss", "acc", "val_acc"]) // {color: "#2ca02c", dashed: true}
 *   runSeriesStyle("val_loss", "#d62728")              // {color: "#d62728", dashed: true, dash: [6, 4]}
 */
export interface SeriesStyle {
  color: string;
  dashed: boolean;
  /** The dash pattern when it is not the plain one of `dashed` (a comparison chart's metrics). */
  dash?: readonly number[];
}

export const LOSS_COLOR = "#1f77b4";
export const VAL_LOSS_COLOR = "#ff7f0e";

/** matplotlib's tab10 without the blue and orange reserved for the losses. */
export const METRIC_PALETTE = [
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
] as const;

const VALIDATION_PREFIX = "val_";

function baseName(name: string): string {
  return name.startsWith(VALIDATION_PREFIX) ? name.slice(VALIDATION_PREFIX.length) : name;
}

/** The style of `name` among all series `names` held (their order fixes the palette order). */
export function seriesStyle(name: string, names: readonly string[]): SeriesStyle {
  if (name === "loss") return { color: LOSS_COLOR, dashed: false };
  if (name === "val_loss") return { color: VAL_LOSS_COLOR, dashed: false };
  const metrics: string[] = [];
  for (const other of names) {
    const base = baseName(other);
    if (base !== "loss" && !metrics.includes(base)) metrics.push(base);
  }
  const index = Math.max(metrics.indexOf(baseName(name)), 0);
  return {
    color: METRIC_PALETTE[index % METRIC_PALETTE.length],
    dashed: name.startsWith(VALIDATION_PREFIX),
  };
}

/** The grey of a run the `runs` trait does not name (yet). */
export const UNKNOWN_RUN_COLOR = "#7f7f7f";

/**
 * In a comparison chart the colour says which run; the line says which metric: the training loss
 * solid, the validation loss dashed, other metrics dotted (dash-dotted for validation).
 */
export function runSeriesStyle(metric: string, color: string): SeriesStyle {
  const validation = metric.startsWith(VALIDATION_PREFIX);
  if (baseName(metric) === "loss") return { color, dashed: validation, dash: validation ? [6, 4] : [] };
  return { color, dashed: true, dash: validation ? [6, 3, 2, 3] : [2, 3] };
}
