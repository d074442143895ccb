"""FunctionPlot: a 1-D network's output on a grid against the truth, checked against a numpy forward
of the course MLP, its default ranges from the training data, and its argument errors."""

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import jaxscope as scope
from course_models import make_batch, mlp_batch, mse_loss_batch
from jaxscope.views.figures import GREY
from view_checks import init_params, numpy_mlp


def apply(p, x):
    return mlp_batch(x, p)


def trainer_on(x, y, sizes=(1, 8, 1), **options):
    params = init_params(3, list(sizes))
    return scope.Trainer(params=params, loss=lambda p, b: mse_loss_batch(*b, p), data=(x, y), batch_size=8,
                         optimizer=1e-2, apply=options.pop("apply", apply), **options)


@pytest.fixture
def data():
    x = np.random.default_rng(0).uniform(-2.3, 1.1, (24, 1))
    x = np.asarray(x, np.float32)
    return x, np.sin(3 * x)


def test_the_curve_is_the_network_on_the_grid_and_the_ranges_come_from_the_training_inputs(data):
    x, y = data
    trainer = trainer_on(x, y)
    view = scope.views.FunctionPlot(trainer, truth=np.sin, points=50)
    lo, hi = float(x.min()), float(x.max())
    assert view.train_range == (lo, hi)
    assert view.x_range == pytest.approx((lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo)), rel=1e-12)
    out = view.compute(trainer.params)
    np.testing.assert_array_equal(out["x"], np.linspace(*view.x_range, 50, dtype=np.float32))
    np.testing.assert_allclose(out["y"], numpy_mlp(trainer.params, out["x"][:, None])[:, 0], rtol=1e-5, atol=1e-5)
    # the marks: the network line, the dashed truth, the training samples and the shaded interval
    np.testing.assert_allclose(view.line.y, out["y"], rtol=1e-7)
    np.testing.assert_allclose(view.line.x, out["x"])
    np.testing.assert_allclose(view.truth_line.y, np.sin(out["x"].astype(np.float64)), rtol=1e-12)
    np.testing.assert_array_equal(view.dots.x, x.ravel())
    np.testing.assert_array_equal(view.dots.y, y.ravel())
    assert list(view.dots.opacities) == [0.5] and list(view.dots.colors) == [GREY]
    np.testing.assert_allclose(view.band.x, [lo, hi])
    assert view.band.fill == "between"
    assert view.children == (view.figure, view.problem, view._ack) and view.refreshes == 1
    assert view.problem.layout.display == "none"  # no problem to report


def test_the_training_range_spans_all_the_training_inputs_not_only_the_dots():
    x = np.linspace(-3.0, 3.0, 300, dtype=np.float32)[:, None]  # sorted, more than `samples`
    view = scope.views.FunctionPlot(trainer_on(x, np.cos(x)), samples=50)
    assert view.train_range == (-3.0, 3.0)
    assert view.x_range == (-6.0, 6.0)
    assert len(view.dots.x) == 50


