import { describe, expect, it } from "vitest";
import { convNetJson, mlpJson } from "./fixtures";
import { distanceToSegment, hitTest } from "./hit_test";
import { diagramLayout } from "./layout";
import { parseArchitecture } from "./spec";

describe("distanceToSegment", () => {
  it.each([
    [0, 5, 0, 0, 10, 0, 5],
    [5, 3, 0, 0, 10, 0, 3],
    [13, 4, 0, 0, 10, 0, 5],
    [3, 4, 0, 0, 0, 0, 5],
  ])("from (%s, %s) to (%s, %s)-(%s, %s) is %s", (px, py, x0, y0, x1, y1, distance) => {
    expect(distanceToSegment(px, py, x0, y0, x1, y1)).toBe(distance);
  });
});

// Columns at x = 20, 140, 260, 380; column 1 neurons at y = 24 + 8i, column 2 at y = 26 + 12j.
const mlp = diagramLayout(parseArchitecture(mlpJson([1, 30, 20, 1])), { width: 400, height: 300, padding: 20, labelHeight: 20 });

describe("hitTest on the course MLP", () => {
  it("finds the input neuron at its centre", () => {
    expect(hitTest(mlp, 20, 140)).toEqual({ kind: "neuron", column: 0, layer: null, i: 0 });
  });

  it("finds the nearest neuron within radius + slack, with its bias layer", () => {
    expect(hitTest(mlp, 141, 35)).toEqual({ kind: "neuron", column: 1, layer: 0, i: 1 });
    expect(hitTest(mlp, 260, 254 + 6)).toEqual({ kind: "neuron", column: 2, layer: 1, i: 19 });
  });

  it("finds the edge under the pointer with its weight indices", () => {
    // Layer 1 edge from (140, 24) (i = 0) to (260, 26) (j = 0): at x = 200 it passes y = 25.
    expect(hitTest(mlp, 200, 25)).toEqual({ kind: "edge", gap: 1, layer: 1, i: 0, j: 0, distance: 0 });
    // Layer 2 edge from (260, 26) (i = 0) to (380, 140): its midpoint (320, 83).
    expect(hitTest(mlp, 320, 85)).toMatchObject({ kind: "edge", gap: 2, layer: 2, i: 0, j: 0 });
  });

  it("finds nothing away from every neuron and edge", () => {
    expect(hitTest(mlp, 330, 280)).toBeNull();
    expect(hitTest(mlp, 80, 290)).toBeNull();
  });
});

describe("hitTest on aggregated layers", () => {
  const wide = diagramLayout(parseArchitecture(mlpJson([784, 128, 10])), { width: 600, height: 400, padding: 20, labelHeight: 40 });

  it("finds the strip cell and the neurons it aggregates", () => {
    // 784 neurons in 160 cells over y = 20..340: 2px per cell; y = 21 is cell 0, neurons 0..4.
    expect(hitTest(wide, 20, 21)).toEqual({ kind: "strip", column: 0, layer: null, cell: 0, start: 0, end: 4 });
    expect(hitTest(wide, 24, 339)).toEqual({ kind: "strip", column: 0, layer: null, cell: 159, start: 779, end: 784 });
  });

  it("finds the heatmap cell with its weight indices", () => {
    // Gap 0 heatmap: x = 76..244, y = 20..340 for the (784, 128) matrix.
    expect(hitTest(wide, 76, 20)).toEqual({ kind: "heatmap", gap: 0, layer: 0, i: 0, j: 0 });
    expect(hitTest(wide, 243.9, 339.9)).toEqual({ kind: "heatmap", gap: 0, layer: 0, i: 783, j: 127 });
    expect(hitTest(wide, 160, 180)).toEqual({ kind: "heatmap", gap: 0, layer: 0, i: 392, j: 64 });
  });

  it("finds a conv block", () => {
    const conv = diagramLayout(parseArchitecture(convNetJson()), { width: 700, height: 400, padding: 20, labelHeight: 40 });
    expect(hitTest(conv, 130, 192)).toEqual({ kind: "block", block: 1, layer: 0 });
  });
});

describe("hitTest on thumbnail squares", () => {
  // 2-8-8-1 with thumbnails on 408x300: input squares of 44px at (24, 114) and (24, 166).
  const squares = diagramLayout(parseArchitecture(mlpJson([2, 8, 8, 1])), { width: 408, height: 300, padding: 20, labelHeight: 20, thumbnails: true });

  it("finds a neuron anywhere in its square, corners included", () => {
    expect(hitTest(squares, 24, 114)).toEqual({ kind: "neuron", column: 0, layer: null, i: 0 });
    expect(hitTest(squares, 24 - 22, 114 - 22)).toEqual({ kind: "neuron", column: 0, layer: null, i: 0 });
    expect(hitTest(squares, 24 + 23.5, 166 + 23.5)).toEqual({ kind: "neuron", column: 0, layer: null, i: 1 });
  });

  it("finds the nearer of two squares that both reach the pointer", () => {
    // Hidden squares of 25.5px every 30px at x = 144: y = 49 is 14 from neuron 0, 16 from neuron 1.
    expect(hitTest(squares, 144, 49)).toEqual({ kind: "neuron", column: 1, layer: 0, i: 0 });
    expect(hitTest(squares, 144, 51)).toEqual({ kind: "neuron", column: 1, layer: 0, i: 1 });
  });

  it("finds nothing just outside a square's slack, and the edge between squares", () => {
    expect(hitTest(squares, 24 + 24.5, 114)).toMatchObject({ kind: "edge", gap: 0, i: 0 });
    expect(hitTest(squares, 24, 114 - 24.5)).toBeNull();
  });
});

describe("hitTest on conv kernel tiles", () => {
  // The conv block at x = 130 is 88 x 236.8 px from y = 73.6: tiles of 3x3 kernel pixels, 12px each.
  const conv = diagramLayout(parseArchitecture(convNetJson()), {
    width: 700, height: 400, padding: 20, labelHeight: 40, kernels: new Map([[0, [8, 1, 3, 3] as const]]),
  });
  const tiles = conv.blocks[1].kernels!;

  it("finds the kernel pixel of the tile under the pointer", () => {
    const tile = tiles.tiles[3];
    expect(hitTest(conv, tile.x + 2.5 * 12, tile.y + 1.5 * 12)).toEqual({ kind: "kernel", block: 1, layer: 0, out: 3, row: 1, col: 2 });
    expect(hitTest(conv, tiles.tiles[0].x, tiles.tiles[0].y)).toEqual({ kind: "kernel", block: 1, layer: 0, out: 0, row: 0, col: 0 });
  });

  it("finds the block around the tiles", () => {
    expect(hitTest(conv, 130, 80)).toEqual({ kind: "block", block: 1, layer: 0 });
    expect(hitTest(conv, tiles.tiles[0].x - 1, tiles.tiles[0].y)).toEqual({ kind: "block", block: 1, layer: 0 });
  });
});
