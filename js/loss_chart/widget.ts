/**
 * LossChart front end (anywidget module): wires the model's traits and "points" messages to
 * the series store, the viewport and the canvas renderer; `initialize` answers the kernel's
 * pings (shared/frame_ack.ts). A comparison chart (`runs` trait) adds a legend of runs that
 * toggles them; an ensemble's members show while the pointer is over the chart. See docs/protocol.md.
 */
import type { AnyModel, RenderProps } from "@anywidget/types";
import { observeWidth, sizeCanvas } from "../shared/canvas_size";
import { element } from "../shared/dom";
import { initialize } from "../shared/frame_ack";
import { frameScheduler } from "../shared/frame_scheduler";
import {
  changeEvent,
  CUSTOM_MESSAGE,
  decodePoints,
  isPointsMessage,
  LOSS_CHART,
  LOSS_SERIES,
  readyMessage,
  type LossChartTraits,
  type RunEntry,
  type WireBuffer,
} from "../shared/protocol";
import { showSaved } from "../shared/saved_state";
import { subscriptions } from "../shared/subscriptions";
import { observeTheme } from "../shared/theme_observer";
import { downloadCanvas } from "./export_png";
import { prepareFrame, type Frame } from "./frame";
import { attachInteraction } from "./interaction";
import { formatReadout, readoutAt } from "./readout";
import { drawFrame } from "./renderer";
import { asRuns, createRunLegend, toggledRun } from "./run_legend";
import { mainName, parseSeriesName } from "./series_name";
import { SeriesStore } from "./series_store";
import { readTheme } from "./theme";
import { createToolbar, SMOOTHING_MAX } from "./toolbar";
import { FOLLOW, isFollowing, onScaleChange, type Viewport } from "./viewport";

type Model = AnyModel<LossChartTraits>;

export const PNG_FILENAME = "loss.png";

