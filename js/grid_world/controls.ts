/**
 * The replay's controls: step back, play / pause, step forward, the speed, a time slider, and the list
 * of episodes with their returns (click one to replay it). Pure DOM; the widget wires the callbacks.
 *
 * @example
 *   const controls = createControls({onPlay, onStep, onSpeed, onSeek, onEpisode}, signal);
 *   controls.update({playing: true, move: 3, length: 80, speed: 12});
 *   controls.setEpisodes([50, 40, null], 0);
 */
import { element } from "../shared/dom";

export const SPEEDS = [3, 6, 12, 24, 48];

export interface ControlHandlers {
  onPlay(): void;
  onStep(moves: number): void;
  onSpeed(speed: number): void;
  onSeek(move: number): void;
  onEpisode(index: number): void;
}

export interface Controls {
  bar: HTMLElement;
  episodes: HTMLElement;
  update(state: { playing: boolean; move: number; length: number; speed: number }): void;
  setEpisodes(returns: (number | null)[], current: number): void;
}

/** A return as shown: signed, one decimal unless whole ("+50", "-3.5", "n/a"). */
export function formatReturn(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return "n/a";
  const text = Number.isInteger(value) ? String(Math.abs(value)) : Math.abs(value).toFixed(1);
  return `${value < 0 ? "−" : "+"}${text}`;
}

export function createControls(handlers: ControlHandlers, signal: AbortSignal): Controls {
  const listen = { signal };
  const button = (action: string, label: string, title: string) =>
    element("button", { class: "jaxscope-button", "data-action": action, title, type: "button" }, label);
  const back = button("back", "◀ step", "one move back");
  const play = button("play", "⏸ pause", "play or pause the replay");
  const forward = button("forward", "step ▶", "one move on");
  const speed = element("select", { class: "jaxscope-input", "data-testid": "grid-world-speed", title: "moves per second" });
  for (const s of SPEEDS) speed.append(element("option", { value: String(s) }, `${s} moves/s`));
  const time = element("input", { type: "range", min: "0", max: "0", step: "1", value: "0", class: "jaxscope-gw-time", "data-testid": "grid-world-time", "aria-label": "move" });
  back.addEventListener("click", () => handlers.onStep(-1), listen);
  forward.addEventListener("click", () => handlers.onStep(1), listen);
  play.addEventListener("click", () => handlers.onPlay(), listen);
  speed.addEventListener("change", () => handlers.onSpeed(Number(speed.value)), listen);
  time.addEventListener("input", () => handlers.onSeek(Number(time.value)), listen);
  const bar = element("div", { class: "jaxscope-gw-controls" }, back, play, forward, speed, time);
  const episodes = element("div", { class: "jaxscope-gw-episodes", "data-testid": "grid-world-episodes", style: "display: flex; flex-direction: column; gap: 4px" });
  episodes.addEventListener(
    "click",
    (event) => {
      const target = (event.target as HTMLElement).closest<HTMLElement>("[data-index]");
      if (target) handlers.onEpisode(Number(target.dataset.index));
    },
    listen,
  );
  let shownReturns = "";
  return {
    bar,
    episodes,
    update({ playing, move, length, speed: current }) {
      play.textContent = playing ? "⏸ pause" : "▶ play";
      play.dataset.playing = String(playing);
      if (time.max !== String(length)) time.max = String(length);
      if (time.value !== String(move)) time.value = String(move);
      const nearest = SPEEDS.reduce((a, b) => (Math.abs(b - current) < Math.abs(a - current) ? b : a));
      if (speed.value !== String(nearest)) speed.value = String(nearest);
    },
    setEpisodes(returns, current) {
      const key = JSON.stringify(returns);
      if (key !== shownReturns) {
        shownReturns = key;
        episodes.replaceChildren(
          ...returns.map((value, index) =>
            element(
              "button",
              { class: "jaxscope-button jaxscope-gw-episode", type: "button", "data-testid": "grid-world-episode", "data-index": String(index), "data-return": value == null ? "" : String(value) },
              element("span", {}, `episode ${index + 1}`),
              element("b", {}, formatReturn(value)),
            ),
          ),
        );
      }
      episodes.querySelectorAll<HTMLElement>("[data-index]").forEach((node) => {
        node.classList.toggle("jaxscope-pressed", Number(node.dataset.index) === current);
      });
    },
  };
}
