/**
 * Paint a laid-out diagram on a 2D context: gaps (edges or heatmaps), skip routes, neuron columns
 * (circles, or squares holding thumbnails), strips, blocks (with conv kernel tiles, or a recurrent
 * cell's gate heatmaps and its h(t−1) loop) and labels.
 * Everything costly (edge buckets, images) comes ready-made from the scene, so a frame
 * allocates nothing per edge or per pixel.
 *
 * What lands where is measured as drawn (`measureText`) and returned (`DrawCounts.labels`,
 * `.skips`, `.recurrent`); the canvas element carries the same as JSON in `data-label-boxes`,
 * `data-skip-routes` and `data-recurrent`, so a test in a real browser can check that no two labels
 * overlap and read the pixels of each gate's heatmaps.
 *
 * @example
 *   const counts = drawDiagram(context, layout, theme, scene);
 *   root.dataset.edges = String(counts.edges);
 */
import type { Theme } from "../loss_chart/theme";
import type { DecodedLayerWeights } from "../shared/protocol";
import { biasColor, maxAbs, NEUTRAL_RGB, rgba } from "./colors";
import type { GapEdges } from "./edges";
import { aggregateStrip, kindName, LABEL_FONT_PX, LABEL_LINE_HEIGHT, type DiagramLayout, type LayerBlock, type NeuronColumn, type SkipArc } from "./layout";
import type { MatrixTile } from "./recurrent";
import type { ArchitectureSpec } from "./spec";
import { plotStride, traceLinePlot, type ColumnActivations } from "./thumbnails";
import { columnBias } from "./weights";
import { strokeSegments } from "./strokes";

const NEUTRAL = rgba(NEUTRAL_RGB, 1);
const FAINT = rgba(NEUTRAL_RGB, 0.25);
/** Skip routes: corner radius, arrowhead length and half width, CSS px. */
const ROUTE_CORNER = 4;
const ARROW_LENGTH = 5;
const ARROW_HALF_WIDTH = 3;
/** Width of the bias-coloured border of a thumbnail square. */
export const THUMBNAIL_BORDER = 2;

/** A column's thumbnails: its activations and, for a 2-D grid, the stacked image of every neuron. */
export interface ColumnThumbnails {
  map: ColumnActivations;
  /** cols x (rows * n): neuron k's map in rows [k * rows, (k + 1) * rows); null for 1-D or without ImageData. */
  image: CanvasImageSource | null;
}

/** What the diagram draws from, besides the layout. */
export interface Scene {
  spec: ArchitectureSpec | null;
  weights: ReadonlyMap<number, DecodedLayerWeights>;
  /** The bucketed edges of gap `gap`, or null while its weights are unknown. */
  edges(gap: number): GapEdges | null;
  /** The heatmap image of gap `gap`, or null. */
  heatmap(gap: number): CanvasImageSource | null;
  /** Per layout column. */
  thumbnails: readonly (ColumnThumbnails | null)[];
  /** Per layout block: the atlas of its kernel tiles (KH rows, shown * KW columns), or null. */
  kernels: readonly (CanvasImageSource | null)[];
  /** Per layout block: the atlas of a recurrent layer's gate matrices (recurrent.ts), or null. */
  gates?: readonly (CanvasImageSource | null)[];
}

/** A rectangle in the canvas's CSS pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A layer label as drawn: its layers, full text, lines and the box they cover. */
export interface LabelBox extends Box {
  layers: number[];
  text: string;
  lines: string[];
}

/** A skip route as drawn: its polyline (source end first) and the box of its kind label. */
export interface SkipRoute {
  from: number;
  to: number;
  kind: string;
  points: [number, number][];
  label: (Box & { text: string }) | null;
}

/** A recurrent block as drawn: its box, each gate's matrices and name, and its loop. */
export interface RecurrentBox {
  layer: number;
  cell: string;
  box: Box;
  gates: { name: string; input: Box | null; recurrent: Box | null; label: Box }[];
  loop: { points: [number, number][]; label: Box & { text: string } };
}

