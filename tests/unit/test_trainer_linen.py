"""flax.linen through the Trainer: batch statistics updated while training and used in evaluation
mode (validation, views, diagram), dropout keyed per step and per call, hand edits of the
variables, and a flax TrainState in and out (``training/linen_adapter.py``, ``training/train_state.py``)."""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx
from flax.training.train_state import TrainState

import jaxscope as scope
from jaxscope.inspect import architecture
from jaxscope.inspect.forward import Forward
from jaxscope.inspect.neuron_maps import NeuronMaps
from jaxscope.training.linen_adapter import LinenAdapter
from jaxscope.training.train_state import from_train_state, train_state_of
from jaxscope.views.network import Network
from jaxscope.widgets.dashboard import diagram_for
from jaxscope.widgets.monitor import Monitor

MOMENTUM = 0.9


class MLP(nn.Module):
    """Dense-BatchNorm-relu-Dropout-Dense, the flax way: ``__call__(x, train)``."""

    @nn.compact
    def __call__(self, x, train: bool):
        x = nn.Dense(16)(x)
        x = nn.BatchNorm(use_running_average=not train, momentum=MOMENTUM)(x)
        x = nn.Dropout(0.3, deterministic=not train)(nn.relu(x))
        return nn.Dense(1)(x)


class Masked(nn.Module):
    """A dense layer behind dropout: the output's zeros are the dropout mask."""

    @nn.compact
    def __call__(self, x, deterministic: bool = True):
        return nn.Dropout(0.5, deterministic=deterministic)(nn.Dense(16)(x))


class TinyCNN(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool):
        x = nn.Conv(3, (3, 3), padding="SAME")(x)
        x = nn.relu(nn.BatchNorm(use_running_average=not train, momentum=MOMENTUM)(x))
        return nn.Dense(1)(x.reshape((x.shape[0], -1)))


class TrainStateWithStats(TrainState):
    batch_stats: Any


def regression_set(n=64, seed=0):
    x = np.asarray(np.random.default_rng(seed).uniform(-1, 1, (n, 2)), np.float32)
    y = (np.sin(2 * x[:, :1]) + x[:, 1:] ** 2).astype(np.float32)
    return x, y


def mse(net, batch):
    x, y = batch
    return jnp.mean((net(x) - y) ** 2)


def init_mlp(model=MLP()):
    return model.init(jax.random.key(0), jnp.zeros((1, 2)), train=False)


def stats(variables):
    return variables["batch_stats"]["BatchNorm_0"]


def mlp_trainer(**options):
    options.setdefault("data", regression_set())
    return scope.Trainer(params=init_mlp(), loss=mse, module=MLP(), optimizer=1e-2, strategy="loop", **options)


# ---- batch statistics --------------------------------------------------------------------------
def test_one_step_updates_the_batch_statistics_from_that_batch():
    x, y = regression_set()
    trainer = mlp_trainer(data=(x, y), shuffle=False)     # the whole set at every step
    initial = trainer.params
    trainer.run(1)
    dense = initial["params"]["Dense_0"]
    h = x @ np.asarray(dense["kernel"]) + np.asarray(dense["bias"])
    np.testing.assert_allclose(stats(trainer.params)["mean"], (1 - MOMENTUM) * h.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stats(trainer.params)["var"], MOMENTUM + (1 - MOMENTUM) * h.var(0), rtol=1e-5)


def test_batch_statistics_change_during_training_and_differ_from_their_initial_values():
    trainer = mlp_trainer(batch_size=16)
    trainer.run(40)
    before, after = stats(init_mlp()), stats(trainer.params)
    assert after["mean"].shape == (16,) and after["var"].shape == (16,)
    assert np.all(np.asarray(after["mean"]) != np.asarray(before["mean"]))
    assert np.all(np.asarray(after["var"]) != np.asarray(before["var"]))
    assert trainer.history["loss"][-10:].mean() < trainer.history["loss"][:10].mean()


