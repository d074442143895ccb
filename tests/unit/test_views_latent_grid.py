"""LatentGrid: a decoder's images over a grid of 2-D latent points, tiled into one PNG picture with the
latent coordinates on its axes; checked against numpy with a linear decoder (every tile is known), a
fixed extent or the encoded samples' range, live in a dashboard while a small VAE trains."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.views.figures import nice_ticks, padded
from jaxscope.views.latent_grid import SIZE, LatentGrid, latent_points, mosaic, picture_extent
from jaxscope.views.png import to_png
from recording import attach, settle
from view_checks import colours, decode_png, pixels

H, W = 5, 6      # the linear decoder's images


def linear_decoder(p, z):
    """Each latent point z (2,) to the 5 x 6 image z @ W + b."""
    return (z @ p["W"] + p["b"]).reshape(len(z), H, W)


def decoder_params(seed=0):
    rng = np.random.default_rng(seed)
    return {"W": jnp.asarray(rng.normal(size=(2, H * W)), jnp.float32), "b": jnp.asarray(rng.normal(size=H * W), jnp.float32)}


def numpy_decoder(p, z):
    return (np.asarray(z, np.float64) @ np.asarray(p["W"], np.float64) + np.asarray(p["b"], np.float64)).reshape(len(z), H, W)


# ---- the computation, against numpy ----------------------------------------------------------------
def test_the_grid_runs_row_by_row_from_the_top_over_the_default_extent():
    p = decoder_params()
    view = LatentGrid(params=p, decode=linear_decoder, grid=4)
    data = view.compute(p)
    values = np.linspace(-3, 3, 4)
    assert data["extent"] == ((-3.0, 3.0), (-3.0, 3.0))
    np.testing.assert_allclose(data["x"], values)
    np.testing.assert_allclose(data["y"], values[::-1])                 # z₂ decreases down the rows
    want_z = np.array([[a, b] for b in values[::-1] for a in values])
    np.testing.assert_allclose(data["z"], want_z, rtol=1e-6)
    np.testing.assert_allclose(data["images"], numpy_decoder(p, want_z), rtol=1e-5, atol=1e-5)


def test_the_mosaic_puts_the_image_of_grid_point_i_j_in_tile_row_i_column_j():
    p = decoder_params(1)
    data = LatentGrid(params=p, decode=linear_decoder, grid=3, extent=((0, 1), (-2, 2))).compute(p)
    picture, images = data["mosaic"], data["images"]
    assert picture.shape == (3 * H, 3 * W)
    for i in range(3):
        for j in range(3):
            np.testing.assert_array_equal(picture[i * H:(i + 1) * H, j * W:(j + 1) * W], images[3 * i + j])
    z = data["z"].reshape(3, 3, 2)
    np.testing.assert_allclose(z[0, 2], [1.0, 2.0]) and np.testing.assert_allclose(z[2, 0], [0.0, -2.0])
    assert data["color_range"] == (float(picture.min()), float(picture.max()))


def test_helpers_lay_out_points_tiles_and_the_picture_s_box():
    z, xs, ys = latent_points(((0, 2), (10, 20)), 3)
    assert z.dtype == np.float32 and z.tolist()[:4] == [[0, 20], [1, 20], [2, 20], [0, 15]]
    assert mosaic(np.arange(8.0).reshape(4, 1, 2), 2).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert picture_extent(((-3, 3), (-3, 3)), 4) == ((-4.0, 4.0), (-4.0, 4.0))


@pytest.mark.parametrize("decode, options", [
    (lambda p, z: linear_decoder(p, z)[:, None], {}),                                   # (n, 1, H, W)
    (lambda p, z: jnp.stack([0 * linear_decoder(p, z), linear_decoder(p, z)], -1), {"channel": 1}),  # (n, H, W, 2)
    (lambda p, z: z @ p["W"] + p["b"], {"image_shape": (H, W)}),                       # flat (n, H·W)
])
def test_channels_first_channels_last_and_flat_images_give_the_same_tiles(decode, options):
    p = decoder_params(2)
    data = LatentGrid(params=p, decode=decode, grid=2, **options).compute(p)
    np.testing.assert_allclose(data["images"], numpy_decoder(p, data["z"]), rtol=1e-5, atol=1e-5)


# ---- what the page receives ------------------------------------------------------------------------
def test_one_png_picture_on_a_bqplot_image_whose_axes_are_the_latent_coordinates():
    p = decoder_params(3)
    view = LatentGrid(params=p, decode=linear_decoder, grid=4, title="manifold")
    data = view.compute(p)
    width, height, _ = decode_png(view.picture.value)
    factor = -(-SIZE // (4 * W))                      # pixels repeated until the picture is SIZE wide
    assert (width, height) == (4 * W * factor, 4 * H * factor) == (432, 360)
    np.testing.assert_array_equal(pixels(view.picture.value, 4 * H, 4 * W), colours(data["mosaic"]))
    assert view.picture.format == "png"
    assert view.image_mark.image is view.picture and view.image_mark.x.tolist() == [-4.0, 4.0]
    assert view.image_mark.y.tolist() == [-4.0, 4.0]
    x_axis, y_axis = view.figure.axes
    assert (x_axis.label, y_axis.label) == ("z₁", "z₂") and view.figure.title == "manifold (4 × 4)"
    assert (view.sx.min, view.sx.max, view.sy.min, view.sy.max) == (-4.0, 4.0, -4.0, 4.0)
    assert x_axis.tick_values.tolist() == y_axis.tick_values.tolist() == [-4, -2, 0, 2, 4]
    assert "jaxscope-latent-grid" in view.figure._dom_classes and view.children == (view.figure, view.problem, view._ack)


def test_update_sends_the_new_picture_and_a_fixed_colour_range_clips():
    p = decoder_params(4)
    view = LatentGrid(params=p, decode=linear_decoder, grid=3, color_range=(-1, 1))
    first, comm = view.picture, attach(view.image_mark)
    new = {"W": 2 * p["W"], "b": p["b"]}
    view.update(new)
    data = view.compute(new)
    assert data["color_range"] == (-1.0, 1.0)
    # bqplot's Image mark redraws only when handed another picture widget: the mark says which
    sent = [d["state"]["image"] for d, _ in comm.sent if "image" in d.get("state", {})]
    assert sent == [f"IPY_MODEL_{view.picture.model_id}"] and view.picture is not first
    assert view.picture.value == to_png(data["mosaic"], -1.0, 1.0, min_size=SIZE)
    assert first.comm is not None                             # the page may still hold it: closed a draw later
    np.testing.assert_array_equal(pixels(view.picture.value, 3 * H, 3 * W), colours(data["mosaic"], -1.0, 1.0))
    view.update({"W": 3 * p["W"], "b": p["b"]})
    assert first.comm is None and len(comm.sent) == 2


def test_extent_data_follows_the_range_of_the_encoded_samples_and_holds_while_they_stay_inside():
    x = np.asarray(np.random.default_rng(5).normal(size=(20, 3)), np.float32)
    encoder = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], np.float32)
    p = dict(decoder_params(5), E=jnp.asarray(encoder))
    view = LatentGrid(params=p, decode=linear_decoder, encode=lambda p, x: x @ p["E"], extent="data",
                      data=(x, x), samples=16, grid=3)
    z = x[:16].astype(np.float64) @ encoder
    want = np.array([padded(z[:, k].min(), z[:, k].max()) for k in range(2)])
    np.testing.assert_allclose(np.array(view.encoded_range(p)), [(z[:, k].min(), z[:, k].max()) for k in range(2)],
                               rtol=1e-5)
    data = view.compute(p)
    np.testing.assert_allclose(np.array(data["extent"]), want, rtol=1e-5)
    np.testing.assert_allclose(data["x"], np.linspace(*data["extent"][0], 3))
    (x0, x1), (y0, y1) = picture_extent(data["extent"], 3)
    np.testing.assert_allclose([view.sx.min, view.sx.max, view.sy.min, view.sy.max], [x0, x1, y0, y1])
    view.update(dict(p, E=jnp.asarray(0.9 * encoder)))         # still inside and more than half: the picture holds
    assert view.compute(dict(p, E=jnp.asarray(0.9 * encoder)))["extent"] == data["extent"]
    np.testing.assert_allclose([view.sx.min, view.sx.max], [x0, x1])
    view.update(dict(p, E=jnp.asarray(3 * encoder)))           # the latent space spreads: the axes follow
    np.testing.assert_allclose([view.sx.min, view.sx.max], 3 * np.array([x0, x1]), rtol=1e-5)
    assert view.figure.axes[0].tick_values.tolist() == nice_ticks(view.sx.min, view.sx.max)[2].tolist()
    view.update(dict(p, E=jnp.asarray(0.5 * encoder)))         # shrinks to less than half: follows too
    np.testing.assert_allclose([view.sx.min, view.sx.max], 0.5 * np.array([x0, x1]), rtol=1e-5)


def test_the_plot_area_takes_the_picture_s_shape():
    p = {"W": jnp.zeros((2, 8 * 16)), "b": jnp.zeros(8 * 16)}
    view = LatentGrid(params=p, decode=lambda p, z: (z @ p["W"] + p["b"]).reshape(len(z), 8, 16), grid=2)
    assert (view.figure.layout.width, view.figure.layout.height) == (f"{SIZE}px", f"{(SIZE - 70) // 2 + 75}px")


# ---- in a dashboard, while a small VAE trains --------------------------------------------------------
def test_in_a_dashboard_the_picture_follows_a_vae_s_training():
    rng = np.random.default_rng(6)
    x = np.asarray(rng.normal(size=(32, 2)) @ rng.normal(size=(2, 4)), np.float32)     # 4 pixels on a 2-D plane
    params = {"E": jnp.asarray(0.1 * rng.normal(size=(4, 2)), jnp.float32),
              "W": jnp.asarray(0.1 * rng.normal(size=(2, 4)), jnp.float32), "b": jnp.zeros(4, jnp.float32)}

    def decode(p, z):
        return (z @ p["W"] + p["b"]).reshape(len(z), 2, 2)

    def loss(p, batch, key):          # a VAE's loss takes a key: the sampled latent point
        z = batch[0] @ p["E"] + 0.1 * jax.random.normal(key, (len(batch[0]), 2))
        return jnp.mean((decode(p, z).reshape(len(z), 4) - batch[1]) ** 2) + 1e-3 * jnp.mean(z ** 2)

    trainer = scope.Trainer(params=params, loss=loss, data=(x, x), batch_size=8, optimizer=0.05, strategy="step")
    view = LatentGrid(decode=decode, grid=3, extent=(-2, 2), interval=60)
    board = trainer.show(views=[view])
    assert view.trainer is trainer and view.drawn_step == 0
    first = view.picture.value
    trainer.run(15)
    trainer.wait()
    settle(board)
    assert view.drawn_step == trainer.current_step == 15
    data = view.compute(trainer.params)
    np.testing.assert_allclose(data["images"], np.asarray(decode(trainer.params, data["z"])), rtol=1e-6)
    assert view.picture.value == to_png(data["mosaic"], *data["color_range"], min_size=SIZE) != first
    board.close()


# ---- refusals -------------------------------------------------------------------------------------
@pytest.mark.parametrize("decode, options, message", [
    (lambda p, z: linear_decoder(p, z)[:10], {},
     r"LatentGrid: decode\(params, z\) must return one image per latent point: \(n, H, W\), \(n, C, H, W\) or "
     r"\(n, H, W, C\), or flat \(n, H·W\) with image_shape=\(H, W\) for n = 64 points; got shape \(10, 5, 6\)"),
    (lambda p, z: z @ p["W"], {}, r"for n = 64 points; got shape \(64, 30\)"),
    (lambda p, z: jnp.sum(z), {}, r"for n = 64 points; got shape \(\)"),
    (lambda p, z: z @ p["W"], {"image_shape": (3, 3)}, r"LatentGrid: decode returned 30 values per point, which is not "
                                                       r"image_shape \(3, 3\)"),
    (lambda p, z: linear_decoder(p, z)[:, None], {"channel": 1}, r"channel must be from 0 to 0 for images of shape"),
])
def test_a_decoder_output_that_is_not_one_image_per_point_is_refused(decode, options, message):
    with pytest.raises(ValueError, match=message):
        LatentGrid(params=decoder_params(), decode=decode, **options)


def test_a_bad_decoder_output_on_a_later_redraw_keeps_the_last_picture():
    p = decoder_params()
    view = LatentGrid(params=p, decode=lambda p, z: z @ p["W"] + p["b"], image_shape=(H, W), grid=2)
    drawn = view.picture.value
    with pytest.raises(ValueError, match=r"decode returned 6 values per point, which is not image_shape \(5, 6\)"):
        view.update({"W": p["W"][:, :6], "b": p["b"][:6]})
    assert view.picture.value == drawn and view.refreshes == 1


@pytest.mark.parametrize("options, message", [
    (dict(decode=None), r"decode must be a function decode\(params, z\) -> images; got NoneType"),
    (dict(extent="data"), r"extent='data' needs encode=lambda params, x: \.\.\."),
    (dict(extent="auto"), r"extent must be \(\(z1 lo, z1 hi\), \(z2 lo, z2 hi\)\), one \(lo, hi\) for both, or 'data'; got 'auto'"),
    (dict(extent=((1, 0), (0, 1))), r"extent \(z1\) must be \(lo, hi\) with lo < hi; got \(1, 0\)"),
    (dict(extent=5), r"extent must be .*; got 5"),
    (dict(grid=1), r"grid must be an integer from 2 to 32 \(points per axis\); got 1"),
    (dict(grid=33), r"grid must be an integer from 2 to 32"),
    (dict(encode="x"), r"encode must be a function encode\(params, x\) -> \(N, 2\); got str"),
    (dict(image_shape=(12,)), r"image_shape must be \(height, width\) of flat decoder outputs; got \(12,\)"),
    (dict(color_range=(1, 1)), r"color_range must be \(lo, hi\) with lo < hi; got \(1, 1\)"),
    (dict(encode=lambda p, x: x, extent="data", data=(np.zeros((5, 3)), np.zeros(5))),
     r"LatentGrid: encode must return the latent points \(N, 2\) of N = 5 samples; got shape \(5, 3\)"),
])
def test_bad_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        LatentGrid(**{"params": decoder_params(), "decode": linear_decoder, **options})
