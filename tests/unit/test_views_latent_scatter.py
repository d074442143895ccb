"""LatentScatter: a dense layer's activations for fixed samples (read from the user's own forward),
as two units or a PCA projection with stable signs, coloured by a target, a class or a function;
selecting points (``select`` or the brush's ``dots.selected``) shows those samples beside the plot."""

import html
import struct
import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from course_models import mlp_batch, mse_loss_batch
from jaxscope.views.latent_scatter import SHOWN
from jaxscope.views.png import LUT
from jaxscope.views.projection import project
from view_checks import init_params


def numpy_layers(params, x):
    """Each dense layer's output of the course MLP (tanh hidden layers, linear output), float64."""
    h, layers = np.asarray(x, np.float64), []
    for k, (w, b) in enumerate(zip(params["weights"], params["biases"])):
        h = h @ np.asarray(w, np.float64).T + np.asarray(b, np.float64)
        if k < len(params["weights"]) - 1:
            h = np.tanh(h)
        layers.append(h)
    return layers


def numpy_pca(a):
    """The first two principal-component scores and their shares of the variance, via numpy's SVD."""
    centred = a - a.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T, s[:2] ** 2 / np.sum(s**2)


def assert_equal_up_to_sign(got, want, tolerance=1e-6):
    scale = np.abs(want).max()
    for k in range(want.shape[1]):
        sign = np.sign(np.dot(got[:, k], want[:, k]))
        np.testing.assert_allclose(got[:, k], sign * want[:, k], atol=tolerance * scale)


def decode_png(data):
    data = bytes(data)
    chunks, at = {}, 8
    while at < len(data):
        (length,), kind = struct.unpack(">I", data[at:at + 4]), data[at + 4:at + 8]
        chunks[kind] = data[at + 8:at + 8 + length]
        at += 12 + length
    w, h = struct.unpack(">II", chunks[b"IHDR"][:8])
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(h, 1 + 3 * w)
    return w, h, rows[:, 1:].reshape(h, w, 3)


def thumbnail(png, rows, cols):
    w, h, rgb = decode_png(png)
    f = w // cols
    assert f >= 1 and (w, h) == (cols * f, rows * f)
    return rgb[::f, ::f]


def colours(values):
    values = np.asarray(values, np.float64)
    return LUT[np.round((values - values.min()) / (values.max() - values.min()) * 255).astype(int)]


def apply(p, x):
    return mlp_batch(x, p)


SIZES = [3, 6, 2, 4, 1]  # dense layers 0..3 of widths 6, 2, 4, 1: the narrowest hidden one is layer 1


@pytest.fixture(scope="module")
def trainer():
    x = np.asarray(np.random.default_rng(0).uniform(-2, 2, (40, 3)), np.float32)
    y = np.stack([x[:, 0] * x[:, 1], np.sin(x[:, 2])], axis=1)
    return scope.Trainer(params=init_params(1, SIZES), loss=lambda p, b: mse_loss_batch(*b, p),
                         data=(x, y[:, :1]), validation=(x[:20] + 0.5, y[:20, :1]), batch_size=8, apply=apply)


def validation_inputs(trainer):
    return np.asarray(trainer.data.validation_arrays[0])


def test_the_default_layer_is_the_narrowest_hidden_one_and_two_units_are_drawn_as_they_are(trainer):
    view = scope.views.LatentScatter(trainer)
    assert view.layer == 1
    xv = validation_inputs(trainer)
    np.testing.assert_array_equal(view.x, xv)  # the validation samples
    want = numpy_layers(trainer.params, xv)[1]
    np.testing.assert_allclose(view.latent(trainer.params), want, rtol=1e-5, atol=1e-6)
    data = view.compute(trainer.params)
    np.testing.assert_allclose(data["xy"], want, rtol=1e-5, atol=1e-6)
    assert data["labels"] == ["unit 0", "unit 1"] and [a.label for a in view.figure.axes] == ["unit 0", "unit 1", ""]  # x, y, colour bar
    np.testing.assert_array_equal(view.dots.x, data["xy"][:, 0].astype(np.float32))
    np.testing.assert_array_equal(view.dots.y, data["xy"][:, 1].astype(np.float32))
    assert view.figure.title == "latent space (layer 1)"


