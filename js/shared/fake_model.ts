/**
 * An in-memory stand-in for anywidget's model, for tests: `get`/`set`/`on`/`off` behave like
 * the Backbone model (set fires `change:<name>` synchronously), `send` and `save_changes` are
 * recorded, and `receive` delivers a custom message as the kernel would.
 *
 * @example
 *   const model = new FakeModel({log_y: true});
 *   model.set("log_y", false);            // fires change:log_y listeners
 *   model.receive({v: 2, kind: "points", reset: true, series: []}, []);
 *   model.sent;                           // messages the view sent
 */
import type { AnyModel } from "@anywidget/types";

type Handler = (...args: any[]) => void;

export class FakeModel<T extends Record<string, any>> implements AnyModel<T> {
  readonly sent: unknown[] = [];
  saves = 0;
  private state: T;
  private handlers = new Map<string, Set<Handler>>();
  readonly widget_manager = {
    get_model: () => Promise.reject(new Error("FakeModel has no widget manager")),
  };

  constructor(state: T) {
    this.state = { ...state };
  }

  get<K extends keyof T>(key: K): T[K] {
    return this.state[key];
  }

  set<K extends keyof T>(key: K, value: T[K]): void {
    if (Object.is(this.state[key], value)) return;
    this.state[key] = value;
    this.emit(`change:${String(key)}`);
  }

  on(eventName: string, callback: Handler): void {
    if (!this.handlers.has(eventName)) this.handlers.set(eventName, new Set());
    this.handlers.get(eventName)!.add(callback);
  }

  off(eventName?: string | null, callback?: Handler | null): void {
    if (eventName == null) {
      this.handlers.clear();
    } else if (callback == null) {
      this.handlers.delete(eventName);
    } else {
      this.handlers.get(eventName)?.delete(callback);
    }
  }

  save_changes(): void {
    this.saves += 1;
  }

  send(content: unknown): void {
    this.sent.push(content);
  }

  /** Deliver a custom message from the kernel. */
  receive(content: unknown, buffers: DataView[] = []): void {
    this.emit("msg:custom", content, buffers);
  }

  /** Number of listeners still registered (0 after a view's cleanup). */
  listenerCount(): number {
    let count = 0;
    for (const set of this.handlers.values()) count += set.size;
    return count;
  }

  private emit(eventName: string, ...args: unknown[]): void {
    for (const handler of [...(this.handlers.get(eventName) ?? [])]) handler(...args);
  }
}
