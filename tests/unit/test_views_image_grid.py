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


def test_the_triplet_layout_draws_outputs_on_the_targets_colour_range():
    x = np.asarray(np.random.default_rng(2).uniform(size=(5, 6, 7, 1)), np.float32)  # channels last
    y = 2 * x
    grid = scope.views.ImageGrid(params={"a": jnp.float32(1.5)}, apply=lambda p, x: p["a"] * x, data=(x, y), samples=3,
                                 mode="triplet")  # same-shape targets choose "image-to-image" unless asked
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
    assert grid.mode == "triplet" and grid.image_output and cells[4].value == ""
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


# ---- image-to-image: input / [baseline] / output / target / |error|, a metric per row ------------------
from jaxscope.views.image_grid import default_peak, image_mse, image_psnr, metric_text, summary_text  # noqa: E402


def numpy_psnr(out, target, peak):
    """10 log10(peak² / MSE) of one image, the definition."""
    mse = np.mean((np.asarray(out, np.float64) - np.asarray(target, np.float64)) ** 2)
    return 10 * np.log10(peak**2 / mse)


def test_image_metrics_follow_their_definitions_per_sample():
    rng = np.random.default_rng(10)
    out, target = rng.uniform(size=(3, 2, 5, 6)), rng.uniform(size=(3, 2, 5, 6))
    mse = [np.mean((out[k] - target[k]) ** 2) for k in range(3)]
    np.testing.assert_allclose(image_mse(out, target), mse, rtol=1e-12)
    np.testing.assert_allclose(image_psnr(out, target, 1.0), [numpy_psnr(out[k], target[k], 1.0) for k in range(3)])
    np.testing.assert_allclose(image_psnr(out, target, 255.0) - image_psnr(out, target, 1.0), 20 * np.log10(255))
    assert image_psnr(target, target, 1.0).tolist() == [np.inf] * 3  # a perfect image
    assert default_peak(np.array([0.0, 0.4, 1.0])) == 1.0 and default_peak(np.array([3.0, 255.0])) == 255.0
    assert default_peak(np.array([-0.5, 1.5])) == 2.0 and default_peak(np.zeros(4)) == 1.0


def test_metric_and_summary_texts():
    assert metric_text("psnr", 27.349) == "PSNR 27.3 dB" and metric_text("mse", 0.00123456) == "MSE 0.00123"
    assert summary_text("psnr", 27.34, 23.93, "bicubic") == "PSNR 27.3 dB · bicubic 23.9 dB · +3.4 dB"
    assert summary_text("psnr", 20.0, 22.5, "noisy") == "PSNR 20.0 dB · noisy 22.5 dB · -2.5 dB"
    assert summary_text("psnr", np.inf, 22.5, "b") == "PSNR ∞ dB · b 22.5 dB"
    assert summary_text("mse", 0.002, 0.008, "bicubic") == "MSE 0.002 · bicubic 0.008 · 0.25×"
    assert summary_text("mse", 0.002) == "MSE 0.002"


@pytest.fixture(scope="module")
def denoising():
    """Clean images (N, 1, 6, 7) in [0.2, 1.0] and noisy versions of them."""
    rng = np.random.default_rng(11)
    clean = np.asarray(rng.uniform(0.2, 1.0, size=(5, 1, 6, 7)), np.float32)
    noisy = np.asarray(clean + 0.1 * rng.normal(size=clean.shape), np.float32)
    return noisy, clean


def blend(p, x):
    return p["a"] * x + p["b"]


def test_same_shape_outputs_and_targets_get_input_output_target_error_columns_and_a_psnr_per_row(denoising):
    noisy, clean = denoising
    params = {"a": jnp.float32(0.8), "b": jnp.float32(0.1)}
    grid = scope.views.ImageGrid(params=params, apply=blend, data=(noisy, clean), samples=3)
    assert grid.mode == "image-to-image" and grid.image_output and len(grid.output_images) == 3
    out = 0.8 * noisy[:3].astype(np.float64) + 0.1
    lo, hi = float(clean[:3].min()), float(clean[:3].max())
    error = np.abs(out - clean[:3])[:, 0]
    assert grid.peak == float(clean[:3].max())      # PSNR's peak: the targets' maximum, none being negative
    cells = grid.grid.children
    assert [html.unescape(c.value) for c in cells[:5]] == ["<b>input</b>", "<b>output</b>", "<b>target</b>",
                                                          "<b>|error|</b>", "<b></b>"]
    psnr = [numpy_psnr(out[k], clean[k], grid.peak) for k in range(3)]
    for k in range(3):
        row = cells[5 + 5 * k: 10 + 5 * k]
        np.testing.assert_array_equal(pixels(row[0].value, 6, 7), colours(noisy[k, 0]))          # its own range
        assert row[1] is grid.output_images[k] and row[3] is grid.error_images[k] and row[4] is grid.captions[k]
        np.testing.assert_array_equal(pixels(row[1].value, 6, 7), colours(out[k, 0], lo, hi))    # the targets' range
        np.testing.assert_array_equal(pixels(row[2].value, 6, 7), colours(clean[k, 0], lo, hi))
        np.testing.assert_array_equal(pixels(row[3].value, 6, 7), colours(error[k], 0.0, error.max()))
        assert row[4].value == f"PSNR {psnr[k]:.1f} dB"
    data = grid.compute(grid.network.current())
    np.testing.assert_allclose(data["metric"], psnr, rtol=1e-6)
    assert grid.heading.value == f"<b>inputs, targets and outputs</b> · PSNR {np.mean(psnr):.1f} dB"
    assert grid.error_scale.value == f"{error.max():.3g}"
    grid.update({"a": jnp.float32(0.0), "b": jnp.float32(0.5)})           # a flat grey guess
    flat = [numpy_psnr(np.full((6, 7), 0.5), clean[k, 0], grid.peak) for k in range(3)]
    assert [c.value for c in grid.captions] == [f"PSNR {v:.1f} dB" for v in flat]
    assert grid.heading.value == f"<b>inputs, targets and outputs</b> · PSNR {np.mean(flat):.1f} dB"


