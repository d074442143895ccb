/**
 * Test fixture: every control-bar trait at its Python default, with `overrides`.
 *
 * @example
 *   const model = new FakeModel(barTraits({ status: "running" }));
 */
import type { ControlBarTraits } from "../shared/protocol";

export function barTraits(overrides: Partial<ControlBarTraits> = {}): Required<ControlBarTraits> {
  return {
    status: "idle",
    step: 0,
    steps_per_second: 0,
    learning_rate: 0.001,
    step_size: 10,
    message: "",
    title: "",
    early_stopping: -1,
    target_step: -1,
    can_save: false,
    scale: 1,
    ...overrides,
  } as Required<ControlBarTraits>;
}
