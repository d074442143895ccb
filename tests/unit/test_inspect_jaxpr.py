"""architecture() read off the jaxpr of the forward pass: course pytrees with `apply`, the
activations jax records, pooling, flatten, skips, nested jit, and nnx input shapes from the layers."""

import functools

import flax.linen as linen
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from course_models import init_mlp, mlp, mlp_batch
from jaxscope.inspect import architecture


def summary(arch):
    return [(l.name, l.kind, l.input_shape, l.output_shape, l.param_count, l.activation, l.path) for l in arch.layers]


# ---- course pytrees with their forward


def test_lesson2_pytree_with_apply_reads_shapes_orientation_and_tanh_from_the_vmapped_forward():
    params = init_mlp(jax.random.key(0), [1, 30, 20, 1])
    arch = architecture(params, apply=lambda p, x: mlp_batch(x, p))
    assert summary(arch) == [
        ("dense_0", "dense", (1,), (30,), 60, "tanh", "weights[0]"),
        ("dense_1", "dense", (30,), (20,), 620, "tanh", "weights[1]"),
        ("dense_2", "dense", (20,), (1,), 21, None, "weights[2]"),
    ]
    assert arch.orientation == "out_in"  # W @ x contracts W's second axis
    assert arch.layers[1].params == {"weights[1]": (20, 30), "biases[1]": (20,)}
    assert (arch.total_params, arch.skips, arch.drawable) == (701, (), True)


def relu_pairs(p, x):
    for w, b in p[:-1]:
        x = jax.nn.relu(jnp.dot(x, w) + b)
    return jnp.dot(x, p[-1][0]) + p[-1][1]


def test_list_of_pairs_with_apply_is_in_out_with_relu():
    params = [[np.ones((2, 10)), np.zeros(10)], [np.ones((10, 5)), np.zeros(5)], [np.ones((5, 1)), np.zeros(1)]]
    arch = architecture(params, apply=relu_pairs)
    assert summary(arch) == [
        ("dense_0", "dense", (2,), (10,), 30, "relu", "[0]"),
        ("dense_1", "dense", (10,), (5,), 55, "relu", "[1]"),
        ("dense_2", "dense", (5,), (1,), 6, None, "[2]"),
    ]
    assert arch.layers[0].params == {"[0][0]": (2, 10), "[0][1]": (10,)}
    assert arch.orientation == "in_out"


def course_cnn(x, params):
    """Lesson 3's NN_conv on one batch: stride-2 VALID convolutions (NCHW, OIHW), tanh, flatten, MLP."""
    for kernel, bias in zip(params["conv_kernels"], params["conv_biases"]):
        x = jnp.tanh(jax.lax.conv_general_dilated(x, kernel, (2, 2), "VALID") + bias[None, :, None, None])
    return mlp_batch(x.reshape(x.shape[0], -1), params["dense"])


def test_course_cnn_with_apply_reads_conv_shapes_from_the_trace():
    channels = (3, 30, 30, 30, 10)
    params = {"conv_kernels": [np.ones((o, i, 3, 3), np.float32) for i, o in zip(channels[:-1], channels[1:])],
              "conv_biases": [np.zeros(o, np.float32) for o in channels[1:]],
              "dense": init_mlp(jax.random.key(0), [40, 50, 3])}
    arch = architecture(params, apply=lambda p, x: course_cnn(x, p), input_shape=(3, 50, 50))
    assert summary(arch) == [
        ("conv_0", "conv", (3, 50, 50), (30, 24, 24), 840, "tanh", "conv_kernels[0]"),
        ("conv_1", "conv", (30, 24, 24), (30, 11, 11), 8130, "tanh", "conv_kernels[1]"),
        ("conv_2", "conv", (30, 11, 11), (30, 5, 5), 8130, "tanh", "conv_kernels[2]"),
        ("conv_3", "conv", (30, 5, 5), (10, 2, 2), 2710, "tanh", "conv_kernels[3]"),
        ("flatten", "flatten", (10, 2, 2), (40,), 0, None, ""),
        ("dense_0", "dense", (40,), (50,), 2050, "tanh", "dense.weights[0]"),
        ("dense_1", "dense", (50,), (3,), 153, None, "dense.weights[1]"),
    ]
    assert arch.total_params == 22013
    assert arch.layers[0].params == {"conv_kernels[0]": (30, 3, 3, 3), "conv_biases[0]": (30,)}


def test_apply_without_input_shape_needs_a_dense_chain_to_start_from():
    params = {"conv_kernels": [np.ones((4, 1, 3, 3))], "conv_biases": [np.zeros(4)]}
    with pytest.raises(ValueError, match=r"apply= needs input_shape="):
        architecture(params, apply=lambda p, x: x)


def test_an_orientation_contradicting_apply_is_rejected():
    params = {"weights": [np.ones((4, 4)), np.ones((4, 4))]}
    with pytest.raises(ValueError, match=r"orientation='in_out' does not fit apply, which uses the kernels as 'out_in'"):
        architecture(params, apply=lambda p, x: x @ p["weights"][0].T @ p["weights"][1].T, orientation="in_out")


