/**
 * Flow control, front-end half: answer each `ping` of the kernel with an `ack` of the same frame
 * once the page has painted what came before it, so the kernel sends a widget its next frame
 * only when the last one is on screen (docs/protocol.md, "Flow control").
 *
 * Messages are handled in arrival order, so by the time a ping arrives the frame before it has
 * been handled; its redraw waits for the next animation frame. The ack waits for that frame and
 * one more (a rAF inside a rAF), i.e. until the browser has painted the redraw. A hidden tab
 * runs no animation frames and so answers nothing: the kernel times out and slows down.
 *
 * Install it once per model (anywidget's `initialize`), not per view: one ack per ping.
 *
 * @example
 *   export default { initialize, render };        // initialize({model}) answers pings
 *   const stop = answerPings(model, fakeFrames()); // in tests: flush twice, then the ack is sent
 *   stop();                                        // no ack after this
 */
import type { AnyModel } from "@anywidget/types";
import { ackMessage, CUSTOM_MESSAGE, isPingMessage } from "./protocol";

/** Where the two frames come from: requestAnimationFrame in a page, fakeFrames() in tests. */
export interface Frames {
  request(run: FrameRequestCallback): number;
  cancel(handle: number): void;
}

/** What answering pings needs of anywidget's model (any widget's traits). */
export type PingedModel = Pick<AnyModel<any>, "on" | "off" | "send">;

/** Animation frames, or, without requestAnimationFrame (jsdom, no page), zero-delay timeouts. */
export function paintFrames(): Frames {
  if (typeof requestAnimationFrame === "function") {
    return { request: (run) => requestAnimationFrame(run), cancel: (handle) => cancelAnimationFrame(handle) };
  }
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let next = 1;
  return {
    request(run) {
      const handle = next++;
      timers.set(handle, setTimeout(() => {
        timers.delete(handle);
        run(Date.now());
      }, 0));
      return handle;
    },
    cancel(handle) {
      clearTimeout(timers.get(handle));
      timers.delete(handle);
    },
  };
}

/** Answer every valid ping on `model` after two frames; returns the cleanup (no ack after it). */
export function answerPings(model: PingedModel, frames: Frames = paintFrames()): () => void {
  const waiting = new Set<number>();
  const after = (run: () => void): void => {
    const handle = frames.request(() => {
      waiting.delete(handle);
      run();
    });
    waiting.add(handle);
  };
  const onMessage = (msg: unknown): void => {
    if (!isPingMessage(msg)) return;
    const { frame } = msg;
    after(() => after(() => model.send(ackMessage(frame))));
  };
  model.on(CUSTOM_MESSAGE, onMessage);
  return () => {
    model.off(CUSTOM_MESSAGE, onMessage);
    for (const handle of waiting) frames.cancel(handle);
    waiting.clear();
  };
}

/** anywidget's `initialize` hook shared by every jaxscope widget: runs once per model. */
export function initialize({ model }: { model: PingedModel }): () => void {
  return answerPings(model);
}
