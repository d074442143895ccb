import { describe, expect, it } from "vitest";
import { kernelAtlasPixels, kernelIndex, kernelPixelAt, kernelTiles, MAX_KERNEL_TILES } from "./kernels";

describe("kernelTiles", () => {
  // 8 output channels of 3x3 in an 88x200 block: the tiles get 80x182 under the kind text.
  const tiles = kernelTiles({ x: 0, y: 0, width: 88, height: 200 }, [8, 1, 3, 3]);

  it("picks the grid that makes the tiles largest, in whole pixels per kernel pixel", () => {
    // 1 column: 6px; 2 columns of 4: min(77 / 6, 173 / 12) = 12.8 -> 12px; 3 columns: 8px.
    expect([tiles.columns, tiles.rows, tiles.pixel, tiles.shown, tiles.more]).toEqual([2, 4, 12, 8, 0]);
  });

  it("places the tiles row by row, centred in the space under the kind text", () => {
    // Grid 75 x 153 px in x 4..84, y 14..196: left 6.5, top 28.5; a tile and a gap are 39 px.
    expect(tiles.tiles).toEqual([
      { out: 0, x: 6.5, y: 28.5 },
      { out: 1, x: 45.5, y: 28.5 },
      { out: 2, x: 6.5, y: 67.5 },
      { out: 3, x: 45.5, y: 67.5 },
      { out: 4, x: 6.5, y: 106.5 },
      { out: 5, x: 45.5, y: 106.5 },
      { out: 6, x: 6.5, y: 145.5 },
      { out: 7, x: 45.5, y: 145.5 },
    ]);
    expect([tiles.labelX, tiles.labelY]).toEqual([44, 8]);
  });

  it("shows at most 16 tiles and counts the rest as +N more under them", () => {
    const many = kernelTiles({ x: 10, y: 20, width: 96, height: 236 }, [20, 3, 5, 5]);
    expect(MAX_KERNEL_TILES).toBe(16);
    // 88 x 206 px for tiles: 3 columns of 6 rows at 5 px per kernel pixel (2 columns: 4 px).
    expect([many.shown, many.more, many.columns, many.rows, many.pixel]).toEqual([16, 4, 3, 6, 5]);
    expect(many.tiles.length).toBe(16);
    expect(many.tiles[0]).toEqual({ out: 0, x: 17.5, y: 54.5 });
    expect(many.tiles[15]).toEqual({ out: 15, x: 17.5, y: 194.5 });
    expect([many.moreX, many.moreY]).toEqual([58, 246]);
  });

  it("keeps fractional pixels where whole ones do not fit, and draws nothing without room", () => {
    const tight = kernelTiles({ x: 0, y: 0, width: 16, height: 30 }, [1, 1, 28, 28]);
    // 8 x 12 px of room for a 28x28 kernel: 8 / 28 px per kernel pixel.
    expect(tight.pixel).toBeCloseTo(8 / 28, 12);
    expect(tight.shown).toBe(1);
    const none = kernelTiles({ x: 0, y: 0, width: 6, height: 10 }, [4, 1, 3, 3]);
    expect([none.shown, none.more, none.tiles]).toEqual([0, 4, []]);
  });
});

describe("kernelPixelAt", () => {
  const tiles = kernelTiles({ x: 0, y: 0, width: 88, height: 200 }, [8, 1, 3, 3]);

  it("finds the output channel and the kernel pixel under the pointer", () => {
    // Tile 3 starts at (45.5, 67.5), 12 px per kernel pixel.
    expect(kernelPixelAt(tiles, 45.5, 67.5)).toEqual({ out: 3, row: 0, col: 0 });
    expect(kernelPixelAt(tiles, 45.5 + 2.5 * 12, 67.5 + 1.5 * 12)).toEqual({ out: 3, row: 1, col: 2 });
    expect(kernelPixelAt(tiles, 45.5 + 35.9, 67.5 + 35.9)).toEqual({ out: 3, row: 2, col: 2 });
  });

  it("finds nothing between tiles or on the kind text", () => {
    expect(kernelPixelAt(tiles, 43, 80)).toBeNull();
    expect(kernelPixelAt(tiles, 44, 8)).toBeNull();
  });
});

describe("kernelIndex and kernelAtlasPixels", () => {
  it("indexes the (O, I, KH, KW) buffer row-major", () => {
    expect(kernelIndex([8, 3, 3, 3], 0, 0, 0, 0)).toBe(0);
    expect(kernelIndex([8, 3, 3, 3], 1, 2, 1, 0)).toBe(27 + 18 + 3);
    expect(kernelIndex([8, 3, 3, 3], 7, 2, 2, 2)).toBe(215);
  });

  it("lays the picked input channel's slices side by side, scaled by the layer's largest |w|", () => {
    // O = 2, I = 2, 1x2 kernels: out 0 = [in 0: (1, -1), in 1: (0.5, 0)], out 1 = [in 0: (2, 0), in 1: (-2, NaN)].
    const kernel = new Float32Array([1, -1, 0.5, 0, 2, 0, -2, NaN]);
    expect([...kernelAtlasPixels(kernel, [2, 2, 1, 2], 0, 2)]).toEqual([
      143, 187, 218, 255, 255, 191, 135, 255, 31, 119, 180, 255, 255, 255, 255, 255,
    ]);
    expect([...kernelAtlasPixels(kernel, [2, 2, 1, 2], 1, 2)]).toEqual([
      199, 221, 236, 255, 255, 255, 255, 255, 255, 127, 14, 255, 0, 0, 0, 0,
    ]);
  });

  it("puts kernel rows in atlas rows and draws only the shown channels", () => {
    // O = 3, I = 1, 2x1 kernels; two shown: an atlas 2 wide, 2 high.
    const pixels = kernelAtlasPixels(new Float32Array([1, -1, 0, 0, 5, 5]), [3, 1, 2, 1], 0, 2, 1);
    expect([...pixels]).toEqual([31, 119, 180, 255, 255, 255, 255, 255, 255, 127, 14, 255, 255, 255, 255, 255]);
  });

  it("rejects a kernel that does not fill the shape or a channel out of range", () => {
    expect(() => kernelAtlasPixels(new Float32Array(5), [1, 1, 2, 3], 0, 1)).toThrow("kernelAtlasPixels: 5 weights do not fill a 1x1x2x3 kernel");
    expect(() => kernelAtlasPixels(new Float32Array(6), [1, 1, 2, 3], 1, 1)).toThrow("input channel 1 is not in 0..0");
  });
});
