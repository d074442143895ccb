import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { STATUSES } from "../shared/protocol";
import { createPoller, POLL_INTERVAL_MS, pollsDuring, type Poller } from "./poller";

let polls: number;
let poller: Poller;

beforeEach(() => {
  vi.useFakeTimers();
  polls = 0;
  poller = createPoller(() => polls++);
});

afterEach(() => {
  poller.dispose();
  vi.useRealTimers();
});

/** Step changes every `every` ms for `duration` ms. */
function ticks(every: number, duration: number) {
  for (let t = every; t <= duration; t += every) {
    vi.advanceTimersByTime(every);
    poller.stepChanged();
  }
}

describe("poller", () => {
  it("waits 500 ms by default", () => {
    expect(POLL_INTERVAL_MS).toBe(500);
  });

  it("sends nothing while not running", () => {
    vi.advanceTimersByTime(10_000);
    poller.stepChanged();
    vi.advanceTimersByTime(10_000);
    expect(polls).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("polls 500 ms after running starts with no step change, not before", () => {
    poller.setRunning(true);
    vi.advanceTimersByTime(499);
    expect(polls).toBe(0);
    vi.advanceTimersByTime(1);
    expect(polls).toBe(1);
  });

  it("polls once per 500 ms while no step change arrives", () => {
    poller.setRunning(true);
    vi.advanceTimersByTime(2_000);
    expect(polls).toBe(4);
    vi.advanceTimersByTime(499);
    expect(polls).toBe(4);
    vi.advanceTimersByTime(1);
    expect(polls).toBe(5);
  });

  it("never polls while step changes keep arriving", () => {
    poller.setRunning(true);
    ticks(50, 5_000);
    expect(polls).toBe(0);
    ticks(499, 5_000);
    expect(polls).toBe(0);
  });

  it("polls 500 ms after the last step change", () => {
    poller.setRunning(true);
    ticks(100, 1_000); // last change at t = 1000
    vi.advanceTimersByTime(499);
    expect(polls).toBe(0);
    vi.advanceTimersByTime(1);
    expect(polls).toBe(1);
    vi.advanceTimersByTime(1_000); // still silent: t = 1500 (done), 2000, 2500
    expect(polls).toBe(3);
  });

  it("restarts the quiet period when a poll's answer brings a step change", () => {
    poller.setRunning(true);
    vi.advanceTimersByTime(500);
    expect(polls).toBe(1);
    vi.advanceTimersByTime(100);
    poller.stepChanged(); // the answer, at t = 600
    vi.advanceTimersByTime(499);
    expect(polls).toBe(1);
    vi.advanceTimersByTime(1); // t = 1100
    expect(polls).toBe(2);
  });

  it("never polls more than once per 500 ms, whatever the sequence", () => {
    const at: number[] = [];
    poller = createPoller(() => at.push(Date.now()));
    const start = Date.now();
    poller.setRunning(true);
    // Bursts of step changes with gaps of 300, 700, 1200 and 200 ms.
    for (const gap of [300, 700, 1_200, 200]) {
      ticks(40, 400);
      vi.advanceTimersByTime(gap);
    }
    expect(at.map((t) => t - start)).toEqual([
      400 + 300 + 400 + 500, // 500 ms after the second burst's last change
      400 + 300 + 400 + 700 + 400 + 500, // likewise after the third burst
      400 + 300 + 400 + 700 + 400 + 1_000,
    ]);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(500);
  });

  it("stops when the status leaves running and starts afresh when it comes back", () => {
    poller.setRunning(true);
    vi.advanceTimersByTime(1_200);
    expect(polls).toBe(2);
    poller.setRunning(false); // paused at t = 1200
    vi.advanceTimersByTime(5_000);
    expect(polls).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
    poller.setRunning(true);
    vi.advanceTimersByTime(499);
    expect(polls).toBe(2);
    vi.advanceTimersByTime(1);
    expect(polls).toBe(3);
  });

  it("does not restart the quiet period when told running again while running", () => {
    poller.setRunning(true);
    vi.advanceTimersByTime(300);
    poller.setRunning(true);
    vi.advanceTimersByTime(200);
    expect(polls).toBe(1);
  });

  it("does not poll if the status leaves running just before the deadline", () => {
    poller.setRunning(true);
    vi.advanceTimersByTime(499);
    poller.setRunning(false);
    vi.advanceTimersByTime(10_000);
    expect(polls).toBe(0);
  });

  it("stops for good on dispose", () => {
    poller.setRunning(true);
    vi.advanceTimersByTime(500);
    expect(polls).toBe(1);
    poller.dispose();
    expect(vi.getTimerCount()).toBe(0);
    poller.setRunning(true);
    poller.stepChanged();
    vi.advanceTimersByTime(10_000);
    expect(polls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps polling if sending a poll throws", () => {
    let tries = 0;
    poller = createPoller(() => {
      tries++;
      throw new Error("comm closed");
    });
    poller.setRunning(true);
    expect(() => vi.advanceTimersByTime(500)).toThrow("comm closed");
    expect(() => vi.advanceTimersByTime(500)).toThrow("comm closed");
    expect(tries).toBe(2);
  });
});

describe("pollsDuring", () => {
  it("polls only while running: compiling expects no steps, like idle", () => {
    expect(STATUSES.filter(pollsDuring)).toEqual(["running"]);
    expect([pollsDuring("compiling"), pollsDuring("idle")]).toEqual([false, false]);
  });
});