def upsample(x, factor=2):
    return np.repeat(np.repeat(np.asarray(x), factor, axis=-2), factor, axis=-1)


def test_a_baseline_column_with_its_own_metric_and_low_resolution_inputs_at_their_own_size():
    rng = np.random.default_rng(12)
    full = np.asarray(rng.uniform(0.0, 1.0, size=(4, 1, 12, 10)), np.float32)
    low = full.reshape(4, 1, 6, 2, 5, 2).mean(axis=(3, 5))                       # 2 x 2 block averages
    apply = lambda p, x: p["a"] * jnp.repeat(jnp.repeat(x, 2, axis=-2), 2, axis=-1)
    grid = scope.views.ImageGrid(params={"a": jnp.float32(1.1)}, apply=apply, data=(low, full), samples=2,
                                 baseline=lambda x: 0.9 * upsample(x), baseline_name="nearest", title="super-resolution")
    cells = grid.grid.children
    assert [html.unescape(c.value) for c in cells[:6]] == ["<b>input</b>", "<b>nearest</b>", "<b>output</b>",
                                                          "<b>target</b>", "<b>|error|</b>", "<b></b>"]
    peak = float(full[:2].max())
    lo, hi = float(full[:2].min()), float(full[:2].max())
    base, out = 0.9 * upsample(low[:2]).astype(np.float64), 1.1 * upsample(low[:2]).astype(np.float64)
    base_psnr = [numpy_psnr(base[k], full[k], peak) for k in range(2)]
    out_psnr = [numpy_psnr(out[k], full[k], peak) for k in range(2)]
    for k in range(2):
        row = cells[6 + 6 * k: 12 + 6 * k]
        small = pixels(row[0].value, 6, 5)                 # the input keeps its 6 x 5 pixels, scaled up
        np.testing.assert_array_equal(small, colours(low[k, 0]))
        np.testing.assert_array_equal(pixels(row[1].value, 12, 10), colours(base[k, 0], lo, hi))
        np.testing.assert_array_equal(pixels(row[2].value, 12, 10), colours(out[k, 0], lo, hi))
        assert row[5].value == f"PSNR {out_psnr[k]:.1f} dB<br>nearest {base_psnr[k]:.1f} dB"
    np.testing.assert_allclose(grid.baseline_metric, base_psnr, rtol=1e-6)
    gain = np.mean(out_psnr) - np.mean(base_psnr)
    assert grid.heading.value == (f"<b>super-resolution</b> · PSNR {np.mean(out_psnr):.1f} dB · "
                                  f"nearest {np.mean(base_psnr):.1f} dB · {gain:+.1f} dB")
    grid.update({"a": jnp.float32(0.9)})                      # now the network is the baseline
    assert grid.heading.value.endswith(" · +0.0 dB") and grid.captions[1].value == (
        f"PSNR {base_psnr[1]:.1f} dB<br>nearest {base_psnr[1]:.1f} dB")


def test_mse_metric_and_a_given_peak(denoising):
    noisy, clean = denoising
    params = {"a": jnp.float32(1.0), "b": jnp.float32(0.0)}
    grid = scope.views.ImageGrid(params=params, apply=blend, data=(noisy, clean), samples=2, metric="mse",
                                 baseline=lambda x: 0.5 * x)
    mse = [np.mean((noisy[k].astype(np.float64) - clean[k]) ** 2) for k in range(2)]
    half = [np.mean((0.5 * noisy[k].astype(np.float64) - clean[k]) ** 2) for k in range(2)]
    assert [c.value for c in grid.captions] == [f"MSE {m:.3g}<br>bicubic {b:.3g}" for m, b in zip(mse, half)]
    assert grid.heading.value == (f"<b>inputs, targets and outputs</b> · MSE {np.mean(mse):.3g} · bicubic "
                                  f"{np.mean(half):.3g} · {np.mean(mse) / np.mean(half):.2f}×")
    given = scope.views.ImageGrid(params=params, apply=blend, data=(noisy, clean), samples=2, peak=2.0)
    assert [c.value for c in given.captions] == [f"PSNR {numpy_psnr(noisy[k], clean[k], 2.0):.1f} dB" for k in range(2)]


