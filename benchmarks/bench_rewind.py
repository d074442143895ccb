"""``trainer.rewind``: what the log-spaced states of a run hold, and what recording them costs.

    python benchmarks/bench_rewind.py [--steps 100000] [--cnn-steps 100000] [--rounds 5] [--round-steps 20000] [--skip-memory]

1. Memory: the lesson-2 MLP and the lesson-3 CNN (``models.py``) each trained ``--steps`` /
   ``--cnn-steps`` steps with ``run()``; prints how many states are held, their bytes (``rewind.nbytes``)
   and one state's bytes (parameters + adam moments + key, step, ...).
2. Cost: the lesson-2 MLP, ``--rounds`` interleaved pairs of ``run(--round-steps)`` on one trainer, with
   recording and with it switched off (``rewind.note`` replaced by a no-op for that round), alternating
   which goes first; prints steps/s of each and the ratio (with / without) per round, median and minimum,
   and the time spent inside ``rewind.note`` (what recording adds, whatever else the machine does).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def trainer_for(model):
    import jax

    import jaxscope as scope

    return scope.Trainer(params=model.init_params(jax.random.key(0)), loss=model.loss, data=model.make_batch,
                         optimizer=model.optimizer)


def memory(model, steps: int) -> dict:
    import jax

    trainer = trainer_for(model)
    started = time.perf_counter()
    trainer.run(steps)
    seconds = time.perf_counter() - started
    rewind = trainer.rewind
    state = rewind.state_at(rewind.steps[-1])
    one = sum(int(jax.random.key_data(leaf).nbytes) if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key)
              else int(leaf.nbytes) for leaf in jax.tree.leaves(state))
    params = sum(int(leaf.nbytes) for leaf in jax.tree.leaves(state.params))
    return {"steps": steps, "count": len(rewind), "nbytes": rewind.nbytes, "state": one, "params": params,
            "held": rewind.steps, "seconds": seconds}


def cost(model, rounds: int, steps: int) -> dict:
    """Seconds per round with and without recording, and the seconds spent recording (inside ``note``)."""
    trainer = trainer_for(model)
    trainer.run(steps)                  # compiled, warm
    times = {"with": [], "without": [], "recording": [0.0]}
    record = trainer.rewind.note

    def timed(event):
        started = time.perf_counter()
        record(event)
        times["recording"][0] += time.perf_counter() - started

    for k in range(rounds):
        for which in (("with", "without") if k % 2 == 0 else ("without", "with")):
            trainer.rewind.note = timed if which == "with" else (lambda event: None)
            started = time.perf_counter()
            trainer.run(steps)
            times[which].append(time.perf_counter() - started)
    trainer.rewind.__dict__.pop("note", None)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--cnn-steps", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--round-steps", type=int, default=20_000)
    parser.add_argument("--skip-memory", action="store_true", help="only the recording cost")
    args = parser.parse_args()

    import jax

    from models import CNN, MLP

    print(f"jax {jax.__version__} on {jax.devices()[0].device_kind}, {os.cpu_count()} cores")
    print(f"{'model':<6} {'steps':>8} {'states':>7} {'held':>10} {'one state':>10} {'params':>9}  s   first / last held")
    models = () if args.skip_memory else (("mlp", MLP, args.steps), ("cnn", CNN, args.cnn_steps))
    for name, model, steps in models:
        m = memory(model, steps)
        print(f"{name:<6} {m['steps']:>8,} {m['count']:>7} {m['nbytes'] / 1e6:>8.2f}MB {m['state'] / 1e3:>8.1f}kB "
              f"{m['params'] / 1e3:>7.1f}kB {m['seconds']:>4.0f}  {m['held'][:6]} ... {m['held'][-3:]}")

    times = cost(MLP, args.rounds, args.round_steps)
    recording = times.pop("recording")[0]
    ratios = [without / with_ for with_, without in zip(times["with"], times["without"])]
    rate = {k: args.round_steps / statistics.median(v) for k, v in times.items()}
    print(f"recording cost, lesson-2 MLP, {args.rounds} rounds of {args.round_steps:,} steps: "
          f"{rate['with']:,.0f} steps/s with, {rate['without']:,.0f} without; ratio with/without median "
          f"{statistics.median(ratios):.3f}, min {min(ratios):.3f}  ({' '.join(f'{r:.3f}' for r in ratios)})")
    print(f"time inside rewind.note in the rounds with recording: {recording * 1e3:.1f} ms of {sum(times['with']):.2f} s "
          f"({100 * recording / sum(times['with']):.3f}%)")


if __name__ == "__main__":
    main()
