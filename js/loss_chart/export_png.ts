/**
 * Download a canvas as a PNG file through a temporary anchor.
 *
 * @example
 *   downloadCanvas(canvas, "loss.png");
 */
export function downloadCanvas(canvas: HTMLCanvasElement, filename: string): void {
  const anchor = document.createElement("a");
  anchor.href = canvas.toDataURL("image/png");
  anchor.download = filename;
  anchor.style.display = "none";
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}
