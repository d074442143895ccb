"""Which part of the engine's step costs what, against a hand-written scan (lesson-2 MLP).

Every row is a jitted static ``lax.scan`` of 1024 steps from the same state; rows add one
difference of jaxscope's step at a time, so the gap between (c) and the Trainer can be located:

    python benchmarks/bench_step_variants.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))
import jaxscope as scope  # noqa: E402
from models import MLP as model  # noqa: E402

K = 1024
opt = optax.adam(1e-2)


def hand_step(split3=False, lr_factor=False, out_dict=False):
    def body(carry, _):
        p, s, k, lr = carry
        if split3:
            k, sub, _unused = jax.random.split(k, 3)
        else:
            k, sub = jax.random.split(k)
        loss, g = jax.value_and_grad(model.loss)(p, model.make_batch(sub))
        u, s = opt.update(g, s, p)
        if lr_factor:
            u = jax.tree.map(lambda x: x * lr.astype(x.dtype), u)
        p = optax.apply_updates(p, u)
        out = {"loss": loss.astype(jnp.float32)} if out_dict else loss
        return (p, s, k, lr), out
    return jax.jit(lambda p, s, k, lr: jax.lax.scan(body, (p, s, k, lr), None, length=K))


def main() -> None:
    params = model.init_params(jax.random.key(0))
    state = (params, opt.init(params), jax.random.key(1), jnp.float32(1.0))
    rows = {
        "(c) hand-written scan": hand_step(),
        "+ 3-way key split": hand_step(split3=True),
        "+ learning-rate factor": hand_step(lr_factor=True),
        "+ metrics dict": hand_step(out_dict=True),
        "+ all three": hand_step(True, True, True),
    }
    trainer = scope.Trainer(params=params, loss=model.loss, data=model.make_batch, optimizer=opt, strategy="loop")
    trainer.run(1)
    step = trainer._step_fn
    engine_scan = jax.jit(lambda s, lr: jax.lax.scan(lambda c, _: step(c, lr), s, None, length=K))
    calls = {name: (lambda f=f: jax.block_until_ready(f(*state))) for name, f in rows.items()}
    calls["jaxscope step in a scan"] = lambda: jax.block_until_ready(engine_scan(trainer._state, np.float32(1.0)))
    from jaxscope.training.chunk import run_chunk
    loop = trainer._chunk
    calls["jaxscope while-loop chunk"] = lambda: run_chunk(loop, trainer._state, np.float32(1.0), K)
    loop.pin(K)
    calls["jaxscope pinned-scan chunk"] = lambda: run_chunk(loop, trainer._state, np.float32(1.0), K)
    for f in calls.values():
        f()
    times = {name: [] for name in calls}
    for _ in range(7):
        for name, f in calls.items():
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["(c) hand-written scan"])
    print(f"{jax.devices()[0]}: {K}-step chunks of the lesson-2 MLP, median of 7")
    for name, ts in times.items():
        t = statistics.median(ts)
        print(f"  {name:28s} {t / K * 1e6:7.2f} us/step   x{base / t:4.2f} of (c)")


if __name__ == "__main__":
    main()
