"""Checkpoints: ``trainer.save()`` / ``trainer.restore()`` continue a run with bitwise the same losses,
also in a fresh Python; bad, corrupt and foreign checkpoints are refused with the trainer untouched."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import threading

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscope as scope
from course_models import init_mlp, make_batch, mse_loss_batch
from jaxscope.training.checkpoint import CheckpointError

TESTS = pathlib.Path(__file__).resolve().parents[1]
X = jnp.linspace(-2, 2, 96)[:, None]


def lesson2(**options):
    """The lesson-2 MLP on a generator (``make_batch``): the cheap trainer of the error-path tests."""
    return scope.Trainer(params=init_mlp(jax.random.key(1), [1, 16, 16, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                         data=make_batch, strategy="loop", **{"optimizer": optax.adam(1e-2), **options})


def epochs_trainer(learning_rate=None):
    """Pytree params, optax adam, fixed arrays in shuffled epochs of 3 batches, a loss with a key,
    and a learning rate changed live."""
    noisy = lambda p, b, key: mse_loss_batch(b[0] + 0.01 * jax.random.normal(key, b[0].shape), b[1], p)
    trainer = scope.Trainer(params=init_mlp(jax.random.key(2), [1, 16, 16, 1]), loss=noisy, data=(X, jnp.sin(3 * X)),
                            batch_size=32, optimizer=optax.adam(3e-3), strategy="loop")
    if learning_rate is not None:
        trainer.learning_rate = learning_rate
    return trainer


def bitwise_equal(a, b) -> bool:
    la, lb = jax.tree.leaves(a), jax.tree.leaves(b)
    unkey = lambda x: jax.random.key_data(x) if jnp.issubdtype(x.dtype, jax.dtypes.prng_key) else x
    return len(la) == len(lb) and all(np.asarray(unkey(x)).tobytes() == np.asarray(unkey(y)).tobytes()
                                      for x, y in zip(la, lb))


def histories(trainer) -> dict:
    return {name: (trainer.history.steps_of(name).tolist(), trainer.history[name].tobytes())
            for name in trainer.history.names}


def assert_continues_exactly(make, directory, first=300, then=200):
    """Train ``first`` steps, save, train ``then`` more (A); a new trainer restores and trains
    ``then`` (B): same losses, history and state, bit for bit."""
    a = make()
    a.run(first)
    path = a.save(directory)
    assert path == pathlib.Path(directory).absolute() / f"step_{first}"
    a.run(then)
    b = make()
    assert b.restore(directory) == path
    assert b.current_step == first and b.status == "paused"
    b.run(then)
    assert b.current_step == a.current_step == first + then
    assert a.history["loss"].tobytes() == b.history["loss"].tobytes()
    assert histories(a) == histories(b)
    assert bitwise_equal(a._state, b._state)      # params, optimizer state, key, best, step
    return a, b


def test_a_run_continues_bitwise_after_a_restore_here_and_in_a_fresh_python(tmp_path):
    """Saved mid-epoch at step 301 with the rate changed to 1e-3; B restores into a trainer built
    with the old rate, C in a new interpreter (a kernel restart)."""
    a = epochs_trainer(learning_rate=1e-3)
    a.run(301)
    a.save(tmp_path)
    a.run(200)
    b = epochs_trainer()
    b.restore(tmp_path)
    assert b.learning_rate == 1e-3
    b.run(200)
    assert a.history["loss"].tobytes() == b.history["loss"].tobytes()
    assert histories(a) == histories(b) and bitwise_equal(a._state, b._state)
    assert bitwise_equal(a.params, b.params) and bitwise_equal(a.opt_state, b.opt_state)

    code = f"""
import sys; sys.path[:0] = [{str(TESTS)!r}, {str(TESTS / 'unit')!r}]
import jax, numpy as np
from test_checkpoint import epochs_trainer
c = epochs_trainer()
c.restore({str(tmp_path)!r})
c.run(200)
np.savez({str(tmp_path / 'c.npz')!r}, loss=c.history['loss'], *jax.tree.leaves(c.params))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert done.returncode == 0, done.stderr[-3000:]
    c = np.load(tmp_path / "c.npz")
    assert c["loss"].tobytes() == a.history["loss"].tobytes()
    leaves = jax.tree.leaves(a.params)
    assert all(c[f"arr_{i}"].tobytes() == np.asarray(leaf).tobytes() for i, leaf in enumerate(leaves))