@pytest.mark.parametrize("layer", [0, 2])
def test_a_wider_layer_is_its_pca_projection(trainer, layer):
    view = scope.views.LatentScatter(trainer, layer=layer, color_label="x₀x₁")
    xv = validation_inputs(trainer)
    activations = numpy_layers(trainer.params, xv)[layer]
    np.testing.assert_allclose(view.latent(trainer.params), activations, rtol=1e-5, atol=1e-6)
    scores, share = numpy_pca(activations)
    data = view.compute(trainer.params)
    assert_equal_up_to_sign(data["xy"], scores)
    assert data["labels"] == [f"PC 1 ({100 * share[0]:.0f} %)", f"PC 2 ({100 * share[1]:.0f} %)"]
    assert view.figure.title == f"latent space (layer {layer}) · colour: x₀x₁"


def test_the_output_layer_of_one_unit_is_drawn_against_the_sample_index(trainer):
    view = scope.views.LatentScatter(trainer, layer=3)
    data = view.compute(trainer.params)
    out = numpy_layers(trainer.params, validation_inputs(trainer))[3][:, 0]
    np.testing.assert_allclose(data["xy"][:, 0], out, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(data["xy"][:, 1], np.arange(20))
    assert data["labels"] == ["unit 0", "sample"]


def test_pca_signs_follow_the_previous_refresh():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(50, 4)) * [4.0, 2.0, 1.0, 0.5]
    xy, _, components = project(a)
    flipped_xy, _, flipped = project(a, previous=-components)
    np.testing.assert_allclose(flipped, -components)
    np.testing.assert_allclose(flipped_xy, -xy)
    half = project(a, previous=components * [[1.0], [-1.0]])[0]  # each component on its own
    np.testing.assert_allclose(half, xy * [1.0, -1.0])
    nudged = a + 0.05 * rng.normal(size=a.shape)
    assert np.all(np.sum(project(nudged, previous=components)[2] * components, axis=1) > 0.9)


def test_the_view_keeps_its_pca_signs_from_one_refresh_to_the_next(trainer):
    view = scope.views.LatentScatter(trainer, layer=0)
    params = trainer.params
    first = view.compute(params)["xy"]
    view._components = -view._components  # as if the last refresh had chosen the other signs
    np.testing.assert_allclose(view.compute(params)["xy"], -first, rtol=1e-12)
    previous = view._components.copy()
    nudged = jax.tree.map(lambda w: w * 1.02 + 0.01, params)
    view.compute(nudged)
    assert np.all(np.sum(view._components * previous, axis=1) > 0)


def test_colour_by_target_column_class_callable_or_array():
    x = np.asarray(np.random.default_rng(2).normal(size=(12, 3)), np.float32)
    y = np.stack([x[:, 0], 2 * x[:, 1]], axis=1)
    options = dict(params={}, apply=lambda p, x: x, encode=lambda p, x: x[:, :2])
    assert np.array_equal(scope.views.LatentScatter(data=(x, y), **options).colour, y[:, 0])
    view = scope.views.LatentScatter(data=(x, y), color=1, **options)
    np.testing.assert_array_equal(view.colour, y[:, 1])
    np.testing.assert_array_equal(view.dots.color, y[:, 1].astype(np.float32))
    classes = np.array([2, 0, 1, 1, 0, 2, 2, 0, 1, 0, 1, 2])
    one_hot = np.eye(3, dtype=np.float32)[classes]
    np.testing.assert_array_equal(scope.views.LatentScatter(data=(x, one_hot), **options).dots.color, classes)
    view = scope.views.LatentScatter(data=(x, y), color=lambda xs, ys: xs[:, 2] - ys[:, 1], **options)
    np.testing.assert_allclose(view.colour, x[:, 2] - y[:, 1], rtol=1e-6)
    view = scope.views.LatentScatter(data=(x, y), color=np.arange(12.0)[::-1], **options)
    np.testing.assert_array_equal(view.dots.color, np.arange(12.0)[::-1])
    images = np.zeros((12, 4, 4), np.float32)
    assert np.all(scope.views.LatentScatter(data=(images, images), **options).colour == 0)  # image targets: no colour


