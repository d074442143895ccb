/**
 * Colours, font and scale for the canvases (the loss chart and the network diagram), from the
 * page's theme as js/shared/theme_source.ts resolves it: JupyterLab, VS Code, then
 * prefers-color-scheme; `scale` is `--jaxscope-scale` (1 unless a dashboard or the user sets it).
 *
 * @example
 *   resolveTheme((name) => name === "--jp-layout-color0" ? "#111" : "").background  // "#111"
 *   readTheme(canvas.parentElement!).scale   // 1.5 inside trainer.show(scale=1.5)
 */
import {
  detectThemeSource,
  pageEnvironment,
  parseScale,
  resolvePalette,
  SCALE_VARIABLE,
  type ThemeEnvironment,
  type ThemeSourceName,
} from "../shared/theme_source";

export interface Theme {
  background: string;
  text: string;
  mutedText: string;
  grid: string;
  axis: string;
  bestMarker: string;
  fontFamily: string;
  /** Whether the resolved theme is dark, and where it came from. */
  dark: boolean;
  source: ThemeSourceName;
  /** Multiplies font sizes and line widths (projectors): `--jaxscope-scale`, 1 by default. */
  scale: number;
}

/** A CSS-variable lookup alone (empty string = unset): the environment of a page without body or media. */
function lookupOnly(lookup: (variable: string) => string): ThemeEnvironment {
  return { variable: lookup, bodyAttribute: () => null, bodyHasClass: () => false, prefersDark: () => null };
}

/** The theme in an environment (or from a bare CSS-variable lookup, as tests use it). */
export function resolveTheme(lookup: ((variable: string) => string) | ThemeEnvironment): Theme {
  const env = typeof lookup === "function" ? lookupOnly(lookup) : lookup;
  const source = detectThemeSource(env);
  const palette = resolvePalette(source, env);
  return {
    background: palette.background,
    text: palette.text,
    mutedText: palette.mutedText,
    grid: palette.grid,
    axis: palette.axis,
    bestMarker: palette.bestMarker,
    fontFamily: palette.fontFamily,
    dark: source.dark,
    source: source.name,
    scale: parseScale(env.variable(SCALE_VARIABLE)),
  };
}

/** The theme in effect at `element` (call once per draw: it forces a style computation). */
export function readTheme(element: Element): Theme {
  return resolveTheme(pageEnvironment(element));
}

/**
 * A canvas font at `px` CSS pixels times the theme's scale.
 *
 * @example
 *   themeFont(theme, 11)          // "16.5px system-ui, ..." at scale 1.5
 *   themeFont(theme, 13, "600")   // "600 13px ..." at scale 1
 */
export function themeFont(theme: Theme, px: number, weight = ""): string {
  const size = Math.round(px * theme.scale * 100) / 100;
  return `${weight ? `${weight} ` : ""}${size}px ${theme.fontFamily}`;
}
