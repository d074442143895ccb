/**
 * Where the page's light/dark theme comes from, in one resolution order shared by the canvases
 * (this module) and the stylesheet (js/shared/theme.css mirrors PALETTE and the order):
 *
 *   1. JupyterLab / Notebook 7 / nbconvert's lab template: `<body data-jp-theme-light>`, or the
 *      `--jp-layout-color0` variable; colours from the `--jp-*` variables.
 *   2. VS Code: `body.vscode-dark | vscode-light | vscode-high-contrast[-light]`, or the
 *      `--vscode-editor-background` variable; colours from the `--vscode-*` variables.
 *   3. `prefers-color-scheme` (Colab, classic nbconvert HTML, a plain page).
 *   4. Light, where even matchMedia is missing.
 *
 * Each colour role takes the source's own variable when it is set, else our palette for the
 * resolved lightness. `--jaxscope-scale` (a positive number, 1 by default, clamped to 0.5..3)
 * enlarges text and lines for projectors.
 *
 * @example
 *   const source = detectThemeSource(pageEnvironment(element));
 *   source  // {name: "vscode", dark: true}
 */
export type ThemeSourceName = "jupyterlab" | "vscode" | "prefers-color-scheme" | "default";

export interface ThemeSource {
  name: ThemeSourceName;
  dark: boolean;
}

/** What a page tells about its theme: read through these so tests can fake any front end. */
export interface ThemeEnvironment {
  /** A CSS custom property's value at the widget ("" when unset). */
  variable(name: string): string;
  /** An attribute of <body> (null when absent). */
  bodyAttribute(name: string): string | null;
  /** Whether <body> has this class. */
  bodyHasClass(name: string): boolean;
  /** Whether `(prefers-color-scheme: dark)` matches; null where matchMedia is missing. */
  prefersDark(): boolean | null;
}

/** One colour role: the variable each source names, and our colour for each lightness. */
export interface PaletteRole {
  jupyterlab: string;
  vscode: string;
  light: string;
  dark: string;
}

export const PALETTE = {
  background: { jupyterlab: "--jp-layout-color0", vscode: "--vscode-editor-background", light: "#ffffff", dark: "#1e1e1e" },
  text: { jupyterlab: "--jp-ui-font-color1", vscode: "--vscode-editor-foreground", light: "rgba(0, 0, 0, 0.87)", dark: "rgba(255, 255, 255, 0.87)" },
  mutedText: { jupyterlab: "--jp-ui-font-color2", vscode: "--vscode-descriptionForeground", light: "rgba(0, 0, 0, 0.54)", dark: "rgba(255, 255, 255, 0.6)" },
  grid: { jupyterlab: "--jp-border-color2", vscode: "--vscode-editorIndentGuide-background", light: "#e0e0e0", dark: "#3a3a3a" },
  axis: { jupyterlab: "--jp-border-color1", vscode: "--vscode-editorWidget-border", light: "#bdbdbd", dark: "#616161" },
  surface: { jupyterlab: "--jp-layout-color2", vscode: "--vscode-button-secondaryBackground", light: "#eeeeee", dark: "#333333" },
  surfaceHover: { jupyterlab: "--jp-layout-color3", vscode: "--vscode-button-secondaryHoverBackground", light: "#bdbdbd", dark: "#4a4a4a" },
  accent: { jupyterlab: "--jp-brand-color1", vscode: "--vscode-button-background", light: "#1976d2", dark: "#42a5f5" },
  inverseText: { jupyterlab: "--jp-ui-inverse-font-color1", vscode: "--vscode-button-foreground", light: "#ffffff", dark: "#000000" },
  error: { jupyterlab: "--jp-error-color1", vscode: "--vscode-errorForeground", light: "#d32f2f", dark: "#ef5350" },
  warn: { jupyterlab: "--jp-warn-color1", vscode: "--vscode-editorWarning-foreground", light: "#f57c00", dark: "#ffa726" },
  bestMarker: { jupyterlab: "--jp-success-color1", vscode: "--vscode-testing-iconPassed", light: "#388e3c", dark: "#66bb6a" },
  fontFamily: {
    jupyterlab: "--jp-ui-font-family",
    vscode: "--vscode-font-family",
    light: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
    dark: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
  },
} as const satisfies Record<string, PaletteRole>;

