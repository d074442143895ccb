"""The quickstart on ipykernel 6.29 (no comm subshells), jaxscope installed from its wheel.

JupyterLab comes from the test venv; its ``python3`` kernel runs the python of ``ipykernel6_venv``
(tests/wheel_venv.py: a fresh venv with the wheel and ipykernel 6.29.5) through a kernel spec put
first on ``JUPYTER_PATH``. What a user of an older kernel (or VS Code / Colab) meets:

- background training (the Start button, or ``trainer.start()`` in a cell): the chart moves, Start /
  Pause / Step / Reset work, the status shows. Frames from the display thread are rendered; when they
  stop arriving while the status says running, the control bar pulls them (``poll``): the polls sent
  are counted and printed (0-4 per run here: the pushes mostly arrive).
- a click during a blocking ``trainer.run(n)``: ipykernel 6 handles comm messages on its one shell
  thread, after the cell; so the run trains all its n steps, and the status leaves ``running`` when
  the cell ends (printed: seconds after the click). The page's acks wait behind the cell too, so the
  display loop paces frames by time alone while ``run()`` blocks (``Monitor.acks_held``): the chart keeps
  moving (printed: step counts shown, largest gap), and ``run()`` prints no progress line, since a page
  answered before the cell. Interrupting the kernel stops a blocking run (Ctrl-C queues a pause).
"""

from __future__ import annotations

import json
import time

import nbformat
import pytest
import requests

from .notebook_page import NotebookPage
from .test_quickstart import (DASHBOARD, QUICKSTART, dashboard, drawn_pixels, pause_latency, points_of,
                              status_of, wait_points_at_least, wait_points_equal_step, wait_status)

pytestmark = pytest.mark.timeout(420)  # the first use of the wheel venv builds and installs it

STEPS = 200
CELLS = {  # appended to the quickstart
    "kernel": "import sys, ipykernel, jaxscope\nprint('kernel', ipykernel.__version__, sys.prefix, jaxscope.__file__)",
    "start": "trainer.start()",
    # the speed of a blocking run here, for a next one of 8 s or less (short runs pay more overhead)
    "calibrate": "import time\nt0 = time.monotonic(); trainer.run(20000); rate = 20000 / (time.monotonic() - t0)\n"
                 "print('calibrated', trainer.current_step)",
    "blocking": "n = int(8 * rate); s0 = trainer.current_step; t0 = time.monotonic()\ntrainer.run(n)\n"
                "print('blocking', n, trainer.current_step - s0, trainer.status, round(time.monotonic() - t0, 2))",
    "interrupted": "s0 = trainer.current_step\ntry:\n    trainer.run(10**8)\nexcept KeyboardInterrupt:\n"
                   "    print('interrupted', trainer.current_step > s0, trainer.status)",
}


def kernel_spec_dir(base, python) -> dict[str, str]:
    """A ``python3`` kernel spec running ``python``; returns the server env that puts it first."""
    spec = base / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel 6)", "language": "python",
    }))
    return {"JUPYTER_PATH": str(base)}


def line_of(text: str, first_word: str) -> list[str]:
    """The words of the one output line that starts with ``first_word`` (progress lines aside)."""
    (line,) = [line.split() for line in text.splitlines() if line.startswith(first_word + " ")]
    return line


def count_polls(page) -> dict[str, int]:
    """Count the ``poll`` messages the page sends to the kernel (the pull fallback at work)."""
    sent = {"poll": 0}

    def on_socket(socket):
        def on_frame(payload):
            data = payload if isinstance(payload, bytes) else payload.encode()
            sent["poll"] += data.count(b'"kind":"poll"')
        socket.on("framesent", on_frame)

    page.on("websocket", on_socket)
    return sent


