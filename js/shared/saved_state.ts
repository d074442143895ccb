/**
 * The picture a widget keeps in widget state when training stops (`src/jaxscope/widgets/saved_state.py`):
 * the trait `snapshot` = `{messages: [content, ...], counts: [buffers per message, ...], buffers: [...]}`,
 * the last frame's messages as a live page got them. A page with no kernel (nbconvert HTML, a notebook
 * reopened from its saved widget state) replays them; a page with live data ignores them.
 *
 * @example
 *   for (const { content, buffers } of savedMessages(model.get(SNAPSHOT))) onMessage(content, buffers);
 */
import type { WireBuffer } from "./protocol";

/** The trait's name, on both sides. */
export const SNAPSHOT = "snapshot";

export interface SavedMessage {
  content: unknown;
  buffers: DataView[];
}

function asDataView(value: unknown): DataView | null {
  if (value instanceof DataView) return value;
  if (value instanceof ArrayBuffer) return new DataView(value);
  if (ArrayBuffer.isView(value)) return new DataView(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

/**
 * The kept messages in replay order; [] for an empty or absent snapshot. Throws an Error saying what
 * was expected when the value is not a snapshot (a buffer missing or not binary, counts that do not add up).
 */
export function savedMessages(value: unknown): SavedMessage[] {
  if (value === null || value === undefined) return [];
  const kept = value as { messages?: unknown; counts?: unknown; buffers?: unknown };
  const { messages, counts, buffers } = kept;
  if (!Array.isArray(messages) || !Array.isArray(counts) || !Array.isArray(buffers)) {
    if (typeof value === "object" && Object.keys(value as object).length === 0) return [];
    throw new Error("snapshot: expected {messages: [...], counts: [...], buffers: [...]}");
  }
  if (counts.length !== messages.length) {
    throw new Error(`snapshot: ${messages.length} messages but ${counts.length} buffer counts`);
  }
  const out: SavedMessage[] = [];
  let at = 0;
  messages.forEach((content, i) => {
    const count = counts[i];
    if (!Number.isInteger(count) || count < 0) throw new Error(`snapshot: counts[${i}] is not a count: ${String(count)}`);
    const views: DataView[] = [];
    for (let k = at; k < at + count; k++) {
      const view = asDataView(buffers[k]);
      if (view === null) throw new Error(`snapshot: buffers[${k}] is not binary data`);
      views.push(view);
    }
    at += count;
    out.push({ content, buffers: views });
  });
  return out;
}

/**
 * Replays the snapshot into `onMessage` unless live data arrived (`live()`); errors go to the console
 * (a damaged snapshot must not break a live widget). Returns whether anything was replayed.
 */
export function replaySaved(
  value: unknown,
  live: () => boolean,
  onMessage: (content: unknown, buffers: readonly WireBuffer[]) => void,
): boolean {
  if (live()) return false;
  let messages: SavedMessage[];
  try {
    messages = savedMessages(value);
  } catch (error) {
    console.error(error);
    return false;
  }
  for (const { content, buffers } of messages) onMessage(content, buffers);
  return messages.length > 0;
}

interface SnapshotModel {
  get(name: string): unknown;
}

/**
 * Shows the kept picture of `model` through `onMessage` now and whenever the trait changes, as long as
 * no live message arrived: call the returned `markLive()` from the widget's live message handler.
 * Registers its listener with `subs` (removed by the view's cleanup).
 */
export function showSaved(
  model: unknown,
  subs: { on(eventName: string, handler: (...args: any[]) => void): void },
  onMessage: (content: unknown, buffers: readonly WireBuffer[]) => void,
): () => void {
  let live = false;
  const replay = () => replaySaved((model as SnapshotModel).get(SNAPSHOT), () => live, onMessage);
  subs.on(`change:${SNAPSHOT}`, replay);
  replay();
  return () => {
    live = true;
  };
}
