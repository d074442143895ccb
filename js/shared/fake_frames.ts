/**
 * A stand-in for requestAnimationFrame / cancelAnimationFrame, for tests: callbacks wait in
 * `pending` until `flush` runs every one requested so far (those they request wait for the next
 * flush).
 *
 * @example
 *   const frames = fakeFrames();
 *   const redraw = frameScheduler(draw, frames.request, frames.cancel);
 *   redraw.request();
 *   frames.flush();           // draw runs
 *   frames.pending.size;      // 0
 */
export interface FakeFrames {
  request(run: FrameRequestCallback): number;
  cancel(handle: number): void;
  /** Callbacks requested and not yet run or cancelled, by handle. */
  readonly pending: Map<number, FrameRequestCallback>;
  /** Run the pending callbacks (one frame). */
  flush(): void;
}

export function fakeFrames(): FakeFrames {
  const pending = new Map<number, FrameRequestCallback>();
  let next = 1;
  return {
    request: (run: FrameRequestCallback) => {
      pending.set(next, run);
      return next++;
    },
    cancel: (handle: number) => void pending.delete(handle),
    pending,
    flush() {
      const runs = [...pending.values()];
      pending.clear();
      runs.forEach((run) => run(0));
    },
  };
}
