/**
 * The block diagram: what the NetworkDiagram draws in mode "blocks" (attention, message passing, a
 * forward pass that cannot be traced): one box per module of `architecture.blocks`, in call order
 * and joined by arrows, each with its class, shapes, parameter count and parts, and shaded live by
 * the chosen statistic of the latest "block_stats" message (its weight RMS or its relative update
 * per step) on a log scale over the blocks. Plain DOM; the widget decides when to update it.
 *
 * @example
 *   const panel = createBlocksPanel(signal);
 *   panel.setBlocks(spec.blocks);
 *   panel.setStats(decodeBlockStats(message));   // shades and stats lines
 *   panel.setStatistic("update");                // what the toolbar's second button does
 */
import { element } from "../shared/dom";
import { formatCompact, formatInteger } from "../shared/format";
import type { DecodedBlockStats } from "../shared/protocol";
import { formatParams } from "./layout";
import type { BlockPartSpec, BlockSpec, Shape } from "./spec";

/** What shades the blocks: "rms", the RMS of a block's parameters; "update", their relative update per step. */
export const BLOCK_STATISTICS = ["rms", "update"] as const;
export type BlockStatistic = (typeof BLOCK_STATISTICS)[number];

/** The toolbar's words for each statistic. */
export const STATISTIC_LABELS: Readonly<Record<BlockStatistic, string>> = { rms: "weight RMS", update: "update size" };

/** What stands for a number not known. */
export const UNKNOWN = "—";

/**
 * Each value's shade in [0, 1] on a log scale over the values: the smallest 0 (lightest), the
 * largest 1 (darkest); all equal: 0.5. A zero (a frozen block's update) is the lightest, and the
 * positive values then span up to 1; null, negative or non-finite: null (no shade).
 *
 * @example
 *   blockShades([0.01, 0.1, 1, null])   // [0, 0.5, 1, null]
 *   blockShades([0.2, 0.2])             // [0.5, 0.5]
 *   blockShades([0, 0.1, 1])            // [0, 0, 1]
 */
export function blockShades(values: readonly (number | null)[]): (number | null)[] {
  const logs = values.map((v) => (v !== null && Number.isFinite(v) && v > 0 ? Math.log(v) : null));
  const known = logs.filter((l): l is number => l !== null);
  const zeros = values.some((v) => v === 0);
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return values.map((v, k) => {
    const l = logs[k];
    if (v === 0) return known.length > 0 ? 0 : 0.5;
    if (l === null) return null;
    if (hi > lo) return (l - lo) / (hi - lo);
    return zeros ? 1 : 0.5;
  });
}

/** A shade as `data-shade` holds it: "0.500"; "" for none. */
export function shadeText(shade: number | null): string {
  return shade === null ? "" : shade.toFixed(3);
}

/** A statistic as its stats line shows it: "0.123", "1.2e-3"; "—" when not known. */
export function formatStatistic(value: number | null): string {
  return value === null ? UNKNOWN : formatCompact(value, 3);
}

/** "RMS 0.123 · update 1.2e-3 / step"; "—" for a value not known: "RMS 0.5 · update —". */
export function statsText(rms: number | null, update: number | null): string {
  return `RMS ${formatStatistic(rms)} · update ${update === null ? UNKNOWN : `${formatStatistic(update)} / step`}`;
}

/** A per-sample shape as Python prints it: "(24, 32)", "(32,)", "()"; "?" for an unknown dimension. */
export function formatDims(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? "?" : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
}

/** An array's shape in the parameter table's style: "1000×2"; "scalar" for (). */
export function formatArrayShape(shape: readonly number[]): string {
  return shape.length ? shape.join("×") : "scalar";
}

/**
 * A block's shapes line: "(24, 32) → (24, 32)" ("?" for the side not known); where neither is
 * known, a block without parts shows its one parameter's shape, "array 1000×2"; else "".
 */
export function blockShapesText(block: BlockSpec): string {
  if (block.inputShape !== null || block.outputShape !== null) {
    const side = (shape: Shape | null) => (shape === null ? "?" : formatDims(shape));
    return `${side(block.inputShape)} → ${side(block.outputShape)}`;
  }
  const arrays = Object.values(block.params);
  if (block.parts.length === 0 && arrays.length === 1) return `array ${formatArrayShape(arrays[0])}`;
  return "";
}

/** "blocks[0] · TransformerBlock"; the name alone for a pytree (class ""). */
export function blockHeader(block: BlockSpec): string {
  return block.cls ? `${block.name} · ${block.cls}` : block.name;
}

/** A part's row: its name, its class (else its shape), its parameter count, its detail. */
export function partCells(part: BlockPartSpec): [string, string, string, string] {
  const what = part.cls || (part.shape === null ? "" : formatArrayShape(part.shape));
  return [part.name, what, formatInteger(part.count), part.detail];
}

/** The smallest and largest known value, or null when none is known. */
export function statisticRange(values: readonly (number | null)[]): [number, number] | null {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return known.length ? [Math.min(...known), Math.max(...known)] : null;
}

export interface BlocksPanel {
  /** `div.jaxscope-diagram-blocks`: the toolbar with the legend, then the blocks. */
  readonly root: HTMLElement;
  /** The statistic the blocks are shaded by (at first "rms"). */
  readonly statistic: BlockStatistic;
  /**
   * Show these blocks, replacing the ones before; the stats shown are kept when the blocks have
   * the same names and parameter counts as before, else cleared.
   */
  setBlocks(blocks: readonly BlockSpec[]): void;
  /** Show these stats (null: none). Throws, changing nothing, when they do not have one entry per block. */
  setStats(stats: DecodedBlockStats | null): void;
  /** Shade by `statistic`, pressing its button. */
  setStatistic(statistic: BlockStatistic): void;
}

