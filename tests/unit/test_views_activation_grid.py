"""ActivationGrid: the feature maps of conv layers for one fixed input, read from the user's own
forward (course NCHW pytrees with apply=, flax linen NHWC, nnx), checked against numpy with known
kernels (identity, shift, negation); one PNG tile per channel, a row per layer, live while training."""

import html

import flax.linen as linen
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import jaxscope as scope
from jaxscope.views.activation_grid import INPUT_TILE, ActivationGrid, input_tiles
from jaxscope.views.png import to_png
from recording import attach, settle
from view_checks import colours, decode_png, pixels



# ---- a course-style CNN (NCHW input, OIHW kernels) and the same network in numpy ---------------------
def course_cnn(p, x):
    """conv 3x3 SAME, tanh, 2x2 average pool, conv 3x3 VALID, sigmoid, flatten, dense."""
    h = jnp.tanh(jax.lax.conv_general_dilated(x, p["conv_kernels"][0], (1, 1), "SAME") + p["conv_biases"][0][None, :, None, None])
    h = jax.lax.reduce_window(h, 0.0, jax.lax.add, (1, 1, 2, 2), (1, 1, 2, 2), "VALID") / 4.0
    h = jax.nn.sigmoid(jax.lax.conv_general_dilated(h, p["conv_kernels"][1], (1, 1), "VALID")
                       + p["conv_biases"][1][None, :, None, None])
    return h.reshape(h.shape[0], -1) @ p["w"]


