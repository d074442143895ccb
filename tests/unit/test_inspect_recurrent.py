"""A recurrent cell run over time with `lax.scan` (or a `while` loop) is one layer of kind
"recurrent": its cell, sequence shapes, parameters and each gate's slice of its kernels; the layers
after it keep their shapes."""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxscope.inspect import architecture
from jaxscope.inspect.recurrent import gate_weights
from sequence_models import LightParticle, rnn, rnn_params

T, H = 60, 10
LSTM = ("i", "f", "g", "o")
GRU = ("r", "z", "n")


class Scanned(nnx.Module):
    """Any nnx cell scanned by hand, then a dense read-out at every step."""

    def __init__(self, cell, rngs):
        self.cell = cell
        self.out = nnx.Linear(H, 1, rngs=rngs)

    def __call__(self, x):
        zeros = jnp.zeros((x.shape[0], H))
        carry = (zeros, zeros) if isinstance(self.cell, (nnx.LSTMCell, nnx.OptimizedLSTMCell)) else zeros
        _, h = jax.lax.scan(lambda s, x_t: self.cell(s, x_t), carry, jnp.swapaxes(x, 0, 1))
        return self.out(jnp.swapaxes(h, 0, 1))


class WithRNN(nnx.Module):
    """flax's own scan wrapper, nnx.RNN(cell)."""

    def __init__(self, cell, rngs):
        self.rnn = nnx.RNN(cell, rngs=rngs)
        self.out = nnx.Linear(H, 1, rngs=rngs)

    def __call__(self, x):
        return self.out(self.rnn(x))


def summary(arch):
    return [(l.name, l.kind, l.cell, l.input_shape, l.output_shape, l.param_count) for l in arch.layers]


def gates(layer):
    """[(name, (input path, columns, axis), (recurrent path, columns, axis))]."""
    part = lambda m: None if m is None else (m.path, m.columns, m.axis)
    return [(g.name, part(g.input), part(g.recurrent)) for g in layer.gates]


def stacked(names, prefix, input_kernel="dense_i.kernel", hidden_kernel="dense_h.kernel"):
    """Gates stacked k to a kernel: gate j takes columns [j H, (j + 1) H) of each."""
    columns = lambda j: (j * H, (j + 1) * H)
    return [(name, (f"{prefix}{input_kernel}", columns(j), 1), (f"{prefix}{hidden_kernel}", columns(j), 1))
            for j, name in enumerate(names)]


def per_module(names, prefix, input_name=lambda g: f"i{g}", hidden_name=lambda g: f"h{g}"):
    """One module per gate and side (`ii`, `hi`, ...): each whole kernel is the gate."""
    return [(name, (f"{prefix}{input_name(name)}.kernel", (0, H), 1),
             (f"{prefix}{hidden_name(name)}.kernel", (0, H), 1)) for name in names]


def test_the_recurrent_notebooks_lstm_is_one_layer_before_its_dense_layers():
    arch = architecture(LightParticle(nnx.Rngs(0)), input_shape=(T, 1))
    assert summary(arch) == [
        ("lstm", "recurrent", "LSTM", (T, 1), (T, H), 1 * 40 + 10 * 40 + 40),
        ("dense", "dense", None, (T, H), (T, 20), 220),
        ("out", "dense", None, (T, 20), (T, 1), 21),
    ]
    assert arch.layers[1].activation == "tanh"
    assert arch.skips == ()
    assert arch.layers[0].params == {"lstm.dense_h.bias": (40,), "lstm.dense_h.kernel": (10, 40),
                                     "lstm.dense_i.kernel": (1, 40)}
    assert gates(arch.layers[0]) == stacked(LSTM, "lstm.")
    assert arch.total_params == sum(l.param_count for l in arch.layers)


def test_the_layer_and_its_gates_travel_as_json():
    layer = architecture(LightParticle(nnx.Rngs(0)), input_shape=(T, 1)).to_json()["layers"][0]
    assert layer["kind"] == "recurrent" and layer["cell"] == "LSTM" and layer["path"] == "lstm"
    assert layer["input_shape"] == [T, 1] and layer["output_shape"] == [T, H]
    assert layer["gates"][1] == {"name": "f", "input": {"path": "lstm.dense_i.kernel", "columns": [10, 20], "axis": 1},
                                 "recurrent": {"path": "lstm.dense_h.kernel", "columns": [10, 20], "axis": 1}}
    dense = architecture(LightParticle(nnx.Rngs(0)), input_shape=(T, 1)).to_json()["layers"][1]
    assert "cell" not in dense and "gates" not in dense