def test_a_perfect_network_shows_infinite_psnr_and_a_black_error():
    x = np.asarray(np.random.default_rng(13).uniform(size=(2, 5, 5)), np.float32)
    grid = scope.views.ImageGrid(params={}, apply=lambda p, x: x, data=(x, x), samples=2)
    assert grid.captions[0].value == "PSNR ∞ dB" and grid.heading.value.endswith(" · PSNR ∞ dB")
    np.testing.assert_array_equal(pixels(grid.error_images[0].value, 5, 5), LUT[np.zeros((5, 5), int)])
    assert grid.error_scale.value == "1"    # an all-zero error keeps a scale of [0, 1]


def test_outputs_of_another_layout_are_compared_when_they_hold_the_same_image():
    x = np.asarray(np.random.default_rng(14).uniform(size=(3, 1, 6, 6)), np.float32)      # channels first
    grid = scope.views.ImageGrid(params={}, apply=lambda p, x: 0.5 * x[:, 0], data=(x, x), samples=3)  # (N, H, W)
    assert grid.mode == "image-to-image"
    assert grid.captions[2].value == f"PSNR {numpy_psnr(0.5 * x[2], x[2], float(x.max())):.1f} dB"


def test_following_a_trainer_compares_its_validation_images():
    noisy, clean = (np.asarray(a, np.float32) for a in np.random.default_rng(15).uniform(0.2, 1.0, size=(2, 12, 6, 6)))
    noisy = 0.5 * noisy + 0.5 * clean
    loss = lambda p, b: jnp.mean((blend(p, b[0]) - b[1]) ** 2)
    trainer = scope.Trainer(params={"a": jnp.float32(0.0), "b": jnp.float32(0.0)}, loss=loss, data=(noisy[:8], clean[:8]),
                            validation=(noisy[8:], clean[8:]), batch_size=4, optimizer=0.05, apply=blend, strategy="step")
    grid = scope.views.ImageGrid(trainer, samples=3, interval=60, baseline=lambda x: x, baseline_name="noisy")
    assert grid.mode == "image-to-image" and grid.peak == float(clean[8:11].max())
    trainer.run(40)
    assert grid.wait(10) and grid.drawn_step == 40
    p = {k: float(v) for k, v in trainer.params.items()}
    out = p["a"] * noisy[8:11].astype(np.float64) + p["b"]
    psnr = [numpy_psnr(out[k], clean[8 + k], grid.peak) for k in range(3)]
    noisy_psnr = [numpy_psnr(noisy[8 + k], clean[8 + k], grid.peak) for k in range(3)]
    assert [c.value for c in grid.captions] == [f"PSNR {a:.1f} dB<br>noisy {b:.1f} dB" for a, b in zip(psnr, noisy_psnr)]
    assert grid.heading.value.startswith(f"<b>inputs, targets and outputs</b> · PSNR {np.mean(psnr):.1f} dB · noisy ")


@pytest.mark.parametrize("options, message", [
    (dict(mode="pairs"), r"mode must be one of \('image-to-image', 'triplet', 'parameters'\) or None \(chosen from the "
                         r"outputs\); got 'pairs'"),
    (dict(metric="ssim"), r"metric must be one of \('psnr', 'mse'\); got 'ssim'"),
    (dict(peak=0), r"peak must be a finite number > 0 \(the largest value of a clean image\); got 0"),
    (dict(peak=float("inf")), r"peak must be a finite number > 0"),
    (dict(baseline=np.ones(3)), r"baseline must be a function baseline\(x\) -> images; got ndarray"),
    (dict(baseline=lambda x: x[:, :, :3]), r"ImageGrid: baseline\(x\) gives images of shape \(3, 1, 3, 6\) for targets "
                                           r"of shape \(3, 1, 6, 6\); it must give one image like the target per sample"),
    (dict(apply=lambda p, x: x[:, :, :3], mode="image-to-image"),
     r"ImageGrid\(mode='image-to-image'\) compares output images with target images of the same shape; got outputs of "
     r"shape \(3, 1, 3, 6\) and targets of shape \(3, 1, 6, 6\)"),
    (dict(apply=lambda p, x: x.mean(axis=(1, 2, 3)), mode="triplet"),
     r"ImageGrid\(mode='triplet'\) shows image outputs; got outputs of shape \(3, 1\)"),
    (dict(apply=lambda p, x: x.mean(axis=(1, 2, 3)), baseline=lambda x: x),
     r"ImageGrid: baseline= is for image-to-image grids \(outputs and targets images of the same shape\); got outputs of "
     r"shape \(3, 1\) and targets of shape \(3, 1, 6, 6\)"),
    (dict(apply=lambda p, x: x, mode="triplet", peak=1.0), r"ImageGrid: peak= is for image-to-image grids"),
])
def test_bad_image_to_image_arguments_are_named(options, message):
    x = np.asarray(np.random.default_rng(16).uniform(size=(3, 1, 6, 6)), np.float32)
    options = {"params": {}, "apply": lambda p, x: x, "data": (x, x), "samples": 3, **options}
    with pytest.raises(ValueError, match=message):
        scope.views.ImageGrid(**options)