export interface DrawCounts {
  edges: number;
  thumbnails: number;
  kernels: number;
  /** Gate matrices drawn with their weights (input and recurrent count one each). */
  gates: number;
  labels: LabelBox[];
  skips: SkipRoute[];
  recurrent: RecurrentBox[];
}

const rounded = (value: number) => Math.round(value * 100) / 100;
const roundedBox = <T extends Box>(box: T): T => ({ ...box, x: rounded(box.x), y: rounded(box.y), width: rounded(box.width), height: rounded(box.height) });

/** Up from the source, along the lane, down into the target with an arrowhead; the kind on the lane. */
function drawSkip(context: CanvasRenderingContext2D, arc: SkipArc, theme: Theme): SkipRoute {
  const points: [number, number][] = [[arc.x0, arc.y0], [arc.x0, arc.y], [arc.x1, arc.y], [arc.x1, arc.y1]];
  context.beginPath();
  context.moveTo(arc.x0, arc.y0);
  if (typeof context.arcTo === "function" && arc.x0 !== arc.x1) {
    context.arcTo(arc.x0, arc.y, arc.x1, arc.y, ROUTE_CORNER);
    context.arcTo(arc.x1, arc.y, arc.x1, arc.y1, ROUTE_CORNER);
  } else {
    context.lineTo(arc.x0, arc.y);
    context.lineTo(arc.x1, arc.y);
  }
  context.lineTo(arc.x1, arc.y1);
  context.stroke();
  const down = arc.y1 >= arc.y ? 1 : -1;
  context.beginPath();
  context.moveTo(arc.x1, arc.y1);
  context.lineTo(arc.x1 - ARROW_HALF_WIDTH, arc.y1 - down * ARROW_LENGTH);
  context.lineTo(arc.x1 + ARROW_HALF_WIDTH, arc.y1 - down * ARROW_LENGTH);
  context.closePath();
  context.fill();
  let label: SkipRoute["label"] = null;
  if (arc.label) {
    const width = context.measureText(arc.label).width;
    label = { text: arc.label, x: arc.labelX - width / 2, y: arc.y - LABEL_FONT_PX / 2, width, height: LABEL_FONT_PX };
    // On a patch of background, so the lane's line does not run through the word.
    context.fillStyle = theme.background;
    context.fillRect(label.x - 2, label.y - 1, width + 4, LABEL_FONT_PX + 2);
    context.fillStyle = theme.mutedText;
    context.fillText(arc.label, arc.labelX, arc.y);
  }
  return { from: arc.from, to: arc.to, kind: arc.kind, points, label: label && roundedBox(label) };
}

/**
 * A recurrent block's inside: the cell's word, each gate's two heatmaps from the layer's atlas (or
 * empty frames while its weights are unknown) with the gate's name under them, then the loop from
 * the block's output back into its input with its label on a patch of background.
 */