def numpy_conv(x, kernel, pad):
    """Cross-correlation (what lax.conv computes) of one image x (C, H, W) with kernels (O, C, kh, kw)."""
    x = np.pad(np.asarray(x, np.float64), ((0, 0), (pad, pad), (pad, pad)))
    kernel = np.asarray(kernel, np.float64)
    o, _, kh, kw = kernel.shape
    rows, cols = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((o, rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[:, i, j] = np.tensordot(kernel, x[:, i:i + kh, j:j + kw], axes=3)
    return out


def numpy_maps(p, image):
    """The two conv layers' outputs (after bias and activation) for one image (1, H, W)."""
    first = np.tanh(numpy_conv(image, p["conv_kernels"][0], 1) + np.asarray(p["conv_biases"][0], np.float64)[:, None, None])
    c, h, w = first.shape
    pooled = first.reshape(c, h // 2, 2, w // 2, 2).mean(axis=(2, 4))
    second = numpy_conv(pooled, p["conv_kernels"][1], 0) + np.asarray(p["conv_biases"][1], np.float64)[:, None, None]
    return [first, 1 / (1 + np.exp(-second))]


def known_kernels():
    """Layer 0: channel 0 the identity, channel 1 a shift (pixel (i, j + 1)) plus 0.1, channel 2 minus twice
    the identity, channel 3 the identity again; layer 1: random 3 -> 2 channel kernels."""
    k0 = np.zeros((4, 1, 3, 3), np.float32)
    k0[0, 0, 1, 1], k0[1, 0, 1, 2], k0[2, 0, 1, 1], k0[3, 0, 1, 1] = 1.0, 1.0, -2.0, 1.0
    rng = np.random.default_rng(0)
    return {"conv_kernels": [jnp.asarray(k0), jnp.asarray(rng.normal(size=(2, 4, 3, 3)), jnp.float32)],
            "conv_biases": [jnp.asarray([0.0, 0.1, 0.0, 0.0], jnp.float32), jnp.asarray([0.2, -0.3], jnp.float32)],
            "w": jnp.asarray(rng.normal(size=(2 * 2 * 2, 1)), jnp.float32)}


@pytest.fixture(scope="module")
def images():
    """(N, 1, 8, 8) inputs and a scalar target each."""
    x = np.asarray(np.random.default_rng(1).uniform(-1, 1, (6, 1, 8, 8)), np.float32)
    return x, x.mean(axis=(1, 2, 3))[:, None] * 3.0


def tiles_of(view):
    """The PNG tiles the page shows, per row (the input row first)."""
    rows = view.children[1:-2]          # heading, rows ..., problem line, frame ack
    return [list(row.children[1].children) for row in rows]


def heading(label):
    return html.unescape(label.value)


# ---- the feature maps, against numpy ------------------------------------------------------------------
def test_known_kernels_give_the_identity_the_shift_and_the_negation_of_the_input(images):
    x, y = images
    p = known_kernels()
    view = ActivationGrid(params=p, apply=course_cnn, data=(x, y), sample=2)
    maps = view.compute(p)["maps"]
    image = x[2, 0].astype(np.float64)
    shifted = np.zeros_like(image)
    shifted[:, :-1] = image[:, 1:]                     # SAME padding: zeros come in at the right edge
    np.testing.assert_allclose(maps[0][0], np.tanh(image), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(maps[0][1], np.tanh(shifted + 0.1), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(maps[0][2], np.tanh(-2 * image), rtol=1e-6, atol=1e-7)
    want = numpy_maps(p, x[2])
    assert [m.shape for m in maps] == [(4, 8, 8), (2, 2, 2)]
    np.testing.assert_allclose(maps[1], want[1], rtol=1e-5, atol=1e-6)


def test_layers_are_named_and_described_as_the_diagram_does(images):
    x, y = images
    view = ActivationGrid(params=known_kernels(), apply=course_cnn, data=(x, y))
    assert [(layer.number, layer.name, layer.shape, layer.activation) for layer in view.layers] == [
        (0, "conv_0", (4, 8, 8), "tanh"), (1, "conv_1", (2, 2, 2), "sigmoid")]
    data = view.compute(view.network.current())
    lo0, hi0 = data["maps"][0].min(), data["maps"][0].max()
    lo1, hi1 = data["maps"][1].min(), data["maps"][1].max()
    assert [heading(label) for label in view.headings] == [
        f"<b>conv_0</b> · 4 channels · 8 × 8 · tanh · range {lo0:.3g} … {hi0:.3g}",
        f"<b>conv_1</b> · 2 channels · 2 × 2 · sigmoid · range {lo1:.3g} … {hi1:.3g}"]
    rows = view.children[1:-2]
    assert heading(view.children[0]) == "<b>feature maps</b> · sample 0"
    assert heading(rows[0].children[0]) == "<b>input</b> · 1 × 8 × 8"
    assert [row._dom_classes[-1] for row in rows] == ["jaxscope-activation-input", "jaxscope-activation-layer",
                                                       "jaxscope-activation-layer"]


def test_tiles_are_pngs_of_each_channel_on_the_layer_s_colour_scale(images):
    x, y = images
    p = known_kernels()
    view = ActivationGrid(params=p, apply=course_cnn, data=(x, y), sample=1)
    rows = tiles_of(view)
    assert [len(r) for r in rows] == [1, 4, 2]                    # the input, 4 + 2 channels
    assert all("jaxscope-activation-tile" in t._dom_classes for r in rows for t in r)
    assert [(t.layout.width, t.layout.height) for t in (rows[0][0], rows[1][0], rows[2][0])] == [
        (f"{INPUT_TILE}px", f"{INPUT_TILE}px"), ("64px", "64px"), ("64px", "64px")]
    assert [decode_png(t.value)[:2] for t in (rows[0][0], rows[1][0], rows[2][0])] == [(96, 96), (64, 64), (64, 64)]
    np.testing.assert_array_equal(pixels(rows[0][0].value, 8, 8), colours(x[1, 0]))
    want = numpy_maps(p, x[1])
    for layer, maps in enumerate(want):
        data = view.compute(p)
        lo, hi = data["ranges"][layer][0]
        assert data["ranges"][layer] == [(lo, hi)] * len(maps)       # one scale for the whole layer
        np.testing.assert_allclose((lo, hi), (maps.min(), maps.max()), rtol=1e-5)
        for tile, channel in zip(rows[layer + 1], data["maps"][layer]):
            side = channel.shape[0]
            np.testing.assert_array_equal(pixels(tile.value, side, side), colours(channel, lo, hi))


def test_scale_channel_gives_each_tile_its_own_range(images):
    x, y = images
    p = known_kernels()
    view = ActivationGrid(params=p, apply=course_cnn, data=(x, y), scale="channel", layer=0)
    data = view.compute(p)
    maps = data["maps"][0]
    assert data["ranges"][0] == [(float(m.min()), float(m.max())) for m in maps]
    for tile, channel in zip(tiles_of(view)[1], maps):
        np.testing.assert_array_equal(pixels(tile.value, 8, 8), colours(channel))
    assert "range" not in heading(view.headings[0])


def test_layer_picks_one_layer_by_number_negative_number_or_name_and_channels_caps_the_tiles(images):
    x, y = images
    p = known_kernels()
    for layer in (1, -1, "conv_1", [1]):
        view = ActivationGrid(params=p, apply=course_cnn, data=(x, y), layer=layer)
        assert [lay.name for lay in view.layers] == ["conv_1"] and [len(r) for r in tiles_of(view)] == [1, 2]
    view = ActivationGrid(params=p, apply=course_cnn, data=(x, y), layer=["conv_1", 0], channels=3)
    assert [lay.name for lay in view.layers] == ["conv_1", "conv_0"]
    assert [len(r) for r in tiles_of(view)] == [1, 2, 3]
    maps = view.compute(p)["maps"]
    np.testing.assert_allclose(maps[1], numpy_maps(p, x[0])[0][:3], rtol=1e-6, atol=1e-7)  # the first 3 channels
    assert "· first 3 of 4 channels ·" in heading(view.headings[1])


def test_update_redraws_the_tiles_for_new_parameters(images):
    x, y = images
    p = known_kernels()
    view = ActivationGrid(params=p, apply=course_cnn, data=(x, y), layer=0)
    comm = attach(view.tiles[0][0])
    doubled = dict(p, conv_kernels=[2 * p["conv_kernels"][0], p["conv_kernels"][1]])
    view.update(doubled)
    want = np.tanh(2 * x[0, 0].astype(np.float64))
    maps = view.compute(doubled)["maps"][0]
    np.testing.assert_allclose(maps[0], want, rtol=1e-6, atol=1e-7)
    lo, hi = view.compute(doubled)["ranges"][0][0]
    sent = [b for d, b in comm.sent if ["value"] in d.get("buffer_paths", [])]
    assert len(sent) == 1 and bytes(sent[0][0]) == to_png(maps[0], lo, hi, min_size=64)   # what the page receives


# ---- flax: linen (NHWC) and nnx --------------------------------------------------------------------
class LinenAutoencoder(linen.Module):
    @linen.compact
    def __call__(self, x):
        h = linen.relu(linen.Conv(2, (3, 3))(x))
        h = linen.avg_pool(h, (2, 2), (2, 2))
        h = linen.sigmoid(linen.Conv(1, (3, 3))(h))
        return linen.ConvTranspose(1, (2, 2), strides=(2, 2))(h)


def test_linen_channels_last_maps_come_out_one_tile_per_channel():
    x = np.asarray(np.random.default_rng(2).uniform(-1, 1, (3, 8, 8, 1)), np.float32)
    variables = LinenAutoencoder().init(jax.random.key(0), x)
    kernel = np.zeros((3, 3, 1, 2), np.float32)
    kernel[1, 1, 0, 0], kernel[2, 1, 0, 1] = 1.0, -1.0                   # identity, minus the pixel below
    variables = jax.tree.map(lambda a: a, variables)
    variables["params"]["Conv_0"]["kernel"] = jnp.asarray(kernel)
    view = ActivationGrid(params=variables, module=LinenAutoencoder(), data=x)
    assert [(layer.name, layer.shape, layer.transposed) for layer in view.layers] == [
        ("Conv_0", (2, 8, 8), False), ("Conv_1", (1, 4, 4), False), ("ConvTranspose_0", (1, 8, 8), True)]
    maps = view.compute(variables)["maps"]
    image = x[0, :, :, 0].astype(np.float64)
    below = np.zeros_like(image)
    below[:-1] = image[1:]
    np.testing.assert_allclose(maps[0][0], np.maximum(image, 0), atol=1e-7)
    np.testing.assert_allclose(maps[0][1], np.maximum(-below, 0), atol=1e-7)
    out = LinenAutoencoder().apply(variables, x[:1])
    np.testing.assert_allclose(maps[2][0], np.asarray(out[0, :, :, 0]), rtol=1e-5, atol=1e-6)
    assert [len(r) for r in tiles_of(view)] == [1, 2, 1, 1]


class NnxNet(nnx.Module):
    def __init__(self, rngs):
        self.conv = nnx.Conv(1, 3, (3, 3), rngs=rngs)
        self.norm = nnx.BatchNorm(3, rngs=rngs)
        self.head = nnx.Linear(3 * 8 * 8, 1, rngs=rngs)

    def __call__(self, x):
        h = nnx.relu(self.norm(self.conv(x)))
        return self.head(h.reshape(h.shape[0], -1))


def test_an_nnx_module_runs_itself_in_evaluation_mode_and_its_layer_output_includes_norm_and_activation():
    x = np.asarray(np.random.default_rng(3).uniform(-1, 1, (2, 8, 8, 1)), np.float32)
    model = NnxNet(nnx.Rngs(0))
    model.norm.mean[...] = jnp.asarray([0.5, -0.5, 0.0])            # running statistics that show
    view = ActivationGrid(params=model, data=x)
    assert [(layer.name, layer.shape) for layer in view.layers] == [("conv", (3, 8, 8))]
    model.eval()
    want = np.moveaxis(np.asarray(nnx.relu(model.norm(model.conv(x[:1])))[0], np.float64), -1, 0)
    np.testing.assert_allclose(view.compute(model)["maps"][0], want, rtol=1e-5, atol=1e-6)


# ---- following a trainer ------------------------------------------------------------------------------
def test_in_a_dashboard_the_tiles_follow_training(images):
    x, y = images
    p = known_kernels()
    trainer = scope.Trainer(params=p, loss=lambda p, b: jnp.mean((course_cnn(p, b[0]) - b[1]) ** 2),
                            data=(x[:4], y[:4]), validation=(x[4:], y[4:]), batch_size=2, optimizer=0.05,
                            apply=course_cnn, strategy="step")
    view = ActivationGrid(interval=60)
    board = trainer.show(views=[view], diagram=False)
    assert view.trainer is trainer and view.drawn_step == 0
    np.testing.assert_array_equal(pixels(tiles_of(view)[0][0].value, 8, 8), colours(x[4, 0]))   # validation sample 0
    before = [t.value for t in view.tiles[1]]
    trainer.run(12)
    trainer.wait()
    settle(board)
    assert view.drawn_step == trainer.current_step == 12
    trained = trainer.params
    want = numpy_maps(trained, x[4])
    data = view.compute(trained)
    for layer in range(2):
        np.testing.assert_allclose(data["maps"][layer], want[layer], rtol=1e-4, atol=1e-5)
    lo, hi = data["ranges"][1][0]
    for tile, channel in zip(view.tiles[1], data["maps"][1]):
        np.testing.assert_array_equal(pixels(tile.value, 2, 2), colours(channel, lo, hi))
    assert [t.value for t in view.tiles[1]] != before
    board.close()


def test_data_batches_without_targets_need_the_inputs_given_to_the_view(images):
    x, _ = images
    trainer = scope.Trainer(params=known_kernels(), loss=lambda p, b: jnp.mean(course_cnn(p, b) ** 2),
                            data=lambda key: jax.random.uniform(key, (2, 1, 8, 8)), apply=course_cnn)
    with pytest.raises(ValueError, match=r"a view needs batches \(x, y, \.\.\.\).*; pass the inputs to "
                                         r"ActivationGrid\(data=x\)"):
        ActivationGrid(trainer)
    view = ActivationGrid(trainer, data=x, sample=5)
    np.testing.assert_array_equal(view.x, x[5:6])


def test_a_1d_convolution_shows_its_channels_as_the_rows_of_one_tile():
    x = np.asarray(np.random.default_rng(4).uniform(-1, 1, (2, 1, 10)), np.float32)     # (N, C, L) curves
    kernel = np.zeros((3, 1, 3), np.float32)
    kernel[0, 0, 1], kernel[1, 0, 2], kernel[2, 0, 1] = 1.0, 1.0, -1.0                  # identity, shift, minus

    def apply(p, x):
        return jax.lax.conv_general_dilated(x, p["k"], (1,), "SAME")

    view = ActivationGrid(params={"k": jnp.asarray(kernel)}, apply=apply, data=x)
    assert [(layer.name, layer.shape) for layer in view.layers] == [("conv_0", (3, 10))]
    curve = x[0, 0].astype(np.float64)
    want = np.stack([curve, np.append(curve[1:], 0.0), -curve])
    maps = view.compute(view.network.current())["maps"][0]
    np.testing.assert_allclose(maps, want, atol=1e-7)
    input_row, layer_row = tiles_of(view)
    assert len(input_row) == len(layer_row) == 1
    assert (layer_row[0].layout.width, layer_row[0].layout.height) == ("64px", "19px")   # 3 rows x 10 columns
    np.testing.assert_array_equal(pixels(layer_row[0].value, 3, 10), colours(want))
    assert heading(view.headings[0]).startswith("<b>conv_0</b> · 3 channels · 10 ·")


# ---- input tiles and refusals -------------------------------------------------------------------------
def test_input_tiles_read_channels_first_or_last():
    x = np.arange(3 * 6 * 7, dtype=np.float64).reshape(3, 6, 7)
    np.testing.assert_array_equal(input_tiles(x), x)
    np.testing.assert_array_equal(input_tiles(np.moveaxis(x, 0, -1)), x)
    np.testing.assert_array_equal(input_tiles(x[0]), x[:1])


def test_a_network_without_conv_layers_is_refused_with_what_to_use_instead():
    x = np.zeros((4, 8, 8), np.float32)
    with pytest.raises(ValueError, match=r"ActivationGrid shows the feature maps of conv layers, but apply\(params, x\) "
                                         r"convolves the input with no parameter kernel .*; for dense layers see LatentScatter"):
        ActivationGrid(params={"w": jnp.ones((64, 2))}, apply=lambda p, x: x.reshape(x.shape[0], -1) @ p["w"], data=x)


@pytest.mark.parametrize("options, message", [
    (dict(layer=2), r"layer must be from 0 to 1 \(this network has 2 conv layers: conv_0, conv_1\) or a layer's name; got 2"),
    (dict(layer=-3), r"layer must be from 0 to 1 .*; got -3"),
    (dict(layer="dense"), r"layer 'dense' is not a conv layer of this network; its conv layers are conv_0, conv_1"),
    (dict(layer=1.5), r"layer must be None, a conv layer's number or name, or a list of them; got 1.5"),
    (dict(layer=[]), r"layer must name at least one conv layer; got an empty list"),
    (dict(sample=6), r"sample must be from 0 to 5 \(6 samples\); got 6"),
    (dict(data=np.zeros(6, np.float32)), r"ActivationGrid needs inputs \(samples, \.\.\.\) of images or curves; got shape \(6,\)"),
    (dict(sample=-1), r"sample must be the index of a sample \(an integer >= 0\); got -1"),
    (dict(channels=0), r"channels must be an integer >= 1 \(channels shown per layer\); got 0"),
    (dict(scale="global"), r"scale must be 'layer' \(one colour scale per layer\) or 'channel' \(one per tile\); got 'global'"),
    (dict(tile=8), r"tile must be a number of pixels from 16 to 512; got 8"),
    (dict(apply=None), r"ActivationGrid runs the network: pass apply="),
])
def test_bad_arguments_are_named(images, options, message):
    x, y = images
    with pytest.raises(ValueError, match=message):
        ActivationGrid(**{"params": known_kernels(), "apply": course_cnn, "data": (x, y), **options})
