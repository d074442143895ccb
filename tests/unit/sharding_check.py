"""Run by test_sharding.py in a subprocess with 4 forced CPU devices (XLA_FLAGS must be set before
jax is imported): trains each data path with ``mesh=`` over the 4 devices and without, and prints
one JSON object: the losses, where the parameters and the batches ended up, and the example script's
output.

    XLA_FLAGS=--xla_force_host_platform_device_count=4 PYTHONPATH=tests python tests/unit/sharding_check.py
"""

import contextlib
import io
import json
import pathlib
import runpy
import sys

import jax
import numpy as np

import jaxscope as scope
from course_models import init_mlp, make_batch, mse_loss_batch

STEPS = 60
ROOT = pathlib.Path(__file__).resolve().parents[2]


def loss(params, batch):
    x, y = batch
    return mse_loss_batch(x, y, params)


def arrays():
    x = np.linspace(-3, 3, 256, dtype=np.float32)[:, None]
    return {"data": (x, np.sin(2 * x)), "batch_size": 32}


def generator():
    return {"data": make_batch}


def host_batches():
    rng = np.random.default_rng(0)
    batches = []
    for _ in range(8):
        x = rng.uniform(-3, 3, (32, 1)).astype(np.float32)
        batches.append((x, np.sin(2 * x)))
    return {"data": batches}


def spec_of(array):
    sharding = array.sharding
    return [type(sharding).__name__, str(getattr(sharding, "spec", "")), len(sharding.device_set)]


def train(setup, mesh):
    """Losses and where the parameters ended up; with a mesh also how the compiled step saw the batch
    (``inspect_array_sharding`` reports it while compiling, the numbers are the same)."""
    seen = []

    def spying_loss(params, batch):
        jax.debug.inspect_array_sharding(batch[0], callback=lambda s: seen.append(str(s.spec)))
        return loss(params, batch)

    trainer = scope.Trainer(init_mlp(jax.random.key(0), [1, 16, 16, 1]), loss if mesh is None else spying_loss,
                            optimizer=1e-2, strategy="loop", mesh=mesh, **setup())
    trainer.run(STEPS)
    weights = trainer.params["weights"]     # (16, 1), (16, 16), (1, 16)
    return {"loss": [float(v) for v in trainer.history["loss"]], "params": [spec_of(w) for w in weights],
            "opt_state": [spec_of(m) for m in jax.tree.leaves(trainer.opt_state) if m.ndim == 2],   # adam's mu, nu
            "batch": sorted(set(seen))}


def main():
    mesh = jax.sharding.Mesh(jax.devices(), ("data",))
    out = {"devices": jax.device_count()}
    for setup in (arrays, generator, host_batches):
        out[setup.__name__] = {"single": train(setup, None), "mesh": train(setup, mesh)}
    model_mesh = jax.sharding.Mesh(np.array(jax.devices()).reshape(2, 2), ("data", "model"))
    out["model_axis"] = train(generator, model_mesh)
    try:
        scope.Trainer(init_mlp(jax.random.key(0), [1, 4, 1]), loss, **{**arrays(), "batch_size": 30}, mesh=mesh)
    except ValueError as error:
        out["indivisible"] = str(error)
    printed = io.StringIO()
    sys.argv = ["multihost_train.py", "--steps", "32"]
    with contextlib.redirect_stdout(printed):
        runpy.run_path(str(ROOT / "examples" / "multihost_train.py"), run_name="__main__")
    out["example"] = printed.getvalue()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