def test_several_calls_in_one_loss_thread_the_statistics_through():
    x, y = regression_set()
    first, second = x[:32], x[32:]
    trainer = scope.Trainer(params=init_mlp(), module=MLP(), data=(x, y), shuffle=False, optimizer=1e-2,
                            loss=lambda net, b: mse(net, (b[0][:32], b[1][:32])) + mse(net, (b[0][32:], b[1][32:])))
    dense = trainer.params["params"]["Dense_0"]
    trainer.run(1)
    h1, h2 = (part @ np.asarray(dense["kernel"]) + np.asarray(dense["bias"]) for part in (first, second))
    expected = MOMENTUM * (1 - MOMENTUM) * h1.mean(0) + (1 - MOMENTUM) * h2.mean(0)
    np.testing.assert_allclose(stats(trainer.params)["mean"], expected, rtol=1e-5, atol=1e-6)


def test_a_conv_net_s_batch_statistics_are_trained_per_channel():
    images = np.asarray(np.random.default_rng(2).normal(size=(16, 6, 6, 1)), np.float32)
    targets = images.mean(axis=(1, 2, 3))[:, None]
    model = TinyCNN()
    variables = model.init(jax.random.key(0), images[:1], train=False)
    trainer = scope.Trainer(params=variables, module=model, loss=mse, data=(images, targets), batch_size=8,
                            optimizer=1e-2, strategy="loop")
    trainer.run(10)
    after = stats(trainer.params)
    assert after["mean"].shape == (3,) and np.all(np.asarray(after["mean"]) != 0)
    expected = model.apply(trainer.params, images, train=False)
    np.testing.assert_allclose(trainer.apply(trainer.params, images), expected, rtol=1e-5, atol=1e-6)


# ---- evaluation mode: validation, views, diagram -------------------------------------------------
def test_validation_runs_in_evaluation_mode_with_the_running_averages():
    x, y = regression_set()
    xv, yv = regression_set(24, seed=1)
    trainer = mlp_trainer(data=(x, y), batch_size=16, validation=(xv, yv), eval_every=5)
    trainer.run(5)
    variables = trainer.params
    eval_loss = np.mean((np.asarray(MLP().apply(variables, xv, train=False)) - yv) ** 2)
    train_out, _ = MLP().apply(variables, xv, train=True, rngs={"dropout": jax.random.key(3)}, mutable=["batch_stats"])
    np.testing.assert_allclose(trainer.history["val_loss"], [eval_loss], rtol=1e-5)
    assert not np.isclose(np.mean((np.asarray(train_out) - yv) ** 2), eval_loss, rtol=1e-3)


def test_views_run_the_model_in_evaluation_mode_with_the_trained_statistics():
    x, y = regression_set()
    xv, yv = regression_set(24, seed=1)
    trainer = mlp_trainer(data=(x, y), batch_size=16, validation=(xv, yv))
    trainer.run(30)
    variables = trainer.params
    expected = np.asarray(MLP().apply(variables, xv, train=False), np.float64)
    network = Network(trainer)
    np.testing.assert_allclose(network.predict(network.current(), xv), expected, rtol=1e-5, atol=1e-6)
    parity = scope.views.ParityPlot(trainer)
    np.testing.assert_allclose(parity.compute(variables)["pred"], expected, rtol=1e-5, atol=1e-6)
    batch_mode, _ = MLP().apply(variables, xv, train=True, rngs={"dropout": jax.random.key(0)}, mutable=["batch_stats"])
    assert not np.allclose(np.asarray(batch_mode), expected, atol=1e-3)
    initial_stats = {**variables, "batch_stats": init_mlp()["batch_stats"]}
    assert not np.allclose(np.asarray(MLP().apply(initial_stats, xv, train=False)), expected, atol=1e-3)


