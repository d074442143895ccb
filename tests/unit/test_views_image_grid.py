"""ImageGrid: input / target / output images of fixed samples (image-to-image) or captions with the true
and predicted parameters (image-to-parameters); the PNG encoder behind the images, decoded with zlib."""

import html

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.views.images import image_batch
from jaxscope.views.png import LUT, to_png
from view_checks import colours, decode_png, pixels


# ---- the PNG encoder -------------------------------------------------------------------------
def test_png_pixels_are_the_viridis_colours_of_the_values_in_their_own_range():
    image = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 8.0]])
    w, h, rgb = decode_png(to_png(image))
    assert (w, h) == (3, 2)
    index = np.round(image / 8 * 255).astype(int)
    assert index.tolist() == [[0, 32, 64], [96, 128, 255]]
    np.testing.assert_array_equal(rgb, LUT[index])
    assert rgb[0, 0].tolist() == [68, 1, 84] and rgb[1, 2].tolist() == [253, 231, 37]  # viridis' ends


def test_png_with_a_given_range_clips_and_nan_takes_the_low_colour():
    image = np.array([[-5.0, 0.0, 0.5], [1.0, 9.0, np.nan]])
    _, _, rgb = decode_png(to_png(image, 0.0, 1.0))
    np.testing.assert_array_equal(rgb, LUT[[[0, 0, 128], [255, 255, 0]]])
    _, _, rgb = decode_png(to_png(np.full((2, 2), 7.0)))  # a constant image: all the low colour
    assert np.all(rgb == LUT[0])


def test_png_of_a_non_square_image_keeps_rows_top_to_bottom():
    image = np.arange(12.0).reshape(3, 4)
    w, h, rgb = decode_png(to_png(image))
    assert (w, h) == (4, 3)
    np.testing.assert_array_equal(rgb, colours(image))


def test_the_lut_has_256_colours_from_viridis():
    assert LUT.shape == (256, 3) and LUT.dtype == np.uint8
    assert LUT[0].tolist() == [68, 1, 84] and LUT[255].tolist() == [253, 231, 37]
    with pytest.raises(ValueError, match=r"to_png takes a 2-D image; got shape \(2, 2, 3\)"):
        to_png(np.zeros((2, 2, 3)))


def test_image_batch_reads_channels_first_and_channels_last():
    x = np.arange(2 * 3 * 5 * 6, dtype=np.float32).reshape(2, 3, 5, 6)
    np.testing.assert_array_equal(image_batch(x, 2), x[:, 2])
    last = np.moveaxis(x, 1, -1)  # (2, 5, 6, 3)
    np.testing.assert_array_equal(image_batch(last, 1), x[:, 1])
    np.testing.assert_array_equal(image_batch(x[:, 0]), x[:, 0])  # (N, H, W) as it is
    assert image_batch(np.zeros((4, 50))) is None and image_batch(np.zeros((2, 2, 2, 2, 2))) is None
    with pytest.raises(ValueError, match=r"channel must be from 0 to 2 for images of shape \(3, 5, 6\); got 3"):
        image_batch(x, 3)


# ---- ImageGrid ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def force_sweeps():
    """Channels-first images (N, 3, 8, 8) and three parameters per image."""
    x = np.asarray(np.random.default_rng(0).uniform(size=(6, 3, 8, 8)), np.float32)
    y = np.stack([x[:, 0].mean(axis=(1, 2)), x[:, 1].std(axis=(1, 2)), x[:, 2, 0, 0]], axis=1)
    return x, y


def to_parameters(p, x):
    return x.mean(axis=(2, 3)) @ p["w"]


def test_image_to_parameters_captions_give_the_true_and_predicted_values(force_sweeps):
    x, y = force_sweeps
    w = np.asarray(np.random.default_rng(1).normal(size=(3, 3)), np.float32)
    grid = scope.views.ImageGrid(params={"w": jnp.asarray(w)}, apply=to_parameters, data=(x, y),
                                 names=("ω0", "γ", "ε"), channel=1)
    assert grid.image_output is False and len(grid.captions) == 4 and grid.output_images == []
    pred = x.mean(axis=(2, 3)).astype(np.float64) @ w
    np.testing.assert_allclose(grid.compute(grid.network.current())["outputs"], pred[:4], rtol=1e-5)
    for k, caption in enumerate(grid.captions):
        p = grid.compute(grid.network.current())["outputs"][k]
        assert caption.value == "<br>".join(f"{n} true {t:.4g} · predicted {q:.4g}" for n, t, q in zip(("ω0", "γ", "ε"), y[k], p))
        assert f"ω0 true {y[k, 0]:.4g} · predicted {pred[k, 0]:.4g}" in caption.value
    # the header (input, caption) and then, per row, the input image of channel 1 and its caption
    cells = grid.grid.children
    assert [html.unescape(c.value) for c in cells[:2]] == ["<b>input</b>", "<b></b>"] and len(cells) == 2 + 2 * 4
    for k in range(4):
        np.testing.assert_array_equal(pixels(cells[2 + 2 * k].value, 8, 8), colours(x[k, 1]))
        assert cells[3 + 2 * k] is grid.captions[k]
    grid.update({"w": jnp.zeros((3, 3))})
    assert grid.captions[2].value.split("<br>")[1] == f"γ true {y[2, 1]:.4g} · predicted 0"