function drawRecurrent(context: CanvasRenderingContext2D, block: LayerBlock, cell: string, atlas: CanvasImageSource | null, theme: Theme): [RecurrentBox, number] {
  const tiles = block.gates!;
  const loop = block.loop!;
  let drawn = 0;
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.font = `11px ${theme.fontFamily}`;
  context.fillStyle = theme.text;
  context.fillText(cell, tiles.labelX, tiles.labelY);
  context.imageSmoothingEnabled = false;
  context.font = `${LABEL_FONT_PX}px ${theme.fontFamily}`;
  const gates: RecurrentBox["gates"] = [];
  const frame = (tile: MatrixTile | null): Box | null => {
    if (!tile) return null;
    if (atlas) {
      context.drawImage(atlas, tile.atlasX, 0, tile.cols, tile.rows, tile.x, tile.y, tile.width, tile.height);
      drawn += 1;
    }
    context.strokeRect(tile.x - 0.5, tile.y - 0.5, tile.width + 1, tile.height + 1);
    return roundedBox({ x: tile.x, y: tile.y, width: tile.width, height: tile.height });
  };
  for (const gate of tiles.gates) {
    context.strokeStyle = theme.axis;
    context.lineWidth = 1;
    const input = frame(gate.input);
    const recurrent = frame(gate.recurrent);
    context.fillStyle = theme.mutedText;
    context.fillText(gate.name, gate.nameX, gate.nameY);
    const width = context.measureText(gate.name).width;
    gates.push({ name: gate.name, input, recurrent, label: roundedBox({ x: gate.nameX - width / 2, y: gate.nameY - LABEL_FONT_PX / 2, width, height: LABEL_FONT_PX }) });
  }

  context.strokeStyle = theme.mutedText;
  context.fillStyle = theme.mutedText;
  context.lineWidth = 1.25;
  const points = loop.points;
  context.beginPath();
  context.moveTo(points[0][0], points[0][1]);
  for (const [x, y] of points.slice(1)) context.lineTo(x, y);
  context.stroke();
  const [tipX, tipY] = points[points.length - 1];
  context.beginPath();
  context.moveTo(tipX, tipY);
  context.lineTo(tipX - ARROW_LENGTH, tipY - ARROW_HALF_WIDTH);
  context.lineTo(tipX - ARROW_LENGTH, tipY + ARROW_HALF_WIDTH);
  context.closePath();
  context.fill();
  const width = context.measureText(loop.label).width;
  const label = { text: loop.label, x: loop.labelX - width / 2, y: loop.labelY - LABEL_FONT_PX / 2, width, height: LABEL_FONT_PX };
  context.fillStyle = theme.background;
  context.fillRect(label.x - 2, label.y - 1, width + 4, LABEL_FONT_PX + 2);
  context.fillStyle = theme.mutedText;
  context.fillText(loop.label, loop.labelX, loop.labelY);
  const box = roundedBox({ x: block.x - block.width / 2, y: block.top, width: block.width, height: block.bottom - block.top });
  return [{ layer: block.layer, cell, box, gates, loop: { points: points.map(([x, y]) => [rounded(x), rounded(y)]), label: roundedBox(label) } }, drawn];
}

/** The canvas element of `context` (not an OffscreenCanvas, nor a test's fake). */
function canvasElement(context: CanvasRenderingContext2D): HTMLCanvasElement | null {
  const canvas = (context as { canvas?: unknown }).canvas;
  return typeof HTMLCanvasElement !== "undefined" && canvas instanceof HTMLCanvasElement ? canvas : null;
}

function roundedRect(context: CanvasRenderingContext2D, x: number, y: number, width: number, height: number, radius: number): void {
  if (typeof context.roundRect === "function") context.roundRect(x, y, width, height, radius);
  else context.rect(x, y, width, height);
}

/** Squares with thumbnails (or plain bias colour where a column has none); returns thumbnails drawn. */
function drawSquares(
  context: CanvasRenderingContext2D,
  column: NeuronColumn,
  thumbnails: ColumnThumbnails | null,
  bias: Float32Array | null,
  theme: Theme,
): number {
  const side = column.side;
  const half = side / 2;
  const left = column.x - half;
  const largest = bias ? maxAbs(bias) : 0;
  const map = thumbnails?.map ?? null;
  const image = thumbnails?.image ?? null;
  let drawn = 0;
  context.imageSmoothingEnabled = false;
  for (let i = 0; i < column.count; i++) {
    const top = column.ys[i] - half;
    if (map && map.dims === 2 && image) {
      context.drawImage(image, 0, i * map.rows, map.cols, map.rows, left, top, side, side);
      drawn += 1;
    } else if (map && map.dims === 1) {
      context.fillStyle = theme.background;
      context.fillRect(left, top, side, side);
      drawn += 1;
    } else {
      context.fillStyle = bias ? biasColor(bias[i], largest) : NEUTRAL;
      context.fillRect(left, top, side, side);
    }
  }
  if (map && map.dims === 1) {
    // Every neuron's line in one path: one stroke per column.
    const inset = THUMBNAIL_BORDER;
    const stride = plotStride(map.points, side);
    context.strokeStyle = theme.text;
    context.lineWidth = 1;
    context.beginPath();
    const box = { x: left + inset, y: 0, width: side - 2 * inset, height: side - 2 * inset };
    for (let i = 0; i < column.count; i++) {
      box.y = column.ys[i] - half + inset;
      traceLinePlot(context, map, i, box, stride);
    }
    context.stroke();
  }
  context.lineWidth = THUMBNAIL_BORDER;
  for (let i = 0; i < column.count; i++) {
    context.strokeStyle = bias ? biasColor(bias[i], largest) : theme.axis;
    context.beginPath();
    roundedRect(context, left, column.ys[i] - half, side, side, 3);
    context.stroke();
  }
  return drawn;
}

