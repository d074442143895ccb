/**
 * The grid world's own styles, scoped under `.jaxscope-grid-world-widget` and built from the shared
 * theme variables (js/shared/theme.css), so the light and dark themes both work. Injected once per
 * rendered widget (the shared stylesheet belongs to every widget; this one only to this widget).
 */
export const GRID_WORLD_CSS = `
.jaxscope-grid-world-widget { display: flex; flex-direction: column; gap: 6px; padding: 4px 0; }
.jaxscope-grid-world-widget .jaxscope-gw-title { font-weight: 600; font-size: 14px; }
.jaxscope-grid-world-widget .jaxscope-gw-main { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.jaxscope-grid-world-widget svg { display: block; flex: none; }
.jaxscope-grid-world-widget .jaxscope-gw-side { display: flex; flex-direction: column; gap: 6px; min-width: 13em; }
.jaxscope-grid-world-widget .jaxscope-gw-episode { justify-content: space-between; font-variant-numeric: tabular-nums; min-height: 28px; }
.jaxscope-grid-world-widget .jaxscope-gw-readout { font-size: 15px; font-variant-numeric: tabular-nums; min-height: 1.4em; }
.jaxscope-grid-world-widget .jaxscope-gw-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.jaxscope-grid-world-widget .jaxscope-gw-controls .jaxscope-button { min-height: 28px; padding: 2px 10px; }
.jaxscope-grid-world-widget .jaxscope-gw-time { width: 12em; accent-color: var(--jaxscope-accent); }
.jaxscope-grid-world-widget .jaxscope-gw-problem { color: var(--jaxscope-error); font-weight: 600; }
.jaxscope-grid-world-widget .jaxscope-gw-problem:empty { display: none; }
.jaxscope-grid-world-widget .jaxscope-gw-legend { color: var(--jaxscope-muted); font-size: 12px; }
`;
