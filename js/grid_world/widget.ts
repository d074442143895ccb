/**
 * GridWorldView's front end (anywidget module): an SVG of the grid world with the policy as arrows
 * (redrawn when the kernel sends a new policy) and the sampled episodes replayed in the browser with
 * requestAnimationFrame: play / pause, step, speed, a time slider and the episodes' returns. New
 * episodes take over when the one on screen ends (at once when paused), so a replay is never cut off
 * by training; the arrows always show the latest policy. `initialize` answers the kernel's pings
 * (shared/frame_ack.ts). Traits: ./traits.ts.
 */
import type { AnyModel, RenderProps } from "@anywidget/types";
import { element } from "../shared/dom";
import { initialize } from "../shared/frame_ack";
import { subscriptions } from "../shared/subscriptions";
import { createControls, formatReturn } from "./controls";
import { arrowCode, bestActions } from "./policy";
import { advance, choose, replayFrame, startReplay, stepBy, type Replay } from "./replay";
import { buildScene, drawPolicy, drawReplay, type Scene } from "./scene";
import { GRID_WORLD_CSS } from "./style";
import { decodeWorld, type GridWorld, type GridWorldTraits } from "./traits";

type Model = AnyModel<GridWorldTraits>;

function render({ model, el }: Pick<RenderProps<GridWorldTraits>, "model" | "el">): () => void {
  const dom = new AbortController();
  const subs = subscriptions(model as Model);
  let world: GridWorld | null = null;          // the latest from the kernel: the arrows
  let replayed: GridWorld | null = null;       // the one whose episodes are replayed
  let scene: Scene | null = null;
  let sceneKey = "";
  let replay: Replay = startReplay(true);
  let speed = Number(model.get("speed")) || 12;
  let handle: number | null = null;
  let last: number | null = null;

  const title = element("div", { class: "jaxscope-gw-title", "data-testid": "grid-world-title" });
  const problem = element("div", { class: "jaxscope-gw-problem", "data-testid": "grid-world-problem" });
  const readout = element("div", { class: "jaxscope-gw-readout", "data-testid": "grid-world-readout" });
  const legend = element("div", { class: "jaxscope-gw-legend" }, "arrows: most likely move (longer, darker: more certain) · orange: the agent and its path");
  const picture = element("div", { class: "jaxscope-gw-picture" });
  const controls = createControls(
    {
      onPlay: () => setPlaying(!replay.playing),
      onStep: (moves) => {
        replay = stepBy(replay, moves, replayed?.length ?? 0);
        showReplay();
        stopLoop();
      },
      onSpeed: (value) => {
        speed = value;
        model.set("speed", value);
        model.save_changes();
      },
      onSeek: (move) => {
        replay = stepBy({ ...replay, time: move }, 0, replayed?.length ?? 0);
        showReplay();
        stopLoop();
      },
      onEpisode: (index) => {
        replayed = world;
        replay = choose(replay, index);
        showReplay();
      },
    },
    dom.signal,
  );
  const side = element("div", { class: "jaxscope-gw-side" }, readout, controls.episodes);
  const root = element(
    "div",
    {
      class: "jaxscope jaxscope-grid-world-widget",
      "data-testid": "grid-world",
      "data-arrows": "",
      "data-step": "",
      "data-frame": "0",
      "data-replay-step": "",
      "data-trajectory": "0",
      "data-move": "0",
      "data-playing": "true",
    },
    element("style", {}, GRID_WORLD_CSS),
    title,
    element("div", { class: "jaxscope-gw-main" }, picture, side),
    controls.bar,
    legend,
    problem,
  );
  el.append(root);

  function showReplay(): void {
    if (!scene || !replayed) return;
    const frame = replayFrame(replayed, replay);
    drawReplay(scene, frame);
    root.dataset.trajectory = String(replay.trajectory);
    root.dataset.move = String(frame?.move ?? 0);
    root.dataset.playing = String(replay.playing);
    root.dataset.replayStep = String(replayed.step);
    controls.update({ playing: replay.playing, move: frame?.move ?? 0, length: replayed.length, speed });
    controls.setEpisodes(replayed.returns, replay.trajectory);
    readout.textContent = frame
      ? `episode ${replay.trajectory + 1} · move ${frame.move} / ${replayed.length} · return ${formatReturn(frame.returnSoFar)}`
      : "";
  }

  function tick(now: number): void {
    handle = null;
    const seconds = last === null ? 0 : Math.min(0.1, (now - last) / 1000);
    last = now;
    if (replayed) {
      const before = replay.trajectory;
      replay = advance(replay, seconds, speed, replayed);
      if (replay.trajectory !== before || (replay.time === 0 && replayed !== world)) {
        replayed = world;             // a new episode starts: with the latest episodes
        if (replayed && replay.trajectory >= replayed.trajectories) replay = choose(replay, 0);
      }
      showReplay();
    }
    if (replay.playing) handle = requestAnimationFrame(tick);
  }

  function startLoop(): void {
    if (handle === null && replay.playing) {
      last = null;
      handle = requestAnimationFrame(tick);
    }
  }

  function stopLoop(): void {
    if (handle !== null) cancelAnimationFrame(handle);
    handle = null;
  }

  function setPlaying(playing: boolean): void {
    replay = { ...replay, playing };
    if (playing) {
      if (replayed && replay.time >= replayed.length) replay = choose(replay, replay.trajectory);
      startLoop();
    } else stopLoop();
    showReplay();
  }

  function load(): void {
    try {
      world = decodeWorld((key) => model.get(key));
      problem.textContent = "";
    } catch (error) {
      problem.textContent = (error as Error).message;
      return;
    }
    const size = Number(model.get("cell_size")) || 40;
    const key = JSON.stringify([model.get("grid"), size]);
    if (key !== sceneKey) {
      sceneKey = key;
      scene = buildScene(world, size);
      picture.replaceChildren(scene.svg);
      replayed = null;
    }
    const best = bestActions(world);
    drawPolicy(scene!, world, best);
    root.dataset.arrows = arrowCode(best, world.cols);
    root.dataset.step = String(world.step);
    root.dataset.frame = String(model.get("frame") ?? 0);
    const name = model.get("title") ?? "";
    title.textContent = [name, world.trajectories ? `policy at step ${world.step}` : ""].filter(Boolean).join(" · ");
    // Replace the replayed episodes now unless one is playing mid-way (then when it ends).
    const midway = replay.playing && replayed !== null && replay.time > 0;
    if (!midway || replayed === null || replayed.trajectories === 0) {
      replayed = world;
      if (replay.trajectory >= world.trajectories) replay = choose(replay, 0);
      if (replay.time > world.length) replay = { ...replay, time: world.length };
    }
    showReplay();
    startLoop();
  }

  subs.on("change:frame", load);
  subs.on("change:grid", load);
  subs.on("change:cell_size", load);
  subs.on("change:title", load);
  subs.on("change:speed", () => {
    speed = Number(model.get("speed")) || speed;
    showReplay();
  });
  load();

  return () => {
    stopLoop();
    subs.dispose();
    dom.abort();
    root.remove();
  };
}

export default { initialize, render };
