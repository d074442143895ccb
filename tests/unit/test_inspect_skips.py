"""Skip connections read off the jaxpr: a U-Net's concatenations of encoder and decoder maps (in
plain jax, course style, flax nnx and flax linen), residual sums, and what each skip's kind is."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import linen, nnx
from jax import lax

from jaxscope.inspect import architecture


def summary(arch):
    return [(l.name, l.kind, l.input_shape, l.output_shape, l.param_count, l.activation) for l in arch.layers]


# ---- plain jax, NCHW as lax.conv writes it


def conv(x, kernel, stride=1):
    return lax.conv_general_dilated(x, kernel, (stride, stride), "SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"))


def up(x, kernel):
    """A transposed convolution doubling the size: a conv_general_dilated with lhs_dilation 2."""
    return lax.conv_transpose(x, kernel, (2, 2), "SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"))


def unet(p, x):
    e1 = jax.nn.relu(conv(x, p["enc1"]) + p["b1"][:, None, None])           # 8 x 16 x 16
    e2 = jax.nn.relu(conv(e1, p["enc2"], stride=2))                         # 16 x 8 x 8
    d = jax.nn.relu(conv(jnp.concatenate([up(e2, p["up"]), e1], axis=1), p["dec"]))
    return conv(d, p["out"])


UNET_PARAMS = {"enc1": np.ones((8, 1, 3, 3)), "b1": np.zeros(8), "enc2": np.ones((16, 8, 3, 3)),
               "up": np.ones((8, 16, 2, 2)), "dec": np.ones((8, 16, 3, 3)), "out": np.ones((1, 8, 1, 1))}


def test_a_plain_jax_unet_s_concatenation_is_a_skip_from_the_encoder_conv_to_the_decoder_conv():
    arch = architecture(UNET_PARAMS, apply=unet, input_shape=(1, 16, 16))
    assert summary(arch) == [
        ("conv_0", "conv", (1, 16, 16), (8, 16, 16), 80, "relu"),
        ("conv_1", "conv", (8, 16, 16), (16, 8, 8), 1152, "relu"),
        ("conv_transpose_0", "conv_transpose", (16, 8, 8), (8, 16, 16), 512, None),
        ("conv_2", "conv", (16, 16, 16), (8, 16, 16), 1152, "relu"),
        ("conv_3", "conv", (8, 16, 16), (1, 16, 16), 8, None),
    ]
    assert arch.skips == ((0, 3),)
    assert arch.skip_kinds == ("concat",)


def test_the_spec_sends_a_skip_as_from_to_and_kind():
    data = architecture(UNET_PARAMS, apply=unet, input_shape=(1, 16, 16)).to_json()
    assert data["skips"] == [[0, 3, "concat"]]


def test_a_course_style_vmapped_unet_reads_the_same_layers_without_the_per_sample_reshapes():
    # the course convolves one image at a time: conv(x[None])[0], vmapped over the batch
    def one(x, p):
        return unet(p, x[None])[0]

    arch = architecture(UNET_PARAMS, apply=lambda p, x: jax.vmap(one, in_axes=(0, None))(x, p), input_shape=(1, 16, 16))
    assert [l.kind for l in arch.layers] == ["conv", "conv", "conv_transpose", "conv", "conv"]
    assert arch.layers[0].param_count == 80  # the bias after conv(x[None])[0] is the conv's
    assert (arch.skips, arch.skip_kinds) == (((0, 3),), ("concat",))


def hand_unet(p, x):
    """One image (C, H, W): pooling as a reshape and mean, upsampling as jnp.repeat, a bicubic-like
    base added at the end (the super-resolution notebook's style)."""
    def layer(x, k):
        return jax.nn.relu(conv(x[None], p["k"][k])[0] + p["b"][k][:, None, None])
    def pool(x):
        c, h, w = x.shape
        return x.reshape(c, h // 2, 2, w // 2, 2).mean(axis=(2, 4))
    def upsample(x):
        return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)
    down = layer(x, 0)                                                      # 4 x 8 x 8
    bottom = layer(pool(down), 1)                                           # 8 x 4 x 4
    joined = layer(jnp.concatenate([upsample(bottom), down]), 2)            # (8 + 4 ->) 4 x 8 x 8
    return x + conv(joined[None], p["k"][3])[0]


HAND_PARAMS = {"k": [np.ones((4, 1, 3, 3)), np.ones((8, 4, 3, 3)), np.ones((4, 12, 3, 3)), np.ones((1, 4, 3, 3))],
               "b": [np.zeros(4), np.zeros(8), np.zeros(4)]}


def test_hand_written_pooling_and_upsampling_are_layers_and_the_skip_reaches_the_conv_after_the_join():
    arch = architecture(HAND_PARAMS, apply=jax.vmap(hand_unet, in_axes=(None, 0)), input_shape=(1, 8, 8))
    assert [(l.name, l.kind, l.input_shape, l.output_shape, l.activation) for l in arch.layers] == [
        ("conv_0", "conv", (1, 8, 8), (4, 8, 8), "relu"),
        ("avg_pool", "pool", (4, 8, 8), (4, 4, 4), None),
        ("conv_1", "conv", (4, 4, 4), (8, 4, 4), "relu"),
        ("upsample", "reshape", (8, 4, 4), (8, 8, 8), None),
        ("conv_2", "conv", (12, 8, 8), (4, 8, 8), "relu"),
        ("conv_3", "conv", (4, 8, 8), (1, 8, 8), None),
    ]
    assert list(zip(arch.skips, arch.skip_kinds)) == [((0, 4), "concat"), ((-1, 6), "add")]


def test_a_statistic_broadcast_against_the_stream_stays_off_it_while_a_repeat_stays_on():
    def normed(p, x):
        h = x @ p["w"]
        centred = h - h.mean(axis=-1, keepdims=True)                          # a statistic broadcast back
        return jnp.repeat(centred, 2, axis=-1) @ p["v"]
    arch = architecture({"w": np.ones((3, 4)), "v": np.ones((8, 2))}, apply=normed, input_shape=(3,))
    assert [(l.name, l.input_shape, l.output_shape) for l in arch.layers] == [
        ("dense_0", (3,), (4,)), ("upsample", (4,), (8,)), ("dense_1", (8,), (2,))]


def test_lesson3_s_cnn_traced_through_its_apply_matches_its_parameters_and_adds_the_activations():
    def conv2d(x, kernel):
        return lax.conv_general_dilated(x[None], kernel, window_strides=(2, 2), padding="VALID")[0]

    def nn_conv(x, p):
        for kernel, bias in zip(p["conv_kernels"], p["conv_biases"]):
            x = jnp.tanh(conv2d(x, kernel) + bias[:, None, None])
        x = x.reshape(-1)
        return p["dense"]["weights"][0] @ x + p["dense"]["biases"][0]

    channels = [3, 30, 30, 30, 10]
    params = {"conv_kernels": [np.ones((o, i, 3, 3)) for i, o in zip(channels[:-1], channels[1:])],
              "conv_biases": [np.zeros(o) for o in channels[1:]],
              "dense": {"weights": [np.ones((3, 40))], "biases": [np.zeros(3)]}}
    traced = architecture(params, apply=lambda p, x: jax.vmap(nn_conv, in_axes=(0, None))(x, p), input_shape=(3, 50, 50))
    from_params = architecture(params, input_shape=(3, 50, 50))
    assert [(l.kind, l.input_shape, l.output_shape, l.param_count) for l in traced.layers] == \
        [(l.kind, l.input_shape, l.output_shape, l.param_count) for l in from_params.layers]
    assert [l.activation for l in traced.layers] == ["tanh"] * 4 + [None, None]
    assert traced.skips == ()


# ---- flax


class UNet(nnx.Module):
    def __init__(self, rngs):
        self.enc1 = nnx.Conv(1, 8, (3, 3), rngs=rngs)
        self.enc2 = nnx.Conv(8, 16, (3, 3), rngs=rngs)
        self.up = nnx.ConvTranspose(16, 8, (2, 2), strides=(2, 2), rngs=rngs)
        self.dec = nnx.Conv(16, 8, (3, 3), rngs=rngs)
        self.out = nnx.Conv(8, 1, (1, 1), rngs=rngs)

    def __call__(self, x):
        e1 = nnx.relu(self.enc1(x))
        e2 = nnx.relu(self.enc2(nnx.max_pool(e1, (2, 2), strides=(2, 2))))
        d = nnx.relu(self.dec(jnp.concatenate([self.up(e2), e1], axis=-1)))
        return x + self.out(d)


def test_an_nnx_unet_has_a_concat_skip_from_enc1_to_dec_and_an_add_skip_from_the_input_to_the_output():
    arch = architecture(UNet(nnx.Rngs(0)), input_shape=(16, 16, 1))
    assert summary(arch) == [
        ("enc1", "conv", (16, 16, 1), (16, 16, 8), 80, "relu"),
        ("max_pool", "pool", (16, 16, 8), (8, 8, 8), 0, None),
        ("enc2", "conv", (8, 8, 8), (8, 8, 16), 1168, "relu"),
        ("up", "conv_transpose", (8, 8, 16), (16, 16, 8), 520, None),
        ("dec", "conv", (16, 16, 16), (16, 16, 8), 1160, "relu"),
        ("out", "conv", (16, 16, 8), (16, 16, 1), 9, None),
    ]
    assert arch.skips == ((0, 4), (-1, 6))
    assert arch.skip_kinds == ("concat", "add")
    assert arch.to_json()["skips"] == [[0, 4, "concat"], [-1, 6, "add"]]


class LinenUNet(linen.Module):
    @linen.compact
    def __call__(self, x):
        e1 = linen.relu(linen.Conv(8, (3, 3))(x))
        e2 = linen.relu(linen.Conv(16, (3, 3))(linen.avg_pool(e1, (2, 2), strides=(2, 2))))
        u = jax.image.resize(e2, (e2.shape[0], 16, 16, 16), "nearest")  # upsampling without parameters
        d = linen.relu(linen.Conv(8, (3, 3))(jnp.concatenate([u, e1], axis=-1)))
        return linen.Conv(1, (1, 1))(d)


def test_a_linen_unet_s_decoder_conv_takes_the_concatenation_as_its_input():
    module = LinenUNet()
    variables = module.init(jax.random.key(0), jnp.zeros((1, 16, 16, 1)))
    arch = architecture(variables, module=module, input_shape=(16, 16, 1))
    assert summary(arch) == [
        ("Conv_0", "conv", (16, 16, 1), (16, 16, 8), 80, "relu"),
        ("avg_pool", "pool", (16, 16, 8), (8, 8, 8), 0, None),
        ("Conv_1", "conv", (8, 8, 8), (8, 8, 16), 1168, "relu"),
        ("Conv_2", "conv", (16, 16, 24), (16, 16, 8), 1736, "relu"),  # 16 upsampled + 8 skipped channels
        ("Conv_3", "conv", (16, 16, 8), (16, 16, 1), 9, None),
    ]
    assert (arch.skips, arch.skip_kinds) == (((0, 3),), ("concat",))


# ---- kinds of the skips that were found before


def test_a_residual_sum_is_an_add_skip_and_a_layer_fed_by_an_older_output_a_skip_without_a_join():
    def residual(p, x):
        h = jnp.tanh(x @ p["w0"])
        return (h + jnp.tanh(h @ p["w1"])) @ p["w2"]

    def two_heads(p, x):
        h0 = jnp.tanh(x @ p["w0"])
        h1 = jnp.tanh(h0 @ p["w1"])
        return (h0 @ p["w2"]) * (h1 @ p["w3"])

    params = {"w0": np.ones((2, 8)), "w1": np.ones((8, 8)), "w2": np.ones((8, 1)), "w3": np.ones((8, 1))}
    arch = architecture(params, apply=residual, input_shape=(2,))
    assert (arch.skips, arch.skip_kinds, arch.to_json()["skips"]) == (((0, 2),), ("add",), [[0, 2, "add"]])
    heads = architecture(params, apply=two_heads, input_shape=(2,))
    assert (heads.skips, heads.skip_kinds, heads.to_json()["skips"]) == (((0, 2), (1, 3)), ("", ""), [[0, 2], [1, 3]])


def test_architectures_read_from_parameters_alone_have_no_skips_and_no_kinds():
    arch = architecture({"weights": [np.ones((3, 2))], "biases": [np.zeros(3)]})
    assert (arch.skips, arch.skip_kinds, arch.to_json()["skips"]) == ((), (), [])


def test_global_average_pooling_is_a_pool_layer_between_the_last_conv_and_the_dense_read_out():
    def classifier(p, x):                                                  # one (1, 8, 8) image
        x = jax.nn.relu(conv(x[None], p["k"])[0])                          # 4 x 8 x 8
        return p["w"] @ x.mean(axis=(1, 2))                                # 4 numbers -> one logit

    params = {"k": np.ones((4, 1, 3, 3)), "w": np.ones((1, 4))}
    arch = architecture(params, apply=jax.vmap(classifier, in_axes=(None, 0)), input_shape=(1, 8, 8))
    assert [(l.name, l.kind, l.input_shape, l.output_shape) for l in arch.layers] == [
        ("conv_0", "conv", (1, 8, 8), (4, 8, 8)), ("avg_pool", "pool", (4, 8, 8), (4,)), ("dense_0", "dense", (4,), (1,))]
