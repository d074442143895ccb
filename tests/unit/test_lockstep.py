"""One trainer over two processes (``mesh=`` over the devices of both, ``training/lockstep.py``): a real
two-process jax job on this machine (``lockstep_check.py``, 2 forced CPU devices each, gloo
collectives), process 0 driving it."""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys

import numpy as np
import pytest

from jaxscope.training import lockstep

HERE = pathlib.Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def two_processes(script: pathlib.Path, arguments) -> list[str]:
    """``script`` run as processes 0 and 1 of one jax job (2 CPU devices each); their stdout."""
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    port = str(free_port())
    started = [subprocess.Popen([sys.executable, str(script), *arguments(i, port)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in (0, 1)]
    try:
        outputs = [p.communicate(timeout=300) for p in started]
    finally:
        for p in started:
            p.kill()
    for p, (_, err) in zip(started, outputs):
        assert p.returncode == 0, err[-3000:]
    return [out for out, _ in outputs]


@pytest.fixture(scope="module")
def processes(tmp_path_factory):
    out = tmp_path_factory.mktemp("lockstep")
    two_processes(HERE / "lockstep_check.py", lambda i, port: [str(i), port, str(out)])
    return [json.loads((out / f"process{i}.json").read_text()) for i in (0, 1)]


def test_the_multihost_example_trains_as_two_processes_and_process_0_prints():
    example = HERE.parents[1] / "examples" / "multihost_train.py"
    printed = two_processes(example, lambda i, port: ["--coordinator", f"localhost:{port}", "--num-processes", "2",
                                                      "--process-id", str(i), "--steps", "64"])
    # gloo prints its connections to the same stdout from C++, in pieces that may split its own lines
    lines = [line for line in printed[0].splitlines() if "peer ranks" not in line and not line.startswith("[Gloo]")]
    assert lines[0] == "2 process(es), 4 device(s), global batch 128"
    assert lines[-1].startswith("done: step 64 · loss ") and lines[-1].endswith("· parameters replicated on 4 device(s)")
    assert "step" not in printed[1] and "process(es)" not in printed[1]     # process 1 prints nothing of its own


def test_two_processes_form_one_job_of_four_devices(processes):
    assert [(p["processes"], p["devices"]) for p in processes] == [(2, 4), (2, 4)]


def test_run_in_every_process_trains_the_same_chunks_with_the_losses_of_one_device(processes):
    leader, follower = processes
    assert leader["run"] == follower["run"]                 # steps, losses, parameters bit for bit, agreements
    assert leader["run"]["step"] == 64 and len(leader["run"]["loss"]) == 64
    assert leader["strategy"] == follower["strategy"] == "loop"   # "auto" would time both strategies per process
    np.testing.assert_allclose(leader["run"]["loss"], leader["single_loss"], rtol=1e-5)


def test_process_0s_pause_and_learning_rate_reach_the_follower(processes):
    leader, follower = processes
    assert leader["paused"] == follower["paused"]
    assert leader["paused"]["status"] == "paused" and leader["paused"]["step"] >= 500
    assert follower["paused"]["lr"] == 3e-3
    assert np.isfinite(leader["drawn_loss"])              # process 0 computed on its snapshot alone


def test_a_follower_that_started_follows_process_0s_next_run(processes):
    leader, follower = processes
    assert leader["run_more"] == follower["run_more"]
    assert leader["run_more"]["status"] == "done"
    assert leader["run_more"]["step"] == leader["paused"]["step"] + 40


def test_state_changes_of_one_process_and_host_data_are_refused(processes):
    for p in processes:
        assert p["reset"] == ("RuntimeError: reset is not available on a trainer whose mesh spans 2 processes: it would "
                              f"change process {processes.index(p)}'s state alone while the others train on the old "
                              "one (make the trainer anew in every process instead)")
        assert p["host_data"].startswith("ValueError: data: host data (")
        assert "cannot feed a trainer whose mesh spans 2 processes" in p["host_data"]


def test_a_decision_travels_bit_exact():
    for lr in (None, 3e-3, 0.1 + 1e-17, 1 / 3):
        values = lockstep._encode(17, "paused", lr, 2.5e-5)
        assert values.dtype == np.int32
        assert lockstep._decode(values) == (17, "paused", lr, 2.5e-5)