interface BlockView {
  box: HTMLElement;
  stats: HTMLElement;
}

function blockView(block: BlockSpec): BlockView {
  const stats = element("div", { class: "jaxscope-block-stats", "data-testid": "diagram-block-stats" }, statsText(null, null));
  const lines: HTMLElement[] = [element("div", { class: "jaxscope-block-head" }, blockHeader(block))];
  if (block.detail) lines.push(element("div", { class: "jaxscope-block-detail" }, block.detail));
  const shapes = blockShapesText(block);
  if (shapes) lines.push(element("div", { class: "jaxscope-block-shapes" }, shapes));
  lines.push(element("div", { class: "jaxscope-block-count" }, formatParams(block.paramCount)));
  if (block.parts.length) {
    const rows = block.parts.map((part) => element("tr", {}, ...partCells(part).map((cell) => element("td", {}, cell))));
    lines.push(element("table", { class: "jaxscope-block-parts" }, element("tbody", {}, ...rows)));
  }
  lines.push(stats);
  const title = Object.entries(block.params)
    .map(([path, dims]) => `${path} ${formatArrayShape(dims)}`)
    .join("\n");
  const box = element(
    "div",
    { class: "jaxscope-block", "data-testid": "diagram-block", "data-name": block.name, "data-shade": "", "data-value": "", title },
    ...lines,
  );
  return { box, stats };
}

/** The block diagram's panel; its listeners end with `signal`. */
export function createBlocksPanel(signal: AbortSignal): BlocksPanel {
  let statistic: BlockStatistic = "rms";
  let blocks: readonly BlockSpec[] = [];
  let blocksKey = "";
  let views: BlockView[] = [];
  let stats: DecodedBlockStats | null = null;

  const buttons = BLOCK_STATISTICS.map((name) =>
    element(
      "button",
      { type: "button", class: "jaxscope-button", "data-testid": "diagram-blocks-colour", "data-statistic": name, "aria-pressed": "false" },
      STATISTIC_LABELS[name],
    ),
  );
  const low = element("span", { class: "jaxscope-blocks-legend-end", "data-testid": "diagram-blocks-min" }, UNKNOWN);
  const high = element("span", { class: "jaxscope-blocks-legend-end", "data-testid": "diagram-blocks-max" }, UNKNOWN);
  const legend = element(
    "span",
    { class: "jaxscope-blocks-legend", "data-testid": "diagram-blocks-legend" },
    low,
    element("span", { class: "jaxscope-blocks-legend-ramp", "aria-hidden": "true" }),
    high,
  );
  const toolbar = element(
    "div",
    { class: "jaxscope-toolbar jaxscope-blocks-toolbar" },
    element("span", { class: "jaxscope-field" }, "colour by:"),
    ...buttons,
    legend,
  );
  const flow = element("div", { class: "jaxscope-blocks-flow" });
  const root = element(
    "div",
    { class: "jaxscope-diagram-blocks", "data-testid": "diagram-blocks", "data-statistic": statistic },
    toolbar,
    flow,
  );

  for (const button of buttons) {
    button.addEventListener("click", () => panel.setStatistic(button.dataset.statistic as BlockStatistic), { signal });
  }

  /** Shades, values, stats lines and the legend from `stats` and `statistic`. */
  function paint(): void {
    const values = views.map((_, k) => (stats ? stats[statistic][k] : null));
    const shades = blockShades(values);
    views.forEach((view, k) => {
      view.box.dataset.shade = shadeText(shades[k]);
      view.box.dataset.value = values[k] === null ? "" : String(values[k]);
      if (shades[k] === null) view.box.style.removeProperty("--jaxscope-shade");
      else view.box.style.setProperty("--jaxscope-shade", shadeText(shades[k]));
      view.stats.textContent = statsText(stats ? stats.rms[k] : null, stats ? stats.update[k] : null);
    });
    const range = statisticRange(values);
    low.textContent = range ? formatStatistic(range[0]) : UNKNOWN;
    high.textContent = range ? formatStatistic(range[1]) : UNKNOWN;
    legend.dataset.min = range ? String(range[0]) : "";
    legend.dataset.max = range ? String(range[1]) : "";
    legend.title = `${STATISTIC_LABELS[statistic]}: lightest ${low.textContent}, darkest ${high.textContent} (log scale)`;
    for (const button of buttons) {
      const pressed = button.dataset.statistic === statistic;
      button.setAttribute("aria-pressed", String(pressed));
      button.classList.toggle("jaxscope-pressed", pressed);
    }
    root.dataset.statistic = statistic;
  }

  const panel: BlocksPanel = {
    root,
    get statistic() {
      return statistic;
    },
    setBlocks(next) {
      const key = next.map((b) => `${b.name}:${b.paramCount}`).join("|");
      if (key !== blocksKey) stats = null;
      blocks = next;
      blocksKey = key;
      views = blocks.map(blockView);
      const children: Node[] = [];
      views.forEach((view, k) => {
        if (k > 0) children.push(element("span", { class: "jaxscope-block-arrow", "aria-hidden": "true" }, "→"));
        children.push(view.box);
      });
      flow.replaceChildren(...children);
      paint();
    },
    setStats(next) {
      if (next !== null && (next.rms.length !== blocks.length || next.update.length !== blocks.length)) {
        throw new Error(`jaxscope: block_stats message has ${next.rms.length} entries, but the diagram shows ${blocks.length} blocks`);
      }
      stats = next;
      paint();
    },
    setStatistic(next) {
      statistic = next;
      paint();
    },
  };
  paint();
  return panel;
}