@pytest.mark.parametrize("cell, word, names, params, expected", [
    (nnx.LSTMCell, "LSTM", LSTM, 4 * (1 * H) + 4 * (H * H + H),
     per_module(LSTM, "cell.", lambda g: "if_" if g == "f" else f"i{g}")),
    (nnx.OptimizedLSTMCell, "LSTM", LSTM, 4 * H + 4 * H * H + 4 * H, stacked(LSTM, "cell.")),
    (nnx.GRUCell, "GRU", GRU, 3 * H + 3 * H + 3 * H * H, stacked(GRU, "cell.")),
    (nnx.SimpleCell, "RNN", ("h",), H + H + H * H, stacked(("h",), "cell.")),
])
def test_each_nnx_cell_scanned_by_hand(cell, word, names, params, expected):
    arch = architecture(Scanned(cell(1, H, rngs=nnx.Rngs(0)), nnx.Rngs(1)), input_shape=(T, 1))
    assert summary(arch) == [("cell", "recurrent", word, (T, 1), (T, H), params),
                             ("out", "dense", None, (T, H), (T, 1), H + 1)]
    assert [g.name for g in arch.layers[0].gates] == list(names)
    assert gates(arch.layers[0]) == expected


@pytest.mark.parametrize("cell, word, names", [
    (nnx.LSTMCell, "LSTM", LSTM), (nnx.OptimizedLSTMCell, "LSTM", LSTM), (nnx.GRUCell, "GRU", GRU),
    (nnx.SimpleCell, "RNN", ("h",)),
])
def test_each_nnx_cell_in_flax_s_own_rnn_wrapper(cell, word, names):
    arch = architecture(WithRNN(cell(1, H, rngs=nnx.Rngs(0)), nnx.Rngs(1)), input_shape=(T, 1))
    layer = arch.layers[0]
    assert [(l.name, l.kind, l.input_shape, l.output_shape) for l in arch.layers] == [
        ("rnn.cell", "recurrent", (T, 1), (T, H)), ("out", "dense", (T, H), (T, 1))]
    assert (layer.cell, tuple(g.name for g in layer.gates)) == (word, names)
    assert all(g.input.path.startswith("rnn.cell.") and g.recurrent.path.startswith("rnn.cell.") for g in layer.gates)
    assert layer.param_count == sum(math.prod(entry.shape) for entry in arch.tree if entry.path.startswith("rnn.cell."))


@pytest.mark.parametrize("cell, word, expected", [
    (nn.LSTMCell, "LSTM", per_module(LSTM, "params.LSTMCell_0.")),
    (nn.OptimizedLSTMCell, "LSTM", per_module(LSTM, "params.OptimizedLSTMCell_0.")),  # joined inside the step
    (nn.GRUCell, "GRU", per_module(GRU, "params.GRUCell_0.")),
    (nn.SimpleCell, "RNN", per_module(("h",), "params.SimpleCell_0.", lambda g: "i", lambda g: "h")),
])
def test_linen_rnn_of_each_cell(cell, word, expected):
    class Model(nn.Module):
        @nn.compact
        def __call__(self, x):
            return nn.Dense(1)(nn.RNN(cell(H))(x))

    model = Model()
    variables = model.init(jax.random.key(0), jnp.zeros((2, T, 1)))
    arch = architecture(variables, module=model, input_shape=(T, 1))
    name = expected[0][1][0].split(".")[1]
    assert [(l.name, l.kind, l.cell, l.input_shape, l.output_shape, l.path) for l in arch.layers] == [
        (name, "recurrent", word, (T, 1), (T, H), f"params.{name}"),
        ("Dense_0", "dense", None, (T, H), (T, 1), "params.Dense_0")]
    assert gates(arch.layers[0]) == expected


def plain_rnn(p, x):
    """A course-style tanh RNN: h_t = tanh(x_t W_in + h_{t-1} W_rec + b), read out after the scan by W_out."""
    def step(h, x_t):
        h = jnp.tanh(x_t @ p["W_in"] + h @ p["W_rec"] + p["b"])
        return h, h

    _, hs = jax.lax.scan(step, jnp.zeros((x.shape[0], p["W_rec"].shape[0])), jnp.swapaxes(x, 0, 1))
    return jnp.swapaxes(hs, 0, 1) @ p["W_out"]


def plain_params(inputs=2, hidden=8):
    rng = np.random.default_rng(0)
    shapes = {"W_in": (inputs, hidden), "W_rec": (hidden, hidden), "b": (hidden,), "W_out": (hidden, 1)}
    return {k: jnp.asarray(rng.normal(size=s), jnp.float32) for k, s in shapes.items()}


def test_a_plain_jax_rnn_is_named_rnn_and_its_read_out_stays_a_dense_layer():
    arch = architecture(plain_params(), apply=plain_rnn, input_shape=(30, 2))
    assert [(l.name, l.kind, l.cell, l.input_shape, l.output_shape, l.param_count, l.path) for l in arch.layers] == [
        ("rnn", "recurrent", "RNN", (30, 2), (30, 8), 2 * 8 + 8 * 8 + 8, ""),
        ("dense_0", "dense", None, (30, 8), (30, 1), 8, "W_out")]
    assert gates(arch.layers[0]) == [("h", ("W_in", (0, 8), 1), ("W_rec", (0, 8), 1))]


