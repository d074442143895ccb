/**
 * Canvas sizing shared by the widgets: follow the container's width with a ResizeObserver, and
 * size a canvas's backing store for the screen's devicePixelRatio.
 *
 * @example
 *   const stop = observeWidth(root, (width) => { containerWidth = width; redraw.request(); });
 *   const pixelRatio = sizeCanvas(canvas, width, height);   // then draw scaled by pixelRatio
 *   stop();                                                  // on cleanup
 */

/**
 * Call `onChange` with the element's content width (whole CSS pixels) each time it changes.
 * Returns a function that stops watching; where ResizeObserver is missing it watches nothing.
 */
export function observeWidth(target: Element, onChange: (width: number) => void): () => void {
  if (typeof ResizeObserver === "undefined") return () => {};
  let last = 0;
  const observer = new ResizeObserver((entries) => {
    const width = Math.floor(entries[entries.length - 1].contentRect.width);
    if (width === last) return;
    last = width;
    onChange(width);
  });
  observer.observe(target);
  return () => observer.disconnect();
}

/**
 * Give the canvas a backing store of `width` × `height` CSS pixels at the screen's pixel ratio
 * (touching it only when the size changes, since that clears it). Returns the pixel ratio.
 */
export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): number {
  const pixelRatio = window.devicePixelRatio || 1;
  const backingWidth = Math.round(width * pixelRatio);
  const backingHeight = Math.round(height * pixelRatio);
  if (canvas.width !== backingWidth) canvas.width = backingWidth;
  if (canvas.height !== backingHeight) canvas.height = backingHeight;
  return pixelRatio;
}