def test_the_diagram_draws_the_trained_linen_model_with_its_batch_norm():
    trainer = mlp_trainer(batch_size=16)
    trainer.run(2)
    arch = architecture(trainer.params, input_shape=(2,), apply=trainer.apply)
    assert [(layer.name, layer.kind, layer.output_shape) for layer in arch.layers] == [
        ("Dense_0", "dense", (16,)), ("BatchNorm_0", "norm", (16,)), ("Dense_1", "dense", (1,))]
    diagram = diagram_for(trainer, Monitor.of(trainer))
    try:
        assert diagram is not None and diagram.drawable
        assert [layer["name"] for layer in diagram.architecture["layers"]] == ["Dense_0", "BatchNorm_0", "Dense_1"]
    finally:
        if diagram is not None:
            diagram.close()


def test_the_diagram_s_neuron_maps_run_a_dropout_model_in_evaluation_mode():
    x, y = regression_set()
    model = Masked()
    variables = model.init(jax.random.key(0), x[:1])
    trainer = scope.Trainer(params=variables, module=model, data=(x, np.zeros((64, 16), np.float32)), optimizer=1e-2,
                            loss=mse)
    diagram = diagram_for(trainer, Monitor.of(trainer))
    try:
        assert diagram.thumbnails == ""
        maps = NeuronMaps(diagram.spec, Forward(trainer.params, apply=trainer.apply), trainer.params)
        grid, columns = maps(trainer.params)
        (_, inputs), (_, dense) = columns
        kernel, bias = (np.asarray(trainer.params["params"]["Dense_0"][k]) for k in ("kernel", "bias"))
        np.testing.assert_allclose(dense, inputs @ kernel + bias, rtol=1e-5, atol=1e-6)   # no dropout
    finally:
        diagram.close()


# ---- dropout keys ----------------------------------------------------------------------------------
def mask_metrics(net, batch):
    x, _ = batch
    first, second = net(x), net(x)
    bits = (first[0] != 0).astype(jnp.float32)
    code = jnp.sum(bits * 2.0 ** jnp.arange(16))
    return jnp.mean(first ** 2), {"mask": code, "calls_differ": jnp.any((first != 0) != (second != 0)).astype(jnp.float32)}


def test_dropout_gets_a_fresh_key_at_every_step_and_every_call_and_none_in_validation():
    x, y = regression_set()
    model = Masked()
    trainer = scope.Trainer(params=model.init(jax.random.key(0), x[:1]), module=model, loss=mask_metrics,
                            data=(x, y), batch_size=16, validation=(x, y), eval_every=10, optimizer=1e-3,
                            strategy="loop")
    trainer.run(20)
    masks = trainer.history["mask"]
    assert len(np.unique(masks)) == 20
    assert np.all(trainer.history["calls_differ"] == 1)
    np.testing.assert_array_equal(trainer.history["val_mask"], [2.0 ** 16 - 1] * 2)    # every unit kept
    np.testing.assert_array_equal(trainer.history["val_calls_differ"], [0, 0])


# ---- the variables by hand ---------------------------------------------------------------------------
def test_params_round_trip_as_the_linen_variables():
    trainer = mlp_trainer(batch_size=16)
    trainer.run(3)
    variables = trainer.params
    assert list(variables) == ["params", "batch_stats"]
    assert list(variables["params"]) == ["Dense_0", "BatchNorm_0", "Dense_1"]     # the model's order, as init gave it
    trainer.params = variables
    for a, b in zip(jax.tree.leaves(trainer.params), jax.tree.leaves(variables)):
        np.testing.assert_array_equal(a, b)
    trainer.reset()
    for a, b in zip(jax.tree.leaves(trainer.params), jax.tree.leaves(init_mlp())):
        np.testing.assert_array_equal(a, b)


def test_a_hand_edit_changes_one_kernel_entry_and_keeps_the_statistics():
    trainer = mlp_trainer(batch_size=16)
    trainer.run(3)
    before = trainer.params
    edited = jax.tree.map(lambda a: a, before)
    edited["params"]["Dense_1"]["kernel"] = before["params"]["Dense_1"]["kernel"].at[2, 0].set(0.5)
    trainer.params = edited
    after = trainer.params
    kernel, old = np.asarray(after["params"]["Dense_1"]["kernel"]), np.asarray(before["params"]["Dense_1"]["kernel"])
    assert kernel[2, 0] == 0.5 and np.sum(kernel != old) == 1
    for a, b in zip(jax.tree.leaves(after["batch_stats"]), jax.tree.leaves(before["batch_stats"])):
        np.testing.assert_array_equal(a, b)