def test_kernels_used_as_w_at_h_are_sliced_along_their_first_axis():
    # tests/sequence_models.py: h_t = tanh(W h + U x + b), read out inside the step by V, c
    arch = architecture(rnn_params(0), apply=rnn, input_shape=(T, 1))
    assert summary(arch) == [("rnn", "recurrent", "RNN", (T, 1), (T, 1), 6 * 6 + 6 + 6 + 6 + 1)]
    assert gates(arch.layers[0]) == [("h", ("U", (0, 6), 0), ("W", (0, 6), 0))]   # V feeds no state: no gate


def test_a_fori_loop_over_time_returning_the_last_state():
    def last_state(p, x):
        step = lambda t, h: jnp.tanh(x[:, t] @ p["W_in"] + h @ p["W_rec"] + p["b"])
        return jax.lax.fori_loop(0, x.shape[1], step, jnp.zeros((x.shape[0], 8))) @ p["W_out"]

    arch = architecture(plain_params(), apply=last_state, input_shape=(30, 2))
    assert summary(arch) == [("rnn", "recurrent", "RNN", (30, 2), (8,), 88), ("dense_0", "dense", None, (8,), (1,), 8)]
    assert gates(arch.layers[0]) == [("h", ("W_in", (0, 8), 1), ("W_rec", (0, 8), 1))]


def test_a_while_loop_over_time():
    def loop(p, x):
        def body(state):
            t, h = state
            x_t = jax.lax.dynamic_index_in_dim(x, t, axis=1, keepdims=False)
            return t + 1, jnp.tanh(x_t @ p["W_in"] + h @ p["W_rec"] + p["b"])

        _, h = jax.lax.while_loop(lambda s: s[0] < x.shape[1], body, (0, jnp.zeros((x.shape[0], 8))))
        return h @ p["W_out"]

    graph = jax.make_jaxpr(lambda p, x: loop(p, x))(plain_params(), jnp.zeros((2, 30, 2)))
    assert "while" in str(graph)
    arch = architecture(plain_params(), apply=loop, input_shape=(30, 2))
    assert summary(arch) == [("rnn", "recurrent", "RNN", (30, 2), (8,), 88), ("dense_0", "dense", None, (8,), (1,), 8)]
    assert gates(arch.layers[0]) == [("h", ("W_in", (0, 8), 1), ("W_rec", (0, 8), 1))]


def test_a_scan_over_stacked_layers_is_no_recurrent_layer():
    # the stream enters as the carry: layers applied in turn, not a cell over time
    def stack(p, x):
        return jax.lax.scan(lambda h, w: (jnp.tanh(h @ w), None), x, p["layers"])[0] @ p["out"]

    params = {"layers": jnp.ones((3, 4, 4)), "out": jnp.ones((4, 1))}
    kinds = [layer.kind for layer in architecture(params, apply=stack, input_shape=(4,)).layers]
    assert "recurrent" not in kinds


def test_a_scan_without_parameters_is_no_layer():
    arch = architecture(plain_params(), apply=lambda p, x: jax.lax.cumsum(x, axis=1) @ p["W_in"], input_shape=(30, 2))
    cumulative = architecture(plain_params(), input_shape=(30, 2),
                              apply=lambda p, x: jax.lax.scan(lambda c, x_t: (c + x_t, c + x_t), x[:, 0] * 0,
                                                               jnp.swapaxes(x, 0, 1))[1][-1] @ p["W_in"])
    assert [l.kind for l in arch.layers] == ["dense"]
    assert [l.kind for l in cumulative.layers] == ["dense"]


def test_gate_weights_are_the_parameters_slices_as_units_by_inputs():
    model = LightParticle(nnx.Rngs(0))
    arch = architecture(model, input_shape=(T, 1))
    (layer, found), = gate_weights(model, arch)
    assert layer == 0 and [name for name, _, _ in found] == list(LSTM)
    w_i, w_h = np.asarray(model.lstm.dense_i.kernel[...]), np.asarray(model.lstm.dense_h.kernel[...])
    for j, (name, inputs, recurrent) in enumerate(found):
        assert inputs.shape == (H, 1) and recurrent.shape == (H, H) and inputs.dtype == np.float32
        np.testing.assert_array_equal(inputs, w_i[:, j * H:(j + 1) * H].T)
        np.testing.assert_array_equal(recurrent, w_h[:, j * H:(j + 1) * H].T)


def test_gate_weights_of_w_at_h_storage_need_no_transpose():
    params = rnn_params(0)
    (layer, [(name, inputs, recurrent)]), = gate_weights(params, architecture(params, apply=rnn, input_shape=(T, 1)))
    assert (layer, name) == (0, "h")
    np.testing.assert_array_equal(inputs, np.asarray(params["U"]))
    np.testing.assert_array_equal(recurrent, np.asarray(params["W"]))
