"""DensityView: a 2-D Gaussian model's samples, log-density picture and paths checked against numpy (the
picture's pixels are the viridis colours of the clipped log-density), the fixed key (samples move only
with the parameters), the heading, a dashboard that trains a Gaussian onto the data, and the errors."""

import html

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.views.density_view import DensityView
from jaxscope.views.figures import GREEN, GREY, ORANGE
from recording import settle
from view_checks import colours, pixels

RNG = np.random.default_rng(0)
DATA = np.asarray(RNG.normal(size=(300, 2)) * [1.0, 0.5] + [1.0, -1.0], np.float32)
PARAMS = {"mean": jnp.asarray([0.5, -0.5], jnp.float32), "log_std": jnp.asarray([0.2, -0.3], jnp.float32)}


def sample(p, key, n):
    return p["mean"] + jnp.exp(p["log_std"]) * jax.random.normal(key, (n, 2))


def log_density(p, xy):
    z = (xy - p["mean"]) / jnp.exp(p["log_std"])
    return -0.5 * jnp.sum(z ** 2, axis=1) - jnp.sum(p["log_std"]) - jnp.log(2 * jnp.pi)


def paths(p, key, n):        # from noise to the model's samples in 5 straight steps
    start = jax.random.normal(key, (n, 2))
    end = sample(p, key, n)
    return jnp.stack([start + s * (end - start) for s in jnp.linspace(0, 1, 5)])


def numpy_log_density(p, xy):
    mean, log_std = np.asarray(p["mean"], np.float64), np.asarray(p["log_std"], np.float64)
    z = (np.asarray(xy, np.float64) - mean) / np.exp(log_std)
    return -0.5 * np.sum(z ** 2, axis=1) - log_std.sum() - np.log(2 * np.pi)


def numpy_grid(extent, grid):
    (x0, x1), (y0, y1) = extent
    xs, ys = np.linspace(x0, x1, grid), np.linspace(y1, y0, grid)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def the_noise(seed, n):
    """The standard normal numbers behind ``sample``: the view's fixed key, split, its first half."""
    return np.asarray(jax.random.normal(jax.random.split(jax.random.key(seed))[0], (n, 2)), np.float64)


def test_compute_gives_samples_the_log_density_on_the_grid_and_the_datas_log_likelihood():
    view = DensityView(params=PARAMS, sample=sample, log_density=log_density, data=DATA, extent=((-3, 4), (-4, 2)),
                       grid=20, samples=100)
    data = view.compute(PARAMS)
    np.testing.assert_array_equal(data["data"], DATA[:100])
    xy = numpy_grid(((-3, 4), (-4, 2)), 20)
    np.testing.assert_allclose(data["xy"], xy, atol=1e-6)
    np.testing.assert_allclose(data["x"], np.linspace(-3, 4, 20)) and np.testing.assert_allclose(data["y"][0], 2.0)
    want = numpy_log_density(PARAMS, xy).reshape(20, 20)
    np.testing.assert_allclose(data["log_density"], want, rtol=1e-5, atol=1e-5)
    assert data["color_range"] == (data["log_density"].max() - 8.0, data["log_density"].max())
    assert data["data_log_likelihood"] == pytest.approx(numpy_log_density(PARAMS, DATA[:100]).mean(), rel=1e-5)
    std = np.exp(np.asarray(PARAMS["log_std"], np.float64))
    np.testing.assert_allclose(data["samples"], np.asarray(PARAMS["mean"]) + std * the_noise(0, 100), rtol=1e-5,
                               atol=1e-5)
    assert data["paths"] is None and data["extent"] == ((-3.0, 4.0), (-4.0, 2.0))


