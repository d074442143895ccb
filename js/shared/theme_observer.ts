/**
 * JupyterLab marks a theme switch with attributes on <body>: call `onChange` on each switch, so
 * a canvas widget can redraw in the new colours. Returns a function that stops watching; where
 * MutationObserver is missing it watches nothing.
 *
 * @example
 *   const stop = observeTheme(() => redraw.request());
 *   stop();   // on cleanup
 */
export function observeTheme(onChange: () => void): () => void {
  if (typeof MutationObserver === "undefined") return () => {};
  const observer = new MutationObserver(() => onChange());
  observer.observe(document.body, {
    attributes: true,
    attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"],
  });
  return () => observer.disconnect();
}