def test_select_and_the_brush_show_the_selected_curves():
    x = np.asarray(np.random.default_rng(3).normal(size=(30, 12)), np.float32)  # 12 numbers per sample: curves
    view = scope.views.LatentScatter(params={}, apply=lambda p, x: x, encode=lambda p, x: x[:, :2],
                                     data=(x, np.arange(30.0)))
    assert view.curves.visible is False and view.selection_label.value == "drag over points to see those samples"
    np.testing.assert_array_equal(view.curves.x, np.arange(12))
    view.select([3, 0, 5])
    assert view.selected == [3, 0, 5] and view.selection_label.value == "3 selected"
    np.testing.assert_array_equal(view.curves.y, x[[3, 0, 5]])
    assert view.curves.visible is True
    view.dots.selected = [7, 9]  # what the brush does
    assert view.selected == [7, 9] and view.selection_label.value == "2 selected"
    np.testing.assert_array_equal(view.curves.y, x[[7, 9]])
    many = list(range(10, 22))
    view.dots.selected = many
    assert view.selection_label.value == f"12 selected · showing {SHOWN}"
    np.testing.assert_array_equal(view.curves.y, x[many[:SHOWN]])
    view.dots.selected = None  # the brush cleared
    assert view.selected == [] and view.selection_label.value == "0 selected" and view.curves.visible is False


def test_selected_images_appear_as_thumbnails():
    x = np.asarray(np.random.default_rng(4).uniform(size=(10, 3, 5, 6)), np.float32)  # channels first
    view = scope.views.LatentScatter(params={}, apply=lambda p, x: x, data=(x, np.arange(10.0)),
                                     encode=lambda p, x: x.reshape(len(x), -1)[:, :2])
    assert len(view._thumbs) == SHOWN and all(t.layout.display == "none" for t in view._thumbs)
    view.select([4, 1])
    assert view.selection_label.value == "2 selected"
    for thumb, k in zip(view._thumbs, [4, 1]):
        np.testing.assert_array_equal(thumbnail(thumb.value, 5, 6), colours(x[k, 0]))
        assert thumb.layout.display is None
    assert all(t.layout.display == "none" for t in view._thumbs[2:])
    view.dots.selected = [9]
    np.testing.assert_array_equal(thumbnail(view._thumbs[0].value, 5, 6), colours(x[9, 0]))
    assert view._thumbs[1].layout.display == "none"
    last = np.moveaxis(x, 1, -1)  # channels last
    view = scope.views.LatentScatter(params={}, apply=lambda p, x: x, data=(last, np.arange(10.0)),
                                     encode=lambda p, x: x.reshape(len(x), -1)[:, :2])
    view.select([2])
    np.testing.assert_array_equal(thumbnail(view._thumbs[0].value, 5, 6), colours(x[2, 0]))


def test_a_few_numbers_per_sample_are_listed_in_a_table():
    x = np.array([[0.5, 1.0], [2.0, 3.0], [4.0, 5.0]], np.float32)
    view = scope.views.LatentScatter(params={}, apply=lambda p, x: x, encode=lambda p, x: x, data=(x, np.array([7.0, 8.0, 9.0])))
    table = view.beside.children[1]
    view.select([2, 0])
    rows = html.unescape(table.value)
    assert rows.count("<tr>") == 3 and "<td>2</td><td>[4. 5.]</td><td>[9.]</td>" in rows
    assert rows.index("<td>2</td>") < rows.index("<td>0</td>")
    view.select([])
    assert table.value == "" and view.selection_label.value == "0 selected"


