/**
 * The SVG picture of the grid world: floor, walls, start, chests, the policy arrows, the replayed
 * trail and the agent. `buildScene` makes the static layer once per layout; `drawPolicy` runs per
 * redraw from the kernel, `drawReplay` per animation frame (only attributes change).
 *
 * @example
 *   const scene = buildScene(world, 40);
 *   el.append(scene.svg);
 *   drawPolicy(scene, world, bestActions(world));
 *   drawReplay(scene, replayFrame(world, replay));
 */
import { svgElement } from "../shared/dom";
import { arrow } from "./policy";
import type { ReplayFrame } from "./replay";
import type { GridWorld } from "./traits";

export const CHEST_FILL = "#f2b705";    // gold on either theme
export const CHEST_EDGE = "#8a5a00";

export interface Scene {
  svg: SVGSVGElement;
  size: number;
  arrows: SVGPathElement[];
  chests: SVGGElement[];
  trail: SVGPolylineElement;
  agent: SVGCircleElement;
}

const centre = (index: number, size: number): number => (index + 0.5) * size;

/** The static picture of `world` at `size` pixels a cell, with empty policy and replay layers. */
export function buildScene(world: Pick<GridWorld, "rows" | "cols" | "walls" | "start" | "chests">, size: number): Scene {
  const width = world.cols * size;
  const height = world.rows * size;
  const svg = svgElement("svg", {
    width: String(width),
    height: String(height),
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `grid world, ${world.rows} by ${world.cols} cells`,
    "data-testid": "grid-world-svg",
  });
  svg.append(svgElement("rect", { width: String(width), height: String(height), style: "fill: var(--jaxscope-bg)" }));
  const grid = svgElement("g", { style: "stroke: var(--jaxscope-border); stroke-width: 1" });
  for (let r = 1; r < world.rows; r++) grid.append(svgElement("line", { x1: "0", x2: String(width), y1: String(r * size), y2: String(r * size) }));
  for (let c = 1; c < world.cols; c++) grid.append(svgElement("line", { y1: "0", y2: String(height), x1: String(c * size), x2: String(c * size) }));
  svg.append(grid);
  const walls = svgElement("g", { "data-testid": "grid-world-walls", style: "fill: var(--jaxscope-fg); opacity: 0.78" });
  for (let r = 0; r < world.rows; r++) {
    for (let c = 0; c < world.cols; c++) {
      if (!world.walls[r * world.cols + c]) continue;
      walls.append(svgElement("rect", { x: String(c * size), y: String(r * size), width: String(size), height: String(size), "data-row": String(r), "data-col": String(c) }));
    }
  }
  svg.append(walls);
  const [sr, sc] = world.start;
  svg.append(
    svgElement("rect", {
      x: String(sc * size + 3), y: String(sr * size + 3), width: String(size - 6), height: String(size - 6), rx: String(size / 6),
      "data-testid": "grid-world-start",
      style: `fill: none; stroke: var(--jaxscope-success); stroke-width: ${Math.max(2, size / 12)}`,
    }),
  );
  const chests = world.chests.map(([r, c], k) => {
    const s = size * 0.56;
    const group = svgElement(
      "g",
      { "data-testid": "grid-world-chest", "data-chest": String(k), "data-row": String(r), "data-col": String(c) },
      svgElement("rect", {
        x: String(centre(c, size) - s / 2), y: String(centre(r, size) - s / 2.6), width: String(s), height: String(s * 0.72), rx: String(s / 8),
        style: `fill: ${CHEST_FILL}; stroke: ${CHEST_EDGE}; stroke-width: ${Math.max(1.5, size / 20)}`,
      }),
      svgElement("line", {
        x1: String(centre(c, size) - s / 2), x2: String(centre(c, size) + s / 2), y1: String(centre(r, size) - s / 10), y2: String(centre(r, size) - s / 10),
        style: `stroke: ${CHEST_EDGE}; stroke-width: ${Math.max(1, size / 28)}`,
      }),
    );
    svg.append(group);
    return group;
  });
  const arrowLayer = svgElement("g", { "data-testid": "grid-world-arrows", style: "stroke: var(--jaxscope-accent); fill: none; stroke-linecap: round; stroke-linejoin: round" });
  const arrows: SVGPathElement[] = [];
  for (let i = 0; i < world.rows * world.cols; i++) {
    const path = svgElement("path", { d: "", "data-row": String(Math.floor(i / world.cols)), "data-col": String(i % world.cols) });
    arrows.push(path);
    if (!world.walls[i]) arrowLayer.append(path);
  }
  svg.append(arrowLayer);
  const trail = svgElement("polyline", {
    points: "", "data-testid": "grid-world-trail",
    style: `fill: none; stroke: var(--jaxscope-warn); stroke-width: ${Math.max(2, size / 9)}; stroke-opacity: 0.55; stroke-linecap: round; stroke-linejoin: round`,
  });
  svg.append(trail);
  const agent = svgElement("circle", {
    r: String(size * 0.3), cx: String(centre(sc, size)), cy: String(centre(sr, size)), "data-testid": "grid-world-agent",
    "data-row": String(sr), "data-col": String(sc), visibility: "hidden",
    style: `fill: var(--jaxscope-warn); stroke: var(--jaxscope-bg); stroke-width: ${Math.max(2, size / 14)}`,
  });
  svg.append(agent);
  return { svg, size, arrows, chests, trail, agent };
}

