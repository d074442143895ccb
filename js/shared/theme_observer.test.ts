// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { observeTheme } from "./theme_observer";

/** Lets the MutationObserver deliver its records. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.className = "";
  document.body.removeAttribute("data-jp-theme-light");
  document.documentElement.removeAttribute("style");
  document.body.replaceChildren();
});

describe("observeTheme", () => {
  it("follows JupyterLab's theme attribute on <body>", async () => {
    const onChange = vi.fn();
    const stop = observeTheme(onChange);
    document.body.setAttribute("data-jp-theme-light", "false");
    await flush();
    expect(onChange).toHaveBeenCalledTimes(1);
    stop();
  });

  it("follows VS Code's body class and the variables it writes on <html>", async () => {
    const onChange = vi.fn();
    const stop = observeTheme(onChange);
    document.body.classList.add("vscode-dark");
    await flush();
    document.documentElement.style.setProperty("--vscode-editor-background", "#1f1f1f");
    await flush();
    expect(onChange).toHaveBeenCalledTimes(2);
    stop();
  });

  it("follows a scale set on a dashboard, not style changes elsewhere", async () => {
    const dashboard = document.createElement("div");
    dashboard.className = "jaxscope-dashboard";
    const other = document.createElement("div");
    document.body.append(dashboard, other);
    const onChange = vi.fn();
    const stop = observeTheme(onChange);
    other.style.width = "10px";
    await flush();
    expect(onChange).not.toHaveBeenCalled();
    dashboard.style.setProperty("--jaxscope-scale", "1.5");
    await flush();
    expect(onChange).toHaveBeenCalledTimes(1);
    stop();
  });

  it("follows the prefers-color-scheme media query and stops listening when stopped", () => {
    const listeners = new Set<() => void>();
    vi.stubGlobal("matchMedia", (media: string) => ({
      media,
      matches: false,
      addEventListener: (_: string, listener: () => void) => listeners.add(listener),
      removeEventListener: (_: string, listener: () => void) => listeners.delete(listener),
    }));
    const onChange = vi.fn();
    const stop = observeTheme(onChange);
    expect(listeners.size).toBe(1);
    listeners.forEach((listener) => listener());
    expect(onChange).toHaveBeenCalledTimes(1);
    stop();
    expect(listeners.size).toBe(0);
  });

  it("calls nothing after it is stopped", async () => {
    const onChange = vi.fn();
    observeTheme(onChange)();
    document.body.setAttribute("data-jp-theme-light", "true");
    document.body.classList.add("vscode-light");
    await flush();
    expect(onChange).not.toHaveBeenCalled();
  });
});
