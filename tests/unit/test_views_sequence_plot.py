"""SequencePlot: input / target / prediction over time for a few fixed sequences, one small panel each,
checked against a numpy causal convolution and a numpy tanh RNN; the heading's MSE, the chosen
channels, the y ranges, the errors for data that are not sequences, and a dashboard that trains."""

import html
import functools
import threading

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.views.figures import BLUE, GREY, ORANGE
from jaxscope.views.sequence_plot import SequencePlot
from recording import settle
from sequence_models import numpy_rnn, rnn
from sequence_models import rnn_params as _rnn_params

rnn_params = functools.partial(_rnn_params, hidden=5, scale=0.6)

T = 20
WINDOW = 3


def causal_conv(p, x):
    """y_t = Σ_k kernel[k] x_{t-k} + bias on (batch, time, 1): a linear sequence model."""
    padded = jnp.pad(x[..., 0], ((0, 0), (len(p["kernel"]) - 1, 0)))
    taps = [p["kernel"][k] * padded[:, len(p["kernel"]) - 1 - k: padded.shape[1] - k] for k in range(len(p["kernel"]))]
    return (sum(taps) + p["bias"])[..., None]


def numpy_causal_conv(p, x):
    kernel, bias = np.asarray(p["kernel"], np.float64), float(p["bias"])
    x = np.asarray(x, np.float64)[..., 0]
    return np.stack([np.convolve(row, kernel)[:x.shape[1]] + bias for row in x])[..., None]


def moving_average(x):
    return numpy_causal_conv({"kernel": np.full(WINDOW, 1 / WINDOW), "bias": 0.0}, x).astype(np.float32)


@pytest.fixture(scope="module")
def sequences():
    rng = np.random.default_rng(0)
    x = np.asarray(np.cumsum(rng.normal(size=(12, T, 1)), axis=1) / 3, np.float32)
    return x, moving_average(x)


def panel_lines(view, k):
    _, given, target, prediction = view.panels[k]
    return given, target, prediction


def test_each_panel_shows_input_target_and_the_networks_prediction_with_the_mse_in_the_heading(sequences):
    x, y = sequences
    params = {"kernel": jnp.asarray([0.5, 0.3, 0.1], jnp.float32), "bias": jnp.float32(0.2)}
    view = SequencePlot(params=params, apply=causal_conv, data=(x, y))
    want = numpy_causal_conv(params, x[:4])[..., 0]
    data = view.compute(params)
    np.testing.assert_array_equal(data["t"], np.arange(T))
    np.testing.assert_array_equal(data["input"], x[:4, :, 0])
    np.testing.assert_array_equal(data["target"], y[:4, :, 0])
    np.testing.assert_allclose(data["prediction"], want, rtol=1e-5, atol=1e-6)
    mse = np.mean((want - y[:4, :, 0].astype(np.float64)) ** 2)
    assert data["mse"] == pytest.approx(mse, rel=1e-5)
    assert len(view.panels) == 4 and view.children[1].children == tuple(fig for fig, *_ in view.panels)
    for k in range(4):
        given, target, prediction = panel_lines(view, k)
        np.testing.assert_array_equal(given.x, np.arange(T))
        np.testing.assert_array_equal(given.y, x[k, :, 0])
        np.testing.assert_array_equal(target.y, y[k, :, 0])
        np.testing.assert_allclose(prediction.y, want[k], rtol=1e-5, atol=1e-6)
        assert [list(m.colors) for m in (given, target, prediction)] == [[GREY], [BLUE], [ORANGE]]
        assert (given.line_style, target.line_style, prediction.line_style) == ("solid", "dashed", "solid")
        assert view.panels[k][0].title == f"sequence {k}"
        assert "jaxscope-sequence-panel" in view.panels[k][0]._dom_classes
    assert html.unescape(view.heading.value) == f"<b>sequences</b> · data (4 sequences) · MSE {mse:.4g}"
    assert "jaxscope-sequence-plot" in view._dom_classes and "━ prediction" in view.legend.value
    assert view.problem.layout.display == "none" and view.refreshes == 1