export type PaletteName = keyof typeof PALETTE;
export type Palette = Record<PaletteName, string>;

export const DARK_QUERY = "(prefers-color-scheme: dark)";
export const SCALE_VARIABLE = "--jaxscope-scale";
export const MIN_SCALE = 0.5;
export const MAX_SCALE = 3;

/** sRGB relative luminance of a CSS colour (#rgb, #rrggbb[aa], rgb()/rgba()); null if unreadable. */
export function luminance(color: string): number | null {
  const text = color.trim().toLowerCase();
  let rgb: number[] | null = null;
  const hex = /^#([0-9a-f]{3,8})$/.exec(text);
  if (hex) {
    const digits = hex[1];
    if (digits.length === 3 || digits.length === 4) rgb = [0, 1, 2].map((k) => parseInt(digits[k] + digits[k], 16));
    else if (digits.length === 6 || digits.length === 8) rgb = [0, 2, 4].map((k) => parseInt(digits.slice(k, k + 2), 16));
  }
  const functional = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(text);
  if (functional) rgb = [1, 2, 3].map((k) => Number(functional[k]));
  if (rgb === null || rgb.some((v) => !Number.isFinite(v))) return null;
  const linear = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
}

/** A background colour is dark when its luminance is under 0.4 (unreadable colours: not dark). */
function isDarkBackground(color: string): boolean {
  const value = luminance(color);
  return value !== null && value < 0.4;
}

/** The source and lightness of the page's theme, in the order of this module's docstring. */
export function detectThemeSource(env: ThemeEnvironment): ThemeSource {
  const jpLight = env.bodyAttribute("data-jp-theme-light");
  if (jpLight !== null) return { name: "jupyterlab", dark: jpLight === "false" };
  const jpBackground = env.variable(PALETTE.background.jupyterlab).trim();
  if (jpBackground) return { name: "jupyterlab", dark: isDarkBackground(jpBackground) };

  if (env.bodyHasClass("vscode-high-contrast-light") || env.bodyHasClass("vscode-light")) return { name: "vscode", dark: false };
  if (env.bodyHasClass("vscode-dark") || env.bodyHasClass("vscode-high-contrast")) return { name: "vscode", dark: true };
  const vsBackground = env.variable(PALETTE.background.vscode).trim();
  if (vsBackground) return { name: "vscode", dark: isDarkBackground(vsBackground) };

  const prefersDark = env.prefersDark();
  if (prefersDark !== null) return { name: "prefers-color-scheme", dark: prefersDark };
  return { name: "default", dark: false };
}

/** Each role's colour: the source's variable where set, else our palette for its lightness. */
export function resolvePalette(source: ThemeSource, env: Pick<ThemeEnvironment, "variable">): Palette {
  const palette = {} as Palette;
  for (const name of Object.keys(PALETTE) as PaletteName[]) {
    const role: PaletteRole = PALETTE[name];
    const own = source.name === "jupyterlab" ? role.jupyterlab : source.name === "vscode" ? role.vscode : null;
    const value = own === null ? "" : env.variable(own).trim();
    palette[name] = value || (source.dark ? role.dark : role.light);
  }
  return palette;
}

/**
 * `--jaxscope-scale` as a number: 1 when unset or unreadable, clamped to [0.5, 3].
 *
 * @example
 *   parseScale(" 1.5")   // 1.5
 *   parseScale("big")    // 1
 */
export function parseScale(text: string): number {
  const value = Number.parseFloat(text.trim());
  if (!Number.isFinite(value) || value <= 0) return 1;
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, value));
}

/** The real page seen from `element` (its computed style; <body>; matchMedia). */
export function pageEnvironment(element: Element): ThemeEnvironment {
  const style = getComputedStyle(element);
  const body = element.ownerDocument.body;
  const view = element.ownerDocument.defaultView;
  return {
    variable: (name) => style.getPropertyValue(name),
    bodyAttribute: (name) => body?.getAttribute(name) ?? null,
    bodyHasClass: (name) => body?.classList.contains(name) ?? false,
    prefersDark: () =>
      typeof view?.matchMedia === "function" ? view.matchMedia(DARK_QUERY).matches : null,
  };
}