def test_batch_statistics_can_be_set_by_hand_but_not_reshaped():
    trainer = mlp_trainer(batch_size=16)
    variables = trainer.params
    trainer.params = {**variables, "batch_stats": {"BatchNorm_0": {"mean": jnp.full(16, 0.25), "var": jnp.ones(16)}}}
    np.testing.assert_array_equal(stats(trainer.params)["mean"], np.full(16, 0.25, np.float32))
    with pytest.raises(ValueError, match="'batch_stats' has shape \\(8,\\) where \\(16,\\) was expected"):
        trainer.params = {**variables, "batch_stats": {"BatchNorm_0": {"mean": jnp.zeros(8), "var": jnp.ones(16)}}}
    with pytest.raises(ValueError, match="collections \\['cache'\\]"):
        trainer.params = {**variables, "cache": {}}


# ---- what is refused ------------------------------------------------------------------------------------
@pytest.mark.parametrize("module, message", [
    ("mlp", "module must be a flax.linen Module instance .*; got str"),
    (MLP, "got the class MLP: create it first, module=MLP\\(\\)"),
    (nnx.Linear(2, 1, rngs=nnx.Rngs(0)), "got an nnx.Module: pass it as params=model, without module="),
    (lambda variables, x: x, "got function \\(a function without rngs= and mutable=\\)"),
])
def test_a_module_that_is_not_linen_is_refused_with_what_fits(module, message):
    with pytest.raises(TypeError, match=message):
        scope.Trainer(params=init_mlp(), module=module, loss=mse, data=regression_set())


def test_params_that_are_not_linen_variables_are_refused():
    with pytest.raises(TypeError, match="params must be flax.linen variables, as model.init returns them .*; got list"):
        scope.Trainer(params=[np.zeros(3)], module=MLP(), loss=mse, data=regression_set())


def test_a_train_state_given_as_module_points_to_from_train_state():
    model = nn.Dense(1)
    state = TrainState.create(apply_fn=model.apply, params=model.init(jax.random.key(0), jnp.zeros((1, 2)))["params"],
                              tx=optax.sgd(0.1))
    with pytest.raises(TypeError, match="use Trainer.from_train_state"):
        scope.Trainer(params=state.params, module=state, loss=mse, data=regression_set())


# ---- details of the adapter ---------------------------------------------------------------------------------
class Sowing(nn.Module):
    train: bool = False      # the flag as a module attribute

    @nn.compact
    def __call__(self, x):
        h = nn.BatchNorm(use_running_average=not self.train, momentum=MOMENTUM)(nn.Dense(4)(x))
        self.sow("intermediates", "h", h)
        return h


def test_a_flag_attribute_is_set_by_cloning_and_sown_values_are_not_carried():
    x = jnp.asarray(regression_set()[0])
    variables = Sowing().init(jax.random.key(0), x, mutable=True)    # the sown values too
    assert sorted(variables) == ["batch_stats", "intermediates", "params"]
    adapter = LinenAdapter(variables, Sowing())
    params, rest = adapter.initial()
    net = adapter.view(params, rest, jax.random.key(1))
    net(x)
    net(x)
    after = adapter.rest_after(net, rest)
    assert jax.tree.structure(after) == jax.tree.structure(rest)
    assert np.all(np.asarray(stats(after)["mean"]) != 0)
    np.testing.assert_array_equal(after["intermediates"]["h"][0], rest["intermediates"]["h"][0])
    evaluated = adapter.eval_apply(adapter.user_params(params, after), x)
    np.testing.assert_allclose(evaluated, Sowing(train=False).apply({"params": params, **after}, x), rtol=1e-6)