def test_the_key_is_fixed_so_samples_move_only_with_the_parameters():
    view = DensityView(params=PARAMS, sample=sample, data=DATA, samples=50, seed=7)
    first, again = view.compute(PARAMS)["samples"], view.compute(PARAMS)["samples"]
    np.testing.assert_array_equal(first, again)
    moved = {"mean": PARAMS["mean"] + 1.0, "log_std": PARAMS["log_std"]}
    np.testing.assert_allclose(view.compute(moved)["samples"] - first, 1.0, atol=1e-5)
    np.testing.assert_allclose(first, np.asarray(PARAMS["mean"]) + np.exp(np.asarray(PARAMS["log_std"]))
                               * the_noise(7, 50), rtol=1e-5, atol=1e-5)
    assert view.compute(PARAMS)["log_density"] is None and view.compute(PARAMS)["color_range"] is None


def test_the_marks_show_the_data_the_samples_and_the_clipped_log_density_picture():
    view = DensityView(params=PARAMS, sample=sample, log_density=log_density, data=DATA, extent=(-3, 3), grid=16,
                       samples=60, depth=5.0)
    data = view.compute(PARAMS)
    np.testing.assert_array_equal(view.data_dots.x, DATA[:60, 0]) and np.testing.assert_array_equal(
        view.data_dots.y, DATA[:60, 1])
    np.testing.assert_allclose(view.sample_dots.x, data["samples"][:, 0], rtol=1e-6)
    np.testing.assert_allclose(view.sample_dots.y, data["samples"][:, 1], rtol=1e-6)
    assert view.sample_dots.x.dtype == np.float32
    assert list(view.data_dots.colors) == [GREY] and list(view.sample_dots.colors) == [ORANGE]
    lo, hi = data["color_range"]
    assert hi - lo == 5.0
    shown = pixels(view.picture.value, 16, 16)
    np.testing.assert_array_equal(shown, colours(np.clip(data["log_density"], lo, hi), lo, hi))
    assert shown[0, 0].tolist() == colours([lo], lo, hi)[0].tolist()     # the corner lies far below the top
    # the picture covers the grid with each cell centred on its point; the axes show exactly that
    step = 6 / 15
    assert list(view.image_mark.x) == pytest.approx([-3 - step / 2, 3 + step / 2])
    assert list(view.image_mark.y) == pytest.approx([-3 - step / 2, 3 + step / 2])
    assert (view.sx.min, view.sx.max) == pytest.approx((-3 - step / 2, 3 + step / 2))
    assert list(view.figure.axes[0].tick_values) == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    assert [m.labels[0] for m in view.figure.marks] == ["log-density", "data", "samples"]
    assert "jaxscope-density" in view.figure._dom_classes and "jaxscope-density-view" in view._dom_classes


def test_the_heading_states_what_is_drawn_the_colour_range_and_the_log_likelihood():
    view = DensityView(params=PARAMS, sample=sample, log_density=log_density, paths=paths, data=DATA, grid=10,
                       title="flow")
    data = view.compute(PARAMS)
    lo, hi = data["color_range"]
    text = html.unescape(view.heading_html.value)
    assert text == (f'<b>flow</b> · <span style="color:{GREY}">● data</span> · '
                    f'<span style="color:{ORANGE}">● model samples</span> · '
                    f'<span style="color:{GREEN}">━ paths</span> · log-density {lo:.3g} to {hi:.3g} '
                    f"(lower clipped) · data log-likelihood {data['data_log_likelihood']:.3f} nats/sample")
    only = DensityView(params=PARAMS, log_density=log_density, data=DATA, grid=10, color_range=(-6, 0))
    assert only.compute(PARAMS)["color_range"] == (-6.0, 0.0) and only.sample_dots is None
    assert "model samples" not in only.heading_html.value and "log-density -6 to 0 (lower clipped)" in \
        only.heading_html.value