def test_following_a_trainer_without_validation_uses_the_training_samples():
    x = np.asarray(np.random.default_rng(5).normal(size=(16, 2)), np.float32)
    trainer = scope.Trainer(params=init_params(6, [2, 5, 3, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                            data=(x, x[:, :1] ** 2), batch_size=8, apply=apply)
    view = scope.views.LatentScatter(trainer, samples=10)
    assert view.layer == 1 and view.x.shape == (10, 2)
    np.testing.assert_array_equal(view.x, x[:10])
    scores, _ = numpy_pca(numpy_layers(trainer.params, x[:10])[1])
    assert_equal_up_to_sign(view.compute(trainer.params)["xy"], scores)


def test_layer_out_of_range_and_no_dense_layers_are_refused(trainer):
    with pytest.raises(ValueError, match=r"layer must be from 0 to 3 \(this network has 4 dense layers\); got 4"):
        scope.views.LatentScatter(trainer, layer=4)
    with pytest.raises(ValueError, match=r"LatentScatter\(layer=...\) reads dense layers: .*; "
                                         r"pass encode=lambda params, x: ... instead"):
        scope.views.LatentScatter(params={"a": jnp.float32(2.0)}, apply=lambda p, x: p["a"] * x,
                                  data=(np.ones((4, 2), np.float32), np.ones(4)))


@pytest.mark.parametrize("options, message", [
    (dict(layer=1, encode=lambda p, x: x), r"pass layer= or encode=, not both"),
    (dict(layer="bottleneck"), r"layer must be the number of a dense layer \(0 = first\); got 'bottleneck'"),
    (dict(encode=3), r"encode must be a function encode\(params, x\) -> \(N, d\); got int"),
    (dict(params={}, apply=lambda p, x: x), r"LatentScatter needs samples: a trainer, or data=\(x, y\)"),
    (dict(params={}, apply=lambda p, x: x, encode=lambda p, x: x, data=(np.ones((4, 2)), np.ones((4, 2))), color=2),
     r"color=2 names a target column, but the targets have shape \(4, 2\)"),
    (dict(params={}, apply=lambda p, x: x, encode=lambda p, x: x, data=(np.ones((4, 2)), np.ones(4)), color=[1, 2]),
     r"color must give one value per sample \(4\); got shape \(2,\)"),
])
def test_bad_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        scope.views.LatentScatter(**options)


def test_after_a_jump_in_the_parameters_the_pca_is_exact_again():
    """Between refreshes the PCA is refined from the last components; after a reset or an edit
    (activations unrelated to the last ones) what is drawn is still the exact projection."""
    x = np.random.default_rng(7).normal(size=(60, 6)).astype(np.float32)
    rng = np.random.default_rng(24)
    before, after = rng.uniform(0.2, 3, 6), rng.uniform(0.2, 3, 6)  # unit scales: 8 iterations fall far short
    view = scope.views.LatentScatter(params={"s": jnp.asarray(before, jnp.float32)}, apply=lambda p, x: x,
                                     encode=lambda p, x: x * p["s"], data=(x, np.arange(60.0)))
    for scales in (after, before, after):
        view.update({"s": jnp.asarray(scales, jnp.float32)})
        scores, share = numpy_pca(x.astype(np.float64) * scales.astype(np.float32))
        drawn = np.stack([view.dots.x, view.dots.y], axis=1).astype(np.float64)
        assert_equal_up_to_sign(drawn, scores, tolerance=1e-5)
        assert [a.label for a in view.figure.axes[:2]] == [f"PC {k + 1} ({100 * share[k]:.0f} %)" for k in range(2)]


def test_small_steps_keep_the_refined_pca_on_the_exact_one_with_the_same_signs():
    rng = np.random.default_rng(8)
    a = rng.normal(size=(200, 6)) * [5.0, 3.0, 2.0, 1.0, 0.5, 0.2]
    xy, _, components = project(a)
    for _ in range(20):
        a = a + 0.02 * rng.normal(size=a.shape)
        xy, _, new = project(a, components)
        assert np.all(np.sum(new * components, axis=1) > 0.99)  # no flips
        assert_equal_up_to_sign(xy, numpy_pca(a)[0], tolerance=1e-3)  # refined: as close as 8 iterations get
        components = new


def test_of_equally_narrow_hidden_layers_the_default_is_the_last():
    x = np.asarray(np.random.default_rng(3).uniform(-1, 1, (24, 3)), np.float32)
    even = scope.Trainer(params=init_params(2, [3, 5, 5, 5, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                         data=(x, x[:, :1]), batch_size=8, apply=apply)
    view = scope.views.LatentScatter(even)
    assert view.layer == 2
    assert_equal_up_to_sign(view.compute(even.params)["xy"], numpy_pca(numpy_layers(even.params, x)[2])[0], 1e-4)
