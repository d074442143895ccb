/**
 * The pull fallback: some front ends (Colab, ipykernel 6 without comm subshells) do not render
 * trait changes published from the trainer's background thread. While the status is `running`
 * and no change of `step` has arrived for `interval` ms, ask the kernel with a `poll` message;
 * it answers by publishing the current state and any new chart points at once.
 *
 * Polls are at least `interval` ms apart, only while running, and never while step changes keep
 * arriving (each one restarts the quiet period). Time comes from the global setTimeout /
 * clearTimeout, so vitest's fake timers drive it in tests.
 *
 * @example
 *   const poller = createPoller(() => model.send(pollMessage()));
 *   poller.setRunning(pollsDuring(model.get("status")));
 *   model.on("change:step", () => poller.stepChanged());
 *   poller.dispose();  // in the view's cleanup
 */
export const POLL_INTERVAL_MS = 500;

/** Only `running` expects step changes; while `compiling` none come, so it is as quiet as `idle`. */
export function pollsDuring(status: string): boolean {
  return status === "running";
}

export interface Poller {
  /** Tell the poller whether the status is `running`; polling starts `interval` ms after it is. */
  setRunning(running: boolean): void;
  /** A change of the step trait arrived: updates are flowing, restart the quiet period. */
  stepChanged(): void;
  /** Stop for good (the view's cleanup); later calls do nothing. */
  dispose(): void;
}

export function createPoller(poll: () => void, interval: number = POLL_INTERVAL_MS): Poller {
  let running = false;
  let disposed = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const stop = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const arm = (): void => {
    stop();
    if (!running || disposed) return;
    timer = setTimeout(() => {
      timer = null;
      arm(); // if it is still quiet after another interval, poll again
      poll();
    }, interval);
  };

  return {
    setRunning(next) {
      if (disposed || next === running) return;
      running = next;
      if (running) arm();
      else stop();
    },
    stepChanged() {
      if (running && !disposed) arm();
    },
    dispose() {
      disposed = true;
      running = false;
      stop();
    },
  };
}
