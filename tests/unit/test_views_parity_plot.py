"""ParityPlot: predicted against true values per output on fixed validation or training samples, with
R² = 1 - SSres / SStot per column, checked against numpy; the toggle switches the sample set."""

import html

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from course_models import mlp_batch, mse_loss_batch
from jaxscope.views.figures import BLUE, ORANGE
from jaxscope.views.parity_plot import r_squared
from view_checks import init_params, numpy_mlp


def numpy_r2(true, pred):
    true, pred = np.asarray(true, np.float64), np.asarray(pred, np.float64)
    return np.array([1 - np.sum((true[:, k] - pred[:, k]) ** 2) / np.sum((true[:, k] - true[:, k].mean()) ** 2)
                     for k in range(true.shape[1])])


def target(x):
    return np.stack([np.sin(2 * x[:, 0]) + x[:, 1], x[:, 0] * x[:, 1]], axis=1).astype(np.float32)


def apply(p, x):
    return mlp_batch(x, p)


@pytest.fixture(scope="module")
def sets():
    x = np.asarray(np.random.default_rng(0).uniform(-1, 1, (40, 2)), np.float32)
    xv = np.asarray(np.random.default_rng(1).uniform(-1, 1, (24, 2)), np.float32)
    return (x, target(x)), (xv, target(xv))


def make_trainer(training, validation=None, sizes=(2, 8, 2), **options):
    return scope.Trainer(params=init_params(2, list(sizes)), loss=lambda p, b: mse_loss_batch(*b, p),
                         data=training, batch_size=8, validation=validation, optimizer=1e-2,
                         apply=options.pop("apply", apply), **options)


def dots(view, k):
    mark = view.panels[k][1]
    return np.asarray(mark.x), np.asarray(mark.y)


def test_validation_samples_by_default_with_r_squared_per_output(sets):
    (x, y), (xv, yv) = sets
    trainer = make_trainer((x, y), (xv, yv))
    view = scope.views.ParityPlot(trainer, names=("a", "b"))
    assert view.show == "validation" and view.toggle.options == ("validation", "training")
    data = view.compute(trainer.params)
    pred = numpy_mlp(trainer.params, xv)
    np.testing.assert_array_equal(data["true"], yv.astype(np.float64))
    np.testing.assert_allclose(data["pred"], pred, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(data["r2"], numpy_r2(yv, pred), rtol=1e-4)
    assert len(view.panels) == 2
    for k in range(2):
        true_k, pred_k = dots(view, k)
        np.testing.assert_array_equal(true_k, yv[:, k])
        np.testing.assert_allclose(pred_k, pred[:, k], rtol=1e-5, atol=1e-5)
        assert list(view.panels[k][1].colors) == [BLUE] and list(view.panels[k][1].opacities) == [0.6]
        assert [a.label for a in view.panels[k][0].axes] == [f"true {'ab'[k]}", f"predicted {'ab'[k]}"]
    r2 = numpy_r2(yv, pred)
    assert html.unescape(view.heading.value) == (f"<b>predicted vs true</b> · validation (24 samples) · "
                                                 f"a R² {r2[0]:.3f} · b R² {r2[1]:.3f}")


def test_the_toggle_switches_to_the_training_samples_and_back(sets):
    (x, y), (xv, yv) = sets
    trainer = make_trainer((x, y), (xv, yv))
    view = scope.views.ParityPlot(trainer)
    view.show = "training"
    assert view.toggle.value == "training" and view.refreshes == 2
    true_0, pred_0 = dots(view, 0)
    np.testing.assert_array_equal(true_0, y[:, 0])
    np.testing.assert_allclose(pred_0, numpy_mlp(trainer.params, x)[:, 0], rtol=1e-5, atol=1e-5)
    assert list(view.panels[1][1].colors) == [ORANGE]
    r2 = numpy_r2(y, numpy_mlp(trainer.params, x))
    assert "training (40 samples)" in view.heading.value and f"output 1 R² {r2[1]:.3f}" in view.heading.value
    np.testing.assert_allclose(view.compute(trainer.params)["r2"], r2, rtol=1e-4)
    view.toggle.value = "validation"  # as a click in the front end does
    assert view.show == "validation" and view.refreshes == 3
    np.testing.assert_array_equal(dots(view, 1)[0], yv[:, 1])
    assert list(view.panels[0][1].colors) == [BLUE]


def test_samples_limits_both_sets_to_their_first_samples(sets):
    (x, y), (xv, yv) = sets
    view = scope.views.ParityPlot(make_trainer((x, y), (xv, yv)), samples=10, show="training")
    np.testing.assert_array_equal(dots(view, 0)[0], y[:10, 0])
    assert [len(s[0]) for s in view.sets.values()] == [10, 10]


def test_given_data_overrides_the_trainers_and_a_trainer_without_validation_shows_training(sets):
    (x, y), (xv, yv) = sets
    trainer = make_trainer((x, y))
    view = scope.views.ParityPlot(trainer)
    assert view.show == "training" and view.toggle.options == ("training",)
    np.testing.assert_array_equal(dots(view, 0)[0], y[:, 0])
    view = scope.views.ParityPlot(trainer, validation=(xv[:5], yv[:5]))
    assert view.show == "validation"
    np.testing.assert_array_equal(dots(view, 1)[0], yv[:5, 1])
    np.testing.assert_allclose(dots(view, 1)[1], numpy_mlp(trainer.params, xv[:5])[:, 1], rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"show='validation' but there is no validation data"):
        scope.views.ParityPlot(trainer, show="validation")


def test_a_validation_generator_gives_fixed_samples_of_the_target():
    def batch(key):
        x = jax.random.uniform(key, (16, 2), minval=-1, maxval=1)
        return x, jnp.stack([jnp.sin(2 * x[:, 0]) + x[:, 1], x[:, 0] * x[:, 1]], axis=1)

    trainer = scope.Trainer(params=init_params(2, [2, 6, 2]), loss=lambda p, b: mse_loss_batch(*b, p),
                            data=batch, validation=batch, apply=apply)
    view = scope.views.ParityPlot(trainer, samples=40)
    xv, yv = view.sets["validation"]
    assert xv.shape == (40, 2) and yv.shape == (40, 2)
    np.testing.assert_allclose(yv, target(xv), atol=1e-5)
    assert not np.allclose(view.sets["training"][0], xv)  # the two sets come from different keys
    np.testing.assert_array_equal(dots(view, 0)[0], yv[:, 0])
    np.testing.assert_allclose(dots(view, 0)[1], numpy_mlp(trainer.params, xv)[:, 0], rtol=1e-5, atol=1e-5)


def test_standalone_with_data_and_update():
    x = np.linspace(-1, 1, 9, dtype=np.float32)[:, None]
    view = scope.views.ParityPlot(params={"a": jnp.float32(1.0)}, apply=lambda p, x: p["a"] * x ** 2, data=(x, x[:, 0] ** 2))
    assert view.compute(view.network.current())["r2"].tolist() == [1.0]
    assert html.unescape(view.heading.value).endswith("training (9 samples) · R² 1.000")
    view.update({"a": jnp.float32(0.0)})  # predicts 0: R² = 1 - Σy² / Σ(y - ȳ)²
    y = x[:, 0].astype(np.float64) ** 2
    want = 1 - np.sum(y**2) / np.sum((y - y.mean()) ** 2)
    assert f"R² {want:.3f}" in html.unescape(view.heading.value)
    np.testing.assert_array_equal(dots(view, 0)[1], np.zeros(9))


def test_at_most_six_panels_and_r_squared_of_a_constant_column_is_nan():
    x = np.asarray(np.random.default_rng(4).normal(size=(12, 8)), np.float32)
    view = scope.views.ParityPlot(params={}, apply=lambda p, x: x, data=(x, x))
    assert len(view.panels) == 6 and view.heading.value.count("R²") == 8
    assert r_squared(np.ones((4, 1)), np.zeros((4, 1))).tolist() == [pytest.approx(np.nan, nan_ok=True)]
    true = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 2.0]])
    got = r_squared(true, true + 0.5)
    assert got[0] == pytest.approx(1 - 0.75 / 2.0) and np.isnan(got[1])