def test_an_nnx_module_with_dropout_and_batch_norm_continues_bitwise(tmp_path):
    from flax import nnx

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.a, self.norm = nnx.Linear(1, 16, rngs=rngs), nnx.BatchNorm(16, rngs=rngs)
            self.drop, self.b = nnx.Dropout(0.1, rngs=rngs), nnx.Linear(16, 1, rngs=rngs)

        def __call__(self, x):
            return self.b(self.drop(jax.nn.tanh(self.norm(self.a(x)))))

    def make():
        return scope.Trainer(params=Net(nnx.Rngs(0)), loss=lambda m, b: jnp.mean((m(b[0]) - b[1]) ** 2),
                             data=make_batch, optimizer=1e-2, strategy="loop")

    a, b = assert_continues_exactly(make, tmp_path, first=60, then=40)
    assert bitwise_equal(nnx.state(a.model), nnx.state(b.model))


def test_linen_variables_with_batch_statistics_come_back_bitwise(tmp_path):
    from test_trainer_linen import mlp_trainer, regression_set

    a = mlp_trainer(data=regression_set(), batch_size=16)
    a.run(30)
    a.save(tmp_path)
    b = mlp_trainer(data=regression_set(), batch_size=16)
    b.restore(tmp_path)
    assert bitwise_equal(a._state, b._state) and histories(a) == histories(b)
    assert bitwise_equal(a.params["batch_stats"], b.params["batch_stats"])


def test_an_update_rule_continues_bitwise(tmp_path):
    def update(state, batch, key):
        noise = 0.01 * jax.random.normal(key, state["w"].shape)
        grad = state["w"] - batch
        return {"w": state["w"] - 0.05 * grad + noise}, {"loss": jnp.sum(grad ** 2)}

    make = lambda: scope.Trainer(state={"w": jnp.zeros(4)}, update=update,
                                 data=lambda key: jax.random.normal(key, (4,)) + 1.0, strategy="loop")
    assert_continues_exactly(make, tmp_path, first=120, then=80)


def test_early_stopping_state_comes_back_and_the_run_continues_bitwise(tmp_path):
    f = lambda q: jnp.exp(-q ** 2) * jnp.sin(5 * q)
    x = jax.random.uniform(jax.random.key(0), (16, 1), minval=-3, maxval=3)
    xv = jax.random.uniform(jax.random.key(1), (128, 1), minval=-3, maxval=3)

    def make(patience):
        return scope.Trainer(params=init_mlp(jax.random.key(0), [1, 32, 32, 1]),
                             loss=lambda p, b: mse_loss_batch(*b, p),
                             data=(x, f(x)), batch_size=16, validation=(xv, f(xv)), eval_every=20, optimizer=3e-3,
                             early_stopping=patience, strategy="loop")

    a = make(patience=40)
    a.run(500)
    a.save(tmp_path)
    saved = (a.best_step, a._best_waited)
    assert saved[0] is not None and saved[0] < 500 and saved[1] > 0       # overfitting: waiting for a better one
    a.run(300)
    b = make(patience=3)               # the checkpoint's patience (40) comes back, or b would stop at once
    b.restore(tmp_path)
    assert (b.best_step, b._best_waited, b.early_stopping) == (*saved, 40)
    b.run(300)
    assert b.current_step == a.current_step == 800 and b.best_step == a.best_step
    assert histories(a) == histories(b) and bitwise_equal(a._state, b._state)   # Best: parameters, val_loss, waited


@pytest.fixture(scope="module")
def trained():
    trainer = lesson2()
    trainer.run(50)
    return trainer


