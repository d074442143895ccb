"""OutputMap2D: a two-input network's output over the input plane (z[i, j] at (xs[j], ys[i])), checked
against a numpy forward of the course MLP, the training points on top and the target thumbnail PNG."""


import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from course_models import mlp_batch, mse_loss_batch
from view_checks import colours, init_params, numpy_mlp, pixels


def apply(p, x):
    return mlp_batch(x, p)


@pytest.fixture(scope="module")
def data():
    x = np.asarray(np.random.default_rng(0).uniform(-1.4, 2.6, (30, 2)), np.float32)
    return x, (np.sin(x[:, :1]) * x[:, 1:]).astype(np.float32)


def make_trainer(x, y, sizes=(2, 6, 1)):
    return scope.Trainer(params=init_params(1, list(sizes)), loss=lambda p, b: mse_loss_batch(*b, p),
                         data=(x, y), batch_size=10, optimizer=1e-2, apply=apply)


def test_z_is_the_network_at_x_j_y_i_and_the_dots_are_the_training_points(data):
    x, y = data
    trainer = make_trainer(x, y)
    view = scope.views.OutputMap2D(trainer, x_range=(-2, 3), y_range=(-1, 0.5), resolution=7)
    out = view.compute(trainer.params)
    np.testing.assert_allclose(out["x"], np.linspace(-2, 3, 7), rtol=1e-6)
    np.testing.assert_allclose(out["y"], np.linspace(-1, 0.5, 7), rtol=1e-6)
    assert out["z"].shape == (7, 7)
    for i in range(7):
        for j in range(7):
            want = numpy_mlp(trainer.params, [[out["x"][j], out["y"][i]]])[0, 0]
            assert out["z"][i, j] == pytest.approx(want, rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(view.heatmap.color, out["z"], rtol=1e-6)
    np.testing.assert_allclose(view.heatmap.x, out["x"]) and np.testing.assert_allclose(view.heatmap.y, out["y"])
    np.testing.assert_array_equal(view.dots.x, x[:, 0])
    np.testing.assert_array_equal(view.dots.y, x[:, 1])
    np.testing.assert_array_equal(view.dots.color, y[:, 0])
    assert not hasattr(view, "target_image")


def test_the_default_plane_is_the_trainers_input_range_and_another_output_can_be_shown(data):
    x, y = data
    trainer = make_trainer(x, np.concatenate([y, -y], axis=1), sizes=(2, 5, 2))
    view = scope.views.OutputMap2D(trainer, resolution=5, output=1)
    (x0, x1), (y0, y1) = trainer.data.input_range()
    assert view.x_range == (x0, x1) and view.y_range == (y0, y1)
    assert x0 <= x[:, 0].min() and x[:, 0].max() <= x1 and y0 <= x[:, 1].min() and x[:, 1].max() <= y1
    gx, gy = np.meshgrid(np.linspace(x0, x1, 5), np.linspace(y0, y1, 5))
    want = numpy_mlp(trainer.params, np.stack([gx.ravel(), gy.ravel()], axis=1))[:, 1].reshape(5, 5)
    np.testing.assert_allclose(view.compute(trainer.params)["z"], want, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(view.dots.color, -y[:, 0])  # the target of the output shown, on its colour scale


def test_the_target_thumbnail_is_a_png_of_the_grid_with_the_largest_y_on_top(data):
    x, y = data
    target = lambda a, b: np.sin(a) * b + 0.1 * a
    view = scope.views.OutputMap2D(make_trainer(x, y), x_range=(-1, 2), y_range=(0, 3), resolution=9, target=target)
    image = pixels(view.target_image.value, 9, 9)
    xs, ys = np.linspace(-1, 2, 9, dtype=np.float32), np.linspace(0, 3, 9, dtype=np.float32)
    gx, gy = np.meshgrid(xs.astype(np.float64), ys.astype(np.float64))
    z = target(gx, gy)
    np.testing.assert_array_equal(image, colours(z[::-1]))
    np.testing.assert_array_equal(image[0, -1], colours(z)[-1, -1])  # top right: the largest x and y
    assert view.target_image.format == "png"


def test_standalone_with_data_points_and_update():
    view = scope.views.OutputMap2D(params={"a": jnp.float32(1.0)}, apply=lambda p, x: p["a"] * x[:, :1] - x[:, 1:],
                                   x_range=(0, 1), y_range=(0, 2), resolution=3,
                                   data=(np.array([[0.5, 1.0], [0.1, 0.2]], np.float32), np.array([3.0, 4.0])))
    np.testing.assert_allclose(view.heatmap.color, [[0, 0.5, 1], [-1, -0.5, 0], [-2, -1.5, -1]])
    np.testing.assert_array_equal(view.dots.color, [3.0, 4.0])
    view.update({"a": jnp.float32(2.0)})
    np.testing.assert_allclose(view.heatmap.color, [[0, 1, 2], [-1, 0, 1], [-2, -1, 0]])
    assert view.refreshes == 2


def test_color_range_fixes_the_colour_scale(data):
    x, y = data
    view = scope.views.OutputMap2D(make_trainer(x, y), resolution=3, color_range=(-2, 2))
    assert (view.heatmap.scales["color"].min, view.heatmap.scales["color"].max) == (-2.0, 2.0)


def test_one_input_data_is_refused_with_the_inputs_shape():
    x = np.zeros((10, 1), np.float32)
    with pytest.raises(ValueError, match=r"OutputMap2D shows networks of two inputs; the data's inputs have shape \(1,\)"):
        scope.views.OutputMap2D(make_trainer(x, x, sizes=(1, 3, 1)))


def test_an_output_the_network_lacks_and_a_target_of_the_wrong_shape_are_refused(data):
    x, y = data
    trainer = make_trainer(x, y)
    with pytest.raises(ValueError, match=r"output=2 but the network has 1 output\(s\)"):
        scope.views.OutputMap2D(trainer, output=2, resolution=4)
    with pytest.raises(ValueError, match=r"target\(x, y\) must return an array of the grid's shape \(4, 4\); got \(16,\)"):
        scope.views.OutputMap2D(trainer, resolution=4, target=lambda a, b: (a + b).ravel())


@pytest.mark.parametrize("options, message", [
    (dict(resolution=1), r"resolution must be an integer from 2 to 256; got 1"),
    (dict(resolution=257), r"resolution must be an integer from 2 to 256; got 257"),
    (dict(resolution=True), r"resolution must be an integer from 2 to 256; got True"),
    (dict(target="xor"), r"target must be a function target\(x, y\); got str"),
    (dict(y_range=(3, 1)), r"y_range must be \(lo, hi\) with lo < hi; got \(3, 1\)"),
    (dict(color_range=(0,)), r"color_range must be \(lo, hi\); got \(0,\)"),
    (dict(params={}, apply=lambda p, x: x, x_range=(0, 1)), r"OutputMap2D needs x_range= and y_range= when it follows no trainer"),
    (dict(params={}, x_range=(0, 1), y_range=(0, 1)), r"OutputMap2D runs the network: pass apply="),
])
def test_bad_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        scope.views.OutputMap2D(**options)