def test_one_y_range_for_all_panels_or_each_its_own(sequences):
    x, y = sequences
    params = {"kernel": jnp.zeros(2), "bias": jnp.float32(0.0)}
    shared = SequencePlot(params=params, apply=causal_conv, data=(x, y), samples=3)
    lo, hi = min(x[:3].min(), y[:3].min()), max(x[:3].max(), y[:3].max())
    pad = 0.15 * (hi - lo)
    for fig, *_ in shared.panels:
        scale = fig.marks[0].scales["y"]
        assert (scale.min, scale.max) == pytest.approx((lo - pad, hi + pad), rel=1e-6)
    own = SequencePlot(params=params, apply=causal_conv, data=(x, y), samples=3, shared_y=False)
    for k, (fig, *_) in enumerate(own.panels):
        lo, hi = min(x[k].min(), y[k].min()), max(x[k].max(), y[k].max())
        scale = fig.marks[0].scales["y"]
        assert (scale.min, scale.max) == pytest.approx((lo - 0.15 * (hi - lo), hi + 0.15 * (hi - lo)), rel=1e-6)


def test_a_nonlinear_rnn_on_several_channels_shows_the_chosen_ones_and_says_which():
    rng = np.random.default_rng(3)
    x = np.asarray(rng.normal(size=(5, T, 2)), np.float32)
    y = np.asarray(rng.normal(size=(5, T, 3)), np.float32)
    params = rnn_params(1, inputs=2, outputs=3)
    view = SequencePlot(params=params, apply=rnn, data=(x, y), samples=2, channels=(1, 2))
    want = numpy_rnn(params, x[:2])
    data = view.compute(params)
    np.testing.assert_array_equal(data["input"], x[:2, :, 1])
    np.testing.assert_array_equal(data["target"], y[:2, :, 2])
    np.testing.assert_allclose(data["prediction"], want[:, :, 2], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(panel_lines(view, 1)[2].y, want[1, :, 2], rtol=1e-4, atol=1e-5)
    mse = np.mean((want[:, :, 2] - y[:2, :, 2]) ** 2)
    assert html.unescape(view.heading.value) == (f"<b>sequences</b> · data (2 sequences) · MSE {mse:.4g} · "
                                                 "input channel 1 of 2, output channel 2 of 3")


def test_sequences_without_a_feature_axis_count_as_one_feature(sequences):
    x, y = sequences
    view = SequencePlot(params={"a": jnp.float32(2.0)}, apply=lambda p, x: p["a"] * x,
                                    data=(x[..., 0], y[..., 0]), samples=1)
    np.testing.assert_allclose(panel_lines(view, 0)[2].y, 2 * x[0, :, 0], rtol=1e-6)
    assert "channel" not in view.heading.value


def test_standalone_update_redraws_for_new_parameters(sequences):
    x, y = sequences
    view = SequencePlot(params={"kernel": jnp.ones(1), "bias": jnp.float32(0.0)}, apply=causal_conv,
                                    data=(x, y), samples=2)
    np.testing.assert_allclose(panel_lines(view, 0)[2].y, x[0, :, 0], rtol=1e-6)
    average = {"kernel": jnp.full(WINDOW, 1 / WINDOW, jnp.float32), "bias": jnp.float32(0.0)}
    view.update(average)
    np.testing.assert_allclose(panel_lines(view, 1)[2].y, y[1, :, 0], rtol=1e-5, atol=1e-6)
    assert view.refreshes == 2 and "MSE 0 " not in view.heading.value
    assert view.compute(average)["mse"] == pytest.approx(0.0, abs=1e-12)


def test_in_a_dashboard_it_follows_training_on_the_validation_sequences(sequences):
    x, y = sequences
    params = {"kernel": jnp.asarray([0.2, 0.0, 0.0], jnp.float32), "bias": jnp.float32(0.0)}
    trainer = scope.Trainer(params=params, loss=lambda p, b: jnp.mean((causal_conv(p, b[0]) - b[1]) ** 2),
                            data=(x[:8], y[:8]), validation=(x[8:], y[8:]), batch_size=4, optimizer=5e-2,
                            apply=causal_conv)
    view = SequencePlot(interval=60)
    board = trainer.show(views=[view], diagram=False)
    assert view.trainer is trainer and view.source == "validation"
    np.testing.assert_array_equal(panel_lines(view, 3)[0].y, x[11, :, 0])      # the 4 validation sequences
    computing = []
    compute = view.compute
    view.compute = lambda p: computing.append(threading.current_thread().name) or compute(p)
    before = view.compute(trainer.params)["mse"]
    trainer.run(40)
    trainer.wait()
    settle(board)
    assert view.drawn_step == trainer.current_step == 40 and "jaxscope-display" in computing
    want = numpy_causal_conv(trainer.params, x[8:])[..., 0]
    for k in range(4):
        np.testing.assert_allclose(panel_lines(view, k)[2].y, want[k], rtol=1e-5, atol=1e-6)
    mse = np.mean((want - y[8:, :, 0]) ** 2)
    assert mse < before
    assert f"<b>sequences</b> · validation (4 sequences) · MSE {mse:.4g}" == html.unescape(view.heading.value)
    board.close()


def test_a_trainer_without_validation_shows_training_sequences(sequences):
    x, y = sequences
    trainer = scope.Trainer(params={"kernel": jnp.ones(1), "bias": jnp.float32(0.0)},
                            loss=lambda p, b: jnp.mean((causal_conv(p, b[0]) - b[1]) ** 2), data=(x, y), batch_size=4)
    view = SequencePlot(trainer, apply=causal_conv, samples=2)
    assert view.source == "training"
    np.testing.assert_array_equal(panel_lines(view, 1)[1].y, y[1, :, 0])
    view.close()


def test_a_pytree_trainer_without_apply_is_told_to_pass_apply(sequences):
    x, y = sequences
    trainer = scope.Trainer(params={"kernel": jnp.ones(1), "bias": jnp.float32(0.0)},
                            loss=lambda p, b: jnp.mean((causal_conv(p, b[0]) - b[1]) ** 2), data=(x, y))
    with pytest.raises(ValueError, match=r"SequencePlot runs the network: pass apply=lambda params, x"):
        SequencePlot(trainer)


@pytest.mark.parametrize("x, y, apply, options, message", [
    (np.zeros(6), np.zeros(6), None, {},
     r"SequencePlot shows sequences: inputs of shape \(batch, time, features\) or \(batch, time\); "
     r"got inputs of shape \(3,\) \(no time axis\)"),
    (np.zeros((3, T, 1, 2)), np.zeros((3, T)), None, {}, r"got inputs of shape \(3, 20, 1, 2\)"),
    (np.zeros((3, T, 1)), np.zeros((3, 1)), None, {},
     r"SequencePlot: the targets have shape \(3, 1\), not the inputs' \(batch, time\) \(3, 20\): a sequence model's "
     r"targets are \(batch, time, outputs\) or \(batch, time\)"),
    (np.zeros((3, T, 1)), np.zeros((3, T, 1)), lambda p, x: x[:, -1, :], {},
     r"SequencePlot: the network maps inputs of shape \(3, 20, 1\) to outputs of shape \(3, 1\); a sequence model "
     r"gives \(batch, time, outputs\) with the inputs' 20 time steps"),
    (np.zeros((3, T, 1)), np.zeros((3, T, 2)), lambda p, x: x, {},
     r"SequencePlot: the network gives 1 output\(s\) per time step but the targets have 2 \(shapes \(3, 20, 1\) "
     r"and \(3, 20, 2\)\)"),
    (np.zeros((3, T, 1)), np.zeros((3, T, 1)), lambda p, x: x, {"channels": (0, 1)},
     r"SequencePlot: channels asks for output channel 1 but the outputs have 1 channel\(s\)"),
    (np.zeros((3, T, 2)), np.zeros((3, T, 1)), lambda p, x: x, {"channels": 2},
     r"SequencePlot: channels asks for input channel 2 but the inputs have 2 channel\(s\)"),
])
def test_data_that_are_not_sequences_are_refused_with_their_shapes(x, y, apply, options, message):
    with pytest.raises(ValueError, match=message):
        SequencePlot(params={}, apply=apply or (lambda p, x: x), data=(np.float32(x), np.float32(y)),
                                 samples=3, **options)


@pytest.mark.parametrize("options, message", [
    (dict(samples=0), r"samples must be an integer from 1 to 12; got 0"),
    (dict(samples=13), r"samples must be an integer from 1 to 12; got 13"),
    (dict(samples=True), r"samples must be an integer from 1 to 12; got True"),
    (dict(channels=-1), r"channels must be a feature index >= 0 \(the same for inputs and outputs\) or "
                        r"\(input index, output index\); got -1"),
    (dict(channels=(0, 1, 2)), r"channels must be .*; got \(0, 1, 2\)"),
    (dict(channels="a"), r"channels must be .*; got 'a'"),
    (dict(shared_y=1), r"shared_y must be True or False; got 1"),
    (dict(interval=-1), r"interval must be a number of seconds >= 0; got -1"),
])
def test_bad_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        SequencePlot(**options)


def test_standalone_needs_data_and_an_apply(sequences):
    x, y = sequences
    with pytest.raises(ValueError, match=r"SequencePlot needs sequences: a trainer, or data=\(x, y\)"):
        SequencePlot(params={}, apply=lambda p, x: x)
    with pytest.raises(ValueError, match=r"SequencePlot runs the network: pass apply="):
        SequencePlot(params={}, data=(x, y))
