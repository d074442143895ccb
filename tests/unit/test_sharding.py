"""``Trainer(..., mesh=)``: data parallelism on jax's sharding (``training/sharding.py``).

The multi-device checks run once, in one subprocess with 4 forced CPU devices (``XLA_FLAGS`` must be
set before jax is imported): ``sharding_check.py`` trains each data path with and without the mesh
and prints what it saw as JSON.
"""

from __future__ import annotations

import doctest
import json
import os
import pathlib
import re
import subprocess
import sys

import jax
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.training import sharding
from course_models import init_mlp, mse_loss_batch

HERE = pathlib.Path(__file__).resolve().parent
REPLICATED = ["NamedSharding", "P()", 4]
SPLIT_OVER_MODEL = ["NamedSharding", "P(None, 'model')", 4]


@pytest.fixture(scope="module")
def four_devices():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(HERE / "sharding_check.py")], env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("data", ["arrays", "generator", "host_batches"])
def test_sharded_training_has_the_losses_of_one_device(four_devices, data):
    run = four_devices[data]
    assert four_devices["devices"] == 4
    assert len(run["mesh"]["loss"]) == len(run["single"]["loss"]) == 60
    np.testing.assert_allclose(run["mesh"]["loss"], run["single"]["loss"], rtol=1e-5)


@pytest.mark.parametrize("data", ["arrays", "generator", "host_batches"])
def test_sharded_training_splits_the_batch_and_replicates_the_state(four_devices, data):
    run = four_devices[data]["mesh"]
    assert run["batch"] == ["P('data',)"]                 # as the compiled step saw it
    assert run["params"] == [REPLICATED] * 3
    assert run["opt_state"] == [REPLICATED] * 6


def test_a_model_axis_splits_the_weights_whose_last_dimension_divides(four_devices):
    run = four_devices["model_axis"]
    # weights (16, 1), (16, 16), (1, 16): the first one's last dimension does not divide 2
    assert run["params"] == [["NamedSharding", "P()", 4], SPLIT_OVER_MODEL, SPLIT_OVER_MODEL]
    assert run["opt_state"] == run["params"] * 2
    np.testing.assert_allclose(run["loss"], four_devices["generator"]["single"]["loss"], rtol=1e-5)


def test_a_batch_that_does_not_split_over_the_mesh_is_refused_naming_mesh_and_batch_size(four_devices):
    message = four_devices["indivisible"]
    assert message.startswith("mesh: the batch is split over the mesh's 'data' axis of 4 devices")
    assert "has 30 samples" in message and "batch_size" in message


def test_the_multihost_example_trains_and_process_0_prints(four_devices):
    lines = four_devices["example"].splitlines()
    assert lines[0] == "1 process(es), 4 device(s), global batch 128"
    steps = [int(line.split(" · ")[0].removeprefix("step ")) for line in lines[1:-1]]   # at each tenth crossed
    assert steps == sorted(set(steps)) and all(0 < s < 32 for s in steps)
    assert re.fullmatch(r"done: step 32 · loss \d\.\d{3}e-0\d · parameters replicated on 4 device\(s\)", lines[-1])


def _loss(params, batch):
    return mse_loss_batch(*batch, params)


@pytest.mark.parametrize("mesh, error, expected", [
    ("data", TypeError, "mesh must be a jax.sharding.Mesh with a 'data' axis"),
    (jax.devices(), TypeError, "mesh must be a jax.sharding.Mesh with a 'data' axis"),
    (jax.sharding.Mesh(jax.devices()[:1], ("batch",)), ValueError, "mesh must have a 'data' axis"),
    (jax.sharding.Mesh(np.array(jax.devices()[:1]).reshape(1, 1), ("data", "pipeline")), ValueError,
     "got axes ('data', 'pipeline')"),
])
def test_a_bad_mesh_is_refused_naming_mesh(mesh, error, expected):
    x = np.linspace(-1, 1, 8, dtype=np.float32)[:, None]
    with pytest.raises(error, match=expected.replace("(", r"\(").replace(")", r"\)")):
        scope.Trainer(init_mlp(jax.random.key(0), [1, 4, 1]), _loss, (x, x), mesh=mesh)


def test_a_one_device_mesh_places_the_state_on_it():
    x = np.linspace(-1, 1, 8, dtype=np.float32)[:, None]
    mesh = jax.sharding.Mesh(jax.devices()[:1], ("data",))
    trainer = scope.Trainer(init_mlp(jax.random.key(0), [1, 4, 1]), _loss, (x, x), mesh=mesh)
    replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    assert [w.sharding for w in trainer.params["weights"]] == [replicated] * 2


def test_the_docstring_examples_run():
    result = doctest.testmod(sharding, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
