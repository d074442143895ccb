"""NetworkDiagram of a recurrent model on the wire: the weights message carries each gate's input
and recurrent matrices (units x inputs) of the recurrent layer, equal to the parameters, live."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

import jaxscope as scope
from recording import attach, from_front_end, settle
from sequence_models import LightParticle, rnn, rnn_params

READY = {"v": 2, "kind": "ready"}
T, H = 60, 10


def decode_gates(content, buffers):
    """{layer: [(name, input (H, n_in) or None, recurrent (H, H) or None)]} of a weights message."""
    found, k = {}, 0
    for entry in content["layers"]:
        if entry.get("kind") != "recurrent":
            k += 1 + bool(entry["bias"])
            continue
        h, gates = entry["hidden"], []
        for gate in entry["gates"]:
            matrices = []
            for present, columns in ((gate["input"], gate["n_in"]), (gate["recurrent"], h)):
                matrices.append(np.frombuffer(bytes(buffers[k]), "<f4").reshape(h, columns) if present else None)
                k += present
            gates.append((gate["name"], *matrices))
        found[entry["layer"]] = gates
    assert k == len(buffers)
    return found


def lstm_gates(model):
    """The LSTM's gates from the module itself: gate j is columns [j H, (j + 1) H) of each kernel."""
    w_i, w_h = np.asarray(model.lstm.dense_i.kernel[...]), np.asarray(model.lstm.dense_h.kernel[...])
    return [(name, w_i[:, j * H:(j + 1) * H].T, w_h[:, j * H:(j + 1) * H].T) for j, name in enumerate("ifgo")]


def test_the_weights_message_carries_each_gate_s_matrices_equal_to_the_parameters():
    model = LightParticle(nnx.Rngs(0))
    diagram = scope.NetworkDiagram(model, input_shape=(T, 1))
    comm = attach(diagram)
    assert [layer["kind"] for layer in diagram.architecture["layers"]] == ["recurrent", "dense", "dense"]
    from_front_end(diagram, READY)
    settle(diagram)
    (content, buffers), = comm.custom("weights")
    assert content["layers"][0] == {"layer": 0, "kind": "recurrent", "hidden": H, "gates": [
        {"name": name, "n_in": 1, "input": True, "recurrent": True} for name in "ifgo"]}
    dense = [(e["layer"], e["n_in"], e["n_out"], e["bias"]) for e in content["layers"][1:]]
    assert dense == [(1, 10, 20, True), (2, 20, 1, True)]
    (sent,) = decode_gates(content, buffers).values()
    for (name, inputs, recurrent), (expected_name, expected_in, expected_rec) in zip(sent, lstm_gates(model)):
        assert name == expected_name
        np.testing.assert_array_equal(inputs, expected_in)
        np.testing.assert_array_equal(recurrent, expected_rec)


def test_a_plain_rnn_s_w_at_h_matrices_are_sent_as_stored():
    params = rnn_params(0)
    diagram = scope.NetworkDiagram(params, apply=rnn, input_shape=(T, 1))
    comm = attach(diagram)
    from_front_end(diagram, READY)
    settle(diagram)
    (content, buffers), = comm.custom("weights")
    assert decode_gates(content, buffers).keys() == {0}
    [(name, inputs, recurrent)] = decode_gates(content, buffers)[0]
    assert name == "h"
    np.testing.assert_array_equal(inputs, np.asarray(params["U"]))
    np.testing.assert_array_equal(recurrent, np.asarray(params["W"]))


def test_the_gates_follow_training_on_a_dashboard():
    data = lambda key: (jax.random.normal(key, (8, T, 1)), jnp.zeros((8, T, 1)))
    trainer = scope.Trainer(params=LightParticle(nnx.Rngs(0)), loss=lambda m, b: jnp.mean((m(b[0]) - b[1]) ** 2),
                            data=data, optimizer=1e-2)
    board = trainer.show()
    assert [layer["kind"] for layer in board.diagram.architecture["layers"]] == ["recurrent", "dense", "dense"]
    comm = attach(board.diagram)
    from_front_end(board.diagram, READY)
    settle(board.diagram)
    first = decode_gates(*comm.custom("weights")[0])[0]
    trainer.run(20)
    settle(board)
    content, buffers = comm.custom("weights")[-1]
    assert content["version"] >= 1
    last = decode_gates(content, buffers)[0]
    for (name, inputs, recurrent), (_, expected_in, expected_rec) in zip(last, lstm_gates(trainer.model)):
        np.testing.assert_array_equal(inputs, expected_in)
        np.testing.assert_array_equal(recurrent, expected_rec)
    assert not np.array_equal(first[1][2], last[1][2]), "gate f's recurrent weights moved while training"
