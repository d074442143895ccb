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
