import { describe, expect, it } from "vitest";
import { STATUSES } from "../shared/protocol";
import { isBusy } from "./status";

describe("isBusy", () => {
  it("is true while compiling or running, and only then", () => {
    expect(STATUSES.filter(isBusy)).toEqual(["compiling", "running"]);
  });

  it("is false for a status this front end does not know", () => {
    expect(isBusy("warming-up")).toBe(false);
  });
});
