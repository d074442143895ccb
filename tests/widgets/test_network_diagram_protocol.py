"""NetworkDiagram on the wire: the architecture as a trait, weights as float32 buffers, throttled."""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxscope as scope
from course_models import init_mlp
from jaxscope.inspect import dense_weights
from recording import attach, from_front_end

READY = {"v": 1, "kind": "ready"}


def decode_weights(content, buffers):
    out, k = [], 0
    for entry in content["layers"]:
        kernel = np.frombuffer(bytes(buffers[k]), "<f4").reshape(entry["n_in"], entry["n_out"])
        k += 1
        bias = None
        if entry["bias"]:
            bias = np.frombuffer(bytes(buffers[k]), "<f4")
            k += 1
        out.append((entry["layer"], kernel, bias))
    assert k == len(buffers)
    return out


def test_weights_are_sent_in_n_in_by_n_out_order_on_ready():
    params = init_mlp(jax.random.key(0), [1, 30, 20, 1])
    diagram = scope.NetworkDiagram(params, activations="tanh")
    comm = attach(diagram)
    assert [layer["output_shape"] for layer in diagram.architecture["layers"]] == [[30], [20], [1]]
    assert diagram.architecture["total_params"] == 701
    from_front_end(diagram, READY)
    (content, buffers), = comm.custom("weights")
    assert content["version"] == 0
    assert [(e["layer"], e["n_in"], e["n_out"], e["bias"]) for e in content["layers"]] == [
        (0, 1, 30, True), (1, 30, 20, True), (2, 20, 1, True)]
    for (layer, kernel, bias), w, b in zip(decode_weights(content, buffers), params["weights"], params["biases"]):
        np.testing.assert_array_equal(kernel, np.asarray(w).T)  # the course stores (n_out, n_in)
        np.testing.assert_array_equal(bias, np.asarray(b))


def test_the_dashboard_shows_a_diagram_when_the_architecture_can_be_derived(lesson2):
    board = scope.Trainer(**lesson2).show()
    assert board.children == (board.controls, board.loss_chart, board.diagram)
    assert [layer["kind"] for layer in board.diagram.architecture["layers"]] == ["dense"] * 3


def test_the_dashboard_derives_an_nnx_module_s_input_shape_from_the_data():
    from flax import nnx

    class MLP(nnx.Module):
        def __init__(self, rngs):
            self.hidden = nnx.Linear(2, 8, rngs=rngs)
            self.out = nnx.Linear(8, 1, rngs=rngs)

        def __call__(self, x):
            return self.out(jnp.tanh(self.hidden(x)))

    trainer = scope.Trainer(params=MLP(nnx.Rngs(0)), loss=lambda m, b: jnp.mean((m(b[0]) - b[1]) ** 2),
                            data=lambda k: (jax.random.normal(k, (16, 2)), jnp.zeros((16, 1))), optimizer=1e-2)
    board = trainer.show()
    layers = board.diagram.architecture["layers"]
    assert [(l["kind"], l["input_shape"], l["output_shape"]) for l in layers] == [
        ("dense", [2], [8]), ("dense", [8], [1])]


def test_no_diagram_for_parameters_that_are_not_a_network():
    trainer = scope.Trainer(params={"heights": jnp.zeros(20)}, loss=lambda p, b: jnp.sum(p["heights"] ** 2),
                            data=lambda k: 0.0, optimizer=0.1)
    board = trainer.show()
    assert board.diagram is None
    assert board.children == (board.controls, board.loss_chart)


def test_weights_stream_while_training_at_most_ten_times_a_second_and_end_with_the_final_ones(lesson2):
    trainer = scope.Trainer(**lesson2)
    board = trainer.show()
    comm = attach(board.diagram)
    trainer.run(10)  # compile
    start = time.monotonic()
    trainer.start()
    while time.monotonic() - start < 1.5:
        time.sleep(0.05)
    trainer.pause()
    elapsed = time.monotonic() - start
    sent = comm.custom("weights")
    versions = [c["version"] for c, _ in sent]
    assert len(sent) >= 3
    assert versions == sorted(set(versions))  # each message carries new weights
    in_window = [t for t, (d, _) in zip(comm.times, comm.sent) if d.get("method") == "custom" and t >= start]
    assert len(in_window) <= elapsed / 0.1 + 3
    final = decode_weights(*sent[-1])
    expected = dense_weights(trainer.params, board.diagram.spec)
    for (_, kernel, bias), (w, b) in zip(final, expected):
        np.testing.assert_array_equal(kernel, w)
        np.testing.assert_array_equal(bias, b)
