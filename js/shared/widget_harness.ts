/**
 * A test harness for the canvas widgets, in jsdom: each test gets a fresh container element,
 * animation frames that run only when flushed, ResizeObservers the test fires with a width, and
 * a 2D context that records how often each of its methods was called. `render` mounts the widget
 * and `cleanup` (run after each test too, at most once) unmounts it.
 *
 * @example
 *   const h = widgetHarness(widget);
 *   it("draws once it has a width", () => {
 *     const model = new FakeModel({height: 300});
 *     h.render(model);
 *     h.resizeTo(640);
 *     h.flushFrames();
 *     expect(h.calls("fillRect")).toBe(1);
 *   });
 */
import type { AnyModel, RenderProps } from "@anywidget/types";
import { afterEach, beforeEach, vi } from "vitest";
import { fakeFrames } from "./fake_frames";

interface Widget<T extends Record<string, any>> {
  render(props: Pick<RenderProps<T>, "model" | "el">): () => void;
}

export interface ObserverRecord {
  callback: ResizeObserverCallback;
  disconnected: boolean;
}

export interface WidgetHarness<T extends Record<string, any>> {
  /** The container the widget renders into (a new one for each test). */
  readonly el: HTMLElement;
  /** Animation frames requested and not yet run or cancelled, by handle. */
  readonly frames: Map<number, FrameRequestCallback>;
  /** Every ResizeObserver the widget made in this test. */
  readonly observers: readonly ObserverRecord[];
  render(model: AnyModel<T>): void;
  /** Unmount the widget (the first call only). */
  cleanup(): void;
  /** Run the pending animation frames. */
  flushFrames(): void;
  /** Fire every connected ResizeObserver with this content width. */
  resizeTo(width: number): void;
  /** How often the canvas context's method `name` has been called in this test. */
  calls(name: string): number;
  /** The first element in the container that matches (asserted present). */
  $<E extends HTMLElement = HTMLElement>(selector: string): E;
}

/** A 2D context that does nothing but count calls by method name; measureText gives 6px a char. */
function recordingContext(counts: Map<string, number>): CanvasRenderingContext2D {
  const state: Record<string | symbol, unknown> = {};
  return new Proxy(state, {
    get(target, key) {
      if (key in target) return target[key];
      if (key === "measureText") return (text: string) => ({ width: 6 * text.length });
      return () => {
        if (typeof key === "string") counts.set(key, (counts.get(key) ?? 0) + 1);
      };
    },
    set(target, key, value) {
      target[key] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
}

/** Set up the harness for `widget`; call at the top level of a test file (it adds beforeEach/afterEach). */
export function widgetHarness<T extends Record<string, any>>(widget: Widget<T>): WidgetHarness<T> {
  const frames = fakeFrames();
  const observers: ObserverRecord[] = [];
  const counts = new Map<string, number>();
  let el: HTMLElement | null = null;
  let unmount: (() => void) | null = null;

  const harness: WidgetHarness<T> = {
    get el() {
      if (el === null) throw new Error("widgetHarness: no element outside a test");
      return el;
    },
    frames: frames.pending,
    observers,
    render(model) {
      unmount = widget.render({ model, el: harness.el });
    },
    cleanup() {
      const run = unmount;
      unmount = null;
      run?.();
    },
    flushFrames: () => frames.flush(),
    resizeTo(width) {
      for (const o of observers) {
        if (!o.disconnected) o.callback([{ contentRect: { width } } as ResizeObserverEntry], {} as ResizeObserver);
      }
    },
    calls: (name) => counts.get(name) ?? 0,
    $: <E extends HTMLElement>(selector: string) => harness.el.querySelector<E>(selector)!,
  };

  beforeEach(() => {
    frames.pending.clear();
    observers.length = 0;
    counts.clear();
    vi.stubGlobal("requestAnimationFrame", frames.request);
    vi.stubGlobal("cancelAnimationFrame", frames.cancel);
    vi.stubGlobal(
      "ResizeObserver",
      class {
        entry: ObserverRecord;
        constructor(callback: ResizeObserverCallback) {
          this.entry = { callback, disconnected: false };
          observers.push(this.entry);
        }
        observe() {}
        disconnect() {
          this.entry.disconnected = true;
        }
      },
    );
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(
      () => recordingContext(counts) as unknown as RenderingContext,
    );
    el = document.createElement("div");
    document.body.append(el);
  });

  afterEach(() => {
    harness.cleanup();
    el?.remove();
    el = null;
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  return harness;
}
