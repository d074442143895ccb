"""ProbePanel: a sequence model's response to presets and to an input drawn with the mouse, checked
against a numpy causal moving average (linear: superposition holds exactly) and a numpy tanh RNN
(it does not); a drawn input arriving from the front end is recomputed on the display loop and
redrawn; training steps and edits redraw it; errors name what is wrong."""

import html
import threading

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.views.figures import BLUE, GREEN, GREY, ORANGE
from jaxscope.views.probe_panel import DRAWN, ProbePanel, preset_inputs
from recording import settle
from sequence_models import numpy_rnn, rnn, rnn_params

T = 30


def causal_conv(p, x):
    """y_t = Σ_k kernel[k] x_{t-k} + bias on (batch, time, 1): linear in x, affine with the bias."""
    size = len(p["kernel"])
    padded = jnp.pad(x[..., 0], ((0, 0), (size - 1, 0)))
    return (sum(p["kernel"][k] * padded[:, size - 1 - k: padded.shape[1] - k] for k in range(size)) + p["bias"])[..., None]


def numpy_causal_conv(p, x):
    x = np.asarray(x, np.float64)
    return np.convolve(x, np.asarray(p["kernel"], np.float64))[:len(x)] + float(p["bias"])


AVERAGE = {"kernel": jnp.full(3, 1 / 3, jnp.float32), "bias": jnp.float32(0.25)}


def rnn_response(p, inputs, channel_in=0, features=1, channel_out=0):
    """The numpy RNN's output channel for one input sequence fed to one input channel."""
    x = np.zeros((1, len(inputs), features))
    x[0, :, channel_in] = inputs
    return numpy_rnn(p, x)[0, :, channel_out]


def front_end_y(values):
    """What HandDraw sends when the stroke ends: the Lines' y_data (one row per line), binary per row."""
    row = np.asarray(values, np.float32)
    return {"y": [{"value": memoryview(row.tobytes()), "dtype": "float32", "shape": [len(row)]}]}


