"""Flow control toward a slow browser: with Chromium's CPU throttled (a weak laptop, a projector
machine), lesson 3's views keep moving while training and Pause lands (its latency is printed),
because each widget gets its next frame only after the page acknowledged the previous one.

JAXSCOPE_THROTTLE_RATES (default "4") lists the throttling rates to try in one session;
benchmarks/bench_flow_control.py runs 1,2,4 and collects the printed figures.
"""

from __future__ import annotations

import os

import pytest

from .test_quickstart import pause_latency
from .test_views import DASHBOARD, DOTS, VIEWS, run_lesson, wait_status

pytestmark = pytest.mark.timeout(600)
RATES = [float(r) for r in os.environ.get("JAXSCOPE_THROTTLE_RATES", "4").split(",")]
OBSERVE_SECONDS = 8.0
PROBE = """
from jaxscope.widgets.monitor import Monitor
for slot in Monitor.of(trainer)._slots:
    trips = sorted(slot.round_trips)
    print(type(slot.feed).__name__, 'frames', slot.frames, 'median ack', f"{trips[len(trips) // 2] if trips else 0:.3f}",
          'max', f"{max(trips, default=0):.3f}")
"""

# Count the parity panel's redraws as the page sees them: a change of its first points' positions.
COUNT_FRAMES = """([dots, seconds]) => new Promise((resolve) => {
    const signature = () => JSON.stringify(eval(dots)(0).slice(0, 16));
    let last = signature(), frames = 0;
    const started = performance.now();
    const timer = setInterval(() => {
        const now = signature();
        if (now !== last) { frames += 1; last = now; }
        if (performance.now() - started >= seconds * 1000) { clearInterval(timer); resolve(frames); }
    }, 20);
})"""


def test_lesson3_views_keep_moving_and_pause_lands_in_a_throttled_browser(
        jupyter_server_factory, browser_page, add_notebook, tmp_path):
    nb, probe = run_lesson(jupyter_server_factory, browser_page, add_notebook, tmp_path,
                           "lesson3_duffing_curves", PROBE)
    page = nb.page
    nb.wait_until(f"return document.querySelectorAll('{VIEWS}').length === 2", "two views in the dashboard")
    board = page.locator(DASHBOARD).first
    cdp = page.context.new_cdp_session(page)
    results = []
    for rate in RATES:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        before = page.evaluate(DOTS, 0)
        board.locator('[data-action="start"]').click()
        wait_status(nb, "running", timeout=60)
        nb.wait_until(f"return JSON.stringify(({DOTS})(0)) !== args.before", "the parity points to move",
                      timeout=30, before=__import__("json").dumps(before, separators=(",", ":")))
        frames = page.evaluate(COUNT_FRAMES, [DOTS, OBSERVE_SECONDS])   # training goes on meanwhile
        latency = pause_latency(nb, 0)
        nb.run_cell(probe)
        nb.wait_cell_done(probe, timeout=60)
        print(nb.cell_text(probe))
        results.append((rate, latency, frames / OBSERVE_SECONDS))
        print(f"flow control: CPU throttled {rate:g}x: pause shown after {latency:.3f} s; "
              f"parity plot redrawn {frames / OBSERVE_SECONDS:.2f} times/s while training")
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    for rate, latency, fps in results:
        assert fps > 0.2, f"at {rate:g}x the views stopped moving ({fps:.2f} frames/s)"
    # The pause latency is printed, not asserted (a timing on a shared machine): at 4x it was 0.5-1.3 s both
    # before and after issue 14 on a quiet 2-core VM; benchmarks/bench_flow_control.py reports it per rate.
    nb.assert_clean_console()
