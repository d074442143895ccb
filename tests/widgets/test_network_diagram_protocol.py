"""NetworkDiagram on the wire: the architecture as a trait, weights as float32 buffers, throttled."""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from course_models import init_mlp, mlp_batch
from jaxscope.inspect import dense_weights
from jaxscope.widgets.protocol import decode_points
from recording import attach, from_front_end, settle

READY = {"v": 2, "kind": "ready"}


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
    settle(diagram)
    (content, buffers), = comm.custom("weights")
    assert content["version"] == 0
    assert [(e["layer"], e["n_in"], e["n_out"], e["bias"]) for e in content["layers"]] == [
        (0, 1, 30, True), (1, 30, 20, True), (2, 20, 1, True)]
    for (layer, kernel, bias), w, b in zip(decode_weights(content, buffers), params["weights"], params["biases"]):
        np.testing.assert_array_equal(kernel, np.asarray(w).T)  # the course stores (n_out, n_in)
        np.testing.assert_array_equal(bias, np.asarray(b))


def test_the_dashboard_shows_a_diagram_when_the_architecture_can_be_derived(lesson2):
    board = scope.Trainer(**lesson2).show()
    assert board.children == (board.controls, board.loss_chart, board.scrubber, board.diagram)
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
                            data=None, optimizer=0.1)
    board = trainer.show()
    assert board.diagram is None
    assert board.children == (board.controls, board.loss_chart, board.scrubber)


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
    settle(board)
    elapsed = time.monotonic() - start
    sent = comm.custom("weights")
    versions = [c["version"] for c, _ in sent]
    assert len(sent) >= 3
    assert versions == sorted(set(versions))  # each message carries new weights
    in_window = [t for t, (d, _) in zip(comm.times, comm.sent)
                 if d.get("method") == "custom" and d["content"]["kind"] == "weights" and t >= start]
    assert len(in_window) <= elapsed / 0.1 + 3
    final = decode_weights(*sent[-1])
    expected = dense_weights(trainer.params, board.diagram.spec)
    for (_, kernel, bias), (w, b) in zip(final, expected):
        np.testing.assert_array_equal(kernel, w)
        np.testing.assert_array_equal(bias, b)


def decode_activations(content, buffers):
    points = int(np.prod(content["grid"]["shape"]))
    assert len(buffers) == len(content["columns"])
    return [(entry["layer"], np.frombuffer(bytes(b), "<f4").reshape(points, entry["n"]))
            for entry, b in zip(content["columns"], buffers)]


def test_neuron_maps_follow_every_weights_message_with_the_same_version(lesson2):
    trainer = scope.Trainer(**lesson2, apply=lambda p, x: mlp_batch(x, p))
    board = trainer.show()
    comm = attach(board.diagram)
    from_front_end(board.diagram, READY)
    settle(board.diagram)
    kinds = [c["kind"] for c, _ in comm.custom()]
    assert kinds == ["weights", "activations", "ping"]   # the ping: the next frame waits for its ack
    (content, buffers), = comm.custom("activations")
    assert content["grid"] == {"shape": [64], "range": [[-3.5, 3.5]]}
    assert [(e["layer"], e["n"]) for e in content["columns"]] == [(-1, 1), (0, 30), (1, 20), (2, 1)]
    columns = decode_activations(content, buffers)
    q = np.linspace(-3.5, 3.5, 64, dtype=np.float32)[:, None]
    np.testing.assert_allclose(columns[0][1], q)
    np.testing.assert_allclose(columns[3][1], np.asarray(mlp_batch(q, trainer.params)), rtol=1e-5, atol=1e-6)
    hidden = np.tanh(q @ np.asarray(trainer.params["weights"][0]).T + np.asarray(trainer.params["biases"][0]))
    np.testing.assert_allclose(columns[1][1], hidden, rtol=1e-5, atol=1e-6)
    trainer.run(5)  # the dashboard sends the trained weights, and maps computed from them
    settle(board)
    (weights, _), (maps, buffers) = [m for m in comm.custom() if m[0]["kind"] != "ping"][-2:]
    assert (weights["kind"], maps["kind"]) == ("weights", "activations")
    assert maps["version"] == weights["version"] >= 1
    output = decode_activations(maps, buffers)[3][1]
    np.testing.assert_allclose(output, np.asarray(mlp_batch(q, trainer.params)), rtol=1e-5, atol=1e-6)


