"""architecture() on flax.nnx Modules: layers in call order, found by an abstract forward pass."""

import flax.linen as linen
import jax
import jax.numpy as jnp
import pytest
from flax import nnx

from jaxscope.inspect import architecture


def summary(arch):
    return [
        (layer.name, layer.kind, layer.input_shape, layer.output_shape, layer.param_count, layer.activation)
        for layer in arch.layers
    ]


class MLP(nnx.Module):
    def __init__(self, rngs):
        # declared out of call order on purpose: the spec follows the calls
        self.out = nnx.Linear(20, 1, rngs=rngs)
        self.hidden1 = nnx.Linear(2, 20, rngs=rngs)
        self.hidden2 = nnx.Linear(20, 20, rngs=rngs)

    def __call__(self, x):
        x = nnx.relu(self.hidden1(x))
        x = jnp.tanh(self.hidden2(x))
        return self.out(x)


def test_nnx_mlp_layers_follow_call_order_with_activations():
    arch = architecture(MLP(nnx.Rngs(0)), input_shape=(2,))
    assert summary(arch) == [
        ("hidden1", "dense", (2,), (20,), 60, "relu"),
        ("hidden2", "dense", (20,), (20,), 420, "tanh"),
        ("out", "dense", (20,), (1,), 21, None),
    ]
    assert [layer.path for layer in arch.layers] == ["hidden1", "hidden2", "out"]
    assert arch.layers[1].params == {"hidden2.bias": (20,), "hidden2.kernel": (20, 20)}
    assert arch.total_params == 501
    assert arch.skips == ()
    assert arch.drawable


def test_nnx_input_shape_defaults_to_the_first_called_layer_s_declared_input_size():
    # MLP declares `out` (20 inputs) first; tracing with (20,) fails, hidden1's (2,) fits
    assert summary(architecture(MLP(nnx.Rngs(0)))) == summary(architecture(MLP(nnx.Rngs(0)), input_shape=(2,)))


def test_nnx_sequential_is_drawn_without_input_shape():
    model = nnx.Sequential(nnx.Linear(2, 8, rngs=nnx.Rngs(0)), nnx.tanh, nnx.Linear(8, 1, rngs=nnx.Rngs(1)))
    assert summary(architecture(model)) == [
        ("layers[0]", "dense", (2,), (8,), 24, "tanh"),
        ("layers[2]", "dense", (8,), (1,), 9, None),
    ]


class RawParams(nnx.Module):
    def __init__(self):
        self.w = nnx.Param(jnp.ones((2, 3)))

    def __call__(self, x):
        return x @ self.w


def test_nnx_without_a_declared_input_size_needs_input_shape():
    with pytest.raises(ValueError, match=r"cannot tell the input shape of this RawParams: .*pass input_shape="):
        architecture(RawParams())


def test_nnx_raw_params_are_a_dense_layer_named_by_the_kernel():
    arch = architecture(RawParams(), input_shape=(2,))
    assert summary(arch) == [("w", "dense", (2,), (3,), 6, None)]
    assert arch.layers[0].params == {"w": (2, 3)}


def test_nnx_sequential_paths_index_the_layer_list():
    model = nnx.Sequential(nnx.Linear(3, 4, rngs=nnx.Rngs(0)), jax.nn.sigmoid, nnx.Linear(4, 2, rngs=nnx.Rngs(1)))
    arch = architecture(model, input_shape=(3,))
    assert [(l.path, l.kind, l.input_shape, l.output_shape, l.activation) for l in arch.layers] == [
        ("layers[0]", "dense", (3,), (4,), "sigmoid"),
        ("layers[2]", "dense", (4,), (2,), None),
    ]
    assert arch.total_params == 16 + 10


