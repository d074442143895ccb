/**
 * Call `onChange` whenever the page's theme may have changed, so a canvas widget redraws in the
 * new colours and scale: JupyterLab's `data-jp-theme-*` attributes on <body>, VS Code's body
 * classes and the `--vscode-*` variables it writes into <html style>, the
 * `prefers-color-scheme` media query, and `--jaxscope-scale` set on a dashboard's style.
 * Returns a function that stops watching; where MutationObserver or matchMedia is missing it
 * watches what it can.
 *
 * @example
 *   const stop = observeTheme(() => redraw.request());
 *   stop();   // on cleanup
 */
import { DARK_QUERY } from "./theme_source";

/** Attributes whose change can change the theme (a style change only on the elements below). */
export const THEME_ATTRIBUTES = ["data-jp-theme-light", "data-jp-theme-name", "class", "style", "data-vscode-theme-kind"];
/** Elements whose inline style can carry theme variables (`--vscode-*`, `--jaxscope-scale`). */
const STYLE_CARRIERS = ".jaxscope-dashboard, .jaxscope-view, .jaxscope";

function isThemeChange(record: MutationRecord, doc: Document): boolean {
  const target = record.target as Element;
  if (target === doc.documentElement || target === doc.body) return true;
  return record.attributeName === "style" && typeof target.matches === "function" && target.matches(STYLE_CARRIERS);
}

export function observeTheme(onChange: () => void, doc: Document = document): () => void {
  const stops: (() => void)[] = [];
  if (typeof MutationObserver !== "undefined") {
    const check = (records: MutationRecord[]) => {
      if (records.some((record) => isThemeChange(record, doc))) onChange();
    };
    // <html> and <body>: the front ends' switches (attributes, classes, variables in style).
    const page = new MutationObserver(check);
    page.observe(doc.documentElement, { attributes: true, attributeFilter: THEME_ATTRIBUTES });
    if (doc.body) page.observe(doc.body, { attributes: true, attributeFilter: THEME_ATTRIBUTES });
    stops.push(() => page.disconnect());
    // Below <body>, inline styles only: a scale that the control bar or the user sets on a dashboard.
    if (doc.body) {
      const styles = new MutationObserver(check);
      styles.observe(doc.body, { attributes: true, attributeFilter: ["style"], subtree: true });
      stops.push(() => styles.disconnect());
    }
  }
  const media = typeof doc.defaultView?.matchMedia === "function" ? doc.defaultView.matchMedia(DARK_QUERY) : null;
  if (media && typeof media.addEventListener === "function") {
    const listener = () => onChange();
    media.addEventListener("change", listener);
    stops.push(() => media.removeEventListener("change", listener));
  }
  return () => stops.forEach((stop) => stop());
}
