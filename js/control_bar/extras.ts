/**
 * The control bar's additions of issue 13 beyond its traits (`target_step`, `can_save`, `scale`: in
 * shared/protocol.ts): the "save" command and the dashboard's scale.
 *
 * @example
 *   model.send(saveMessage());            // {v: 2, kind: "command", action: "save"}
 */
import { PROTOCOL_VERSION } from "../shared/protocol";

export interface SaveMessage {
  v: typeof PROTOCOL_VERSION;
  kind: "command";
  action: "save";
}

export function saveMessage(): SaveMessage {
  return { v: PROTOCOL_VERSION, kind: "command", action: "save" };
}

/** The CSS variable the theme, the chart and the views read to scale themselves. */
export const SCALE_VARIABLE = "--jaxscope-scale";

/** `scale` when it is a usable size, else 1. */
export function validScale(scale: unknown): number {
  return typeof scale === "number" && Number.isFinite(scale) && scale > 0 ? scale : 1;
}
