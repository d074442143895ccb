"""The one-line progress of ``trainer.run(n)`` where no dashboard shows the training: a terminal,
a script, a notebook executed by nbclient / nbconvert.

On a terminal one line is rewritten with ``\\r`` at most every ``TTY_INTERVAL`` seconds; anywhere
else (a pipe, a notebook output) a new line at most every ``PIPE_INTERVAL`` seconds, so a saved
notebook stays small. A final line follows in both cases. Quiet while a page shows a dashboard of
the trainer (``quiet()`` says so; asked at every line). It goes to stderr, as tqdm's does: a
script's stdout (and a doctest's) keeps only what the user printed.

>>> progress_line(1200, 5000, 3.21e-3, 2345.0)
'step 1,200/5,000 · loss 3.21e-03 · 2,345 steps/s · ETA 0:02'
>>> final_line("done", 5000, 3.2e-5, 2.1)
'done · step 5,000 · loss 3.20e-05 · 2.1 s'
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, Callable, TextIO

TTY_INTERVAL = 0.5     # seconds between rewrites of the line on a terminal
PIPE_INTERVAL = 5.0    # seconds between lines elsewhere (each one stays in the saved output)


def duration_text(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour on: 2.4 -> '0:02', 3725 -> '1:02:05'."""
    whole = int(round(max(seconds, 0.0)))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _loss_part(loss: float | None, name: str) -> list[str]:
    return [] if loss is None else [f"{name} {loss:.2e}"]


def progress_line(step: int, target: int, loss: float | None, steps_per_second: float, name: str = "loss") -> str:
    """``step 1,200/5,000 · loss 3.21e-03 · 2,345 steps/s · ETA 0:02`` (no speed nor ETA before
    the first measured chunk, no loss before the first step)."""
    parts = [f"step {step:,}/{target:,}", *_loss_part(loss, name)]
    if steps_per_second > 0 and math.isfinite(steps_per_second):
        parts += [f"{steps_per_second:,.0f} steps/s", f"ETA {duration_text(max(target - step, 0) / steps_per_second)}"]
    return " · ".join(parts)


def final_line(status: str, step: int, loss: float | None, seconds: float, name: str = "loss") -> str:
    """``done · step 5,000 · loss 3.20e-05 · 2.1 s``: how ``run()`` ended (done, paused, diverged, error)."""
    return " · ".join([status, f"step {step:,}", *_loss_part(loss, name), f"{seconds:.1f} s"])


def last_loss(history: Any) -> tuple[str, float | None]:
    """The name of the series recorded at every step (``loss``) and its last value (None: none yet)."""
    name = history.primary
    count = history.count(name)
    return name, (float(history.tail(name, count - 1)[1][0]) if count else None)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except Exception:   # a closed or unusual stream: treat it as a pipe
        return False


class Progress:
    """Progress of one ``run()`` towards ``target``: call ``tick()`` every ``interval`` seconds
    while it runs and ``finish()`` once it ended.

    >>> import io
    >>> out = io.StringIO()
    >>> progress = Progress(lambda: (5000, "loss", 3.2e-5, 0.0, "done"), target=5000, stream=out)
    >>> progress.finish(); out.getvalue().startswith("done · step 5,000 · loss 3.20e-05 · ")
    True
    """

    def __init__(self, read: Callable[[], tuple[int, str, float | None, float, str]], target: int,
                 quiet: Callable[[], bool] = lambda: False, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.read, self.target, self.quiet, self.clock = read, int(target), quiet, clock
        self.stream = sys.stderr if stream is None else stream
        self.terminal = _is_terminal(self.stream)
        self.interval = TTY_INTERVAL if self.terminal else PIPE_INTERVAL
        self.started = clock()
        self._open_line = 0   # characters of a terminal line not yet ended by a newline

    def tick(self) -> None:
        """Show the progress now, unless a dashboard shows it."""
        if self.quiet():
            return
        step, name, loss, rate, _ = self.read()
        self._write(progress_line(step, self.target, loss, rate, name), final=False)

    def finish(self) -> None:
        """The final line (a terminal's progress line ends first), unless a dashboard shows the end."""
        if self.quiet() and not self._open_line:
            return
        step, name, loss, _, status = self.read()
        self._write(final_line(status, step, loss, self.clock() - self.started, name), final=True)

    def _write(self, line: str, final: bool) -> None:
        try:
            if self.terminal:
                # pad over a longer previous line; only the final line ends with a newline
                self.stream.write("\r" + line.ljust(self._open_line) + ("\n" if final else ""))
                self._open_line = 0 if final else len(line)
            else:
                self.stream.write(line + "\n")
            self.stream.flush()
        except Exception:   # a closed stream must not stop training
            pass


def trainer_progress(trainer: Any, target: int) -> Progress:
    """The ``Progress`` of ``trainer.run()`` up to step ``target``, quiet while a page shows one of
    its dashboards (only possible once ``jaxscope.widgets`` was imported: scripts never import it)."""

    def read() -> tuple[int, str, float | None, float, str]:
        name, loss = last_loss(trainer.history)
        return trainer.current_step, name, loss, trainer.steps_per_second, trainer.status

    def quiet() -> bool:
        monitor = sys.modules.get("jaxscope.widgets.monitor")
        return monitor is not None and monitor.Monitor.live_for(trainer)

    return Progress(read, target, quiet)
