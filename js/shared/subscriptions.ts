/**
 * Model listeners registered through one object, so a view's cleanup removes all of them.
 *
 * @example
 *   const subs = subscriptions(model);
 *   subs.on("change:log_y", redraw);
 *   subs.dispose();  // model.off for each
 */
import type { AnyModel } from "@anywidget/types";

export interface Subscriptions {
  on(eventName: string, handler: (...args: any[]) => void): void;
  dispose(): void;
}

export function subscriptions(model: AnyModel<any>): Subscriptions {
  const registered: [string, (...args: any[]) => void][] = [];
  return {
    on(eventName, handler) {
      model.on(eventName, handler);
      registered.push([eventName, handler]);
    },
    dispose() {
      for (const [eventName, handler] of registered) model.off(eventName, handler);
      registered.length = 0;
    },
  };
}