class CNN(nnx.Module):
    def __init__(self, rngs):
        self.conv1 = nnx.Conv(3, 8, kernel_size=(3, 3), padding="VALID", rngs=rngs)
        self.norm1 = nnx.BatchNorm(8, rngs=rngs)
        self.conv2 = nnx.Conv(8, 4, kernel_size=(3, 3), rngs=rngs)
        self.dropout = nnx.Dropout(0.5, rngs=rngs)
        self.dense = nnx.Linear(4 * 3 * 3, 3, rngs=rngs)

    def __call__(self, x):
        x = nnx.relu(self.norm1(self.conv1(x)))
        x = linen.avg_pool(x, (2, 2), strides=(2, 2))
        x = nnx.relu(self.conv2(x))
        x = nnx.max_pool(x, (2, 2), strides=(2, 2))
        x = self.dropout(x)
        x = x.reshape(x.shape[0], -1)
        return self.dense(x)


def test_nnx_cnn_records_conv_norm_pool_dropout_flatten_dense():
    arch = architecture(CNN(nnx.Rngs(0)), input_shape=(14, 14, 3))
    assert summary(arch) == [
        ("conv1", "conv", (14, 14, 3), (12, 12, 8), 3 * 3 * 3 * 8 + 8, None),
        ("norm1", "norm", (12, 12, 8), (12, 12, 8), 16, "relu"),
        ("avg_pool", "pool", (12, 12, 8), (6, 6, 8), 0, None),
        ("conv2", "conv", (6, 6, 8), (6, 6, 4), 3 * 3 * 8 * 4 + 4, "relu"),
        ("max_pool", "pool", (6, 6, 4), (3, 3, 4), 0, None),
        ("dropout", "dropout", (3, 3, 4), (3, 3, 4), 0, None),
        ("flatten", "flatten", (3, 3, 4), (36,), 0, None),
        ("dense", "dense", (36,), (3,), 36 * 3 + 3, None),
    ]
    assert arch.skips == ()
    # parameters only: BatchNorm's running mean and variance are not counted
    assert arch.total_params == 224 + 16 + 292 + 111
    assert sum(layer.param_count for layer in arch.layers) == arch.total_params


class Residual(nnx.Module):
    def __init__(self, rngs):
        self.inp = nnx.Linear(4, 8, rngs=rngs)
        self.a = nnx.Linear(8, 8, rngs=rngs)
        self.b = nnx.Linear(8, 8, rngs=rngs)
        self.out = nnx.Linear(8, 1, rngs=rngs)

    def __call__(self, x):
        h = nnx.relu(self.inp(x))
        h = h + self.b(nnx.relu(self.a(h)))
        return self.out(h)


def test_nnx_residual_block_records_the_skip_around_it():
    arch = architecture(Residual(nnx.Rngs(0)), input_shape=(4,))
    assert [layer.name for layer in arch.layers] == ["inp", "a", "b", "out"]
    # the output of layer 0 (inp) joins the input of layer 3 (out), bypassing a and b
    assert arch.skips == ((0, 3),)


class InputResidual(nnx.Module):
    def __init__(self, rngs):
        self.a = nnx.Linear(4, 4, rngs=rngs)

    def __call__(self, x):
        return x + self.a(x)


def test_nnx_skip_from_the_input_to_the_output_uses_minus_one_and_layer_count():
    arch = architecture(InputResidual(nnx.Rngs(0)), input_shape=(4,))
    assert arch.skips == ((-1, 1),)


def test_nnx_tree_lists_every_param_leaf():
    arch = architecture(MLP(nnx.Rngs(0)), input_shape=(2,))
    assert [(e.path, e.shape, e.count) for e in arch.tree] == [
        ("hidden1.bias", (20,), 20), ("hidden1.kernel", (2, 20), 40),
        ("hidden2.bias", (20,), 20), ("hidden2.kernel", (20, 20), 400),
        ("out.bias", (1,), 1), ("out.kernel", (20, 1), 20),
    ]


def test_nnx_tracing_changes_no_library_function():
    before = (jax.nn.relu, jnp.tanh, nnx.relu, linen.avg_pool, jnp.reshape, nnx.Linear.__call__)
    architecture(CNN(nnx.Rngs(0)), input_shape=(14, 14, 3))
    assert (jax.nn.relu, jnp.tanh, nnx.relu, linen.avg_pool, jnp.reshape, nnx.Linear.__call__) == before
