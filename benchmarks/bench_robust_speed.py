"""``Trainer.run`` against a hand-written ``lax.scan`` loop on the lesson-2 MLP, under three
conditions, each in a fresh process, from one run of this script:

  unpinned     all cores free
  pinned       the process pinned to one core (``taskset -c 0``)
  busy core    all cores, while another process keeps one core busy (a Python spin loop)

    python benchmarks/bench_robust_speed.py [--rounds 7] [--steps 20000]

Each condition times ``--rounds`` interleaved rounds (one ``Trainer.run(steps)`` and one scan loop
of the same steps, alternating which goes first) after compiling both, and prints per-round ratios,
their median and minimum. Target (issue 9): every ratio >= 0.95.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conditions import parse_or_measure, run_child  # noqa: E402

CONDITIONS = ("unpinned", "pinned", "busy core")


def measure(rounds: int, steps: int) -> dict:
    """In this process: seconds per round of the scan loop and of Trainer.run."""
    sys.path.insert(0, HERE)
    import jax

    import jaxscope as scope
    from baselines import scan_loop
    from models import MLP

    model = MLP
    scan = scan_loop(model, steps_per_call=100)
    trainer = scope.Trainer(params=model.init_params(jax.random.key(0)), loss=model.loss,
                            data=model.make_batch, optimizer=model.optimizer)
    scan(steps)
    trainer.run(steps)         # compile and warm up both
    times = {"scan": [], "trainer": []}
    for k in range(rounds):
        order = ("scan", "trainer") if k % 2 == 0 else ("trainer", "scan")
        for which in order:
            start = time.perf_counter()
            scan(steps) if which == "scan" else trainer.run(steps)
            times[which].append(time.perf_counter() - start)
    assert len(trainer.history["loss"]) == trainer.current_step
    return times


def run_condition(condition: str, rounds: int, steps: int) -> dict:
    return run_child(__file__, ["--rounds", str(rounds), "--steps", str(steps)], condition)


def main() -> None:
    args = parse_or_measure(__doc__, 7, 20_000, measure)
    if args is None:
        return
    print(f"lesson-2 MLP 1-30-20-1, {args.steps:,} steps per round, {args.rounds} rounds per condition, "
          f"{os.cpu_count()} cores")
    print(f"{'condition':<11} {'scan steps/s':>13} {'Trainer steps/s':>16} {'ratio median':>13} {'min':>6}  per round")
    for condition in CONDITIONS:
        times = run_condition(condition, args.rounds, args.steps)
        if "skipped" in times:
            print(f"{condition:<11} skipped: {times['skipped']}")
            continue
        ratios = [s / t for s, t in zip(times["scan"], times["trainer"])]
        scan_rate = args.steps / statistics.median(times["scan"])
        trainer_rate = args.steps / statistics.median(times["trainer"])
        print(f"{condition:<11} {scan_rate:>13,.0f} {trainer_rate:>16,.0f} {statistics.median(ratios):>12.2f}x "
              f"{min(ratios):>5.2f}x  {' '.join(f'{r:.2f}' for r in ratios)}")


if __name__ == "__main__":
    main()