def test_given_activations_label_the_traced_layers():
    params = init_mlp(jax.random.key(0), [1, 3, 1])
    arch = architecture(params, apply=lambda p, x: mlp_batch(x, p), activations=["sigmoid", "relu"])
    assert [l.activation for l in arch.layers] == ["sigmoid", "relu"]


# ---- activations, as jax records them


def two_layers(activation):
    params = [np.ones((2, 3), np.float32), np.ones((3, 1), np.float32)]
    return architecture(params, apply=lambda p, x: activation(x @ p[0]) @ p[1])


@pytest.mark.parametrize("activation, name", [
    (jnp.tanh, "tanh"),
    (jax.nn.sigmoid, "sigmoid"),
    (jax.nn.relu, "relu"),
    (lambda x: jnp.maximum(x, 0.0), "relu"),
    (jax.nn.relu6, "relu6"),
    (jax.nn.gelu, "gelu"),
    (functools.partial(jax.nn.gelu, approximate=False), "gelu"),
    (jax.nn.silu, "silu"),
    (jax.nn.swish, "silu"),
    (jax.nn.softplus, "softplus"),
    (jax.nn.softmax, "softmax"),
    (jax.nn.log_softmax, "log_softmax"),
    (jax.nn.leaky_relu, "leaky_relu"),
    (jax.nn.elu, "elu"),
    (jax.nn.selu, "selu"),
    (jax.nn.celu, "celu"),
    (jax.nn.mish, "mish"),
    (jax.nn.hard_tanh, "hard_tanh"),
])
def test_each_jax_activation_is_named_on_the_layer_it_follows(activation, name):
    arch = two_layers(activation)
    assert [(l.kind, l.activation) for l in arch.layers] == [("dense", name), ("dense", None)]


def test_an_activation_on_the_raw_input_is_a_layer_of_its_own():
    arch = architecture({"weights": [np.ones((2, 3))]}, apply=lambda p, x: jnp.tanh(x) @ p["weights"][0].T,
                        input_shape=(3,))
    assert summary(arch) == [
        ("tanh", "activation", (3,), (3,), 0, "tanh", ""),
        ("dense_0", "dense", (3,), (2,), 6, None, "weights[0]"),
    ]


def test_an_elementwise_product_of_the_stream_is_no_activation():
    arch = two_layers(lambda h: h * 2.0 + 1.0)
    assert [(l.kind, l.activation) for l in arch.layers] == [("dense", None), ("dense", None)]


# ---- skips, pooling, flatten, nested calls


def residual(p, x):
    h = jnp.tanh(x @ p["w0"])
    return (h + jnp.tanh(h @ p["w1"])) @ p["w2"]


def test_an_add_of_two_layers_outputs_is_a_skip_to_the_next_layer():
    params = {"w0": np.ones((2, 8)), "w1": np.ones((8, 8)), "w2": np.ones((8, 1))}
    arch = architecture(params, apply=residual, input_shape=(2,))
    assert [l.name for l in arch.layers] == ["dense_0", "dense_1", "dense_2"]
    assert arch.skips == ((0, 2),)


def test_a_layer_fed_by_an_older_output_than_the_previous_layer_s_is_a_skip():
    params = {"w0": np.ones((2, 8)), "w1": np.ones((8, 8)), "w2": np.ones((8, 1)), "w3": np.ones((8, 1))}

    def two_heads(p, x):
        h0 = jnp.tanh(x @ p["w0"])
        h1 = jnp.tanh(h0 @ p["w1"])
        return (h0 @ p["w2"]) * (h1 @ p["w3"])

    arch = architecture(params, apply=two_heads, input_shape=(2,))
    assert [l.path for l in arch.layers] == ["w0", "w1", "w2", "w3"]
    assert arch.skips == ((0, 2), (1, 3))


def test_work_the_output_does_not_depend_on_is_not_drawn():
    params = {"w0": np.ones((2, 8)), "w1": np.ones((8, 8)), "w2": np.ones((8, 1))}
    arch = architecture(params, apply=lambda p, x: (jnp.tanh(x @ p["w0"]) @ p["w1"], x @ p["w0"] @ p["w2"])[1],
                        input_shape=(2,))
    assert [l.path for l in arch.layers] == ["w0", "w2"]
    assert arch.skips == ()


class LinenBlock(linen.Module):
    @linen.compact
    def __call__(self, x):
        return x + linen.Dense(4, name="inner")(linen.relu(linen.Dense(4, name="first")(x)))


class LinenTop(linen.Module):
    @linen.compact
    def __call__(self, x):
        x = LinenBlock()(linen.Dense(4)(x))
        x = linen.max_pool(x[..., None], (2,), strides=(2,))
        return linen.Dense(1)(x.reshape(x.shape[0], -1))


