"""An ensemble of 16 lesson-2 MLPs in one ``Trainer(..., ensemble=16)`` against one run and against a
hand-written ``jax.vmap`` of the same 16 members, each condition in a fresh process:

  unpinned     all cores free
  pinned       the process pinned to one core (``taskset -c 0``)

    python benchmarks/bench_ensemble.py [--rounds 5] [--steps 10000] [--members 16]

Per round (interleaved, after compiling everything): one ``Trainer.run(steps)`` of a single model,
the ensemble's ``run(steps)``, and the hand-written loop (``lax.scan`` of 100 steps of the vmapped
step per jitted call, the baseline of issue 14). Prints steps/s and member-steps/s, the ratios
(targets, issue 14: ensemble member-steps/s >= 2x one run's steps/s, and >= the hand-written vmap),
and the fraction of the flop limit reached: XLA's flop count of one member step times member-steps/s,
over the flop/s of a 1024x1024 float32 matmul measured in the same process.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conditions import run_child  # noqa: E402

CONDITIONS = ("unpinned", "pinned")


def hand_vmap(model, members: int, steps_per_call: int = 100):
    """``train(n)``: the members' steps vmapped by hand, ``steps_per_call`` of them per jitted scan."""
    import jax
    import optax

    def step(params, opt_state, key):
        key, subkey = jax.random.split(key)
        loss, grads = jax.value_and_grad(model.loss)(params, model.make_batch(subkey))
        updates, opt_state = model.optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, key, loss

    vstep = jax.vmap(step)

    @jax.jit
    def chunk(params, opt_state, keys):
        def body(state, _):
            params, opt_state, keys, losses = vstep(*state)
            return (params, opt_state, keys), losses
        return jax.lax.scan(body, (params, opt_state, keys), None, length=steps_per_call)

    keys = jax.vmap(jax.random.key)(jax.numpy.arange(members))
    params = jax.vmap(model.init_params)(keys)
    state = [params, jax.vmap(model.optimizer.init)(params), keys]

    def train(n):
        losses = []
        for _ in range(n // steps_per_call):
            (state[0], state[1], state[2]), out = chunk(*state)
            losses.append(out)
        return jax.device_get(losses)

    return train, vstep, state


def flops_of(fn, *args) -> float:
    import jax

    analysis = jax.jit(fn).lower(*args).compile().cost_analysis()
    analysis = analysis[0] if isinstance(analysis, (list, tuple)) else analysis
    return float(analysis.get("flops", float("nan")))


def matmul_flops_per_second() -> float:
    import jax
    import jax.numpy as jnp

    a = jax.random.normal(jax.random.key(0), (1024, 1024))
    f = jax.jit(lambda a: a @ a)
    f(a).block_until_ready()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        f(a).block_until_ready()
        times.append(time.perf_counter() - start)
    return 2 * 1024**3 / min(times)


def measure(rounds: int, steps: int, members: int) -> dict:
    import jax

    import jaxscope as scope
    from models import MLP as model

    single = scope.Trainer(params=model.init_params(jax.random.key(0)), loss=model.loss,
                           data=model.make_batch, optimizer=model.optimizer)
    ensemble = scope.Trainer(params=model.init_params, loss=model.loss, data=model.make_batch,
                             optimizer=model.optimizer, ensemble=members)
    hand, vstep, state = hand_vmap(model, members)
    single.run(steps // 4)
    ensemble.run(steps // 4)
    hand(steps // 4)
    times = {"single": [], "ensemble": [], "hand": []}
    runners = {"single": single.run, "ensemble": ensemble.run, "hand": hand}
    for k in range(rounds):
        order = list(runners)[k % 3:] + list(runners)[:k % 3]
        for which in order:
            start = time.perf_counter()
            runners[which](steps)
            times[which].append(time.perf_counter() - start)
    assert ensemble.status == "done" and not ensemble.diverged_members
    member_flops = flops_of(vstep, *state) / members
    return {"times": times, "member_flops": member_flops, "matmul_flops": matmul_flops_per_second()}


def main() -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=16)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.rounds, args.steps, args.members)))
        return
    print(f"lesson-2 MLP 1-30-20-1, ensemble of {args.members}, {args.steps:,} steps per round, "
          f"{args.rounds} rounds per condition, {os.cpu_count()} cores")
    print(f"{'condition':<10} {'one run steps/s':>16} {'ensemble member-steps/s':>24} {'hand vmap':>12} "
          f"{'ens/one':>8} {'ens/hand':>9} {'flop limit':>10}")
    for condition in CONDITIONS:
        out = run_child(__file__, ["--rounds", str(args.rounds), "--steps", str(args.steps),
                                   "--members", str(args.members)], condition)
        if "skipped" in out:
            print(f"{condition:<10} skipped: {out['skipped']}")
            continue
        t = {k: statistics.median(v) for k, v in out["times"].items()}
        one = args.steps / t["single"]
        ens = args.members * args.steps / t["ensemble"]
        hand = args.members * args.steps / t["hand"]
        per_round = [h / e for h, e in zip(out["times"]["hand"], out["times"]["ensemble"])]
        fraction = ens * out["member_flops"] / out["matmul_flops"]
        print(f"{condition:<10} {one:>16,.0f} {ens:>24,.0f} {hand:>12,.0f} {ens / one:>7.2f}x "
              f"{statistics.median(per_round):>8.2f}x {fraction:>9.1%}"
              f"   (ens/hand per round: {' '.join(f'{r:.2f}' for r in per_round)}; "
              f"{out['member_flops']:,.0f} flop per member step, matmul {out['matmul_flops'] / 1e9:.1f} GFLOP/s)")


if __name__ == "__main__":
    main()
