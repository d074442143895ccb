// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import {
  blockHeader,
  blockShades,
  blockShapesText,
  createBlocksPanel,
  formatDims,
  partCells,
  shadeText,
  statisticRange,
  statsText,
  type BlocksPanel,
} from "./blocks";
import { loneArrayBlocksJson, mlpJson, transformerBlocksJson } from "./fixtures";
import { parseArchitecture } from "./spec";

const transformer = () => parseArchitecture(transformerBlocksJson());

describe("blockShades", () => {
  it("spans the values on a log scale, smallest 0 and largest 1", () => {
    expect(blockShades([0.01, 0.1, 1])).toEqual([0, 0.5, 1]);
    expect(blockShades([1, 1e-3, 1e-2, 1e-1]).map(shadeText)).toEqual(["1.000", "0.000", "0.333", "0.667"]);
  });

  it("gives no shade where a value is null, negative or not finite, and spans the others", () => {
    expect(blockShades([null, 2, 8, null])).toEqual([null, 0, 1, null]);
    expect(blockShades([Number.NaN, -1, 4, Infinity, 16])).toEqual([null, null, 0, null, 1]);
  });

  it("puts equal values in the middle, a single value too", () => {
    expect(blockShades([0.25, 0.25, null])).toEqual([0.5, 0.5, null]);
    expect(blockShades([3])).toEqual([0.5]);
    expect(blockShades([0, 0])).toEqual([0.5, 0.5]);
  });

  it("makes a zero the lightest, the positive values spanning up to the darkest", () => {
    expect(blockShades([0, 0.1, 1])).toEqual([0, 0, 1]);
    expect(blockShades([0, 0.5, 0.5])).toEqual([0, 1, 1]);
  });

  it("shades nothing when nothing is known", () => {
    expect(blockShades([null, null])).toEqual([null, null]);
    expect(blockShades([])).toEqual([]);
  });

  it("writes a shade with three decimals, nothing for none", () => {
    expect([shadeText(0.5), shadeText(1 / 3), shadeText(0), shadeText(null)]).toEqual(["0.500", "0.333", "0.000", ""]);
  });
});

describe("block text", () => {
  it("formats the stats line, a dash for what is not known", () => {
    expect(statsText(0.123, 0.0012)).toBe("RMS 0.123 · update 1.2e-3 / step");
    expect(statsText(0.5, null)).toBe("RMS 0.5 · update —");
    expect(statsText(null, null)).toBe("RMS — · update —");
  });

  it("formats shapes as Python prints them", () => {
    expect([formatDims([24, 32]), formatDims([32]), formatDims([]), formatDims([null, 8])]).toEqual(["(24, 32)", "(32,)", "()", "(?, 8)"]);
  });

  it("heads a block with its name and class, the name alone for a pytree", () => {
    const spec = transformer();
    expect(blockHeader(spec.blocks[1])).toBe("blocks[0] · Block");
    expect(blockHeader({ ...spec.blocks[1], cls: "" })).toBe("blocks[0]");
  });

  it("shows shapes in and out, '?' for a side not known, else a lone array's shape", () => {
    const spec = transformer();
    expect(blockShapesText(spec.blocks[1])).toBe("(24, 32) → (24, 32)");
    expect(blockShapesText(spec.blocks[0])).toBe("(24,) → (24, 32)");
    expect(blockShapesText({ ...spec.blocks[1], outputShape: null })).toBe("(24, 32) → ?");
    expect(blockShapesText(parseArchitecture(loneArrayBlocksJson()).blocks[0])).toBe("array 1000×2");
    expect(blockShapesText({ ...spec.blocks[1], inputShape: null, outputShape: null })).toBe("");
  });

  it("makes a part's row of its name, class or shape, count and detail", () => {
    const spec = transformer();
    expect(partCells(spec.blocks[1].parts[1])).toEqual(["attn", "MultiHeadAttention", "4,224", "4 heads × 8"]);
    expect(partCells(spec.blocks[3].parts[0])).toEqual(["kernel", "32×10", "320", ""]);
  });

  it("finds the range of the known values", () => {
    expect(statisticRange([null, 0.5, 0.02, 3])).toEqual([0.02, 3]);
    expect(statisticRange([null])).toBeNull();
  });
});

