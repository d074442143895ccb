import { describe, expect, it } from "vitest";
import { resolveTheme } from "./theme";

describe("resolveTheme", () => {
  it("uses JupyterLab's variables when set", () => {
    const dark: Record<string, string> = {
      "--jp-layout-color0": " #111111",
      "--jp-ui-font-color1": "rgba(255, 255, 255, 1)",
      "--jp-border-color2": "#333333",
    };
    const theme = resolveTheme((name) => dark[name] ?? "");
    expect(theme.background).toBe("#111111");
    expect(theme.text).toBe("rgba(255, 255, 255, 1)");
    expect(theme.grid).toBe("#333333");
  });

  it("falls back to a light theme outside JupyterLab", () => {
    expect(resolveTheme(() => "")).toEqual({
      background: "#ffffff",
      text: "rgba(0, 0, 0, 0.87)",
      mutedText: "rgba(0, 0, 0, 0.54)",
      grid: "#e0e0e0",
      axis: "#bdbdbd",
      bestMarker: "#388e3c",
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
    });
  });
});
