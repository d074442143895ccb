import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandshake, type Handshake, MAX_READIES, READY_RETRY_MS } from "./handshake";

let readies: number;
let handshake: Handshake;

beforeEach(() => {
  vi.useFakeTimers();
  readies = 0;
  handshake = createHandshake(() => readies++);
});

afterEach(() => {
  handshake.dispose();
  vi.useRealTimers();
});

/** Answer each ready as the kernel would: "main" for the first `mainAnswers`, then "subshell". */
function answer(mainAnswers: number) {
  let answered = 0;
  while (answered < readies) {
    handshake.acknowledged(answered < mainAnswers ? "main" : "subshell");
    answered++;
    vi.advanceTimersByTime(READY_RETRY_MS);
  }
}

describe("ready handshake", () => {
  it("retries every 100 ms, at most 20 readies", () => {
    expect(READY_RETRY_MS).toBe(100);
    expect(MAX_READIES).toBe(20);
  });

  it("sends one ready on start and nothing more without an answer", () => {
    handshake.start();
    expect(readies).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(readies).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("sends the first ready once, however often started", () => {
    handshake.start();
    handshake.start();
    expect(readies).toBe(1);
  });

  it("sends ready again 100 ms after a main-shell answer, not before", () => {
    handshake.start();
    handshake.acknowledged("main");
    vi.advanceTimersByTime(99);
    expect(readies).toBe(1);
    vi.advanceTimersByTime(1);
    expect(readies).toBe(2);
    vi.advanceTimersByTime(10_000);
    expect(readies).toBe(2);
  });

  it("stops at the first subshell answer", () => {
    handshake.start();
    answer(3); // readies 1..3 handled on main, ready 4 on a subshell
    expect(readies).toBe(4);
    expect(handshake.sent).toBe(4);
    expect(vi.getTimerCount()).toBe(0);
    handshake.acknowledged("main"); // a late answer changes nothing
    vi.advanceTimersByTime(10_000);
    expect(readies).toBe(4);
  });

  it("stops when the first ready is handled on a subshell", () => {
    handshake.start();
    handshake.acknowledged("subshell");
    handshake.acknowledged("main");
    vi.advanceTimersByTime(10_000);
    expect(readies).toBe(1);
  });

  it("cancels a scheduled retry when a subshell answer arrives", () => {
    handshake.start();
    handshake.acknowledged("main");
    vi.advanceTimersByTime(50);
    handshake.acknowledged("subshell"); // e.g. another view's ready
    vi.advanceTimersByTime(10_000);
    expect(readies).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("caps at 20 readies, 100 ms apart, when every answer comes from the main shell", () => {
    const at: number[] = [];
    handshake = createHandshake(() => at.push(Date.now()));
    handshake.start();
    for (let i = 0; i < 100; i++) {
      handshake.acknowledged("main");
      vi.advanceTimersByTime(READY_RETRY_MS);
    }
    expect(at.length).toBe(20);
    expect(at.map((t) => t - at[0])).toEqual(Array.from({ length: 20 }, (_, i) => 100 * i));
    expect(vi.getTimerCount()).toBe(0);
    handshake.acknowledged("main");
    vi.advanceTimersByTime(10_000);
    expect(at.length).toBe(20);
    expect(handshake.sent).toBe(20);
  });

  it("schedules one retry for several main answers at once", () => {
    handshake.start();
    handshake.acknowledged("main");
    handshake.acknowledged("main"); // another view's ready answered too
    handshake.acknowledged("main");
    vi.advanceTimersByTime(100);
    expect(readies).toBe(2);
    vi.advanceTimersByTime(10_000);
    expect(readies).toBe(2);
  });

  it("ignores answers before start", () => {
    handshake.acknowledged("main");
    vi.advanceTimersByTime(10_000);
    expect(readies).toBe(0);
    handshake.start();
    expect(readies).toBe(1);
  });

  it("sends nothing after dispose, even with a retry scheduled", () => {
    handshake.start();
    handshake.acknowledged("main");
    handshake.dispose();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    handshake.acknowledged("main");
    handshake.start();
    vi.advanceTimersByTime(10_000);
    expect(readies).toBe(1);
  });

  it("never starts after dispose", () => {
    handshake.dispose();
    handshake.start();
    expect(readies).toBe(0);
  });

  it("counts a ready whose send throws, so the cap still holds", () => {
    handshake = createHandshake(() => {
      readies++;
      throw new Error("comm closed");
    });
    expect(() => handshake.start()).toThrow("comm closed");
    for (let i = 0; i < 100; i++) {
      handshake.acknowledged("main");
      try {
        vi.advanceTimersByTime(READY_RETRY_MS);
      } catch {
        // the failing send, re-thrown from its timer
      }
    }
    expect(readies).toBe(20);
    expect(handshake.sent).toBe(20);
  });
});