def test_a_cnn_sends_its_conv_kernels_as_oihw_entries_of_the_weights_message():
    kernels = [np.arange(4 * 1 * 3 * 3, dtype=np.float32).reshape(4, 1, 3, 3), np.ones((2, 4, 3, 3), np.float32)]
    params = {"conv_kernels": kernels, "conv_biases": [np.arange(4.0), np.zeros(2)],
              "dense": {"weights": [np.zeros((3, 2))], "biases": [np.zeros(3)]}}
    diagram = scope.NetworkDiagram(params, input_shape=(1, 7, 7))
    comm = attach(diagram)
    from_front_end(diagram, READY)
    settle(diagram)
    (content, buffers), = comm.custom("weights")
    conv = [e for e in content["layers"] if e.get("kind") == "conv"]
    assert conv == [{"layer": 0, "kind": "conv", "shape": [4, 1, 3, 3], "bias": True},
                    {"layer": 1, "kind": "conv", "shape": [2, 4, 3, 3], "bias": True}]
    assert np.frombuffer(bytes(buffers[0]), "<f4").tolist() == list(range(36))
    assert np.frombuffer(bytes(buffers[1]), "<f4").tolist() == [0, 1, 2, 3]
    assert diagram.thumbnails == "thumbnails are drawn for dense networks"


def test_an_edit_on_a_standalone_diagram_changes_its_params_and_redraws():
    params = init_mlp(jax.random.key(0), [2, 3, 1])
    diagram = scope.NetworkDiagram(params, apply=lambda p, x: mlp_batch(x, p))
    comm = attach(diagram)
    from_front_end(diagram, {"v": 2, "kind": "edit", "layer": 1, "param": "weight", "i": 2, "j": 0, "value": 3})
    settle(diagram)   # answered at once; the display loop then draws the new weights
    assert [c["kind"] for c, _ in comm.custom()] == ["edit_result", "weights", "activations", "ping"]
    assert comm.custom("edit_result")[0][0] == {"v": 2, "kind": "edit_result", "ok": True, "message": ""}
    assert float(diagram.params["weights"][1][0, 2]) == 3.0 and float(params["weights"][1][0, 2]) != 3.0
    (content, buffers), = comm.custom("weights")
    assert content["version"] == 1
    assert decode_weights(content, buffers)[1][1][2, 0] == 3.0
    from_front_end(diagram, {"v": 2, "kind": "edit", "layer": 1, "param": "bias", "i": 1, "value": 0})
    assert comm.custom("edit_result")[-1][0]["message"] == "i must index output neuron 0..0; got 1"


def test_an_edit_on_an_nnx_module_updates_it_in_place():
    from flax import nnx

    model = nnx.Sequential(nnx.Linear(2, 3, rngs=nnx.Rngs(0)), nnx.tanh, nnx.Linear(3, 1, rngs=nnx.Rngs(1)))
    diagram = scope.NetworkDiagram(model, input_shape=(2,))
    comm = attach(diagram)
    first = next(k for k, layer in enumerate(diagram.spec.layers) if layer.kind == "dense")
    from_front_end(diagram, {"v": 2, "kind": "edit", "layer": first, "param": "bias", "i": 2, "value": -0.5})
    assert comm.custom("edit_result")[0][0]["ok"] is True
    assert float(model.layers[0].bias[2]) == -0.5
    assert diagram.params is model


