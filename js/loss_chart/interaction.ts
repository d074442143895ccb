/**
 * Pointer input on the chart canvas, turned into viewport transitions and a hover position:
 * wheel zooms x around the cursor (y with Shift or over the y axis), drag pans, double-click
 * returns to following the data.
 *
 * @example
 *   const detach = attachInteraction(canvas, {frame: () => lastFrame, ...});
 *   detach();  // in the view's cleanup
 */
import type { Frame } from "./frame";
import { FOLLOW, pan, zoomX, zoomY, type Range, type Viewport } from "./viewport";

export interface InteractionHost {
  /** The last drawn frame (its scales map pixels to data), or null before the first draw. */
  frame(): Frame | null;
  view(): Viewport;
  setView(view: Viewport): void;
  /** x and y of the cursor inside the plot in the frame's units (CSS pixels / scale), or null when it left. */
  setHover(x: number | null, y?: number): void;
  logY(): boolean;
}

const WHEEL_ZOOM_PER_PIXEL = 0.002;
const LINE_HEIGHT_PX = 16;

interface Drag {
  pointerId: number;
  startX: number;
  startY: number;
  view: Viewport;
  current: { x: Range; y: Range };
}

export function attachInteraction(canvas: HTMLCanvasElement, host: InteractionHost): () => void {
  const controller = new AbortController();
  const options = { signal: controller.signal };
  let drag: Drag | null = null;

  // In the frame's own units: the canvas shows the frame zoomed by --jaxscope-scale.
  const local = (event: MouseEvent): { x: number; y: number } => {
    const box = canvas.getBoundingClientRect();
    const frame = host.frame();
    const zoom = frame !== null && box.width > 0 ? frame.width / box.width : 1;
    return { x: (event.clientX - box.left) * zoom, y: (event.clientY - box.top) * zoom };
  };
  const inPlot = (frame: Frame, x: number, y: number): boolean =>
    x >= frame.plot.left &&
    x <= frame.plot.left + frame.plot.width &&
    y >= frame.plot.top &&
    y <= frame.plot.top + frame.plot.height;

  canvas.addEventListener(
    "wheel",
    (event) => {
      const frame = host.frame();
      if (frame === null || frame.empty) return;
      const { x, y } = local(event);
      const overYAxis = x < frame.plot.left && y >= frame.plot.top && y <= frame.plot.top + frame.plot.height;
      if (!inPlot(frame, x, y) && !overYAxis) return;
      event.preventDefault();
      const pixels = event.deltaMode === 1 ? event.deltaY * LINE_HEIGHT_PX : event.deltaY;
      const factor = Math.exp(pixels * WHEEL_ZOOM_PER_PIXEL);
      if (event.shiftKey || overYAxis) {
        host.setView(zoomY(host.view(), frame.y.domain, frame.y.toData(y), factor, host.logY()));
      } else {
        host.setView(zoomX(host.view(), frame.x.domain, frame.x.toData(x), factor));
      }
    },
    { ...options, passive: false },
  );

  canvas.addEventListener(
    "pointerdown",
    (event) => {
      const frame = host.frame();
      if (event.button !== 0 || frame === null || frame.empty) return;
      const { x, y } = local(event);
      if (!inPlot(frame, x, y)) return;
      drag = {
        pointerId: event.pointerId,
        startX: x,
        startY: y,
        view: host.view(),
        current: { x: frame.x.domain, y: frame.y.domain },
      };
      canvas.setPointerCapture?.(event.pointerId);
      canvas.classList.add("jaxscope-dragging");
    },
    options,
  );

  canvas.addEventListener(
    "pointermove",
    (event) => {
      const frame = host.frame();
      if (frame === null) return;
      const { x, y } = local(event);
      if (drag !== null && event.pointerId === drag.pointerId) {
        const dx = x - drag.startX;
        const dy = y - drag.startY;
        if (dx === 0 && dy === 0) return;
        const { width, height } = frame.plot;
        host.setView(pan(drag.view, { current: drag.current, dx, dy, width, height, logY: host.logY() }));
        return;
      }
      if (inPlot(frame, x, y)) host.setHover(x, y);
      else host.setHover(null);
    },
    options,
  );

  const endDrag = (event: PointerEvent): void => {
    if (drag === null || event.pointerId !== drag.pointerId) return;
    drag = null;
    canvas.releasePointerCapture?.(event.pointerId);
    canvas.classList.remove("jaxscope-dragging");
  };
  canvas.addEventListener("pointerup", endDrag, options);
  canvas.addEventListener("pointercancel", endDrag, options);
  canvas.addEventListener("pointerleave", () => host.setHover(null), options);
  canvas.addEventListener("dblclick", () => host.setView(FOLLOW), options);

  return () => controller.abort();
}