describe("createBlocksPanel", () => {
  const dom = new AbortController();
  let panel: BlocksPanel;

  function build(json = transformerBlocksJson()): BlocksPanel {
    panel = createBlocksPanel(dom.signal);
    document.body.append(panel.root);
    panel.setBlocks(parseArchitecture(json).blocks);
    return panel;
  }

  afterEach(() => panel?.root.remove());

  const boxes = () => [...panel.root.querySelectorAll<HTMLElement>('[data-testid="diagram-block"]')];
  const attr = (name: string) => boxes().map((box) => box.getAttribute(name));
  const colour = (statistic: string) => panel.root.querySelector<HTMLButtonElement>(`[data-testid="diagram-blocks-colour"][data-statistic="${statistic}"]`)!;
  const legend = () => panel.root.querySelector<HTMLElement>('[data-testid="diagram-blocks-legend"]')!;
  const stats = { version: 3, step: 40, rms: [0.1, 0.01, 0.001, null], update: [2e-3, 2e-3, 2e-3, 0.05] };

  it("shows one box per block in order, joined by arrows", () => {
    build();
    expect(attr("data-name")).toEqual(["embed", "blocks[0]", "blocks[1]", "head"]);
    const flow = panel.root.querySelector(".jaxscope-blocks-flow")!;
    expect([...flow.children].map((child) => (child.classList.contains("jaxscope-block") ? child.getAttribute("data-name") : child.textContent))).toEqual([
      "embed", "→", "blocks[0]", "→", "blocks[1]", "→", "head",
    ]);
  });

  it("writes each block's header, shapes, parameter count, parts and stats line", () => {
    build();
    const [embed, block, , head] = boxes();
    const text = (box: HTMLElement, selector: string) => box.querySelector(selector)?.textContent ?? null;
    expect(text(block, ".jaxscope-block-head")).toBe("blocks[0] · Block");
    expect(text(block, ".jaxscope-block-shapes")).toBe("(24, 32) → (24, 32)");
    expect(text(block, ".jaxscope-block-count")).toBe("8,544 params");
    const rows = [...block.querySelectorAll("tr")].map((row) => [...row.children].map((cell) => cell.textContent));
    expect(rows).toEqual([
      ["norm1", "LayerNorm", "64", ""],
      ["attn", "MultiHeadAttention", "4,224", "4 heads × 8"],
      ["norm2", "LayerNorm", "64", ""],
      ["mlp_in", "Linear", "2,112", ""],
      ["mlp_out", "Linear", "2,080", ""],
    ]);
    expect(text(block, '[data-testid="diagram-block-stats"]')).toBe("RMS — · update —");
    expect(text(block, ".jaxscope-block-detail")).toBeNull();
    expect(text(embed, ".jaxscope-block-head")).toBe("embed · Embed");
    expect(text(embed, ".jaxscope-block-count")).toBe("512 params");
    expect(text(head, ".jaxscope-block-shapes")).toBe("(24, 32) → (24, 10)");
    expect(head.title).toBe("head.kernel 32×10\nhead.bias 10");
    expect(attr("data-shade")).toEqual(["", "", "", ""]);
  });

  it("shows a block's detail and a lone array's shape", () => {
    const json = transformerBlocksJson();
    (json.blocks as any[])[1].detail = "4 heads × 8";
    build(json);
    expect(boxes()[1].querySelector(".jaxscope-block-detail")!.textContent).toBe("4 heads × 8");
    build(loneArrayBlocksJson());
    expect(boxes()[0].textContent).toBe("paramsarray 1000×22,000 paramsRMS — · update —");
  });

  it("shades the blocks by weight RMS at first, and writes every stats line", () => {
    build();
    panel.setStats(stats);
    expect(panel.statistic).toBe("rms");
    expect(attr("data-shade")).toEqual(["1.000", "0.500", "0.000", ""]);
    expect(attr("data-value")).toEqual(["0.1", "0.01", "0.001", ""]);
    expect(boxes().map((box) => box.style.getPropertyValue("--jaxscope-shade"))).toEqual(["1.000", "0.500", "0.000", ""]);
    expect(boxes().map((box) => box.querySelector('[data-testid="diagram-block-stats"]')!.textContent)).toEqual([
      "RMS 0.1 · update 2e-3 / step",
      "RMS 0.01 · update 2e-3 / step",
      "RMS 1e-3 · update 2e-3 / step",
      "RMS — · update 0.05 / step",
    ]);
    expect([legend().textContent, legend().dataset.min, legend().dataset.max]).toEqual(["1e-30.1", "0.001", "0.1"]);
  });

  it("changes shades and text when new stats arrive", () => {
    build();
    panel.setStats(stats);
    panel.setStats({ version: 4, step: 50, rms: [0.2, 0.2, 0.2, 0.2], update: [null, null, null, null] });
    expect(attr("data-shade")).toEqual(["0.500", "0.500", "0.500", "0.500"]);
    expect(boxes()[3].querySelector('[data-testid="diagram-block-stats"]')!.textContent).toBe("RMS 0.2 · update —");
    expect(legend().textContent).toBe("0.20.2");
  });

  it("switches the statistic with the toolbar's buttons", () => {
    build();
    panel.setStats(stats);
    expect([colour("rms").getAttribute("aria-pressed"), colour("update").getAttribute("aria-pressed")]).toEqual(["true", "false"]);
    colour("update").click();
    expect(panel.statistic).toBe("update");
    expect(panel.root.dataset.statistic).toBe("update");
    expect([colour("rms").getAttribute("aria-pressed"), colour("update").getAttribute("aria-pressed")]).toEqual(["false", "true"]);
    expect(attr("data-shade")).toEqual(["0.000", "0.000", "0.000", "1.000"]);
    expect(attr("data-value")).toEqual(["0.002", "0.002", "0.002", "0.05"]);
    expect([legend().dataset.min, legend().dataset.max]).toEqual(["0.002", "0.05"]);
    colour("rms").click();
    expect(attr("data-shade")).toEqual(["1.000", "0.500", "0.000", ""]);
  });

  it("refuses stats that do not have one entry per block, keeping the ones shown", () => {
    build();
    panel.setStats(stats);
    expect(() => panel.setStats({ version: 5, step: 60, rms: [1, 2], update: [null, null] })).toThrow(
      "jaxscope: block_stats message has 2 entries, but the diagram shows 4 blocks",
    );
    expect(attr("data-value")).toEqual(["0.1", "0.01", "0.001", ""]);
  });

  it("replaces the boxes for a second architecture, clearing the stats", () => {
    build();
    panel.setStats(stats);
    panel.setBlocks(parseArchitecture(loneArrayBlocksJson()).blocks);
    expect(attr("data-name")).toEqual(["params"]);
    expect(attr("data-shade")).toEqual([""]);
    expect(legend().textContent).toBe("——");
    panel.setStats({ version: 1, step: null, rms: [0.7], update: [null] });
    expect(attr("data-shade")).toEqual(["0.500"]);
    panel.setBlocks(parseArchitecture(mlpJson([1, 2])).blocks);
    expect(boxes()).toEqual([]);
  });

  it("keeps the stats when the same blocks come again", () => {
    build();
    panel.setStats(stats);
    panel.setBlocks(transformer().blocks);
    expect(attr("data-shade")).toEqual(["1.000", "0.500", "0.000", ""]);
  });
});
