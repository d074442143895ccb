"""What a dashboard's notebook output holds for readers without widgets (GitHub, nbconvert without
widget state, a plain-text console): a one-line summary as text/plain and the loss chart as
image/png, next to the widget view.

The output is displayed with a display id; when training stops or pauses and no page shows the
dashboard (a notebook executed by nbclient / nbconvert), ``SavedOutput`` replaces that output with
a new bundle, so the executed notebook keeps the final text and picture. With a page live the
output is left alone: re-rendering it would lose the page's state (zoom, typed values).

>>> number_text(3.2e-5), number_text(0.25), number_text(1234.5)
('3.2e-5', '0.25', '1.2e3')
"""

from __future__ import annotations

import base64
import contextvars
import uuid
from typing import Any, Callable

import numpy as np

from ..training import Event
from .chart_png import chart_png


def number_text(value: float) -> str:
    """Two significant digits, an exponent without padding: 3.2e-05 -> '3.2e-5'."""
    text = f"{value:.2g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def summary_text(trainer: Any) -> str:
    """``lesson 2 · done · step 5,000 · loss 3.2e-5 · best val_loss 4.1e-5 at step 4,800``: the name
    (when it has one), status, step, last loss and the best validation loss (when tracked)."""
    history = trainer.history
    parts = [trainer.name] if trainer.name else []
    parts += [trainer.status, f"step {trainer.current_step:,}"]
    name = history.primary
    count = history.count(name)
    if count:
        parts.append(f"{name} {number_text(float(history.tail(name, count - 1)[1][0]))}")
    if history.count("val_loss"):
        steps, values = history.tail("val_loss", 0)
        finite = np.isfinite(values)
        if finite.any():
            best = int(np.argmin(np.where(finite, values, np.inf)))
            parts.append(f"best val_loss {number_text(float(values[best]))} at step {int(steps[best]):,}")
    return " · ".join(parts)


def bundle_for(widget_bundle: dict, trainer: Any) -> dict:
    """``widget_bundle`` (ipywidgets' view) with the summary as text/plain and the chart as image/png."""
    data = dict(widget_bundle)
    data["text/plain"] = summary_text(trainer)
    data["image/png"] = base64.b64encode(chart_png(trainer.history)).decode("ascii")
    return data


class SavedOutput:
    """A display-loop feed that updates the dashboard's output (``display_id``) with ``bundle()``
    when training stops or pauses and no page is live.

    >>> SavedOutput(lambda: {"text/plain": "x"}, monitor).display_id   # doctest: +SKIP
    'jaxscope-...'
    """

    def __init__(self, bundle: Callable[[], dict], monitor: Any) -> None:
        self.bundle, self.monitor = bundle, monitor
        self.display_id = f"jaxscope-{uuid.uuid4().hex}"
        self.displayed = False
        self.updates = 0

    def frame(self, snapshot: Any, full: bool) -> bool:
        return False

    def on_event(self, event: Event, snapshot: Any) -> None:
        stopped = snapshot is not None and snapshot.status not in ("running", "compiling")
        if event is Event.STATUS and stopped and self.displayed and not self.monitor.page_live():
            self.update()

    def update(self) -> None:
        """Replace the output now. In an empty context: the message's parent is then the cell the
        kernel executes now, the one nbclient listens to (not the comm message this thread started in)."""
        from IPython.display import update_display

        contextvars.Context().run(update_display, self.bundle(), raw=True, display_id=self.display_id)
        self.updates += 1
