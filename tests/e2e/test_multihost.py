"""Two processes of one jax job, process 0 a JupyterLab kernel showing the dashboard, process 1
``examples/multihost_train.py --follow`` (2 forced CPU devices each, the trainer's mesh over all 4):
the page's Start and Pause drive both processes, which stop at the same step with the same loss, and
the diagram on process 0 draws its neuron maps from its own copy of the parameters."""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import threading

import pytest

from .test_course_views import open_course_notebook
from .test_quickstart import DASHBOARD, status_of, wait_status
from waiting import wait_until

pytestmark = pytest.mark.timeout(300)

ROOT = pathlib.Path(__file__).resolve().parents[2]
SETUP, PROBE = 0, 1
FORCED = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2", "JAX_PLATFORMS": "cpu"}


def cells(port: int) -> list[str]:
    return [f"""
import os
os.environ.update({FORCED!r})        # before jax is imported: this kernel is process 0 with 2 CPU devices
import jax
jax.distributed.initialize(coordinator_address="localhost:{port}", num_processes=2, process_id=0)
import sys, json
sys.path.insert(0, {str(ROOT / "examples")!r})
from multihost_train import make_trainer
trainer = make_trainer(32)
trainer.show()
""", """
print(json.dumps({"step": trainer.current_step, "loss": f"{float(trainer.history['loss'][-1]):.6e}",
                  "devices": jax.device_count(), "processes": jax.process_count()}))
"""]


class Follower:
    """Process 1: the example with ``--follow``; its stdout lines, collected as they come."""

    def __init__(self, port: int) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "examples" / "multihost_train.py"), "--coordinator", f"localhost:{port}",
             "--num-processes", "2", "--process-id", "1", "--follow"],
            env={**os.environ, **FORCED}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def said(self, line: str, timeout: float = 30) -> None:
        try:
            # within a line: gloo's C++ output to the same stdout can leave a fragment before it
            wait_until(lambda: any(line in printed for printed in self.lines), timeout)
        except TimeoutError:
            raise AssertionError(f"process 1 did not print {line!r}; its last lines: {self.lines[-5:]}") from None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def kernel(nb) -> dict:
    nb.run_cell(PROBE)
    nb.wait_cell_done(PROBE, timeout=60)
    return json.loads(nb.cell_text(PROBE))


def test_the_dashboard_on_process_0_starts_and_pauses_process_1(jupyter_server_factory, browser_page, add_notebook):
    port = free_port()
    follower = Follower(port)
    try:
        nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook, cells(port))
        board = nb.page.locator(DASHBOARD).first
        for round_ in range(2):               # Start, Pause; and again: the follower follows through pauses
            before = status_of(board)[1]
            board.locator('[data-action="start"]').click()
            nb.wait_until(f"return Number(document.querySelector('{DASHBOARD} [data-testid=status]').dataset.step)"
                          f" >= {before + 200};", "200 steps on both processes", timeout=90)
            board.locator('[data-action="pause"]').click()
            wait_status(nb, 0, "paused")
            state = kernel(nb)
            assert (state["processes"], state["devices"]) == (2, 4)
            assert status_of(board) == ("paused", state["step"])
            follower.said(f"process 1: paused at step {state['step']} · loss {state['loss']}")
        # the neuron maps of the 1-30-20-1 network: computed by process 0 alone, on its copy of the parameters
        diagram = board.locator('[data-testid="network-diagram"]')
        assert diagram.get_attribute("data-thumbnails") == "52"
        assert follower.process.poll() is None
    finally:
        follower.process.kill()
        follower.process.wait(timeout=30)
