/**
 * One neuron's thumbnail enlarged: an overlay over the diagram with its map at ENLARGED_SIZE
 * CSS pixels (the image of a 2-D grid, or the line plot of a 1-D one), the input range printed
 * at the edges, a caption naming the neuron and its value range, and a close button.
 *
 * @example
 *   const view = createEnlargedView();
 *   root.append(view.root);
 *   view.caption.textContent = neuronCaption(spec, map, 3);
 *   drawNeuronMap(view.canvas.getContext("2d")!, map, 3, image, theme);
 */
import type { Theme } from "../loss_chart/theme";
import { element } from "../shared/dom";
import { formatCompact } from "../shared/format";
import { traceLinePlot, type ColumnActivations } from "./thumbnails";

/** Side of the enlarged canvas, CSS pixels. */
export const ENLARGED_SIZE = 220;
/** The map's square inside the canvas: room on the left for y labels, under it for x labels. */
export const ENLARGED_PLOT = { x: 40, y: 8, size: 172 } as const;

export interface EnlargedView {
  root: HTMLElement;
  canvas: HTMLCanvasElement;
  caption: HTMLElement;
  close: HTMLButtonElement;
}

export function createEnlargedView(): EnlargedView {
  const canvas = element("canvas", { class: "jaxscope-diagram-enlarged-canvas", "data-testid": "diagram-enlarged-canvas" });
  canvas.style.width = `${ENLARGED_SIZE}px`;
  canvas.style.height = `${ENLARGED_SIZE}px`;
  const caption = element("div", { class: "jaxscope-diagram-enlarged-caption", "data-testid": "diagram-enlarged-caption" });
  const close = element(
    "button",
    { type: "button", class: "jaxscope-button jaxscope-diagram-enlarged-close", "data-testid": "diagram-enlarged-close", title: "Close (Esc)", "aria-label": "Close" },
    "×",
  );
  const root = element(
    "div",
    { class: "jaxscope-diagram-enlarged", "data-testid": "diagram-enlarged", role: "dialog", "aria-label": "Neuron map" },
    element("div", { class: "jaxscope-diagram-enlarged-head" }, caption, close),
    canvas,
  );
  return { root, canvas, caption, close };
}

/**
 * Draw neuron `neuron`'s map of `map` on a context scaled to CSS pixels: `image` (rows x cols,
 * nearest-neighbour) for a 2-D grid, or its line plot with a zero line for a 1-D grid; x range
 * under the map, y range (2-D) or value scale ±largest (1-D) left of it, 3 significant digits.
 */
export function drawNeuronMap(
  context: CanvasRenderingContext2D,
  map: ColumnActivations,
  neuron: number,
  image: { source: CanvasImageSource; sy: number } | null,
  theme: Theme,
): void {
  const { x, y, size } = ENLARGED_PLOT;
  context.fillStyle = theme.background;
  context.fillRect(0, 0, ENLARGED_SIZE, ENLARGED_SIZE);
  if (map.dims === 2) {
    if (image) {
      context.imageSmoothingEnabled = false;
      context.drawImage(image.source, 0, image.sy, map.cols, map.rows, x, y, size, size);
    }
  } else {
    context.strokeStyle = theme.grid;
    context.lineWidth = 1;
    context.beginPath();
    context.moveTo(x, y + size / 2);
    context.lineTo(x + size, y + size / 2);
    context.stroke();
    context.strokeStyle = theme.text;
    context.lineWidth = 1.5;
    context.beginPath();
    traceLinePlot(context, map, neuron, { x, y, width: size, height: size });
    context.stroke();
  }
  context.strokeStyle = theme.axis;
  context.lineWidth = 1;
  context.strokeRect(x, y, size, size);

  context.fillStyle = theme.mutedText;
  context.font = `10px ${theme.fontFamily}`;
  const [[x0, x1], yRange] = map.range;
  const [low, high] = map.dims === 2 && yRange ? yRange : [-map.largest, map.largest];
  context.textBaseline = "top";
  context.textAlign = "left";
  context.fillText(formatCompact(x0), x, y + size + 3);
  context.textAlign = "right";
  context.fillText(formatCompact(x1), x + size, y + size + 3);
  context.fillText(formatCompact(high), x - 3, y);
  context.textBaseline = "bottom";
  context.fillText(formatCompact(low), x - 3, y + size);
}
