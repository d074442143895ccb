/**
 * The control bar's traits and message beyond the shared protocol's first version (issue 13):
 * the step training runs to (`target_step`, -1 none), whether Save shows (`can_save`), the
 * dashboard's size (`scale`), and the "save" command.
 *
 * @example
 *   model.get(EXTRA_TRAITS.targetStep)   // 5000 while run(5000) trains from step 0
 *   model.send(saveMessage());            // {v: 2, kind: "command", action: "save"}
 */
import { PROTOCOL_VERSION } from "../shared/protocol";

export const EXTRA_TRAITS = {
  targetStep: "target_step",
  canSave: "can_save",
  scale: "scale",
} as const;

export interface ExtraTraits {
  /** The step that run(n) / step(n) / start(n) trains to; -1 without one. */
  target_step: number;
  /** trainer.checkpoint_dir is set: the Save button shows. */
  can_save: boolean;
  /** The dashboard's size, 0.5 to 3 (the CSS variable --jaxscope-scale). */
  scale: number;
}

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
