/**
 * Conv kernels drawn inside their layer's block: one tile per output channel (the KH x KW
 * slice for the picked input channel), at most MAX_KERNEL_TILES, laid out in the grid that
 * makes the tiles largest, each kernel pixel a whole number of CSS pixels where room allows;
 * the kind text sits above the tiles and "+N more" under them.
 *
 * @example
 *   const tiles = kernelTiles({x: 0, y: 0, width: 88, height: 200}, [8, 3, 3, 3]);
 *   tiles.tiles.length   // 8
 *   tiles.pixel          // 12: each kernel pixel is 12x12 CSS pixels
 *   new ImageData(kernelAtlasPixels(conv.kernel, conv.shape, 0, tiles.shown), 3 * tiles.shown, 3)
 */
import { maxAbs, writeDiverging } from "./colors";

/** Most output channels drawn as tiles; the rest are counted in a "+N more" line. */
export const MAX_KERNEL_TILES = 16;
/** Space between tiles, CSS pixels. */
export const TILE_GAP = 3;
/** Band at the top of the block for the kind text. */
export const KERNEL_LABEL_HEIGHT = 14;
/** Band under the tiles for "+N more" (only when some channels are not shown). */
export const KERNEL_MORE_HEIGHT = 12;
/** Inner margin of the block on the other sides. */
export const KERNEL_PADDING = 4;

/** [O, I, KH, KW]: output channels, input channels, kernel height and width. */
export type KernelShape = readonly [number, number, number, number];

export interface KernelTile {
  /** The output channel drawn. */
  out: number;
  /** Top-left corner; the tile is kernelWidth * pixel wide and kernelHeight * pixel high. */
  x: number;
  y: number;
}

