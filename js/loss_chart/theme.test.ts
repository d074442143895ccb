// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { readTheme, resolveTheme, themeFont } from "./theme";

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.className = "";
  document.body.replaceChildren();
});

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
    expect(theme.dark).toBe(true);
    expect(theme.source).toBe("jupyterlab");
  });

  it("falls back to a light theme at scale 1 where nothing is set", () => {
    expect(resolveTheme(() => "")).toEqual({
      background: "#ffffff",
      text: "rgba(0, 0, 0, 0.87)",
      mutedText: "rgba(0, 0, 0, 0.54)",
      grid: "#e0e0e0",
      axis: "#bdbdbd",
      bestMarker: "#388e3c",
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
      dark: false,
      source: "default",
      scale: 1,
    });
  });

  it("reads --jaxscope-scale", () => {
    expect(resolveTheme((name) => (name === "--jaxscope-scale" ? "1.5" : "")).scale).toBe(1.5);
  });
});

describe("readTheme", () => {
  it("takes VS Code's dark theme and the dashboard's scale from the page", () => {
    document.body.classList.add("vscode-dark");
    const dashboard = document.createElement("div");
    dashboard.style.setProperty("--jaxscope-scale", "2");
    const chart = document.createElement("div");
    dashboard.append(chart);
    document.body.append(dashboard);
    const theme = readTheme(chart);
    expect([theme.source, theme.dark, theme.background, theme.scale]).toEqual(["vscode", true, "#1e1e1e", 2]);
  });

  it("follows prefers-color-scheme outside Lab and VS Code", () => {
    vi.stubGlobal("matchMedia", (query: string) => ({ matches: query === "(prefers-color-scheme: dark)", media: query }));
    const element = document.body.appendChild(document.createElement("div"));
    expect([readTheme(element).source, readTheme(element).background]).toEqual(["prefers-color-scheme", "#1e1e1e"]);
  });
});

describe("themeFont", () => {
  it("scales the pixel size", () => {
    const theme = { ...resolveTheme(() => ""), fontFamily: "sans-serif", scale: 1.5 };
    expect(themeFont(theme, 11)).toBe("16.5px sans-serif");
    expect(themeFont(theme, 13, "600")).toBe("600 19.5px sans-serif");
  });
});
