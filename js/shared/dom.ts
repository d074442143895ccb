/**
 * A tiny element builder for the widgets' DOM.
 *
 * @example
 *   element("button", {class: "jaxscope-button", "data-action": "start"}, "▶ Start")
 */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * The SVG counterpart of `element` (SVG elements need their namespace).
 *
 * @example
 *   svgElement("svg", {viewBox: "0 0 16 16"}, svgElement("path", {d: "M4 2.5v11l9.5-5.5z"}))
 */
export function svgElement<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Node[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