export interface KernelTiles {
  shape: KernelShape;
  /** Tiles drawn: min(O, MAX_KERNEL_TILES), or 0 when the block has no room. */
  shown: number;
  /** Output channels not drawn ("+N more"). */
  more: number;
  /** CSS pixels per kernel pixel (a whole number when at least 1). */
  pixel: number;
  columns: number;
  rows: number;
  tiles: KernelTile[];
  /** Centre of the kind text. */
  labelX: number;
  labelY: number;
  /** Centre of the "+N more" text. */
  moreX: number;
  moreY: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where the kernel tiles of a conv layer of `shape` go inside `box` (the block, CSS pixels).
 * Deterministic: tiles row by row, output channel 0 first, the grid centred in the space left.
 */
export function kernelTiles(box: Box, shape: KernelShape): KernelTiles {
  const [outChannels, , kernelHeight, kernelWidth] = shape;
  const wanted = Math.min(outChannels, MAX_KERNEL_TILES);
  const more = outChannels - wanted;
  const areaX = box.x + KERNEL_PADDING;
  const areaY = box.y + KERNEL_LABEL_HEIGHT;
  const areaWidth = box.width - 2 * KERNEL_PADDING;
  const areaHeight = box.height - KERNEL_LABEL_HEIGHT - KERNEL_PADDING - (more > 0 ? KERNEL_MORE_HEIGHT : 0);

  let best = { pixel: 0, columns: 1, rows: wanted };
  if (wanted > 0 && kernelHeight > 0 && kernelWidth > 0) {
    for (let columns = 1; columns <= wanted; columns++) {
      const rows = Math.ceil(wanted / columns);
      const fit = Math.min(
        (areaWidth - (columns - 1) * TILE_GAP) / (columns * kernelWidth),
        (areaHeight - (rows - 1) * TILE_GAP) / (rows * kernelHeight),
      );
      const pixel = fit >= 1 ? Math.floor(fit) : fit;
      if (pixel > best.pixel) best = { pixel, columns, rows };
    }
  }
  const { pixel, columns, rows } = best;
  const shown = pixel > 0 ? wanted : 0;
  const tileWidth = pixel * kernelWidth;
  const tileHeight = pixel * kernelHeight;
  const gridWidth = columns * tileWidth + (columns - 1) * TILE_GAP;
  const gridHeight = rows * tileHeight + (rows - 1) * TILE_GAP;
  const left = areaX + (areaWidth - gridWidth) / 2;
  const top = areaY + (areaHeight - gridHeight) / 2;
  const tiles: KernelTile[] = [];
  for (let out = 0; out < shown; out++) {
    tiles.push({
      out,
      x: left + (out % columns) * (tileWidth + TILE_GAP),
      y: top + Math.floor(out / columns) * (tileHeight + TILE_GAP),
    });
  }
  return {
    shape, shown, more: outChannels - shown, pixel, columns, rows, tiles,
    labelX: box.x + box.width / 2,
    labelY: box.y + KERNEL_LABEL_HEIGHT / 2 + 1,
    moreX: box.x + box.width / 2,
    moreY: box.y + box.height - KERNEL_PADDING - KERNEL_MORE_HEIGHT / 2,
  };
}

/** The output channel and kernel pixel under (x, y), or null. */
export function kernelPixelAt(tiles: KernelTiles, x: number, y: number): { out: number; row: number; col: number } | null {
  const [, , kernelHeight, kernelWidth] = tiles.shape;
  const width = tiles.pixel * kernelWidth;
  const height = tiles.pixel * kernelHeight;
  for (const tile of tiles.tiles) {
    if (x < tile.x || x >= tile.x + width || y < tile.y || y >= tile.y + height) continue;
    return {
      out: tile.out,
      row: Math.min(kernelHeight - 1, Math.floor((y - tile.y) / tiles.pixel)),
      col: Math.min(kernelWidth - 1, Math.floor((x - tile.x) / tiles.pixel)),
    };
  }
  return null;
}

/** Index of kernel[out, in, row, col] in the row-major (O, I, KH, KW) buffer. */
export function kernelIndex(shape: KernelShape, out: number, inChannel: number, row: number, col: number): number {
  const [, inChannels, kernelHeight, kernelWidth] = shape;
  return ((out * inChannels + inChannel) * kernelHeight + row) * kernelWidth + col;
}

/**
 * RGBA bytes of an atlas image KH rows by `shown` * KW columns: output channel o's kernel slice
 * for input channel `inChannel` in columns [o * KW, (o + 1) * KW), diverging colours scaled by
 * `largest` (default: the whole layer's largest |w|, so every channel shares one scale).
 *
 * @example
 *   kernelAtlasPixels(new Float32Array([1, -1]), [2, 1, 1, 1], 0, 2)
 *   // [31, 119, 180, 255, 255, 127, 14, 255]
 */
export function kernelAtlasPixels(
  kernel: ArrayLike<number>,
  shape: KernelShape,
  inChannel: number,
  shown: number,
  largest = maxAbs(kernel),
): Uint8ClampedArray<ArrayBuffer> {
  const [outChannels, inChannels, kernelHeight, kernelWidth] = shape;
  if (kernel.length !== outChannels * inChannels * kernelHeight * kernelWidth) {
    throw new Error(`kernelAtlasPixels: ${kernel.length} weights do not fill a ${shape.join("x")} kernel`);
  }
  if (inChannel < 0 || inChannel >= inChannels) {
    throw new Error(`kernelAtlasPixels: input channel ${inChannel} is not in 0..${inChannels - 1}`);
  }
  const atlasWidth = shown * kernelWidth;
  const pixels = new Uint8ClampedArray(4 * atlasWidth * kernelHeight);
  for (let out = 0; out < Math.min(shown, outChannels); out++) {
    for (let row = 0; row < kernelHeight; row++) {
      const start = kernelIndex(shape, out, inChannel, row, 0);
      writeDiverging(pixels, row * atlasWidth + out * kernelWidth, kernel, start, 1, kernelWidth, largest);
    }
  }
  return pixels;
}
