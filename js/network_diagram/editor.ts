/**
 * The number field that edit mode opens where the user clicked: it holds the current value,
 * selected; Enter commits a finite number (anything else outlines it in red and keeps it open),
 * Escape or a press anywhere else cancels. Not a blur: JupyterLab moves focus back to the notebook
 * after a click in an output, so the field takes the focus back on the next frame.
 *
 * @example
 *   const editor = openValueEditor(root, {left: 120, top: 80}, "-0.4213", (value) => model.send(...), () => {});
 *   editor.close();   // idempotent; calls `closed` once
 */
import { element } from "../shared/dom";
import { parseEditValue } from "./edit";

export interface ValueEditor {
  input: HTMLInputElement;
  close(): void;
}

export function openValueEditor(
  host: HTMLElement,
  position: { left: number; top: number },
  initial: string,
  commit: (value: number) => void,
  closed: () => void,
): ValueEditor {
  const input = element("input", {
    type: "text",
    inputmode: "decimal",
    spellcheck: "false",
    autocomplete: "off",
    class: "jaxscope-input jaxscope-diagram-edit",
    "data-testid": "diagram-edit-input",
    "aria-label": "New value",
  });
  input.value = initial;
  input.style.left = `${Math.max(0, position.left)}px`;
  input.style.top = `${Math.max(0, position.top)}px`;
  let open = true;
  const doc = host.ownerDocument;
  const pressedElsewhere = (event: Event) => {
    if (event.target !== input) close();
  };
  const close = () => {
    if (!open) return;
    open = false;
    doc.removeEventListener("pointerdown", pressedElsewhere, true);
    input.remove();
    closed();
  };
  input.addEventListener("keydown", (event) => {
    // Keep Enter/Escape from reaching the notebook (command mode, run cell).
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === "Enter") {
      event.preventDefault();
      event.stopPropagation();
      const value = parseEditValue(input.value);
      if (value === null) {
        input.classList.add("jaxscope-invalid");
        input.setAttribute("aria-invalid", "true");
        return;
      }
      close();
      commit(value);
    }
  });
  input.addEventListener("input", () => {
    input.classList.remove("jaxscope-invalid");
    input.removeAttribute("aria-invalid");
  });
  doc.addEventListener("pointerdown", pressedElsewhere, true);
  host.append(input);
  input.focus();
  input.select();
  const view = doc.defaultView;
  view?.requestAnimationFrame(() => {
    if (open && doc.activeElement !== input) {
      input.focus();
      input.select();
    }
  });
  return { input, close };
}
