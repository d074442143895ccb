/**
 * The grid world's own styles, scoped under `.jaxscope-grid-world-widget` and built from the shared
 * theme variables (js/shared/theme.css), so the light and dark themes both work; sizes follow
 * `--jaxscope-scale` (projectors) like the shared stylesheet's. Injected once per
 * rendered widget (the shared stylesheet belongs to every widget; this one only to this widget).
 */
export const GRID_WORLD_CSS = `
.jaxscope-grid-world-widget { display: flex; flex-direction: column; gap: calc(6px * var(--jaxscope-scale, 1)); padding: calc(4px * var(--jaxscope-scale, 1)) 0; }
.jaxscope-grid-world-widget .jaxscope-gw-title { font-weight: 600; font-size: calc(14px * var(--jaxscope-scale, 1)); }
.jaxscope-grid-world-widget .jaxscope-gw-main { display: flex; flex-wrap: wrap; gap: calc(16px * var(--jaxscope-scale, 1)); align-items: flex-start; }
.jaxscope-grid-world-widget svg { display: block; flex: none; }
.jaxscope-grid-world-widget .jaxscope-gw-side { display: flex; flex-direction: column; gap: calc(6px * var(--jaxscope-scale, 1)); min-width: 13em; }
.jaxscope-grid-world-widget .jaxscope-gw-episode { justify-content: space-between; font-variant-numeric: tabular-nums; min-height: calc(28px * var(--jaxscope-scale, 1)); }
.jaxscope-grid-world-widget .jaxscope-gw-readout { font-size: calc(15px * var(--jaxscope-scale, 1)); font-variant-numeric: tabular-nums; min-height: 1.4em; }
.jaxscope-grid-world-widget .jaxscope-gw-controls { display: flex; flex-wrap: wrap; align-items: center; gap: calc(8px * var(--jaxscope-scale, 1)); }
.jaxscope-grid-world-widget .jaxscope-gw-controls .jaxscope-button { min-height: calc(28px * var(--jaxscope-scale, 1)); padding: calc(2px * var(--jaxscope-scale, 1)) calc(10px * var(--jaxscope-scale, 1)); }
.jaxscope-grid-world-widget .jaxscope-gw-time { width: 12em; accent-color: var(--jaxscope-accent); }
.jaxscope-grid-world-widget .jaxscope-gw-problem { color: var(--jaxscope-error); font-weight: 600; }
.jaxscope-grid-world-widget .jaxscope-gw-problem:empty { display: none; }
.jaxscope-grid-world-widget .jaxscope-gw-legend { color: var(--jaxscope-muted); font-size: calc(12px * var(--jaxscope-scale, 1)); }
`;