def test_the_default_presets_are_steps_a_pulse_a_sine_and_constant_offsets():
    presets = preset_inputs(60, 2.0)
    t = np.arange(60)
    assert list(presets) == ["step at t=10", "step at t=20", "step at t=30", "step at t=40", "pulse at t=20",
                             "sine, period 15", "constant -2", "constant -1", "constant 1", "constant 2", "zero"]
    np.testing.assert_array_equal(presets["step at t=30"], np.where(t >= 30, 2.0, 0.0))
    np.testing.assert_array_equal(presets["pulse at t=20"], np.where((t >= 20) & (t < 23), 2.0, 0.0))
    np.testing.assert_allclose(presets["sine, period 15"], 2.0 * np.sin(2 * np.pi * t / 15), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(presets["constant -1"], np.full(60, -1.0))
    np.testing.assert_array_equal(presets["zero"], np.zeros(60))


def test_responses_of_a_linear_model_are_its_convolution_and_superposition_holds_exactly():
    panel = ProbePanel(params=AVERAGE, apply=causal_conv, length=T, probe="step at t=5", second="pulse at t=10")
    a, b = preset_inputs(T)["step at t=5"], preset_inputs(T)["pulse at t=10"]
    data = panel.compute(AVERAGE)
    np.testing.assert_array_equal(data["t"], np.arange(T))
    np.testing.assert_array_equal(data["input"], a)
    np.testing.assert_allclose(data["response"], numpy_causal_conv(AVERAGE, a), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(data["second_response"], numpy_causal_conv(AVERAGE, b), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(data["sum_response"], numpy_causal_conv(AVERAGE, a + b), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(data["zero_response"], np.full(T, 0.25), rtol=1e-6)
    np.testing.assert_allclose(data["sum_of_responses"], numpy_causal_conv(AVERAGE, a + b), rtol=1e-6, atol=1e-6)
    assert data["rms"] < 1e-6 and data["relative_rms"] < 1e-6
    # what the browser gets: the input line, the response and the zero-input baseline
    np.testing.assert_array_equal(panel.drawn.x, np.arange(T))
    np.testing.assert_array_equal(panel.drawn.y, a.astype(np.float32))
    np.testing.assert_allclose(panel.response_line.y, numpy_causal_conv(AVERAGE, a), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(panel.baseline.y, np.full(T, 0.25), rtol=1e-6)
    assert [list(m.colors) for m in (panel.drawn, panel.response_line, panel.baseline)] == [[BLUE], [ORANGE], [GREY]]
    assert panel.hand_draw.lines is panel.drawn and panel.hand_draw.line_index == 0
    assert panel.input_figure.interaction is panel.hand_draw
    assert panel.preset.options == (*preset_inputs(T), DRAWN) and panel.preset.value == "step at t=5"
    assert html.unescape(panel.readout.value) == "<b>probe response</b> · a: step at t=5"
    assert not panel.sum_response.visible and panel.response_line.visible and panel.second_preset.layout.display == "none"
    for widget, name in ((panel, "panel"), (panel.input_figure, "input"), (panel.response_figure, "response"),
                         (panel.preset, "preset"), (panel.second_preset, "second"),
                         (panel.superposition, "superposition"), (panel.readout, "readout")):
        assert f"jaxscope-probe-{name}" in widget._dom_classes


def test_the_superposition_toggle_shows_the_response_to_the_sum_against_the_sum_of_responses():
    params = rnn_params(0)
    panel = ProbePanel(params=params, apply=rnn, length=T, probe="step at t=5", second="step at t=10")
    a, b = preset_inputs(T)["step at t=5"], preset_inputs(T)["step at t=10"]
    r_a, r_b, r_ab, r_0 = (rnn_response(params, v) for v in (a, b, a + b, np.zeros(T)))
    rms = np.sqrt(np.mean((r_ab - (r_a + r_b - r_0)) ** 2))
    relative = rms / np.sqrt(np.mean((r_ab - r_0) ** 2))
    data = panel.compute(params)
    np.testing.assert_allclose(data["sum_response"], r_ab, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(data["sum_of_responses"], r_a + r_b - r_0, rtol=1e-4, atol=1e-5)
    assert data["rms"] == pytest.approx(rms, rel=1e-4) and rms > 0.05    # a tanh RNN is not linear
    panel.superposition.value = True           # as a click does
    assert panel.sum_response.visible and panel.sum_of_responses.visible and panel.second_line.visible
    assert not panel.response_line.visible and not panel.baseline.visible and panel.second_preset.layout.display is None
    assert [list(m.colors) for m in (panel.sum_response, panel.sum_of_responses)] == [[BLUE], [GREEN]]
    np.testing.assert_allclose(panel.sum_response.y, r_ab, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(panel.sum_of_responses.y, r_a + r_b - r_0, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(panel.second_line.y, b.astype(np.float32))
    shown = np.concatenate([r_ab, r_a + r_b - r_0])
    lo, hi = panel.response_scale.min, panel.response_scale.max
    assert lo <= shown.min() and hi >= shown.max()
    assert html.unescape(panel.readout.value) == (f"<b>probe response</b> · a: step at t=5 · b: step at t=10 · "
                                                  f"RMS difference {rms:.3g} ({100 * relative:.3g} % of the response)")
    panel.superposition.value = False
    assert panel.response_line.visible and not panel.sum_response.visible
    panel.close()


def test_an_input_drawn_in_the_front_end_is_recomputed_on_the_display_loop_and_redrawn():
    params = rnn_params(1)
    panel = ProbePanel(params=params, apply=rnn, length=T)
    threads = []
    compute = panel.compute
    panel.compute = lambda p, **k: threads.append(threading.current_thread().name) or compute(p, **k)
    drawn = np.linspace(-1.0, 1.5, T) ** 2
    panel.drawn.set_state(front_end_y(drawn))      # the stroke's end, as the kernel receives it
    settle(panel)
    assert threads == ["jaxscope-display"]         # never on the comm handler's thread
    np.testing.assert_array_equal(panel.probe, drawn.astype(np.float32))
    np.testing.assert_allclose(panel.response_line.y, rnn_response(params, drawn.astype(np.float32)),
                               rtol=1e-4, atol=1e-5)
    assert panel.preset.value == DRAWN and html.unescape(panel.readout.value).endswith(f"a: {DRAWN}")
    assert panel.refreshes == 2
    # y as one (1, T) float64 array works the same
    panel.drawn.set_state({"y": {"value": memoryview(np.ones((1, T)).tobytes()), "dtype": "float64", "shape": [1, T]}})
    settle(panel)
    np.testing.assert_allclose(panel.response_line.y, rnn_response(params, np.ones(T)), rtol=1e-4, atol=1e-5)
    # choosing a preset again puts it on the drawing area and redraws
    panel.preset.value = "sine, period 7.5"
    settle(panel)
    sine = preset_inputs(T)["sine, period 7.5"]
    np.testing.assert_array_equal(panel.drawn.y, sine.astype(np.float32))
    np.testing.assert_allclose(panel.response_line.y, rnn_response(params, sine.astype(np.float32)),
                               rtol=1e-4, atol=1e-5)
    assert panel.preset.value == "sine, period 7.5" and panel.refreshes == 4
    panel.close()


def test_set_input_from_python_does_what_drawing_does_and_a_drawn_input_of_the_wrong_length_is_refused():
    panel = ProbePanel(params=AVERAGE, apply=causal_conv, length=T)
    values = np.sin(np.arange(T) / 3.0)
    panel.set_input(values)
    settle(panel)
    np.testing.assert_allclose(panel.response_line.y, numpy_causal_conv(AVERAGE, values.astype(np.float32)),
                               rtol=1e-5, atol=1e-6)
    assert panel.preset.value == DRAWN
    panel.drawn.set_state(front_end_y(np.zeros(T - 1)))
    settle(panel)
    assert panel.problem.layout.display is None
    assert html.unescape(panel.problem.value) == (f"ProbePanel: the drawn input must be {T} finite numbers "
                                                  f"(one per time step); got shape ({T - 1},)")
    np.testing.assert_allclose(panel.probe, values.astype(np.float32))    # the last good input stays
    with pytest.raises(ValueError, match=rf"ProbePanel: the input must be {T} finite numbers"):
        panel.set_input(np.ones(3))
    panel.set_input(np.zeros(T))
    settle(panel)
    assert panel.problem.layout.display == "none"
    panel.close()


def test_the_second_input_b_follows_its_menu():
    panel = ProbePanel(params=AVERAGE, apply=causal_conv, length=T, superposition=True)
    assert panel.second_preset.value == "step at t=10" and panel.sum_response.visible
    panel.second_preset.value = "constant 1"
    settle(panel)
    a = preset_inputs(T)["step at t=5"]
    np.testing.assert_array_equal(panel.second_line.y, np.ones(T, np.float32))
    np.testing.assert_allclose(panel.sum_response.y, numpy_causal_conv(AVERAGE, a + 1), rtol=1e-6, atol=1e-6)
    assert "b: constant 1" in panel.readout.value
    panel.close()


def test_several_channels_drive_one_input_and_show_one_output():
    params = rnn_params(2, inputs=3, outputs=2)
    panel = ProbePanel(params=params, apply=rnn, input_shape=(T, 3), channels=(2, 1), probe="pulse at t=10")
    pulse = preset_inputs(T)["pulse at t=10"]
    want = rnn_response(params, pulse, channel_in=2, features=3, channel_out=1)
    np.testing.assert_allclose(panel.response_line.y, want, rtol=1e-4, atol=1e-5)


def test_inputs_without_a_feature_axis_and_user_presets():
    presets = {"ramp": lambda t: t / 10, "ones": np.ones(12)}
    panel = ProbePanel(params={"a": jnp.float32(3.0)}, apply=lambda p, x: p["a"] * jnp.cumsum(x, axis=1),
                       input_shape=(12,), presets=presets)
    assert panel.features is None and panel.preset.options == ("ramp", "ones", DRAWN)
    np.testing.assert_allclose(panel.response_line.y, 3 * np.cumsum(np.arange(12) / 10), rtol=1e-6)
    assert panel.second_preset.value == "ones"


def test_the_users_own_presets_need_no_sample_of_the_training_data(monkeypatch):
    x = np.ones((16, T, 1), np.float32)
    trainer = scope.Trainer(params={"kernel": jnp.asarray([0.2, 0.0, 0.0], jnp.float32), "bias": jnp.float32(0.1)},
                            loss=lambda p, b: jnp.mean((causal_conv(p, b[0]) - b[1]) ** 2), data=(x, x),
                            batch_size=4, optimizer=5e-2, apply=causal_conv)

    def no_sample(n):
        raise AssertionError("the panel sampled the data")

    monkeypatch.setattr(trainer.data, "sample", no_sample)
    panel = ProbePanel(presets={"ones": np.ones(T), "zero": np.zeros(T)})
    trainer.show(views=[panel], diagram=False)
    assert panel.amplitude == 1.0 and panel.preset.options == ("ones", "zero", DRAWN)


def test_in_a_dashboard_it_follows_training_and_edits():
    rng = np.random.default_rng(0)
    x = np.asarray(rng.normal(size=(16, T, 1)), np.float32)
    y = np.stack([np.convolve(row, np.full(3, 1 / 3))[:T] for row in x[..., 0]])[..., None].astype(np.float32)
    trainer = scope.Trainer(params={"kernel": jnp.asarray([0.2, 0.0, 0.0], jnp.float32), "bias": jnp.float32(0.1)},
                            loss=lambda p, b: jnp.mean((causal_conv(p, b[0]) - b[1]) ** 2), data=(x, y),
                            batch_size=4, optimizer=5e-2, apply=causal_conv)
    panel = ProbePanel(interval=60)
    board = trainer.show(views=[panel], diagram=False)
    assert panel.length == T and panel.amplitude == float(f"{np.abs(x).max():.2g}")
    step = preset_inputs(T, panel.amplitude)["step at t=5"]
    np.testing.assert_array_equal(panel.drawn.y, step.astype(np.float32))
    trainer.run(30)
    trainer.wait()
    settle(board)
    assert panel.drawn_step == 30
    np.testing.assert_allclose(panel.response_line.y, numpy_causal_conv(trainer.params, step.astype(np.float32)),
                               rtol=1e-5, atol=1e-6)
    assert html.unescape(panel.readout.value) == "<b>probe response</b> · a: step at t=5 · step 30"
    trainer.params = {"kernel": jnp.asarray([1.0, -1.0, 0.0], jnp.float32), "bias": jnp.float32(0.0)}   # an edit
    settle(board)
    np.testing.assert_allclose(panel.response_line.y, np.diff(step.astype(np.float32), prepend=0.0), atol=1e-6)
    panel.set_input(np.arange(T, dtype=np.float32))     # drawing while it follows a trainer
    settle(board)
    np.testing.assert_allclose(panel.response_line.y, np.r_[0.0, np.ones(T - 1)], atol=1e-5)
    board.close()


def test_a_model_that_is_not_a_sequence_model_is_refused_with_the_shapes():
    with pytest.raises(ValueError, match=rf"ProbePanel: the network maps inputs of shape \(4, {T}, 1\) to outputs of "
                                         rf"shape \(4, 1\); a sequence model gives \(batch, time, outputs\)"):
        ProbePanel(params={}, apply=lambda p, x: x[:, -1, :], length=T)
    with pytest.raises(ValueError, match=r"ProbePanel: channels asks for output channel 3 but the outputs have 1"):
        ProbePanel(params={}, apply=lambda p, x: x, length=T, channels=(0, 3))
    with pytest.raises(ValueError, match=r"ProbePanel: channels asks for input channel 1 but the inputs have 1 "
                                         r"channel\(s\)"):
        ProbePanel(params={}, apply=lambda p, x: x, length=T, channels=1)
    with pytest.raises(ValueError, match=r"ProbePanel runs the network: pass apply="):
        ProbePanel(params={}, length=T)


def test_image_data_is_refused_as_not_sequences():
    x = np.zeros((8, 1, 4, 4), np.float32)
    trainer = scope.Trainer(params={"w": jnp.ones(())}, loss=lambda p, b: jnp.mean(p["w"] * b[0]), data=(x, x[:, 0, 0]),
                            apply=lambda p, x: x)
    with pytest.raises(ValueError, match=r"ProbePanel probes sequence models: inputs of shape \(batch, time, features\) "
                                         r"or \(batch, time\); the data's inputs have shape \(batch, 1, 4, 4\)"):
        ProbePanel(trainer)


@pytest.mark.parametrize("options, message", [
    (dict(length=1), r"length must be an integer >= 2 \(time steps\); got 1"),
    (dict(length=2.5), r"length must be an integer >= 2 \(time steps\); got 2.5"),
    (dict(presets={}), r"presets must be a non-empty dict \{name: values\}; got dict"),
    (dict(presets=[1, 2]), r"presets must be a non-empty dict \{name: values\}; got list"),
    (dict(amplitude=0), r"amplitude must be a number > 0; got 0"),
    (dict(input_shape=(0, 1)), r"input_shape must be one sequence's shape, \(time, features\) or \(time,\); got \(0, 1\)"),
    (dict(input_shape=(5, 1, 1)), r"input_shape must be one sequence's shape"),
    (dict(channels=(1,)), r"channels must be a feature index >= 0"),
    (dict(superposition="yes"), r"superposition must be True or False; got 'yes'"),
    (dict(interval=-1), r"interval must be a number of seconds >= 0; got -1"),
])
def test_bad_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        ProbePanel(**options)


@pytest.mark.parametrize("options, message", [
    (dict(presets={"short": np.ones(3)}), rf"preset 'short' must give {T} finite numbers \(one per time step\); "
                                          r"got shape \(3,\)"),
    (dict(presets={"bad": np.full(T, np.nan)}), r"preset 'bad' must give 30 finite numbers"),
    (dict(presets={DRAWN: np.ones(T)}), r"preset names must be strings other than 'drawn by hand'"),
    (dict(probe="sawtooth"), r"probe='sawtooth' is not a preset; the presets are \['step at t=5', "),
    (dict(second="nothing"), r"second='nothing' is not a preset"),
])
def test_presets_and_preset_names_are_checked(options, message):
    with pytest.raises(ValueError, match=message):
        ProbePanel(params=AVERAGE, apply=causal_conv, length=T, **options)