def test_the_loss_sees_params_variables_and_module_on_the_model():
    adapter = LinenAdapter(init_mlp(), MLP())
    params, rest = adapter.initial()
    net = adapter.view(params, rest, jax.random.key(0))
    assert net.params is params and isinstance(net.module, MLP) and net.training
    assert sorted(net.variables) == ["batch_stats", "params"]
    assert not adapter.eval_view(params, rest).training


# ---- flax TrainState in and out ----------------------------------------------------------------------------
class Plain(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(1)(nn.tanh(nn.Dense(8)(x)))


def test_a_train_state_trains_and_comes_back_as_a_train_state():
    x, y = regression_set()
    model = Plain()
    state = TrainState.create(apply_fn=model.apply, params=model.init(jax.random.key(0), x[:1])["params"],
                              tx=optax.adam(1e-2))

    def loss(params, batch):
        return jnp.mean((state.apply_fn({"params": params}, batch[0]) - batch[1]) ** 2)

    trainer = from_train_state(scope.Trainer, state, loss=loss, data=(x, y), batch_size=16, strategy="loop")
    trainer.run(60)
    assert trainer.history["loss"][-10:].mean() < 0.5 * trainer.history["loss"][:10].mean()
    trained = train_state_of(trainer)
    assert type(trained) is TrainState and trained.step == 60 == trainer.current_step
    assert trained.opt_state is trainer.opt_state and trained.tx is state.tx and trained.apply_fn is state.apply_fn
    for a, b in zip(jax.tree.leaves(trained.params), jax.tree.leaves(trainer.params)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(trainer.apply(trained.params, x), model.apply({"params": trained.params}, x), rtol=1e-6)
    further = trained.apply_gradients(grads=jax.tree.map(jnp.zeros_like, trained.params))   # the optax state fits
    assert further.step == 61


def test_a_train_state_with_batch_stats_trains_them_and_returns_them_updated():
    x, y = regression_set()
    model = MLP()
    variables = init_mlp(model)
    state = TrainStateWithStats.create(apply_fn=model.apply, params=variables["params"], tx=optax.adam(1e-2),
                                       batch_stats=variables["batch_stats"])
    trainer = from_train_state(scope.Trainer, state, loss=mse, data=(x, y), batch_size=16, strategy="loop")
    trainer.run(20)
    trained = train_state_of(trainer, state)
    assert type(trained) is TrainStateWithStats and trained.step == 20
    np.testing.assert_array_equal(trained.batch_stats["BatchNorm_0"]["mean"], stats(trainer.params)["mean"])
    assert np.all(np.asarray(trained.batch_stats["BatchNorm_0"]["mean"]) != np.asarray(stats(variables)["mean"]))
    for a, b in zip(jax.tree.leaves(trained.params), jax.tree.leaves(trainer.params["params"])):
        np.testing.assert_array_equal(a, b)
    expected = model.apply({"params": trained.params, "batch_stats": trained.batch_stats}, x, train=False)
    np.testing.assert_allclose(trainer.apply(trainer.params, x), expected, rtol=1e-5, atol=1e-6)


def test_from_train_state_takes_params_and_optimizer_from_the_state_only():
    model = Plain()
    state = TrainState.create(apply_fn=model.apply, params=model.init(jax.random.key(0), jnp.zeros((1, 2)))["params"],
                              tx=optax.sgd(0.1))
    with pytest.raises(TypeError, match="takes \\['optimizer'\\] from the state"):
        from_train_state(scope.Trainer, state, loss=mse, data=regression_set(), optimizer=1e-3)
    with pytest.raises(TypeError, match="state must be a flax.training.train_state.TrainState .* without \\['apply_fn', 'params', 'tx'\\]"):
        from_train_state(scope.Trainer, {"params": state.params}, loss=mse)


def test_the_state_to_fill_is_needed_when_the_trainer_was_not_built_from_one():
    trainer = mlp_trainer()
    with pytest.raises(ValueError, match="pass the TrainState to fill: trainer.train_state\\(state\\)"):
        train_state_of(trainer)