def test_save_while_running_is_taken_at_a_chunk_boundary_and_reports_on_done(tmp_path):
    trainer = lesson2()
    trainer.run(10)
    got, arrived = [], threading.Event()
    trainer.start()
    command = trainer.save(tmp_path, wait=False, on_done=lambda result: (got.append(result), arrived.set()))
    assert arrived.wait(60), "on_done was not called"
    trainer.pause()
    path = got[0]
    assert isinstance(path, pathlib.Path) and command.result == path and path.parent == tmp_path.absolute()
    manifest = json.loads((path / "manifest" / "metadata").read_text())
    assert manifest["step"] == int(path.name.removeprefix("step_")) >= 10
    assert manifest["history"][0] == ["loss", manifest["step"]]      # state and history agree
    restored = lesson2()
    restored.restore(path)
    assert restored.current_step == manifest["step"]
    np.testing.assert_array_equal(restored.history["loss"], trainer.history["loss"][:manifest["step"]])


def test_save_on_done_gets_the_exception_when_it_fails(tmp_path, trained):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    got = []
    with pytest.raises(OSError):
        trained.save(blocker, on_done=got.append)
    assert isinstance(got[0], OSError)


def test_checkpoint_dir_is_the_default_and_the_last_three_saves_are_kept(tmp_path):
    trainer = lesson2()
    with pytest.raises(ValueError, match=r"save: no directory given and trainer.checkpoint_dir is not set"):
        trainer.save()
    with pytest.raises(ValueError, match=r"restore: no directory given and trainer.checkpoint_dir is not set"):
        trainer.restore()
    with pytest.raises(TypeError, match=r"checkpoint_dir: directory must be a path"):
        trainer.checkpoint_dir = 3
    trainer.checkpoint_dir = str(tmp_path / "runs")
    assert trainer.checkpoint_dir == tmp_path / "runs"
    for _ in range(4):
        trainer.run(5)
        trainer.save()
    trainer.reset()
    trainer.run(2)
    trainer.save()                 # a lower step saved last is the latest
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["step_15", "step_2", "step_20"]
    other = lesson2()
    other.checkpoint_dir = tmp_path / "runs"
    assert other.restore() == tmp_path / "runs" / "step_2"
    assert other.restore(tmp_path / "runs" / "step_20") and other.current_step == 20
    trainer.restore(tmp_path / "runs" / "step_15")      # into a trainer that compiled its chunk already:
    trainer.run(1)                                        # the restored arrays hit the same cache entry
    assert trainer.current_step == 16 and trainer._driver.chunk._chunk._cache_size() == 1


def test_restore_while_running_is_refused_and_changes_nothing(tmp_path, trained):
    trained.save(tmp_path)
    trainer = lesson2()
    stepped = threading.Event()
    trainer.watch(lambda event: event is scope.Event.STEPS and stepped.set())
    trainer.start()
    assert stepped.wait(120)           # running, with steps (a pause while compiling would leave it idle)
    try:
        with pytest.raises(RuntimeError, match=r"restore: training is (running|compiling); call trainer.pause"):
            trainer.restore(tmp_path)
    finally:
        trainer.pause()
    assert trainer.status == "paused" and trainer.current_step > 0 and len(trainer.history) == trainer.current_step


def unchanged_after(trainer, error, match, directory):
    before = (trainer.current_step, histories(trainer), jax.device_get(trainer._state), trainer._params_version)
    with pytest.raises(error, match=match):
        trainer.restore(directory)
    after = (trainer.current_step, histories(trainer), jax.device_get(trainer._state), trainer._params_version)
    assert before[:2] == after[:2] and before[3] == after[3] and bitwise_equal(before[2], after[2])