def test_names_of_the_wrong_length_and_an_output_count_that_differs_from_the_targets(sets):
    (x, y), _ = sets
    with pytest.raises(ValueError, match=r"names has 3 entries for 2 output\(s\)"):
        scope.views.ParityPlot(make_trainer((x, y)), names=("a", "b", "c"))
    with pytest.raises(ValueError, match=r"ParityPlot: the network gives 3 output\(s\) per sample but the targets "
                                         r"have 2 \(shapes \(40, 3\) and \(40, 2\)\)"):
        scope.views.ParityPlot(make_trainer((x, y)), apply=lambda p, x: jnp.concatenate([apply(p, x), x[:, :1]], axis=1))


@pytest.mark.parametrize("options, error, message", [
    (dict(show="test"), ValueError, r"show must be 'validation' or 'training'; got 'test'"),
    (dict(samples=1), ValueError, r"samples must be an integer >= 2; got 1"),
    (dict(params={}, apply=lambda p, x: x), ValueError, r"ParityPlot needs samples: a trainer, or data=\(x, y\)"),
    (dict(params={}, apply=lambda p, x: x, data=np.zeros(3)), ValueError,
     r"data: a view needs batches \(x, y, ...\) of inputs and targets; got ndarray"),
    (dict(params={}, apply=lambda p, x: x, validation=(np.zeros((3, 1)), np.zeros(4))), ValueError,
     r"validation: all arrays must hold the same number of samples \(leading axis\); got lengths \[3, 4\]"),
    (dict(params={}, apply=lambda p, x: x, data=(np.zeros((3, 1)), np.zeros(3)), show="validation"), ValueError,
     r"show='validation' but there is no validation data"),
    (dict(params={}, apply=lambda p, x: x, validation=(np.zeros((3, 1)), np.zeros(3)), show="training"), ValueError,
     r"show='training' but there is no training data"),
])
def test_bad_arguments_are_named(options, error, message):
    with pytest.raises(error, match=message):
        scope.views.ParityPlot(**options)
