"""architecture() on flax.linen variables, from the parameters alone and with the Module."""

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxscope.inspect import architecture


class LinenCNN(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.relu(nn.Conv(4, (3, 3), padding="VALID")(x))
        x = nn.avg_pool(x, (2, 2), strides=(2, 2))
        x = x.reshape((x.shape[0], -1))
        x = nn.tanh(nn.Dense(10)(x))
        return nn.Dense(2)(x)


def variables():
    return LinenCNN().init(jax.random.key(0), jnp.zeros((1, 10, 10, 1)))


def summary(arch):
    return [(l.name, l.kind, l.input_shape, l.output_shape, l.param_count, l.path) for l in arch.layers]


def test_linen_params_alone_give_layers_in_name_order_with_a_flatten():
    arch = architecture(variables())
    assert summary(arch) == [
        ("Conv_0", "conv", None, None, 3 * 3 * 1 * 4 + 4, "params.Conv_0"),
        ("flatten", "flatten", None, (64,), 0, ""),
        ("Dense_0", "dense", (64,), (10,), 650, "params.Dense_0"),
        ("Dense_1", "dense", (10,), (2,), 22, "params.Dense_1"),
    ]
    assert arch.layers[2].params == {"params.Dense_0.kernel": (64, 10), "params.Dense_0.bias": (10,)}
    assert arch.total_params == 40 + 650 + 22
    assert arch.orientation == "in_out"


def test_linen_numeric_suffix_order_survives_alphabetical_sorting():
    params = {f"Dense_{i}": {"kernel": jnp.ones((3, 3)), "bias": jnp.zeros(3)} for i in (0, 1, 10, 2)}
    arch = architecture({"params": params})
    assert [l.name for l in arch.layers] == ["Dense_0", "Dense_1", "Dense_2", "Dense_10"]


def test_linen_with_module_follows_calls_with_shapes_and_activations():
    arch = architecture(variables(), module=LinenCNN(), input_shape=(10, 10, 1))
    assert [(l.name, l.kind, l.input_shape, l.output_shape, l.param_count, l.activation, l.path) for l in arch.layers] == [
        ("Conv_0", "conv", (10, 10, 1), (8, 8, 4), 40, "relu", "params.Conv_0"),
        ("avg_pool", "pool", (8, 8, 4), (4, 4, 4), 0, None, ""),
        ("flatten", "flatten", (4, 4, 4), (64,), 0, None, ""),
        ("Dense_0", "dense", (64,), (10,), 650, "tanh", "params.Dense_0"),
        ("Dense_1", "dense", (10,), (2,), 22, None, "params.Dense_1"),
    ]
    assert arch.total_params == 712
    assert arch.skips == ()


def test_linen_bare_params_dict_without_the_params_key():
    params = variables()["params"]
    arch = architecture(params)
    assert [l.path for l in arch.layers if l.kind != "flatten"] == ["Conv_0", "Dense_0", "Dense_1"]
    assert arch.total_params == 712


class NormDropout(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.BatchNorm(use_running_average=False)(nn.Dense(4)(x))
        x = nn.Dropout(0.5, deterministic=False)(x)
        return nn.Dense(1)(x)


def test_linen_module_in_training_mode_records_batchnorm_and_dropout():
    module = NormDropout()
    variables = module.init({"params": jax.random.key(0), "dropout": jax.random.key(1)}, jnp.zeros((2, 3)))
    arch = architecture(variables, module=module, input_shape=(3,))
    assert summary(arch) == [
        ("Dense_0", "dense", (3,), (4,), 16, "params.Dense_0"),
        ("BatchNorm_0", "norm", (4,), (4,), 8, "params.BatchNorm_0"),
        ("Dropout_0", "dropout", (4,), (4,), 0, "params.Dropout_0"),
        ("Dense_1", "dense", (4,), (1,), 5, "params.Dense_1"),
    ]
    # batch_stats (mean, var) are listed in the tree but not counted as parameters
    assert arch.total_params == 29
    assert [e.path for e in arch.tree if e.path.startswith("batch_stats")] == [
        "batch_stats.BatchNorm_0.mean", "batch_stats.BatchNorm_0.var",
    ]
