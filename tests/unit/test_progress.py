"""``trainer.run(n)`` shows one progress line where no dashboard is live: in a pipe a line per
interval and a final line, on a terminal one line rewritten with ``\\r``; quiet while a page shows a
dashboard of the trainer."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys

import jax
import jax.numpy as jnp

import jaxscope as scope
from jaxscope.training.progress import Progress, duration_text, final_line, progress_line, trainer_progress

NUMBER = r"\d{1,3}(?:,\d{3})*"
LOSS = r"loss \d\.\d{2}e[+-]\d{2}"
PROGRESS = re.compile(rf"step ({NUMBER})/2,000(?: · {LOSS})?(?: · {NUMBER} steps/s · ETA \d+:\d{{2}})?")
FINAL = re.compile(rf"done · step ({NUMBER}) · {LOSS} · \d+\.\d s")

# Lines every 20 ms instead of 0.5 s / 5 s: compiling alone takes longer, so progress lines come
# before the final one however fast the machine is.
SCRIPT = """
import jax, jax.numpy as jnp
import jaxscope as scope
from jaxscope.training import progress
progress.PIPE_INTERVAL = progress.TTY_INTERVAL = 0.02
trainer = scope.Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
                        data=lambda key: jax.random.normal(key, (3,)), optimizer=0.1, strategy="step")
trainer.run(2000)
print("stdout holds only this")
"""


def tiny_trainer() -> scope.Trainer:
    return scope.Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
                         data=lambda key: jax.random.normal(key, (3,)), optimizer=0.1)


def run_script(stderr) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=stderr, env=env,
                          timeout=120, check=True, text=stderr == subprocess.PIPE)


def steps_of(lines: list[str]) -> list[int]:
    steps = []
    for line in lines[:-1]:
        match = PROGRESS.fullmatch(line)
        assert match, line
        steps.append(int(match.group(1).replace(",", "")))
    final = FINAL.fullmatch(lines[-1])
    assert final, lines[-1]
    return steps + [int(final.group(1).replace(",", ""))]


def test_formats():
    assert progress_line(1200, 5000, 3.21e-3, 2345.0) == "step 1,200/5,000 · loss 3.21e-03 · 2,345 steps/s · ETA 0:02"
    assert progress_line(0, 5000, None, 0.0) == "step 0/5,000"
    assert final_line("paused", 1234, 0.5, 12.34) == "paused · step 1,234 · loss 5.00e-01 · 12.3 s"
    assert [duration_text(s) for s in (0.4, 59.6, 61, 3725)] == ["0:00", "1:00", "1:01", "1:02:05"]


def test_a_script_piping_stderr_gets_progress_lines_then_one_final_line():
    result = run_script(subprocess.PIPE)
    lines = result.stderr.strip("\n").split("\n")
    lines = [line for line in lines if PROGRESS.fullmatch(line) or FINAL.fullmatch(line)]   # jax may warn
    steps = steps_of(lines)
    assert len(steps) >= 2 and steps == sorted(steps) and steps[-1] == 2000
    assert result.stdout == "stdout holds only this\n"


def test_on_a_terminal_one_line_is_rewritten_and_ended_once():
    leader, follower = pty.openpty()
    with subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.DEVNULL, stderr=follower) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:   # the script ended and closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0
    os.close(leader)
    text = b"".join(chunks).decode().replace("\r\n", "\n")   # the terminal turns "\n" into "\r\n"
    ours = text[text.index("\rstep "):]
    assert ours.endswith("\n") and ours.count("\n") == 1
    lines = [part.rstrip(" \n") for part in ours.split("\r") if part]
    steps = steps_of(lines)
    assert len(steps) >= 2 and steps == sorted(steps) and steps[-1] == 2000


class FakePacer:
    """What Monitor.add needs of a pacer widget: ``on_msg`` (the page's messages come through it)."""

    def __init__(self):
        self.handlers = []

    def on_msg(self, handler):
        self.handlers.append(handler)

    def receive(self, content):
        for handler in self.handlers:
            handler(self, content, [])


class QuietFeed:
    def frame(self, snapshot, full):
        return False


def test_quiet_while_a_page_answered_a_dashboard_of_the_trainer():
    from jaxscope.widgets.monitor import Monitor

    trainer = tiny_trainer()
    trainer.run(10)
    out = io.StringIO()
    progress = trainer_progress(trainer, 10)
    progress.stream = out
    monitor, pacer = Monitor.of(trainer), FakePacer()
    monitor.add(QuietFeed(), pacer=pacer)
    try:
        assert not Monitor.live_for(trainer)       # shown, but no page answered: a headless run prints
        pacer.receive({"v": 2, "kind": "ready"})
        assert Monitor.live_for(trainer)
        progress.tick()
        progress.finish()
        assert out.getvalue() == ""
    finally:
        monitor.remove(monitor.feeds[0])


class SentFeed:
    def frame(self, snapshot, full):
        return True                          # something was sent: the pacer gets a ping


def test_a_page_that_stops_answering_our_pings_is_no_longer_live_an_idle_one_stays_live():
    import time

    from jaxscope.widgets.monitor import Monitor

    monitor, pacer = Monitor(), FakePacer()
    pings = []
    pacer.send = pings.append
    feed = SentFeed()
    monitor.add(feed, pacer=pacer)

    def next_ping(count):
        deadline = time.monotonic() + 10
        while len(pings) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(pings) == count
        return pings[-1]

    try:
        pacer.receive({"v": 2, "kind": "ready"})              # the page draws everything, then answers
        pacer.receive({"v": 2, "kind": "ack", "frame": next_ping(1)["frame"]})
        time.sleep(0.01)
        assert monitor.page_live(within=0.0)                  # idle: nothing waits for an answer
        monitor.request(feed)
        ping = next_ping(2)
        time.sleep(0.01)
        assert not monitor.page_live(within=0.0)              # our ping went unanswered
        assert monitor.page_live(within=60.0)                 # ... but not for long yet
        pacer.receive({"v": 2, "kind": "ack", "frame": ping["frame"]})
        assert monitor.page_live(within=0.0)
    finally:
        monitor.remove(feed)


def test_progress_and_final_line_go_to_the_stream():
    out = io.StringIO()
    progress = Progress(lambda: (10, "loss", 0.25, 100.0, "done"), target=20, stream=out)
    progress.tick()
    progress.finish()
    first, final = out.getvalue().split("\n")[:2]
    assert first == "step 10/20 · loss 2.50e-01 · 100 steps/s · ETA 0:00"
    assert re.fullmatch(r"done · step 10 · loss 2\.50e-01 · \d+\.\d s", final)
