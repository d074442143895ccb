"""``Scrubber``: the row under a dashboard's loss chart that looks back through training.

A slider over the steps ``trainer.rewind`` holds (log-spaced, so the slider moves over their index
and the label names the step), "Live" and "Continue from here". Moving it makes the diagram and
views draw that step (``trainer.rewind.show``); "Continue from here" makes it the trainer's state
(``trainer.rewind.continue_from``). It follows new states while live, and the whole row stays
hidden until there are two states to choose from. Fed by the trainer's display loop (``monitor.py``).

>>> trainer.show()            # the dashboard holds one: dashboard.scrubber   # doctest: +SKIP
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets

from .frame_ack import FrameAck
from .monitor import Fed, Monitor
from .sync import SEND_LOCK

FRAME_INTERVAL = 0.25   # seconds: new states at most 4 times a second (a scrub is answered at once)
RUNNING_INTERVAL = 2.0  # seconds between updates while training: a new state at every chunk end is no news to
                        # look at, and on a slow page (Chromium 4x throttled) 4 updates a second delayed Pause
                        # from under 1 s to 2.0 s


def size_text(nbytes: int) -> str:
    """Bytes as one reads them.

    >>> size_text(900), size_text(8_400), size_text(1_234_567)
    ('900 B', '8.4 kB', '1.2 MB')
    """
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes} B"


def label_text(shown: int | None, count: int, nbytes: int) -> str:
    """What the row says: the step shown (or live), how many states are held and their size.

    >>> label_text(300, 57, 1_200_000), label_text(None, 1, 8_400)
    ('showing step 300 · 57 snapshots · 1.2 MB', 'live · 1 snapshot · 8.4 kB')
    """
    where = "live" if shown is None else f"showing step {shown:,}"
    return f"{where} · {count} snapshot{'' if count == 1 else 's'} · {size_text(nbytes)}"


class Scrubber(Fed, ipywidgets.HBox):
    """The rewind row of ``trainer`` (see the module docstring); ``chart``: the loss chart it sits
    under, which marks the step shown (its ``marked_step``, where the chart has one) and whose
    closing closes it.

    >>> Scrubber(trainer, chart=dashboard.loss_chart)     # doctest: +SKIP
    """

    def __init__(self, trainer: Any, monitor: Monitor | None = None, chart: Any = None) -> None:
        # continuous_update off: the page then sends only what a hand did (with it on, a slider sends back
        # the positions the kernel set while its range grew, late, as if a hand had moved it)
        self.slider = ipywidgets.IntSlider(min=0, max=1, value=1, readout=False, continuous_update=False,
                                           description="rewind", layout=ipywidgets.Layout(width="320px"))
        self.live = ipywidgets.Button(description="Live", disabled=True, layout=ipywidgets.Layout(width="auto"))
        self.go_on = ipywidgets.Button(description="Continue from here", disabled=True,
                                       layout=ipywidgets.Layout(width="auto"))
        self.label = ipywidgets.Label("")
        for widget, name in ((self.slider, "slider"), (self.live, "live"), (self.go_on, "continue"),
                             (self.label, "label")):
            widget.add_class(f"jaxscope-scrubber-{name}")
        self._ack = FrameAck()               # paced by the page's acks, like the other widgets
        self._sent_at = -float("inf")
        super().__init__([self.slider, self.live, self.go_on, self.label, self._ack],
                         layout=ipywidgets.Layout(display="none", align_items="center"))
        self.add_class("jaxscope-scrubber")
        self.trainer, self.chart = trainer, chart
        self._steps: list[int] = []          # the steps the slider's positions stand for
        self._setting = False                # the slider moved by the kernel, not by a hand
        self.slider.observe(self._on_slide, "value")
        self.live.on_click(lambda _: self._act(lambda: trainer.rewind.show(None)))
        self.go_on.on_click(lambda _: self._act(self._continue))
        self.monitor = Monitor.of(trainer) if monitor is None else monitor
        self.monitor.add(self, pacer=self._ack, interval=FRAME_INTERVAL)
        if chart is not None:                # the row belongs to the chart: it closes with it
            chart.observe(lambda change: change["new"] is None and self.close(), "comm")
        self.frame(trainer.snapshot(), True)

    # ---- fed by the display loop ----------------------------------------------------------
    def frame(self, snap: Any, full: bool) -> bool:
        rewind = self.trainer.rewind
        steps, shown = rewind.steps, rewind.shown_step
        text = label_text(shown, len(steps), rewind.nbytes)
        busy = snap is not None and snap.status in ("running", "compiling")
        now = time.monotonic()
        if busy and shown is None and not full and now - self._sent_at < RUNNING_INTERVAL:
            return False          # training, live: the row keeps up every RUNNING_INTERVAL
        if shown is not None and shown not in steps:      # thinned away meanwhile: still drawn, placed by its neighbour
            steps = sorted(steps + [shown])
        value = len(steps) - 1 if shown is None else steps.index(shown)
        changed = steps != self._steps or value != self.slider.value or text != self.label.value or full
        self._sent_at = now
        with SEND_LOCK, self.hold_sync():
            self._steps = steps
            self._setting = True
            try:
                with self.slider.hold_sync():
                    self.slider.max = max(len(steps) - 1, 1)
                    self.slider.value = value
            finally:
                self._setting = False
            self.label.value = text
            self.live.disabled = shown is None
            self.go_on.disabled = shown is None or busy
            self.layout.display = None if len(steps) >= 2 else "none"
            if self.chart is not None and hasattr(self.chart, "marked_step"):
                self.chart.marked_step = -1 if shown is None else shown
        return changed

    # ---- from the page --------------------------------------------------------------------
    def _on_slide(self, change: dict) -> None:
        if self._setting or not self._steps:
            return
        index = min(max(int(change["new"]), 0), len(self._steps) - 1)
        latest = index == len(self._steps) - 1
        self._act(lambda: self.trainer.rewind.show(None if latest else self._steps[index]))

    def _continue(self) -> None:
        step = self.trainer.rewind.shown_step
        if step is not None:
            self.trainer.rewind.continue_from(step, wait=False)

    def _act(self, action: Any) -> None:
        """Run a click's or a slide's action; a refusal is shown in the label (never raised in a comm handler)."""
        self.monitor.remember_context()
        try:
            action()
        except Exception as error:
            with SEND_LOCK:
                self.label.value = f"{type(error).__name__}: {error}"
            return
        self.monitor.request(self, urgent=True)

    def close(self) -> None:
        for widget in (self.slider, self.live, self.go_on, self.label, self._ack):
            widget.close()
        super().close()
