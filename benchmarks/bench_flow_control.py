"""Pause latency and view frame rates of lesson 3 in a real JupyterLab with Chromium's CPU throttled
1x, 2x and 4x (a fast laptop down to a weak projector machine), measured in the page.

    python benchmarks/bench_flow_control.py [--rates 1,2,4]

Runs tests/e2e/test_flow_control.py (which asserts Pause < 1 s and moving views at each rate) with
``JAXSCOPE_THROTTLE_RATES`` and prints the figures it reports: Pause-to-paused (click event to
``data-status="paused"``, timed in the page) and how often the parity plot redrew while training,
plus, per widget, the frames the display loop sent and the median ping-to-ack round trip.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1,2,4")
    args = parser.parse_args()
    env = {**os.environ, "JAXSCOPE_THROTTLE_RATES": args.rates}
    result = subprocess.run([sys.executable, "-m", "pytest", "tests/e2e/test_flow_control.py", "-q", "-s",
                             "-p", "no:cacheprovider"], cwd=ROOT, env=env, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        if line.startswith(("flow control:", "ParityPlot", "LatentScatter", "LossChart", "ControlBar",
                            "NetworkDiagram")):
            print(line)
    print("test:", result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:])


if __name__ == "__main__":
    main()