function render({ model, el }: Pick<RenderProps<LossChartTraits>, "model" | "el">): () => void {
  const store = new SeriesStore(model.get(LOSS_CHART.smoothing));
  let view: Viewport = FOLLOW;
  let hoverX: number | null = null;
  let hoverY: number | null = null;
  let runs: RunEntry[] = asRuns(model.get(LOSS_CHART.runs));
  let membersKept = false;
  let containerWidth = 0;
  let lastFrame: Frame | null = null;
  let context: CanvasRenderingContext2D | null | undefined;

  const toolbar = createToolbar();
  const canvas = element("canvas", { class: "jaxscope-canvas", "data-testid": "loss-canvas" });
  const readout = element("div", { class: "jaxscope-readout", "data-testid": "readout" });
  const legend = createRunLegend((key) => {
    model.set(LOSS_CHART.runs, toggledRun(runs, key));
    model.save_changes();
  });
  const root = element(
    "div",
    { class: "jaxscope jaxscope-loss-chart", "data-testid": "loss-chart", "data-points": "0", "data-series": "" },
    toolbar.root,
    legend.root,
    canvas,
    readout,
  );
  canvas.style.height = `${model.get(LOSS_CHART.height)}px`;
  el.append(root);

  const hiddenRuns = () => new Set(runs.filter((run) => !run.visible).map((run) => run.key));
  /** Every non-empty series of a shown run. */
  const visibleSeries = () => {
    const hidden = hiddenRuns();
    const withRuns = runs.length > 0;
    return store.all().filter((s) => s.length > 0 && !(withRuns && hidden.has(parseSeriesName(s.name, true).run ?? "")));
  };
  const hasMembers = () => store.names().some((name) => parseSeriesName(name, runs.length > 0).part === "member");
  /** Points of the training loss: of the one run, or of every run compared. */
  const lossPoints = () =>
    runs.length === 0 ? store.count(LOSS_SERIES) : runs.reduce((n, run) => n + store.count(mainName(run.key, LOSS_SERIES)), 0);

  function draw(): void {
    const smoothing = store.smoothing;
    const series = visibleSeries();
    const showMembers = membersKept || hoverX !== null;
    // --jaxscope-scale zooms the whole chart: the frame is laid out at width / scale and drawn
    // scale times larger, so fonts, lines and margins all grow together.
    const theme = readTheme(root);
    const height = model.get(LOSS_CHART.height);
    canvas.style.height = `${height * theme.scale}px`;
    const width = containerWidth || root.clientWidth;
    lastFrame =
      width > 0
        ? prepareFrame({
            width: width / theme.scale,
            height,
            series,
            view,
            logY: model.get(LOSS_CHART.logY),
            smoothing,
            stepExtent: store.stepExtent(),
            runs,
            members: showMembers,
          })
        : null;
    root.dataset.members = showMembers && hasMembers() ? "shown" : "hidden";
    const hoverStep = hoverX !== null && lastFrame !== null ? lastFrame.x.toData(hoverX) : null;
    const frame = lastFrame;
    const memberDistance =
      showMembers && frame !== null && hoverY !== null
        ? (value: number) => Math.abs(frame.y.toPixel(value) - (hoverY as number))
        : null;
    const entries = readoutAt(series, hoverStep, smoothing, { runs, memberDistance });
    readout.textContent = formatReadout(entries, runs);
    if (lastFrame === null) return;

    const pixelRatio = sizeCanvas(canvas, width, height * theme.scale);
    if (context === undefined) context = canvas.getContext("2d");
    if (context === null) return;
    const bestStep = model.get(LOSS_CHART.bestStep) ?? -1;
    root.dataset.bestStep = String(bestStep); // what the chart marks (-1: none)
    const markedStep = model.get(LOSS_CHART.markedStep) ?? -1;
    root.dataset.markedStep = String(markedStep);
    drawFrame(context, lastFrame, {
      pixelRatio: pixelRatio * theme.scale,
      theme,
      title: model.get(LOSS_CHART.title) ?? "",
      smoothing,
      bestStep,
      markedStep,
      hover: hoverX === null || hoverStep === null ? null : { x: hoverX, entries },
    });
  }

  const redraw = frameScheduler(draw);
  const syncToolbar = () =>
    toolbar.update({
      logY: model.get(LOSS_CHART.logY),
      smoothing: store.smoothing,
      following: isFollowing(view),
      members: hasMembers() ? membersKept : null,
    });
  const setView = (next: Viewport) => {
    view = next;
    syncToolbar();
    redraw.request();
  };

  function onPoints(content: unknown, buffers: readonly WireBuffer[] = []): void {
    if (!isPointsMessage(content)) return;
    let points;
    try {
      points = decodePoints(content, buffers);
    } catch (error) {
      console.error(error);
      return;
    }
    if (points.reset) {
      store.reset(points.series);
      if (store.stepExtent() === null) view = FOLLOW;
    } else {
      store.append(points.series);
    }
    describeData();
    syncToolbar();
    redraw.request();
  }

  /** What the page shows, for tests and tools: points, series and runs drawn. */
  function describeData(): void {
    root.dataset.points = String(lossPoints());
    root.dataset.series = visibleSeries()
      .map((series) => series.name)
      .join(",");
    root.dataset.runs = runs
      .filter((run) => run.visible)
      .map((run) => run.key)
      .join(",");
  }

  const subs = subscriptions(model as Model);
  // A saved notebook (no kernel) or the moment before the first frame: the picture kept in widget state.
  const markLive = showSaved(model, subs, onPoints);
  subs.on(CUSTOM_MESSAGE, (content: unknown, buffers?: readonly WireBuffer[]) => {
    if (isPointsMessage(content)) markLive();
    onPoints(content, buffers);
  });
  subs.on(changeEvent(LOSS_CHART.logY), () => setView(onScaleChange(view)));
  subs.on(changeEvent(LOSS_CHART.smoothing), () => {
    store.setSmoothing(model.get(LOSS_CHART.smoothing));
    syncToolbar();
    redraw.request();
  });
  subs.on(changeEvent(LOSS_CHART.runs), () => {
    runs = asRuns(model.get(LOSS_CHART.runs));
    legend.update(runs);
    describeData();
    syncToolbar();
    redraw.request();
  });
  for (const trait of [LOSS_CHART.height, LOSS_CHART.title, LOSS_CHART.bestStep, LOSS_CHART.markedStep]) {
    subs.on(changeEvent(trait), () => redraw.request());
  }

  const dom = new AbortController();
  const listen = { signal: dom.signal };
  toolbar.toggleLog.addEventListener(
    "click",
    () => {
      model.set(LOSS_CHART.logY, !model.get(LOSS_CHART.logY));
      model.save_changes();
    },
    listen,
  );
  toolbar.smoothing.addEventListener(
    "input",
    () => {
      const value = Number(toolbar.smoothing.value);
      if (Number.isFinite(value)) model.set(LOSS_CHART.smoothing, Math.min(Math.max(value, 0), SMOOTHING_MAX));
    },
    listen,
  );
  toolbar.smoothing.addEventListener("change", () => model.save_changes(), listen);
  toolbar.resetZoom.addEventListener("click", () => setView(FOLLOW), listen);
  toolbar.toggleMembers.addEventListener(
    "click",
    () => {
      membersKept = !membersKept;
      syncToolbar();
      redraw.request();
    },
    listen,
  );
  toolbar.exportPng.addEventListener(
    "click",
    () => {
      redraw.cancel();
      draw();
      downloadCanvas(canvas, PNG_FILENAME);
    },
    listen,
  );

  const detachInteraction = attachInteraction(canvas, {
    frame: () => lastFrame,
    view: () => view,
    setView,
    setHover: (x, y) => {
      const nextY = x === null ? null : (y ?? null);
      if (x === hoverX && nextY === hoverY) return;
      hoverX = x;
      hoverY = nextY;
      redraw.request();
    },
    logY: () => model.get(LOSS_CHART.logY),
  });

  const stopObservingWidth = observeWidth(root, (width) => {
    containerWidth = width;
    redraw.request();
  });

  // JupyterLab marks a theme switch on <body>: redraw in the new colours.
  const stopObservingTheme = observeTheme(() => redraw.request());

  legend.update(runs);
  describeData();
  syncToolbar();
  redraw.request();
  model.send(readyMessage());

  return () => {
    subs.dispose();
    dom.abort();
    detachInteraction();
    stopObservingWidth();
    stopObservingTheme();
    redraw.cancel();
    root.remove();
  };
}

export default { initialize, render };
