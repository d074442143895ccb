/**
 * Mark the dashboard that contains the control bar: the dashboard is an ipywidgets VBox with
 * class `jaxscope-dashboard`, which cannot carry a data-testid itself.
 *
 * The bar's element is attached to the page some time after render, so this looks for the
 * ancestor once per animation frame, a bounded number of times, and calls `found` when it is marked.
 *
 * @example
 *   const stop = markDashboardWhenAttached(el);
 *   stop();  // in the view's cleanup
 */
export const DASHBOARD_CLASS = "jaxscope-dashboard";
export const DASHBOARD_TESTID = "jaxscope-dashboard";
/** About ten seconds at 60 frames per second. */
export const MAX_FRAMES = 600;

/** Mark the dashboard ancestor of `el` if there is one; returns whether it was found. */
export function markDashboard(el: Element): boolean {
  const dashboard = el.closest(`.${DASHBOARD_CLASS}`);
  if (dashboard === null) return false;
  dashboard.setAttribute("data-testid", DASHBOARD_TESTID);
  return true;
}

export function markDashboardWhenAttached(
  el: Element,
  request: (run: FrameRequestCallback) => number = (run) => requestAnimationFrame(run),
  cancel: (handle: number) => void = (handle) => cancelAnimationFrame(handle),
  found: () => void = () => {},
): () => void {
  let frames = 0;
  let handle: number | null = null;
  const look = (): void => {
    handle = null;
    if (markDashboard(el)) {
      found();
      return;
    }
    if (++frames >= MAX_FRAMES) return;
    handle = request(look);
  };
  look();
  return () => {
    if (handle !== null) cancel(handle);
    handle = null;
  };
}