/** Point every free cell's arrow along its most likely action (`best`, -1: none). */
export function drawPolicy(scene: Scene, world: Pick<GridWorld, "cols" | "probabilities">, best: Int8Array): void {
  const { size } = scene;
  best.forEach((action, i) => {
    const path = scene.arrows[i];
    if (action < 0) {
      if (path.getAttribute("d") !== "") path.setAttribute("d", "");
      return;
    }
    const a = arrow(action, world.probabilities[i * 4 + action], size);
    const x = centre(i % world.cols, size) - a.dx * 0.55;
    const y = centre(Math.floor(i / world.cols), size) - a.dy * 0.55;
    const tipX = x + a.dx * 1.55;
    const tipY = y + a.dy * 1.55;
    const head = size * 0.14;
    const [ux, uy] = [Math.sign(a.dx), Math.sign(a.dy)];
    const left = `${tipX - ux * head - uy * head} ${tipY - uy * head - ux * head}`;
    const right = `${tipX - ux * head + uy * head} ${tipY - uy * head + ux * head}`;
    path.setAttribute("d", `M ${x.toFixed(1)} ${y.toFixed(1)} L ${tipX.toFixed(1)} ${tipY.toFixed(1)} M ${left} L ${tipX.toFixed(1)} ${tipY.toFixed(1)} L ${right}`);
    path.setAttribute("data-action", String(action));
    path.style.opacity = a.opacity.toFixed(2);
    path.style.strokeWidth = a.width.toFixed(1);
  });
}

/** Place the agent, its trail and the chests not yet taken for one replay frame (null: hide the agent). */
export function drawReplay(scene: Scene, frame: ReplayFrame | null): void {
  const { size, agent } = scene;
  if (frame === null) {
    agent.setAttribute("visibility", "hidden");
    scene.trail.setAttribute("points", "");
    scene.chests.forEach((chest) => chest.removeAttribute("visibility"));
    return;
  }
  agent.setAttribute("visibility", "visible");
  agent.setAttribute("cx", centre(frame.at[1], size).toFixed(1));
  agent.setAttribute("cy", centre(frame.at[0], size).toFixed(1));
  agent.setAttribute("data-row", String(frame.cell[0]));
  agent.setAttribute("data-col", String(frame.cell[1]));
  agent.setAttribute("data-move", String(frame.move));
  const points = frame.trail.map(([r, c]) => `${centre(c, size)},${centre(r, size)}`);
  points.push(`${centre(frame.at[1], size).toFixed(1)},${centre(frame.at[0], size).toFixed(1)}`);
  scene.trail.setAttribute("points", points.join(" "));
  scene.chests.forEach((chest, k) => {
    if (frame.taken[k]) chest.setAttribute("visibility", "hidden");
    else chest.removeAttribute("visibility");
  });
}
