/**
 * FrameAck front end (anywidget module): the invisible companion the Python side places inside
 * each bqplot-based view, which has no JS of ours, so the kernel can pace that view too.
 * `initialize` answers the kernel's pings (shared/frame_ack.ts); `render` shows nothing. It has
 * no traits. See docs/protocol.md, "Flow control".
 *
 * @example
 *   export default { initialize, render };  // the FrameAck widget's _esm
 */
import type { RenderProps } from "@anywidget/types";
import { initialize } from "../shared/frame_ack";

export const FRAME_ACK_CLASS = "jaxscope-frame-ack";

/** Hide the widget's element (no gap in the view's layout); the cleanup shows it again. */
function render({ el }: Pick<RenderProps, "el">): () => void {
  el.classList.add(FRAME_ACK_CLASS);
  el.style.display = "none";
  return () => {
    el.classList.remove(FRAME_ACK_CLASS);
    el.style.removeProperty("display");
  };
}

export default { initialize, render };
