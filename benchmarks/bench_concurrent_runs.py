"""Several trainers at once in one process (issue 14): do they share the machine fairly, and does
each ``pause()`` return within 1 s?

    python benchmarks/bench_concurrent_runs.py [--trainers 5] [--seconds 8] [--mode together|staggered|both]

``together``: N lesson-2 MLP trainers (seeds 0..N-1) are built, then ``start()``-ed one right after
the other, as a new user would in one cell. ``staggered``: each is started 0.3 s after the previous
one, so later ones compile while earlier ones train, and one more trainer is paused while it is still
compiling. The script prints each trainer's steps after ``--seconds`` s (as the issue counted
them), then, once every trainer has compiled and 2 s later, its steps/s over ``--window`` s (from
``current_step`` read before and after), the min/max ratio of those rates (target: >= 0.5, every
run within 2x of the others), each trainer's chunk size, and how long each ``pause()`` took
(target: < 1 s each).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def scenario(count: int, seconds: float, window: float, stagger: float) -> dict:
    import jax

    import jaxscope as scope
    from models import MLP

    trainers = [scope.Trainer(params=MLP.init_params(jax.random.key(i)), loss=MLP.loss, data=MLP.make_batch,
                              optimizer=MLP.optimizer, seed=i, name=f"run{i}") for i in range(count)]
    compiling_pause = None
    t0 = time.perf_counter()
    for i, trainer in enumerate(trainers):
        trainer.start()
        if stagger and i < count - 1:
            time.sleep(stagger)
    if stagger:   # one more trainer, paused while it compiles (its compile competes with the others' training)
        extra = scope.Trainer(params=MLP.init_params(jax.random.key(99)), loss=MLP.loss, data=MLP.make_batch,
                              optimizer=MLP.optimizer, seed=99, name="extra")
        extra.start()
        while extra.status != "compiling" and extra.current_step == 0:
            time.sleep(0.001)
        status_then = extra.status
        start = time.perf_counter()
        extra.pause()
        compiling_pause = (time.perf_counter() - start, status_then, extra.status, extra.current_step)
    time.sleep(max(0.0, t0 + seconds - time.perf_counter()))
    steps = [t.current_step for t in trainers]
    while any(t.status == "compiling" for t in trainers):    # rates once all are compiled
        time.sleep(0.01)
    compiled = time.perf_counter() - t0
    time.sleep(2.0)      # the last one compiled finds its chunk size
    before = [(t.current_step, time.perf_counter()) for t in trainers]
    time.sleep(window)
    after = [(t.current_step, time.perf_counter()) for t in trainers]
    rates = [(s1 - s0) / (t1 - t0_) for (s0, t0_), (s1, t1) in zip(before, after)]
    sizes = [t._driver.chunk_size for t in trainers]
    pauses = []
    for trainer in trainers:
        start = time.perf_counter()
        trainer.pause()
        pauses.append(time.perf_counter() - start)
    return {"steps": steps, "rates": rates, "pauses": pauses, "sizes": sizes, "compiled": compiled,
            "statuses": [t.status for t in trainers], "compiling_pause": compiling_pause, "seconds": seconds,
            "window": window}


def report(mode: str, result: dict) -> None:
    rates = result["rates"]
    ratio = min(rates) / max(rates) if max(rates) > 0 else 0.0
    print(f"{mode}: {len(rates)} trainers")
    print(f"  steps after {result['seconds']:.0f} s " + " ".join(f"{s:>10,}" for s in result["steps"]))
    print(f"  all compiled after {result['compiled']:.1f} s; then, over {result['window']:.0f} s:")
    print("  steps/s         " + " ".join(f"{r:>10,.0f}" for r in rates))
    print("  chunk size      " + " ".join(f"{r:>10,}" for r in result["sizes"]))
    print("  pause s         " + " ".join(f"{p:>10.3f}" for p in result["pauses"]))
    print(f"  min/max steps/s ratio {ratio:.2f} (target >= 0.50); slowest pause {max(result['pauses']):.3f} s "
          f"(target < 1 s); total {sum(rates):,.0f} steps/s; statuses {sorted(set(result['statuses']))}")
    if result["compiling_pause"] is not None:
        took, before, after, steps = result["compiling_pause"]
        print(f"  pause of a trainer in {before!r}: {took:.3f} s, then {after!r} at step {steps}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainers", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--window", type=float, default=3.0, help="seconds over which steps/s are counted")
    parser.add_argument("--mode", choices=("together", "staggered", "both"), default="both")
    args = parser.parse_args()
    print(f"lesson-2 MLP 1-30-20-1, {os.cpu_count()} cores")
    if args.mode in ("together", "both"):
        report("together", scenario(args.trainers, args.seconds, args.window, 0.0))
    if args.mode in ("staggered", "both"):
        report("staggered 0.3 s", scenario(args.trainers, args.seconds, args.window, 0.3))


if __name__ == "__main__":
    main()