def test_linen_nested_modules_pooling_flatten_and_skip():
    module = LinenTop()
    variables = module.init(jax.random.key(0), jnp.zeros((1, 3)))
    arch = architecture(variables, module=module, input_shape=(3,))
    assert summary(arch) == [
        ("Dense_0", "dense", (3,), (4,), 16, None, "params.Dense_0"),
        ("first", "dense", (4,), (4,), 20, "relu", "params.LinenBlock_0.first"),
        ("inner", "dense", (4,), (4,), 20, None, "params.LinenBlock_0.inner"),
        ("max_pool", "pool", (4, 1), (2, 1), 0, None, ""),
        ("flatten", "flatten", (2, 1), (2,), 0, None, ""),
        ("Dense_1", "dense", (2,), (1,), 3, None, "params.Dense_1"),
    ]
    assert arch.skips == ((0, 3),)


@jax.jit
def jitted_block(x, kernel):
    return jnp.tanh(x @ kernel)


class Jitted(nnx.Module):
    def __init__(self, rngs):
        self.first = nnx.Linear(3, 4, rngs=rngs)
        self.kernel = nnx.Param(jnp.ones((4, 2)))

    def __call__(self, x):
        return jitted_block(jax.nn.elu(self.first(x)), self.kernel[...])


def test_layers_inside_jitted_functions_are_found():
    arch = architecture(Jitted(nnx.Rngs(0)))
    assert summary(arch) == [
        ("first", "dense", (3,), (4,), 16, "elu", "first"),
        ("kernel", "dense", (4,), (2,), 8, "tanh", "kernel"),
    ]


class Tokens(nnx.Module):
    def __init__(self, rngs):
        self.embed = nnx.Embed(10, 4, rngs=rngs)
        self.norm = nnx.LayerNorm(4, rngs=rngs)
        self.out = nnx.Linear(4, 2, rngs=rngs)

    def __call__(self, ids):
        return self.out(jax.nn.silu(self.norm(self.embed(ids))))


def test_nnx_embedding_and_layer_norm_statistics_are_not_layers():
    arch = architecture(Tokens(nnx.Rngs(0)), input_shape=jax.ShapeDtypeStruct((5,), jnp.int32))
    assert summary(arch) == [
        ("embed", "embed", (5,), (5, 4), 40, None, "embed"),
        ("norm", "norm", (5, 4), (5, 4), 8, "silu", "norm"),
        ("out", "dense", (5, 4), (5, 2), 10, None, "out"),
    ]
    assert arch.skips == ()


# ---- nnx input shapes from the declared layers


class SmallCNN(nnx.Module):
    def __init__(self, rngs):
        self.conv = nnx.Conv(1, 4, (3, 3), rngs=rngs)
        self.dense = nnx.Linear(4 * 14 * 14, 10, rngs=rngs)

    def __call__(self, x):
        x = nnx.avg_pool(nnx.relu(self.conv(x)), (2, 2), (2, 2))
        return self.dense(x.reshape(x.shape[0], -1))


def test_nnx_conv_input_size_is_the_one_the_dense_head_fits():
    arch = architecture(SmallCNN(nnx.Rngs(0)))
    assert [(l.name, l.kind, l.input_shape, l.output_shape) for l in arch.layers] == [
        ("conv", "conv", (28, 28, 1), (28, 28, 4)),
        ("avg_pool", "pool", (28, 28, 4), (14, 14, 4)),
        ("flatten", "flatten", (14, 14, 4), (784,)),
        ("dense", "dense", (784,), (10,)),
    ]


class FullyConvolutional(nnx.Module):
    def __init__(self, rngs):
        self.conv = nnx.Conv(1, 4, (3, 3), rngs=rngs)

    def __call__(self, x):
        return self.conv(x)


def test_a_fully_convolutional_nnx_module_needs_input_shape():
    with pytest.raises(ValueError, match=r"cannot tell the input shape of this FullyConvolutional: .*input_shape="):
        architecture(FullyConvolutional(nnx.Rngs(0)))
    assert architecture(FullyConvolutional(nnx.Rngs(0)), input_shape=(8, 8, 1)).layers[0].output_shape == (8, 8, 4)


class DeclaredLast(nnx.Module):
    def __init__(self, rngs):
        self.head = nnx.Linear(16, 1, rngs=rngs)
        self.body = nnx.Sequential(nnx.Linear(5, 16, rngs=rngs), jax.nn.relu)

    def __call__(self, x):
        return self.head(self.body(x))


def test_nnx_input_size_comes_from_the_first_layer_called_not_the_first_declared():
    arch = architecture(DeclaredLast(nnx.Rngs(0)))
    assert [(l.path, l.input_shape, l.output_shape, l.activation) for l in arch.layers] == [
        ("body.layers[0]", (5,), (16,), "relu"), ("head", (16,), (1,), None),
    ]


def test_the_single_sample_course_network_is_traced_through_vmap():
    params = init_mlp(jax.random.key(0), [2, 3, 1])
    arch = architecture(params, apply=lambda p, x: jax.vmap(mlp, in_axes=[0, None])(x, p))
    assert [(l.input_shape, l.output_shape, l.activation) for l in arch.layers] == [((2,), (3,), "tanh"), ((3,), (1,), None)]