def test_quickstart_on_ipykernel6(ipykernel6_venv, jupyter_server_factory, browser_page, add_notebook,
                                  tmp_path_factory):
    env = kernel_spec_dir(tmp_path_factory.mktemp("ipykernel6-spec"), ipykernel6_venv.python)
    env["JAXSCOPE_EXAMPLE_STEPS"] = str(STEPS)
    server = jupyter_server_factory(ui="lab", env=env)
    page, log = browser_page
    polls = count_polls(page)
    nb = NotebookPage(page, server, log)

    cells = nbformat.read(QUICKSTART, as_version=4).cells + [nbformat.v4.new_code_cell(CELLS["kernel"])]
    index = {name: len(cells) - 1 + i for i, name in enumerate(CELLS)}
    nb.open(add_notebook(server, cells))
    nb.run_all()
    nb.wait_all_done(timeout=180)
    nb.wait_widgets_rendered()
    # the blocking cells go in only now, so run-all does not run them
    nb.evaluate("const shared = panel.content.model.sharedModel;"
                "for (const source of args.sources) shared.insertCell(shared.cells.length, "
                "{cell_type: 'code', source});", sources=[CELLS[name] for name in list(CELLS)[1:]])

    # the kernel is ipykernel 6 in the wheel venv, with jaxscope from the wheel
    kernel = nb.cell_text(index["kernel"]).split()
    assert kernel[:3] == ["kernel", "6.29.5", str(ipykernel6_venv.root)]
    assert kernel[3].startswith(str(ipykernel6_venv.root / "lib")) and "site-packages/jaxscope/" in kernel[3]

    # run(STEPS) ended; every step's loss is drawn
    first = dashboard(nb, 0)
    wait_points_equal_step(nb, 0)
    assert status_of(first) == ("done", STEPS) and points_of(first) == STEPS

    # Start: background training, the chart moves
    polls_before = polls["poll"]
    first.locator('[data-action="start"]').click()
    wait_status(nb, 0, "running")
    wait_points_at_least(nb, 0, STEPS + 2000)
    assert drawn_pixels(first) > 200
    latency = pause_latency(nb, 0)  # printed; the status and step must stop
    stopped = status_of(first)[1]
    wait_points_equal_step(nb, 0)
    assert status_of(first) == ("paused", stopped)
    polled = polls["poll"] - polls_before

    # Step trains exactly step_size (10) steps; trainer.start() continues; Reset clears
    first.locator('[data-action="step"]').click()
    nb.wait_until(f"const s = document.querySelector('{DASHBOARD} [data-testid=status]');"
                  f"return s.dataset.status === 'paused' && Number(s.dataset.step) === {stopped + 10};",
                  "the Step click to train exactly 10 steps")
    wait_points_equal_step(nb, 0)
    nb.run_cell(index["start"])  # trainer.start() from a cell: background training, the cell returns
    nb.wait_cell_done(index["start"])
    wait_status(nb, 0, "running")
    wait_points_at_least(nb, 0, stopped + 1000)
    pause_latency(nb, 0)
    first.locator('[data-action="reset"]').click()
    nb.wait_until(f"const b = document.querySelector('{DASHBOARD}');"
                  "return b.querySelector('[data-testid=status]').dataset.status === 'idle'"
                  " && b.querySelector('[data-testid=loss-chart]').dataset.points === '0';",
                  "Reset to clear the chart")

    # Pause during a blocking run(n): handled when the cell ends (one shell thread, no subshells)
    nb.run_cell(index["calibrate"])
    nb.wait_cell_done(index["calibrate"])
    calibrated = int(line_of(nb.cell_text(index["calibrate"]), "calibrated")[1])
    wait_points_equal_step(nb, 0)
    nb.evaluate(f"""  // every step count the page shows during the blocking cell, with its time (50 ms polls)
        window.__shown = [];
        window.__watch = setInterval(() => {{
            const step = Number(document.querySelector('{DASHBOARD} [data-testid=status]').dataset.step);
            const last = window.__shown[window.__shown.length - 1];
            if (!last || last[1] !== step) window.__shown.push([performance.now(), step]);
        }}, 50);""")
    nb.run_cell(index["blocking"])
    nb.wait_until(f"const s = document.querySelector('{DASHBOARD} [data-testid=status]');"
                  f"return s.dataset.status === 'running' && Number(s.dataset.step) > {calibrated};",
                  "the blocking run(n) to show its first steps")  # they reach the page from the driver thread
    clicked_step, clicked_at = status_of(first)[1], time.monotonic()
    first.locator('[data-action="pause"]').click()
    nb.wait_until(f"return document.querySelector('{DASHBOARD} [data-testid=status]').dataset.status !== 'running';",
                  "the status to leave running", timeout=60)
    left_after = time.monotonic() - clicked_at
    nb.wait_cell_done(index["blocking"], timeout=60)
    _, n, trained, status, cell_s = line_of(nb.cell_text(index["blocking"]), "blocking")
    assert trained == n and status == "done"   # the click did not cut the run short
    wait_status(nb, 0, "done")
    assert status_of(first) == ("done", calibrated + int(n))
    wait_points_equal_step(nb, 0)
    shown = nb.evaluate("clearInterval(window.__watch); return window.__shown;")
    during = [t for t, step in shown if calibrated < step < calibrated + int(n)]  # counts shown within the run
    gaps = [b - a for a, b in zip(during, during[1:])] or [0.0]
    assert len(during) >= 5             # the chart moved during the run, not once per ACK_TIMEOUT
    assert "steps/s" not in nb.cell_text(index["blocking"])   # a page shows the dashboard: no progress line

    # Interrupting the kernel stops a blocking run: Ctrl-C queues a pause
    nb.run_cell(index["interrupted"])
    wait_status(nb, 0, "running")
    (kernel,) = server.kernels()
    requests.post(f"{server.url}/api/kernels/{kernel['id']}/interrupt", timeout=10).raise_for_status()  # the ■ button
    nb.wait_cell_done(index["interrupted"], timeout=60)
    assert line_of(nb.cell_text(index["interrupted"]), "interrupted") == ["interrupted", "True", "paused"]
    wait_status(nb, 0, "paused")
    wait_points_equal_step(nb, 0)

    print(f"ipykernel 6: pause latency (background) {latency:.3f} s, polls sent while running {polled}; "
          f"blocking run({n}) {cell_s} s, Pause clicked when the page showed step {clicked_step - calibrated} of {n}, "
          f"status left running {left_after:.2f} s after the click, as 'done'; "
          f"the page showed {len(during)} step counts during the run, largest gap {max(gaps) / 1000:.2f} s")
    nb.assert_clean_console()