def test_given_ranges_and_another_output_of_a_two_output_network(data):
    x, y = data
    trainer = trainer_on(x, np.concatenate([y, -y], axis=1), sizes=(1, 6, 2))
    view = scope.views.FunctionPlot(trainer, x_range=(-5, 4), train_range=(-1, 0.5), output=1, points=9)
    assert (view.x_range, view.train_range) == ((-5.0, 4.0), (-1.0, 0.5))
    out = view.compute(trainer.params)
    np.testing.assert_allclose(out["x"], np.linspace(-5, 4, 9), rtol=1e-6)
    np.testing.assert_allclose(out["y"], numpy_mlp(trainer.params, out["x"][:, None])[:, 1], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(view.dots.y, -y.ravel())  # the dots show the same output
    np.testing.assert_allclose(view.band.x, [-1.0, 0.5])


def test_a_truth_written_for_column_inputs_is_called_on_an_n_by_1_array(data):
    x, y = data
    calls = []

    def truth(q):
        calls.append(q.shape)
        return q[:, 0] ** 2  # fails on (N,)

    view = scope.views.FunctionPlot(trainer_on(x, y), truth=truth, points=7)
    assert calls == [(7,), (7, 1)]
    np.testing.assert_allclose(view.truth_line.y, view.x.astype(np.float64) ** 2, rtol=1e-12)


def test_a_generator_gives_200_fixed_training_samples_of_the_true_function():
    trainer = scope.Trainer(params=init_params(1, [1, 8, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                            data=make_batch, apply=apply)
    view = scope.views.FunctionPlot(trainer)
    dots_x, dots_y = np.asarray(view.dots.x), np.asarray(view.dots.y)
    assert dots_x.shape == dots_y.shape == (200,)
    np.testing.assert_allclose(dots_y, np.exp(-dots_x**2) * np.sin(5 * dots_x), atol=1e-5)
    assert view.train_range == (float(dots_x.min()), float(dots_x.max()))
    assert -3.0 <= view.train_range[0] < -2.5 and 2.5 < view.train_range[1] <= 3.0
    again = scope.views.FunctionPlot(trainer)  # the same fixed samples for every view
    np.testing.assert_array_equal(again.dots.x, dots_x)


def test_standalone_on_given_parameters_and_apply():
    plot = scope.views.FunctionPlot(params={"a": jnp.float32(2.0)}, apply=lambda p, x: p["a"] * x + 1,
                                    x_range=(-1, 1), points=5)
    assert plot.train_range is None and not hasattr(plot, "band") and not hasattr(plot, "dots")
    np.testing.assert_allclose(plot.line.y, [-1, 0, 1, 2, 3])
    plot.update({"a": jnp.float32(-1.0)})
    np.testing.assert_allclose(plot.line.y, [2, 1.5, 1, 0.5, 0])
    assert plot.refreshes == 2


def test_an_nnx_module_runs_itself_without_apply(data):
    x, y = data

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.a, self.b = nnx.Linear(1, 5, rngs=rngs), nnx.Linear(5, 1, rngs=rngs)

        def __call__(self, x):
            return self.b(jnp.tanh(self.a(x)))

    model = Net(nnx.Rngs(0))
    trainer = scope.Trainer(params=model, loss=lambda m, b: jnp.mean((m(b[0]) - b[1]) ** 2), data=(x, y), batch_size=8)
    view = scope.views.FunctionPlot(trainer, points=11)
    a, b = model.a, model.b
    want = np.tanh(view.x[:, None] @ np.asarray(a.kernel[...]) + np.asarray(a.bias[...])) @ np.asarray(b.kernel[...])
    want = want + np.asarray(b.bias[...])
    np.testing.assert_allclose(view.line.y, want[:, 0], rtol=1e-5, atol=1e-5)


def test_two_input_data_is_refused_with_the_inputs_shape():
    x = np.zeros((10, 2), np.float32)
    trainer = trainer_on(x, np.zeros((10, 1), np.float32), sizes=(2, 4, 1))
    with pytest.raises(ValueError, match=r"FunctionPlot shows networks of one input; the data's inputs have shape \(2,\)"):
        scope.views.FunctionPlot(trainer)


def test_a_pytree_trainer_without_apply_is_told_to_pass_apply(data):
    x, y = data
    trainer = scope.Trainer(params=init_params(1, [1, 4, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                            data=(x, y))
    with pytest.raises(ValueError, match=r"FunctionPlot runs the network: pass apply=lambda params, x"):
        scope.views.FunctionPlot(trainer)
    view = scope.views.FunctionPlot(trainer, apply=apply)  # apply given to the view instead
    np.testing.assert_allclose(view.line.y, numpy_mlp(trainer.params, view.x[:, None])[:, 0], rtol=1e-5, atol=1e-5)


def test_an_output_the_network_lacks_is_refused(data):
    x, y = data
    with pytest.raises(ValueError, match=r"output=3 but the network has 1 output\(s\)"):
        scope.views.FunctionPlot(trainer_on(x, y), output=3)


@pytest.mark.parametrize("options, message", [
    (dict(truth=3.0), r"truth must be a function of x; got float"),
    (dict(output=-1), r"output must be an index >= 0; got -1"),
    (dict(output=True), r"output must be an index >= 0; got True"),
    (dict(points=1), r"points must be an integer >= 2; got 1"),
    (dict(points=2.5), r"points must be an integer >= 2; got 2.5"),
    (dict(x_range=(1, 0)), r"x_range must be \(lo, hi\) with lo < hi; got \(1, 0\)"),
    (dict(x_range="ab"), r"x_range must be \(lo, hi\); got 'ab'"),
    (dict(train_range=(0, np.inf)), r"train_range must be \(lo, hi\) with lo < hi"),
    (dict(interval=-1), r"interval must be a number of seconds >= 0; got -1"),
])
def test_bad_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        scope.views.FunctionPlot(**options)


def test_standalone_needs_an_x_range_and_an_apply_and_truth_of_the_grid_size():
    with pytest.raises(ValueError, match=r"FunctionPlot needs x_range=\(lo, hi\) when it follows no trainer"):
        scope.views.FunctionPlot(params={"a": 1.0}, apply=lambda p, x: x)
    with pytest.raises(ValueError, match=r"FunctionPlot runs the network: pass apply="):
        scope.views.FunctionPlot(params={"a": 1.0}, x_range=(0, 1))
    with pytest.raises(ValueError, match=r"truth must map the 5 grid points to 5 values; got shape \(3,\)"):
        scope.views.FunctionPlot(params={}, apply=lambda p, x: x, x_range=(0, 1), points=5, truth=lambda q: np.ones(3))
