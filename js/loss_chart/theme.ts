/**
 * Colours and font for the canvas, read from JupyterLab's CSS variables so the chart follows
 * the light and dark themes; light defaults outside JupyterLab.
 *
 * @example
 *   resolveTheme((name) => name === "--jp-layout-color0" ? "#111" : "").background  // "#111"
 */
export interface Theme {
  background: string;
  text: string;
  mutedText: string;
  grid: string;
  axis: string;
  bestMarker: string;
  fontFamily: string;
}

const VARIABLES: Record<keyof Theme, readonly [string, string]> = {
  background: ["--jp-layout-color0", "#ffffff"],
  text: ["--jp-ui-font-color1", "rgba(0, 0, 0, 0.87)"],
  mutedText: ["--jp-ui-font-color2", "rgba(0, 0, 0, 0.54)"],
  grid: ["--jp-border-color2", "#e0e0e0"],
  axis: ["--jp-border-color1", "#bdbdbd"],
  bestMarker: ["--jp-success-color1", "#388e3c"],
  fontFamily: [
    "--jp-ui-font-family",
    'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
  ],
};

/** The theme from a CSS-variable lookup (empty string = unset). */
export function resolveTheme(lookup: (variable: string) => string): Theme {
  const theme = {} as Theme;
  for (const key of Object.keys(VARIABLES) as (keyof Theme)[]) {
    const [variable, fallback] = VARIABLES[key];
    theme[key] = lookup(variable).trim() || fallback;
  }
  return theme;
}

/** The theme in effect at `element` (call once per draw: it forces a style computation). */
export function readTheme(element: Element): Theme {
  const style = getComputedStyle(element);
  return resolveTheme((variable) => style.getPropertyValue(variable));
}