def test_missing_corrupt_and_foreign_checkpoints_name_the_path_and_change_nothing(tmp_path, trained):
    trainer = lesson2()
    trainer.run(20)
    missing = tmp_path / "nowhere"
    unchanged_after(trainer, FileNotFoundError, rf"restore: {missing} does not exist; expected a directory written "
                    r"by trainer.save\(\)", missing)
    empty = tmp_path / "empty"
    empty.mkdir()
    unchanged_after(trainer, FileNotFoundError, r"restore: no checkpoint in .*empty: expected step_<N>/", empty)

    good = trained.save(tmp_path / "good")
    # another model (other layer sizes): refused from the manifest, before any array is read
    other = scope.Trainer(params=init_mlp(jax.random.key(1), [1, 8, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                          data=make_batch, optimizer=optax.adam(1e-2))
    unchanged_after(other, CheckpointError, rf"restore: {good} holds another model or optimizer: the checkpoint "
                    r"has \.params\['biases'\]\[0\] \(16,\) float32 where this trainer has "
                    r"\.params\['biases'\]\[0\] \(8,\) "
                    r"float32 \(fingerprint \w+, expected \w+\); nothing was changed", good)
    # another optimizer state
    sgd = lesson2(optimizer=optax.sgd(0.1))
    unchanged_after(sgd, CheckpointError, r"holds another model or optimizer", good)

    # another tool's orbax directory, and a step_<N> directory without a manifest
    import orbax.checkpoint as ocp
    foreign = tmp_path / "foreign"
    with ocp.CheckpointManager(foreign) as manager:
        manager.save(0, args=ocp.args.StandardSave({"w": np.ones(3)}))
        manager.wait_until_finished()
    unchanged_after(trainer, FileNotFoundError, rf"restore: no checkpoint in {foreign}: expected step_<N>/", foreign)
    (foreign / "step_7").mkdir()
    unchanged_after(trainer, CheckpointError, r"step_7 is not a jaxscope checkpoint \(no manifest/ inside\)",
                    foreign / "step_7")

    # a truncated array file
    corrupt = trained.save(tmp_path / "corrupt")
    for data in (corrupt / "state" / "d").iterdir():      # the arrays (ocdbt.process_0/ is not read back)
        content = data.read_bytes()
        data.write_bytes(content[: len(content) // 2])
    unchanged_after(trainer, CheckpointError, rf"restore: {corrupt} cannot be read .*incomplete or corrupt; "
                    "nothing was changed", corrupt)
    # a truncated manifest
    broken = trained.save(tmp_path / "broken")
    (broken / "manifest" / "metadata").write_text('{"format": "jaxscope-che')
    unchanged_after(trainer, CheckpointError, rf"the manifest of {broken} cannot be read", broken)
    trainer.run(5)               # and it still trains
    assert trainer.current_step == 25


def test_restore_republishes_like_a_reset_and_host_data_warns(tmp_path):
    batches = [make_batch(jax.random.key(i)) for i in range(8)]
    a = scope.Trainer(params=init_mlp(jax.random.key(1), [1, 8, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                      data=batches, optimizer=1e-2, strategy="loop")
    a.run(12)
    a.save(tmp_path)
    b = scope.Trainer(params=init_mlp(jax.random.key(1), [1, 8, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                      data=batches, optimizer=1e-2, strategy="loop")
    events = []
    b.watch(events.append)
    with pytest.warns(UserWarning, match=r"restore: the host data \(.*\) cannot be rewound to step 12: it starts "
                                         r"again from its first batch"):
        b.restore(tmp_path)
    assert events[:3] == [scope.Event.RESET, scope.Event.PARAMS, scope.Event.SETTINGS]
    assert b.status == "paused" and b.message.startswith(f"restored step 12 from {tmp_path.absolute()}/step_12 · ")
    assert histories(a) == histories(b) and bitwise_equal(a.params, b.params)
    b.run(3)
    assert b.current_step == 15


def test_the_dashboard_shows_the_restored_run(tmp_path, trained):
    from recording import attach, settle

    path = trained.save(tmp_path)
    trainer = lesson2()
    board = trainer.show()
    attach(board.controls)
    attach(board.loss_chart)
    trainer.run(30)
    trainer.restore(path)
    settle(board)
    content, _ = board.loss_chart.comm.custom("points")[-1]
    assert content["reset"] is True and [e["count"] for e in content["series"]] == [50]   # the whole history again
    assert (board.controls.status, board.controls.step) == ("paused", 50)
    assert board.controls.message == f"restored step 50 from {path}"


def test_an_idle_trainer_saves_step_0_and_bad_arguments_are_named(tmp_path):
    idle = lesson2()
    path = idle.save(tmp_path)
    assert path.name == "step_0" and idle.status == "idle"
    other = lesson2()
    other.restore(path)
    assert other.current_step == 0 and histories(other) == histories(idle)
    assert other.history.names == ["loss", "learning_rate"] and len(other.history) == 0
    with pytest.raises(TypeError, match=r"save: directory must be a path \(str or pathlib.Path\); got 5"):
        idle.save(5)
    with pytest.raises(TypeError, match=r"save: on_done must be a function on_done\(path_or_error\); got int"):
        idle.save(tmp_path, on_done=1)
