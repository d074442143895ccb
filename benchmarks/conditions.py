"""Run a benchmark's measuring part in a fresh process under one machine condition:

  unpinned     all cores free
  pinned       the process pinned to one core (``taskset -c 0``)
  busy core    all cores, while another process keeps one core busy (a Python spin loop)

The child prints one JSON line last; ``run_child`` returns it parsed (or ``{"skipped": why}``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys


def run_child(script: str, args: list[str], condition: str) -> dict:
    command = [sys.executable, script, "--child", *args]
    spinner = None
    if condition == "pinned":
        if not shutil.which("taskset"):
            return {"skipped": "taskset not found"}
        command = ["taskset", "-c", "0", *command]
    elif condition == "busy core":
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    return json.loads(out.strip().splitlines()[-1])


def parse_or_measure(doc: str, rounds: int, steps: int, measure) -> argparse.Namespace | None:
    """The benchmark's arguments (``--rounds``, ``--steps``); in a ``--child`` process, run
    ``measure(rounds, steps)``, print its JSON line and return None."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.rounds, args.steps)))
        return None
    return args