def test_paths_are_drawn_one_line_per_sample_from_the_first_step_to_the_last():
    view = DensityView(params=PARAMS, sample=sample, paths=paths, data=DATA, path_samples=3)
    data = view.compute(PARAMS)
    assert data["paths"].shape == (3, 5, 2)
    key = jax.random.split(jax.random.key(0))[1]
    start = np.asarray(jax.random.normal(key, (3, 2)), np.float64)
    end = np.asarray(PARAMS["mean"]) + np.exp(np.asarray(PARAMS["log_std"])) * start
    for k in range(5):
        np.testing.assert_allclose(data["paths"][:, k], start + k / 4 * (end - start), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(view.path_lines.x, data["paths"][:, :, 0], rtol=1e-6)
    np.testing.assert_allclose(view.path_lines.y, data["paths"][:, :, 1], rtol=1e-6)
    assert view.path_lines.x.shape == (3, 5) and list(view.path_lines.colors) == [GREEN]


def test_without_sample_the_samples_are_the_paths_last_step_and_the_first_paths_are_drawn():
    view = DensityView(params=PARAMS, paths=paths, data=DATA, samples=40, path_samples=3)
    data = view.compute(PARAMS)
    every = np.asarray(paths(PARAMS, jax.random.split(jax.random.key(0))[1], 40), np.float64)
    np.testing.assert_allclose(data["samples"], every[-1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(data["paths"], every[:, :3].transpose(1, 0, 2), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(view.sample_dots.y, every[-1, :, 1], rtol=1e-5, atol=1e-6)
    assert view.path_lines.x.shape == (3, 5)
    with pytest.raises(ValueError, match=r"DensityView: paths\(params, key, n\) must return \(steps, n, 2\); for "
                                         r"n = 40 it returned shape \(40, 2\)"):
        DensityView(params=PARAMS, paths=lambda p, key, n: jnp.zeros((n, 2)), data=DATA, samples=40)


def test_data_from_a_sampler_are_its_first_points_at_fixed_keys_and_set_the_default_extent():
    data_fn = scope.datasets.ring_of_gaussians(64)
    view = DensityView(params=PARAMS, sample=sample, data=data_fn, samples=100)
    keys = jax.random.split(jax.random.key(1234), 64)
    want = np.concatenate([np.asarray(data_fn(keys[0])), np.asarray(data_fn(keys[1]))])[:100]
    np.testing.assert_array_equal(view.data, want.astype(np.float64))
    lo, hi = want.min(axis=0), want.max(axis=0)
    pad = 0.1 * np.max(hi - lo)
    np.testing.assert_allclose(np.array(view.shown_extent), np.stack([lo - pad, hi + pad], axis=1), rtol=1e-6)


def test_standalone_update_redraws_for_new_parameters():
    view = DensityView(params=PARAMS, sample=sample, log_density=log_density, data=DATA, grid=12)
    first = view.picture.value
    moved = {"mean": jnp.zeros(2), "log_std": jnp.zeros(2)}
    view.update(moved)
    assert view.refreshes == 2 and view.picture.value != first
    data = view.compute(moved)
    np.testing.assert_allclose(view.sample_dots.x, data["samples"][:, 0], rtol=1e-6)
    np.testing.assert_array_equal(pixels(view.picture.value, 12, 12),
                                  colours(np.clip(data["log_density"], *data["color_range"]), *data["color_range"]))


def test_in_a_dashboard_it_follows_a_gaussian_fitted_by_maximum_likelihood():
    def nll(p, batch):
        return -jnp.mean(log_density(p, batch))

    trainer = scope.Trainer(params={"mean": jnp.zeros(2), "log_std": jnp.zeros(2)}, loss=nll,
                            data=scope.datasets.ring_of_gaussians(128, modes=3), optimizer=0.05, strategy="step")
    view = DensityView(sample=sample, log_density=log_density, data=DATA, grid=12, interval=60)
    board = trainer.show(views=[view], diagram=False)
    assert view.trainer is trainer and view.drawn_step == 0
    before = view.compute(trainer.params)["data_log_likelihood"]
    trainer.run(30)
    trainer.wait()
    settle(board)
    assert view.drawn_step == trainer.current_step == 30
    data = view.compute(trainer.params)
    np.testing.assert_allclose(view.sample_dots.x, data["samples"][:, 0], rtol=1e-6)
    np.testing.assert_array_equal(pixels(view.picture.value, 12, 12),
                                  colours(np.clip(data["log_density"], *data["color_range"]), *data["color_range"]))
    assert f"data log-likelihood {data['data_log_likelihood']:.3f} nats/sample" in view.heading_html.value
    assert data["data_log_likelihood"] != before
    board.close()


@pytest.mark.parametrize("options, message", [
    (dict(data=DATA), r"DensityView needs sample=lambda params, key, n: \.\.\. \(n, 2\) model samples, "
                      r"log_density=lambda params, xy: \.\.\. \(m,\) or paths=lambda params, key, n: \.\.\. "
                      r"\(steps, n, 2\)"),
    (dict(paths=paths, data=DATA, samples=4, path_samples=5),
     r"path_samples \(5\) must not exceed samples \(4\): without sample=, the samples are the paths' last step"),
    (dict(sample=sample),
     r"DensityView needs data=: the data points \(N, 2\) or a sampler data\(key\) -> \(batch, 2\)"),
    (dict(sample=1, data=DATA), r"sample must be a function sample\(params, key, n\) -> \(n, 2\); got int"),
    (dict(sample=sample, log_density="x", data=DATA), r"log_density must be a function log_density\(params, xy\) -> "
                                                       r"\(m,\); got str"),
    (dict(sample=sample, paths=[], data=DATA), r"paths must be a function paths\(params, key, n\) -> \(steps, n, 2\)"),
    (dict(sample=sample, data=np.zeros((5, 3))),
     r"data must be points of shape \(N, 2\) or a sampler data\(key\) -> \(batch, 2\) \(a tuple from it: the "
     r"points first\); got shape \(5, 3\)"),
    (dict(sample=sample, data=lambda k: jnp.zeros(4)), r"data must be points .*; the sampler returned shape \(4,\)"),
    (dict(sample=sample, data=DATA, extent=(1, 0)), r"extent must be \(lo, hi\) with lo < hi; got \(1, 0\)"),
    (dict(sample=sample, data=DATA, extent="big"), r"extent must be \(\(x lo, x hi\), \(y lo, y hi\)\) or one "
                                                   r"\(lo, hi\) for both axes; got 'big'"),
    (dict(sample=sample, data=DATA, grid=2), r"grid must be an integer from 3 to 256; got 2"),
    (dict(sample=sample, data=DATA, samples=0), r"samples must be an integer from 1 to 5000; got 0"),
    (dict(sample=sample, data=DATA, path_samples=65), r"path_samples must be an integer from 1 to 64; got 65"),
    (dict(sample=sample, data=DATA, depth=0), r"depth must be a positive number of nats; got 0"),
    (dict(sample=sample, data=DATA, color_range=(0, -1)), r"color_range must be \(lo, hi\) with lo < hi"),
    (dict(sample=sample, data=DATA, seed=-1), r"seed must be an integer >= 0; got -1"),
])
def test_bad_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        DensityView(params=PARAMS, **options)


@pytest.mark.parametrize("options, message", [
    (dict(sample=lambda p, key, n: jnp.zeros((n, 3))),
     r"DensityView: sample\(params, key, n\) must return \(n, 2\) points; for n = 500 it returned shape \(500, 3\)"),
    (dict(log_density=lambda p, xy: jnp.zeros((len(xy), 1))),
     r"DensityView: log_density\(params, xy\) must return one value per point, shape \(m,\); for xy of shape "
     r"\(4396, 2\) it returned shape \(4396, 1\)"),
    (dict(sample=sample, paths=lambda p, key, n: jnp.zeros((n, 4, 2))),
     r"DensityView: paths\(params, key, n\) must return \(steps, n, 2\); for n = 8 it returned shape \(8, 4, 2\)"),
])
def test_functions_returning_the_wrong_shapes_are_told_what_to_return(options, message):
    with pytest.raises(ValueError, match=message):
        DensityView(params=PARAMS, data=DATA[:300], **options)
