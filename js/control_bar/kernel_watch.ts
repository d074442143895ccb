/**
 * Is a kernel there? The control bar sends `ready` at render; a live kernel answers within
 * milliseconds. A saved notebook, an nbconvert HTML page or a dead kernel never answers: after
 * `timeoutMs` without any message from the kernel the buttons are disabled with a tooltip that
 * says why, and they come back at the first message that does arrive. Time comes from the global
 * setTimeout, so vitest's fake timers drive it in tests.
 *
 * @example
 *   const kernel = createKernelWatch((connected) => bar.setConnected(connected));
 *   kernel.start();                                   // with the first `ready`
 *   model.on("msg:custom", () => kernel.heard());     // a ready_ack, a ping
 *   kernel.dispose();                                 // in the view's cleanup
 */
export const NO_KERNEL_MS = 3000;
export const NO_KERNEL_TITLE = "No kernel is connected: run the notebook to train";

export interface KernelWatch {
  /** Start waiting for the kernel's first message (once; later calls do nothing). */
  start(): void;
  /** A message from the kernel arrived. */
  heard(): void;
  /** False once `timeoutMs` passed without a message, true again at the next one. */
  readonly connected: boolean;
  dispose(): void;
}

export function createKernelWatch(
  onChange: (connected: boolean) => void,
  timeoutMs: number = NO_KERNEL_MS,
): KernelWatch {
  let connected = true;
  let heard = false;
  let started = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const set = (value: boolean): void => {
    if (value === connected) return;
    connected = value;
    onChange(value);
  };

  return {
    start() {
      if (started) return;
      started = true;
      timer = setTimeout(() => {
        timer = null;
        if (!heard) set(false);
      }, timeoutMs);
    },
    heard() {
      heard = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      set(true);
    },
    get connected() {
      return connected;
    },
    dispose() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
