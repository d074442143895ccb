"""Array data as any pytree: dicts, namedtuples and nestings are served in shuffled epochs like tuples."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope


class Batch(NamedTuple):
    x: np.ndarray
    y: np.ndarray


def fit(params, batch):
    return jnp.mean((batch["x"] @ params["w"] - batch["y"]) ** 2), {"first": batch["index"][0]}


def test_a_dict_of_arrays_is_served_in_shuffled_epochs_of_every_sample_once():
    x = np.random.default_rng(0).normal(size=(12, 2)).astype(np.float32)
    data = {"x": x, "y": x @ np.array([1.0, -2.0], np.float32), "index": np.arange(12.0)}
    trainer = scope.Trainer(params={"w": jnp.zeros(2)}, loss=fit, data=data, batch_size=1, optimizer=0.05)
    trainer.run(24)
    firsts = trainer.history["first"].astype(int)
    assert sorted(firsts[:12]) == list(range(12)) and sorted(firsts[12:]) == list(range(12))
    assert firsts[:12].tolist() != list(range(12))            # shuffled
    assert trainer.data.kind == "arrays" and set(trainer.data.arrays) == {"x", "y", "index"}


def test_namedtuple_and_nested_batches_keep_their_structure():
    x = np.linspace(-1, 1, 8, dtype=np.float32)[:, None]
    seen = []

    def loss(params, batch):
        seen.append(type(batch).__name__)
        inputs, target = batch.x["value"], batch.y
        return jnp.mean((inputs @ params["w"] - target) ** 2)

    trainer = scope.Trainer(params={"w": jnp.zeros((1, 1))}, loss=loss, data=Batch({"value": x}, 3 * x),
                            batch_size=4, optimizer=0.1)
    trainer.run(300)
    assert set(seen) == {"Batch"} and float(trainer.params["w"][0, 0]) == pytest.approx(3.0, abs=1e-3)


def test_a_dict_entry_of_another_length_is_named():
    with pytest.raises(ValueError, match=r"data: all arrays must hold the same number of samples .*\[5, 4\]"):
        scope.Trainer(params={"w": jnp.zeros(2)}, loss=fit, data={"x": np.ones((5, 2)), "y": np.ones(4)})
    with pytest.raises(ValueError, match=r"validation\['y'\] must be an array with a leading sample axis"):
        scope.Trainer(params={"w": jnp.zeros(2)}, loss=lambda p, b: jnp.sum(p["w"]), data=None,
                      validation={"x": np.ones((5, 2)), "y": np.float32(1.0)})


def test_views_say_they_need_x_y_batches_for_dict_data():
    trainer = scope.Trainer(params={"w": jnp.zeros((1, 1))}, loss=lambda p, b: jnp.sum(p["w"] ** 2),
                            data={"x": np.ones((4, 1)), "y": np.ones((4, 1))}, apply=lambda p, x: x @ p["w"])
    with pytest.raises(ValueError, match=r"training: a view needs batches \(x, y, \.\.\.\) of inputs and targets; got dict"):
        scope.views.ParityPlot(trainer)


def test_a_generated_dict_batch_keeps_its_structure_inside_the_compiled_loop():
    import jax

    def make(key):
        x = jax.random.normal(key, (16, 2))
        return {"x": x, "y": x @ jnp.array([1.0, -2.0]), "index": jnp.zeros(16)}

    trainer = scope.Trainer(params={"w": jnp.zeros(2)}, loss=fit, data=make, optimizer=0.05)
    assert trainer.data.kind == "generator" and trainer.data.input_shape == (2,)
    trainer.run(400)
    np.testing.assert_allclose(np.asarray(trainer.params["w"]), [1.0, -2.0], atol=1e-3)
