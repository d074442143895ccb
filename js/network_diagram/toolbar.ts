/**
 * The NetworkDiagram toolbar: the "Edit weights" toggle (disabled, saying why, while the
 * diagram is not editable) and, per conv layer with more than one input channel, a picker of
 * the input channel whose kernel slices are drawn. It only builds and updates DOM; the widget
 * decides what the controls do.
 *
 * @example
 *   const toolbar = createDiagramToolbar({onToggleEdit, onChannel}, signal);
 *   toolbar.update({editing: false, editable: true});
 *   toolbar.setChannelPickers([{layer: 0, name: "conv_0", inChannels: 3}], new Map([[0, 2]]));
 */
import { element } from "../shared/dom";

export const NOT_EDITABLE_TITLE = "Pause training to edit weights";
export const EDITABLE_TITLE = "Click an edge or a neuron to set its value";

export interface ChannelPicker {
  /** The conv layer's index in `architecture.layers`. */
  layer: number;
  name: string;
  inChannels: number;
}

export interface DiagramToolbar {
  root: HTMLElement;
  editToggle: HTMLButtonElement;
  update(state: { editing: boolean; editable: boolean }): void;
  /** Show one picker per entry (rebuilt only when the list changes), each set to `selected`'s channel. */
  setChannelPickers(pickers: readonly ChannelPicker[], selected: ReadonlyMap<number, number>): void;
}

export function createDiagramToolbar(
  handlers: { onToggleEdit(): void; onChannel(layer: number, channel: number): void },
  signal: AbortSignal,
): DiagramToolbar {
  const editToggle = element(
    "button",
    { type: "button", class: "jaxscope-button", "data-testid": "diagram-edit-toggle", "aria-pressed": "false", title: EDITABLE_TITLE },
    "Edit weights",
  );
  const channels = element("span", { class: "jaxscope-diagram-channels" });
  const root = element("div", { class: "jaxscope-toolbar jaxscope-diagram-toolbar", "data-testid": "diagram-toolbar" }, editToggle, channels);
  let pickersKey = "";

  editToggle.addEventListener("click", () => handlers.onToggleEdit(), { signal });
  channels.addEventListener(
    "change",
    (event) => {
      const select = event.target as HTMLSelectElement;
      if (select.dataset.layer !== undefined) handlers.onChannel(Number(select.dataset.layer), Number(select.value));
    },
    { signal },
  );

  return {
    root,
    editToggle,
    update({ editing, editable }) {
      editToggle.disabled = !editable;
      editToggle.title = editable ? EDITABLE_TITLE : NOT_EDITABLE_TITLE;
      editToggle.setAttribute("aria-pressed", String(editing));
      editToggle.classList.toggle("jaxscope-pressed", editing);
    },
    setChannelPickers(pickers, selected) {
      const key = pickers.map((p) => `${p.layer}:${p.name}:${p.inChannels}`).join(",");
      if (key !== pickersKey) {
        pickersKey = key;
        channels.replaceChildren(
          ...pickers.map(({ layer, name, inChannels }) => {
            const options = Array.from({ length: inChannels }, (_, k) => element("option", { value: String(k) }, String(k)));
            const select = element(
              "select",
              { class: "jaxscope-input jaxscope-diagram-channel", "data-testid": "diagram-channel", "data-layer": String(layer) },
              ...options,
            );
            return element("label", { class: "jaxscope-field" }, `${name} in-channel`, select);
          }),
        );
      }
      for (const select of channels.querySelectorAll("select")) {
        select.value = String(selected.get(Number(select.dataset.layer)) ?? 0);
      }
    },
  };
}
