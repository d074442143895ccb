/**
 * Run a callback at most once per animation frame, only after something asked for it.
 *
 * @example
 *   const redraw = frameScheduler(draw);
 *   redraw.request(); redraw.request();  // one draw, in the next frame
 *   redraw.cancel();                     // in the view's cleanup
 */
export interface FrameScheduler {
  request(): void;
  cancel(): void;
}

export function frameScheduler(
  callback: () => void,
  request: (run: FrameRequestCallback) => number = (run) => requestAnimationFrame(run),
  cancel: (handle: number) => void = (handle) => cancelAnimationFrame(handle),
): FrameScheduler {
  let handle: number | null = null;
  return {
    request() {
      if (handle !== null) return;
      handle = request(() => {
        handle = null;
        callback();
      });
    },
    cancel() {
      if (handle !== null) cancel(handle);
      handle = null;
    },
  };
}
