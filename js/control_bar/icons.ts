/**
 * The control bar's button icons: small inline SVGs built in code (no icon font, no files), so
 * they render on machines whose fonts lack ⏸ or ⏭. They are drawn on a 16-unit grid in
 * `currentColor` (they follow the button's text colour, disabled and themed states included)
 * and sized 1em (they follow the font size); vector shapes stay sharp at any zoom or DPI.
 *
 * @example
 *   button.append(icon("pause"), "Pause");
 */
import { svgElement } from "../shared/dom";
import type { CommandAction } from "../shared/protocol";

type Shape = [tag: "path" | "rect", attributes: Record<string, string>];

const filled = (d: string): Shape => ["path", { d, fill: "currentColor" }];
const bar = (x: number, width: number): Shape => [
  "rect",
  { x: String(x), y: "2.5", width: String(width), height: "11", rx: "0.75", fill: "currentColor" },
];

/** The buttons with an icon: the commands, and Save (shown when trainer.checkpoint_dir is set). */
export type IconName = CommandAction | "save";

const SHAPES: Record<IconName, Shape[]> = {
  // A play triangle, its centre of mass nudged right so it looks centred.
  start: [filled("M4.5 2.3v11.4a.6.6 0 0 0 .9.5l8.6-5.7a.6.6 0 0 0 0-1L5.4 1.8a.6.6 0 0 0-.9.5z")],
  // Two bars.
  pause: [bar(3.5, 3.25), bar(9.25, 3.25)],
  // Play triangle against a bar: advance by a step.
  step: [filled("M2.5 2.3v11.4a.6.6 0 0 0 .9.5l7.6-5.7a.6.6 0 0 0 0-1L3.4 1.8a.6.6 0 0 0-.9.5z"), bar(11, 2.5)],
  // An anticlockwise open circle with its arrowhead at the top pointing left.
  reset: [
    [
      "path",
      {
        d: "M3.24 5.78A5.25 5.25 0 1 0 8 2.75",
        fill: "none",
        stroke: "currentColor",
        "stroke-width": "2",
        "stroke-linecap": "round",
      },
    ],
    filled("M4.6 2.75 8.6 0.2v5.1z"),
  ],
  // A floppy disk: its body with the shutter and the label cut out.
  save: [
    [
      "path",
      {
        d: "M2 2.5A.5.5 0 0 1 2.5 2h9l2.5 2.5v9a.5.5 0 0 1-.5.5h-11a.5.5 0 0 1-.5-.5zM5 3.2h5v2.6H5zM4.5 9h7v3.6h-7z",
        fill: "currentColor",
        "fill-rule": "evenodd",
      },
    ],
  ],
};

export const ICON_CLASS = "jaxscope-icon";

/** A fresh 1em x 1em SVG icon for `action`, hidden from screen readers (the label names it). */
export function icon(action: IconName): SVGSVGElement {
  return svgElement(
    "svg",
    {
      class: ICON_CLASS,
      viewBox: "0 0 16 16",
      width: "1em",
      height: "1em",
      "aria-hidden": "true",
      focusable: "false",
    },
    ...SHAPES[action].map(([tag, attributes]) => svgElement(tag, attributes)),
  );
}
