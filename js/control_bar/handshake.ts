/**
 * The ready handshake of the control bar. With ipykernel >= 7 and JupyterLab's comms over
 * subshells, a comm's messages travel on the shell on which the kernel last published for that
 * comm, and Lab creates the comm's subshell asynchronously, so the `ready` sent at render may be
 * handled on the main shell. The kernel answers every `ready` with a `ready_ack` naming the shell
 * that handled it; it needs one handled on a subshell thread, to parent its training thread's
 * messages to (so that Pause keeps reaching a subshell while a cell is busy).
 *
 * So: send `ready` at start; on a `ready_ack` from the main shell, send `ready` again after
 * `retryMs` ms, up to `maxReadies` in all; stop at the first `ready_ack` from a subshell. Without
 * subshells every answer says "main": `maxReadies` readies over about 2 s, then silence.
 *
 * A `ready_ack` reaches every view of the comm, so a view may see acks of another view's
 * readies: while a retry is scheduled, further "main" acks change nothing, and any "subshell"
 * ack ends the handshake (the kernel needs one per comm, not per view). Time comes from the
 * global setTimeout / clearTimeout, so vitest's fake timers drive it in tests.
 *
 * @example
 *   const handshake = createHandshake(() => model.send(readyMessage()));
 *   model.on("msg:custom", (msg) => { if (isReadyAckMessage(msg)) handshake.acknowledged(msg.shell); });
 *   handshake.start();
 *   handshake.dispose();  // in the view's cleanup
 */
import type { KernelShell } from "../shared/protocol";

export const READY_RETRY_MS = 100;
export const MAX_READIES = 20;

export interface Handshake {
  /** Send the first `ready` (once; later calls do nothing). */
  start(): void;
  /** A `ready_ack` arrived: retry after a "main" answer, finish after a "subshell" one. */
  acknowledged(shell: KernelShell): void;
  /** Number of `ready` messages sent so far. */
  readonly sent: number;
  /** Stop for good (the view's cleanup): no `ready` is sent after it. */
  dispose(): void;
}

export function createHandshake(
  sendReady: () => void,
  retryMs: number = READY_RETRY_MS,
  maxReadies: number = MAX_READIES,
): Handshake {
  let sent = 0;
  let done = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const stop = (): void => {
    done = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const send = (): void => {
    sent++; // counted first, so a send that throws still uses up one of the tries
    if (sent >= maxReadies) done = true;
    sendReady();
  };

  return {
    start() {
      if (sent > 0 || done) return;
      send();
    },
    acknowledged(shell) {
      if (done || sent === 0) return;
      if (shell === "subshell") {
        stop();
        return;
      }
      if (timer !== null) return; // a retry is already on its way
      timer = setTimeout(() => {
        timer = null;
        if (!done) send();
      }, retryMs);
    },
    get sent() {
      return sent;
    },
    dispose: stop,
  };
}