/** Draw the whole diagram; returns how many edges, thumbnails and kernel tiles were drawn. */
export function drawDiagram(context: CanvasRenderingContext2D, lay: DiagramLayout, theme: Theme, scene: Scene): DrawCounts {
  const counts: DrawCounts = { edges: 0, thumbnails: 0, kernels: 0, gates: 0, labels: [], skips: [], recurrent: [] };
  // Gaps: edges (faint first) or heatmaps.
  lay.gaps.forEach((gap, g) => {
    const from = lay.columns[gap.from];
    const to = lay.columns[gap.to];
    if (gap.mode === "edges") {
      const edges = scene.edges(g);
      if (edges) {
        const scale = Math.abs(context.getTransform?.()?.a ?? 1) || 1;
        for (const bucket of edges.buckets) {
          context.strokeStyle = bucket.color;
          strokeSegments(context, bucket.segments, bucket.width, scale);
          counts.edges += bucket.count;
        }
      } else {
        // No weights yet: the wiring in faint grey.
        context.strokeStyle = FAINT;
        context.lineWidth = 0.5;
        context.beginPath();
        for (const y0 of from.ys) {
          for (const y1 of to.ys) {
            context.moveTo(from.x, y0);
            context.lineTo(to.x, y1);
          }
        }
        context.stroke();
        counts.edges += from.ys.length * to.ys.length;
      }
    } else if (gap.heatmap) {
      const rect = gap.heatmap;
      const image = scene.heatmap(g);
      if (image) {
        context.imageSmoothingEnabled = false;
        context.drawImage(image, rect.x, rect.y, rect.width, rect.height);
      }
      context.strokeStyle = theme.axis;
      context.lineWidth = 1;
      context.strokeRect(rect.x, rect.y, rect.width, rect.height);
    }
  });

  // Skip connections, lowest lane first.
  context.font = `${LABEL_FONT_PX}px ${theme.fontFamily}`;
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.lineWidth = 1.25;
  for (const arc of lay.skips) {
    context.strokeStyle = theme.mutedText;
    context.fillStyle = theme.mutedText;
    counts.skips.push(drawSkip(context, arc, theme));
  }

  // Neurons and strips.
  lay.columns.forEach((column, c) => {
    const bias = columnBias(column, scene.weights);
    const largest = bias ? maxAbs(bias) : 0;
    if (column.mode === "neurons" && column.side > 0) {
      counts.thumbnails += drawSquares(context, column, scene.thumbnails[c] ?? null, bias, theme);
    } else if (column.mode === "neurons") {
      context.strokeStyle = theme.axis;
      context.lineWidth = 1;
      for (let i = 0; i < column.count; i++) {
        context.fillStyle = bias ? biasColor(bias[i], largest) : NEUTRAL;
        context.beginPath();
        context.arc(column.x, column.ys[i], column.radius, 0, 2 * Math.PI);
        context.fill();
        context.stroke();
      }
    } else {
      const means = bias ? aggregateStrip(bias, column) : null;
      const cellHeight = (column.bottom - column.top) / column.cells;
      const left = column.x - column.stripWidth / 2;
      for (let cell = 0; cell < column.cells; cell++) {
        context.fillStyle = means ? biasColor(means[cell], largest) : NEUTRAL;
        context.fillRect(left, column.top + cell * cellHeight, column.stripWidth, cellHeight);
      }
      context.strokeStyle = theme.axis;
      context.lineWidth = 1;
      context.strokeRect(left, column.top, column.stripWidth, column.bottom - column.top);
    }
  });

  // Blocks: the kind text, rotated; above the kernel tiles when the block holds them.
  context.textAlign = "center";
  context.textBaseline = "middle";
  lay.blocks.forEach((block, b) => {
    const x = block.x - block.width / 2;
    const h = block.bottom - block.top;
    context.fillStyle = theme.grid;
    context.strokeStyle = theme.axis;
    context.lineWidth = 1;
    context.beginPath();
    roundedRect(context, x, block.top, block.width, h, 4);
    context.fill();
    context.stroke();
    const layer = block.layer < 0 ? null : scene.spec?.layers[block.layer] ?? null;
    if (block.gates && block.loop) {
      const [drawn, matrices] = drawRecurrent(context, block, layer?.cell ?? "recurrent", scene.gates?.[b] ?? null, theme);
      counts.recurrent.push(drawn);
      counts.gates += matrices;
      return;
    }
    const kind = block.layer < 0 ? "input" : layer ? kindName(layer) : "";
    context.font = `11px ${theme.fontFamily}`;
    context.fillStyle = theme.text;
    const tiles = block.kernels;
    if (!tiles) {
      context.save();
      context.translate(block.x, (block.top + block.bottom) / 2);
      context.rotate(-Math.PI / 2);
      context.fillText(kind, 0, 0);
      context.restore();
      return;
    }
    context.fillText(kind, tiles.labelX, tiles.labelY);
    const atlas = scene.kernels[b] ?? null;
    if (atlas) {
      const [, , kernelHeight, kernelWidth] = tiles.shape;
      const width = tiles.pixel * kernelWidth;
      const height = tiles.pixel * kernelHeight;
      context.imageSmoothingEnabled = false;
      context.strokeStyle = theme.axis;
      context.beginPath();
      for (const tile of tiles.tiles) {
        context.drawImage(atlas, tile.out * kernelWidth, 0, kernelWidth, kernelHeight, tile.x, tile.y, width, height);
        context.rect(tile.x - 0.5, tile.y - 0.5, width + 1, height + 1);
      }
      context.stroke();
      counts.kernels += tiles.tiles.length;
    }
    if (tiles.more > 0) {
      context.font = `10px ${theme.fontFamily}`;
      context.fillStyle = theme.mutedText;
      context.fillText(`+${tiles.more} more`, tiles.moreX, tiles.moreY);
    }
  });

  // Labels: their lines centred where the layout put them (it kept them apart and inside).
  context.textAlign = "center";
  context.textBaseline = "top";
  context.font = `${LABEL_FONT_PX}px ${theme.fontFamily}`;
  for (const label of lay.labels) {
    let width = 0;
    label.lines.forEach((line, k) => {
      context.fillStyle = k === 0 ? theme.text : theme.mutedText;
      context.fillText(line, label.x, label.y + k * LABEL_LINE_HEIGHT);
      width = Math.max(width, context.measureText(line).width);
    });
    counts.labels.push(roundedBox({
      layers: label.layers, text: label.text, lines: label.lines,
      x: label.x - width / 2, y: label.y, width, height: label.lines.length * LABEL_LINE_HEIGHT,
    }));
  }

  const canvas = canvasElement(context);
  if (canvas) {
    const labelBoxes = JSON.stringify({ width: lay.width, height: lay.height, labels: counts.labels });
    const skipRoutes = JSON.stringify({ skips: counts.skips });
    const recurrent = JSON.stringify({ blocks: counts.recurrent });
    // Only on change: a redraw of the same layout (new weights) mutates no attribute.
    if (canvas.dataset.labelBoxes !== labelBoxes) canvas.dataset.labelBoxes = labelBoxes;
    if (canvas.dataset.skipRoutes !== skipRoutes) canvas.dataset.skipRoutes = skipRoutes;
    if (counts.recurrent.length > 0 || canvas.dataset.recurrent !== undefined) {
      if (canvas.dataset.recurrent !== recurrent) canvas.dataset.recurrent = recurrent;
    }
  }
  return counts;
}