def test_image_to_image_outputs_are_drawn_on_the_targets_colour_range():
    x = np.asarray(np.random.default_rng(2).uniform(size=(5, 6, 7, 1)), np.float32)  # channels last
    y = 2 * x
    grid = scope.views.ImageGrid(params={"a": jnp.float32(1.5)}, apply=lambda p, x: p["a"] * x, data=(x, y), samples=3)
    assert grid.image_output is True and len(grid.output_images) == 3 and grid.captions == []
    lo, hi = float(y[:3].min()), float(y[:3].max())
    cells = grid.grid.children
    assert [html.unescape(c.value) for c in cells[:3]] == ["<b>input</b>", "<b>target</b>", "<b>output</b>"]
    for k in range(3):
        np.testing.assert_array_equal(pixels(cells[3 + 3 * k].value, 6, 7), colours(x[k, ..., 0]))
        np.testing.assert_array_equal(pixels(cells[4 + 3 * k].value, 6, 7), colours(y[k, ..., 0]))
        assert cells[5 + 3 * k] is grid.output_images[k]
        out = 1.5 * x[k, ..., 0].astype(np.float64)
        np.testing.assert_array_equal(pixels(grid.output_images[k].value, 6, 7), colours(out, lo, hi))
    grid.update({"a": jnp.float32(2.0)})  # now the outputs are the targets
    for k in range(3):
        np.testing.assert_array_equal(pixels(grid.output_images[k].value, 6, 7), colours(y[k, ..., 0], lo, hi))


def test_image_outputs_without_image_targets_leave_the_target_cell_empty():
    x = np.asarray(np.random.default_rng(3).uniform(size=(2, 4, 4)), np.float32)
    grid = scope.views.ImageGrid(params={}, apply=lambda p, x: -x, data=(x, np.zeros(2)), samples=2)
    cells = grid.grid.children
    assert grid.image_output and cells[4].value == ""
    np.testing.assert_array_equal(pixels(grid.output_images[1].value, 4, 4), colours(-x[1]))


def test_following_a_trainer_shows_its_validation_samples():
    x = np.asarray(np.random.default_rng(4).uniform(size=(12, 1, 6, 6)), np.float32)
    y = x.mean(axis=(1, 2, 3))[:, None] * np.array([[1.0, -1.0]], np.float32)
    apply = lambda p, x: x.mean(axis=(1, 2, 3))[:, None] * p["w"]
    trainer = scope.Trainer(params={"w": jnp.zeros((1, 2))}, loss=lambda p, b: jnp.mean((apply(p, b[0]) - b[1]) ** 2),
                            data=(x[:8], y[:8]), validation=(x[8:], y[8:]), batch_size=4, optimizer=0.1, apply=apply,
                            strategy="step")
    grid = scope.views.ImageGrid(trainer, samples=3, interval=60)
    for k, caption in enumerate(grid.captions):
        assert caption.value == f"y0 true {y[8 + k, 0]:.4g} · predicted 0<br>y1 true {y[8 + k, 1]:.4g} · predicted 0"
    trainer.run(20)
    assert grid.wait(10)
    p = np.asarray(trainer.params["w"])
    assert p[0, 0] > 0 > p[0, 1]
    pred = x[8:11].mean(axis=(1, 2, 3)).astype(np.float64)[:, None] * p
    assert grid.captions[2].value.endswith(f"predicted {pred[2, 1]:.4g}")
    without = scope.Trainer(params={"w": jnp.zeros((1, 2))}, loss=lambda p, b: jnp.mean((apply(p, b[0]) - b[1]) ** 2),
                            data=(x[:8], y[:8]), apply=apply)
    grid = scope.views.ImageGrid(without, samples=2)  # no validation data: the training samples
    assert grid.captions[1].value.startswith(f"y0 true {y[1, 0]:.4g}")


def test_names_and_outputs_that_do_not_match_the_targets_are_refused(force_sweeps):
    x, y = force_sweeps
    options = dict(params={"w": jnp.eye(3)}, apply=to_parameters, data=(x, y))
    with pytest.raises(ValueError, match=r"names has 2 entries for 3 target value\(s\)"):
        scope.views.ImageGrid(names=("a", "b"), **options)
    with pytest.raises(ValueError, match=r"ImageGrid: 2 output\(s\) per sample for 3 target value\(s\)"):
        scope.views.ImageGrid(params={"w": jnp.ones((3, 2))}, apply=to_parameters, data=(x, y))


@pytest.mark.parametrize("options, message", [
    (dict(samples=0), r"samples must be an integer from 1 to 16; got 0"),
    (dict(samples=17), r"samples must be an integer from 1 to 16; got 17"),
    (dict(params={}, apply=lambda p, x: x), r"ImageGrid needs samples: a trainer, or data=\(x, y\)"),
    (dict(params={}, apply=lambda p, x: x, data=(np.zeros((3, 5)), np.zeros(3))),
     r"ImageGrid shows image inputs \(N, H, W\), \(N, C, H, W\) or \(N, H, W, C\); got \(3, 5\)"),
    (dict(params={}, apply=lambda p, x: x, data=(np.zeros((3, 2, 8, 8)), np.zeros(3)), channel=2),
     r"channel must be from 0 to 1 for images of shape \(2, 8, 8\); got 2"),
    (dict(params={}, data=(np.zeros((3, 8, 8)), np.zeros(3))), r"ImageGrid runs the network: pass apply="),
])
def test_bad_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        scope.views.ImageGrid(**options)
