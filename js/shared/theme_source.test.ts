// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  detectThemeSource,
  luminance,
  PALETTE,
  pageEnvironment,
  parseScale,
  resolvePalette,
  type PaletteName,
} from "./theme_source";

// Vitest empties CSS imports (even ?raw), so the stylesheet is read from disk; no @types/node here.
const fsModule = "node:fs";
const { readFileSync } = (await import(/* @vite-ignore */ fsModule)) as { readFileSync(path: string, encoding: "utf8"): string };
const css = readFileSync("js/shared/theme.css", "utf8"); // vitest runs at the project root

/** A page as jsdom shows it: body attributes/classes, variables on <html>, a matchMedia stub. */
function page({ attributes = {}, classes = [], variables = {}, prefersDark = null }: {
  attributes?: Record<string, string>;
  classes?: string[];
  variables?: Record<string, string>;
  prefersDark?: boolean | null;
}): HTMLElement {
  for (const [name, value] of Object.entries(attributes)) document.body.setAttribute(name, value);
  document.body.classList.add(...classes);
  for (const [name, value] of Object.entries(variables)) document.documentElement.style.setProperty(name, value);
  if (prefersDark !== null) {
    vi.stubGlobal("matchMedia", (query: string) => ({ matches: prefersDark && query === "(prefers-color-scheme: dark)", media: query }));
  }
  const element = document.createElement("div");
  document.body.append(element);
  return element;
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.className = "";
  for (const name of [...document.body.getAttributeNames()]) document.body.removeAttribute(name);
  document.documentElement.removeAttribute("style");
  document.body.replaceChildren();
});

const resolve = (element: HTMLElement) => {
  const env = pageEnvironment(element);
  const source = detectThemeSource(env);
  return { source, palette: resolvePalette(source, env) };
};

describe("detectThemeSource: JupyterLab", () => {
  it("reads data-jp-theme-light and takes the --jp-* variables", () => {
    const element = page({
      attributes: { "data-jp-theme-light": "false", "data-jp-theme-name": "JupyterLab Dark" },
      variables: { "--jp-layout-color0": "#111111", "--jp-ui-font-color1": "rgba(255, 255, 255, 1)" },
      prefersDark: false,
    });
    const { source, palette } = resolve(element);
    expect(source).toEqual({ name: "jupyterlab", dark: true });
    expect(palette.background).toBe("#111111");
    expect(palette.text).toBe("rgba(255, 255, 255, 1)");
    expect(palette.grid).toBe(PALETTE.grid.dark); // unset --jp-border-color2: our dark palette
  });

  it("wins over VS Code classes and the media query", () => {
    const element = page({ attributes: { "data-jp-theme-light": "true" }, classes: ["vscode-dark"], prefersDark: true });
    expect(resolve(element).source).toEqual({ name: "jupyterlab", dark: false });
  });

  it("without the attribute, a --jp-layout-color0 is enough, its lightness from the colour", () => {
    expect(resolve(page({ variables: { "--jp-layout-color0": "#111111" } })).source).toEqual({ name: "jupyterlab", dark: true });
  });
});

describe("detectThemeSource: VS Code", () => {
  it.each([
    [["vscode-dark"], true],
    [["vscode-light"], false],
    [["vscode-high-contrast"], true],
    [["vscode-high-contrast", "vscode-high-contrast-light"], false],
  ])("body classes %j -> dark %s", (classes, dark) => {
    expect(resolve(page({ classes, prefersDark: !dark })).source).toEqual({ name: "vscode", dark });
  });

  it("takes the --vscode-* variables", () => {
    const element = page({
      classes: ["vscode-dark"],
      variables: {
        "--vscode-editor-background": "#1f1f1f",
        "--vscode-editor-foreground": "#cccccc",
        "--vscode-font-family": "Segoe WPC, sans-serif",
      },
    });
    const { palette } = resolve(element);
    expect(palette.background).toBe("#1f1f1f");
    expect(palette.text).toBe("#cccccc");
    expect(palette.fontFamily).toBe("Segoe WPC, sans-serif");
    expect(palette.mutedText).toBe(PALETTE.mutedText.dark);
  });

  it("without a class, --vscode-editor-background decides by its lightness", () => {
    expect(resolve(page({ variables: { "--vscode-editor-background": "#fffffe" } })).source).toEqual({ name: "vscode", dark: false });
  });
});

describe("detectThemeSource: prefers-color-scheme and the default", () => {
  it("follows the media query where no front end marks the page (Colab, nbconvert HTML)", () => {
    const dark = resolve(page({ prefersDark: true }));
    expect(dark.source).toEqual({ name: "prefers-color-scheme", dark: true });
    expect(dark.palette.background).toBe("#1e1e1e");
    expect(dark.palette.text).toBe("rgba(255, 255, 255, 0.87)");
  });

  it("is light under a light media query", () => {
    expect(resolve(page({ prefersDark: false })).source).toEqual({ name: "prefers-color-scheme", dark: false });
  });

  it("is light where matchMedia is missing", () => {
    const { source, palette } = resolve(page({}));
    expect(source).toEqual({ name: "default", dark: false });
    expect(palette.background).toBe("#ffffff");
  });
});

describe("luminance and parseScale", () => {
  it("reads hex and rgb colours", () => {
    expect(luminance("#ffffff")).toBeCloseTo(1);
    expect(luminance("#000")).toBe(0);
    expect(luminance("rgb(17, 17, 17)")).toBeCloseTo(0.0056, 4);
    expect(luminance("var(--x)")).toBeNull();
  });

  it("parses --jaxscope-scale, 1 when unreadable, clamped to 0.5..3", () => {
    expect(parseScale(" 1.5")).toBe(1.5);
    expect(parseScale("")).toBe(1);
    expect(parseScale("big")).toBe(1);
    expect(parseScale("-2")).toBe(1);
    expect(parseScale("10")).toBe(3);
    expect(parseScale("0.1")).toBe(0.5);
  });
});

/** theme.css's name for each palette role. */
const CSS_NAME: Record<PaletteName, string> = {
  background: "bg",
  text: "fg",
  mutedText: "muted",
  grid: "grid",
  axis: "border",
  surface: "surface",
  surfaceHover: "surface-hover",
  accent: "accent",
  inverseText: "inverse-fg",
  error: "error",
  warn: "warn",
  bestMarker: "success",
  fontFamily: "font",
};

describe("theme.css mirrors the palette and the order", () => {
  it.each(Object.keys(PALETTE) as PaletteName[])("%s: Lab's variable, then VS Code's, then ours", (role) => {
    const name = CSS_NAME[role];
    const { jupyterlab, vscode } = PALETTE[role];
    expect(css).toContain(`--jaxscope-${name}: var(${jupyterlab}, var(${vscode}, var(--jaxscope-base-${name})));`);
  });

  it.each(Object.keys(PALETTE).filter((role) => role !== "fontFamily") as PaletteName[])(
    "%s: the same light and dark colours",
    (role) => {
      const declaration = `--jaxscope-base-${CSS_NAME[role]}: `;
      const values = css.split("\n").filter((line) => line.trim().startsWith(declaration)).map((line) => line.trim().slice(declaration.length, -1));
      // :root and the light marks (light), the media query (dark), the dark marks
      expect(values).toEqual([PALETTE[role].light, PALETTE[role].dark, PALETTE[role].dark]);
    },
  );

  it("declares no --jaxscope-scale (a value set on a dashboard must reach every descendant)", () => {
    expect(css).not.toMatch(/--jaxscope-scale\s*:/);
  });
});