def test_dashboard_edits_change_the_trainer_and_are_refused_while_it_runs(lesson2):
    trainer = scope.Trainer(**lesson2, apply=lambda p, x: mlp_batch(x, p))
    board = trainer.show()
    comm = attach(board.diagram)
    chart = attach(board.loss_chart)
    assert board.diagram.editable is True
    before = trainer._loss_now()
    edit = {"v": 2, "kind": "edit", "layer": 2, "param": "bias", "i": 0, "value": 5.0}
    from_front_end(board.diagram, edit)   # handed to the trainer's driver; answered once applied
    trainer.wait(30)
    settle(board)
    assert comm.custom("edit_result")[-1][0]["ok"] is True
    assert float(trainer.params["biases"][2][0]) == 5.0
    after = trainer._loss_now()
    assert after > before
    assert trainer.message == f"set dense_2 bias [0] = 5 · loss now {after:.4g}"
    assert board.controls.message == trainer.message
    weights = decode_weights(*comm.custom("weights")[-1])
    assert weights[2][2][0] == 5.0
    # the loss chart gets the point: edit_loss at the current step (0), and no extra training loss
    assert trainer.history["edit_loss"].tolist() == [np.float32(after)]
    assert trainer.history.steps_of("edit_loss").tolist() == [0] and len(trainer.history["loss"]) == 0
    sent = decode_points(*chart.custom("points")[-1])
    assert sent["edit_loss"][0].tolist() == [0] and sent["edit_loss"][1].tolist() == [np.float32(after)]

    trainer.run(5)  # compile, then train in the background
    trainer.start()
    deadline = time.monotonic() + 10
    while board.diagram.editable and time.monotonic() < deadline:
        time.sleep(0.01)
    assert board.diagram.editable is False
    from_front_end(board.diagram, {**edit, "value": 1.0})
    trainer.pause()
    settle(board)
    assert comm.custom("edit_result")[-1][0] == {"v": 2, "kind": "edit_result", "ok": False,
                                                 "message": "pause training to edit weights"}
    assert board.diagram.editable is True
    assert float(trainer.params["biases"][2][0]) != 1.0


def test_an_edit_is_refused_while_the_diagram_shows_a_rewound_step_and_lands_once_live(lesson2):
    trainer = scope.Trainer(**lesson2, apply=lambda p, x: mlp_batch(x, p))
    board = trainer.show()
    comm = attach(board.diagram)
    trainer.run(40)
    trainer.rewind.show(0)
    edit = {"v": 2, "kind": "edit", "layer": 2, "param": "bias", "i": 0, "value": 5.0}
    from_front_end(board.diagram, edit)
    assert comm.custom("edit_result")[-1][0] == {
        "v": 2, "kind": "edit_result", "ok": False,
        "message": "showing step 0 (rewind): press Live to edit the current weights, or Continue from here to edit "
                   "and train on from this step"}
    with pytest.raises(RuntimeError, match="showing step 0"):
        board.diagram.edit(layer=2, param="bias", i=0, value=5.0)
    assert float(trainer.params["biases"][2][0]) != 5.0
    trainer.rewind.show(None)
    from_front_end(board.diagram, edit)
    trainer.wait(30)
    settle(board)
    assert comm.custom("edit_result")[-1][0]["ok"] is True
    assert float(trainer.params["biases"][2][0]) == 5.0 and trainer.current_step == 40


def test_an_edit_from_code_on_a_dashboard_diagram_changes_the_trainer_before_returning(lesson2):
    trainer = scope.Trainer(**lesson2, apply=lambda p, x: mlp_batch(x, p))
    board = trainer.show()
    board.diagram.edit(layer=2, param="bias", i=0, value=-5.0)
    assert float(trainer.params["biases"][2][0]) == -5.0
    assert trainer.message.startswith("set dense_2 bias [0] = -5 · loss now ")
    trainer.start()
    try:
        with pytest.raises(RuntimeError, match="pause"):
            board.diagram.edit(layer=2, param="bias", i=0, value=1.0)
    finally:
        trainer.pause()
    assert float(trainer.params["biases"][2][0]) != 1.0
