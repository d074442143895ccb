import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createKernelWatch, NO_KERNEL_MS } from "./kernel_watch";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("createKernelWatch", () => {
  it("reports no kernel once the time passed without a message", () => {
    const changes: boolean[] = [];
    const watch = createKernelWatch((connected) => changes.push(connected));
    watch.start();
    vi.advanceTimersByTime(NO_KERNEL_MS - 1);
    expect([watch.connected, changes]).toEqual([true, []]);
    vi.advanceTimersByTime(1);
    expect([watch.connected, changes]).toEqual([false, [false]]);
  });

  it("reports the kernel back at its first message", () => {
    const changes: boolean[] = [];
    const watch = createKernelWatch((connected) => changes.push(connected));
    watch.start();
    vi.advanceTimersByTime(NO_KERNEL_MS);
    watch.heard();
    watch.heard();
    expect([watch.connected, changes]).toEqual([true, [false, true]]);
  });

  it("changes nothing when the kernel answers in time", () => {
    const changes: boolean[] = [];
    const watch = createKernelWatch((connected) => changes.push(connected));
    watch.start();
    vi.advanceTimersByTime(50);
    watch.heard();
    vi.advanceTimersByTime(10 * NO_KERNEL_MS);
    expect([watch.connected, changes]).toEqual([true, []]);
  });

  it("reports nothing after dispose", () => {
    const changes: boolean[] = [];
    const watch = createKernelWatch((connected) => changes.push(connected));
    watch.start();
    watch.dispose();
    vi.advanceTimersByTime(10 * NO_KERNEL_MS);
    expect(changes).toEqual([]);
  });
});
