"""The block diagram on the wire: a dashboard whose model has attention shows the diagram in block
mode, and each frame sends every block's RMS and relative update per step, equal to numpy's on the
trainer's parameters at that step."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

import jaxscope as scope
from jaxscope.inspect.dense import leaves_by_path
from recording import attach, from_front_end, settle

READY = {"v": 2, "kind": "ready"}


class Attention(nnx.Module):
    """One self-attention layer over 6 tokens of 4 features, then a linear read-out."""

    def __init__(self, rngs):
        self.attn = nnx.MultiHeadAttention(2, 4, qkv_features=8, decode=False, rngs=rngs)
        self.out = nnx.Linear(4, 1, rngs=rngs)

    def __call__(self, x):
        return self.out(self.attn(x).mean(1))


def batch(key):
    x = jax.random.normal(key, (16, 6, 4))
    return x, x[:, :, :1].sum(1)


def rms_of(trainer, block):
    leaves = leaves_by_path(trainer.model)
    values = np.concatenate([np.asarray(leaves[p], np.float64).ravel() for p in block.params])
    return float(np.sqrt(np.mean(values ** 2)))


def test_an_attention_model_s_dashboard_draws_blocks_and_streams_their_rms_and_update_size():
    trainer = scope.Trainer(Attention(nnx.Rngs(0)), loss=lambda m, b: jnp.mean((m(b[0]) - b[1]) ** 2),
                            data=batch, optimizer=optax.sgd(0.05))
    board = trainer.show()
    diagram = board.diagram
    assert diagram is not None and diagram.mode == "blocks" and not diagram.drawable
    arch = diagram.architecture
    assert arch["mode"] == "blocks"
    assert [(b["name"], b["cls"], b["param_count"], b["input_shape"], b["output_shape"]) for b in arch["blocks"]] == [
        ("attn", "MultiHeadAttention", 4 * 8 * 3 + 3 * 8 + 8 * 4 + 4, [6, 4], [6, 4]),
        ("out", "Linear", 5, [4], [1])]
    assert diagram.thumbnails == "drawn as blocks"
    comm = attach(diagram)
    from_front_end(diagram, READY)
    settle(board)
    (first, buffers), = comm.custom("block_stats")
    assert buffers == [] and first["step"] == 0 and first["update"] == [None, None]
    np.testing.assert_allclose(first["rms"], [rms_of(trainer, b) for b in diagram.spec.blocks], rtol=1e-4)

    trainer.run(20)
    settle(board)
    assert comm.custom("block_stats")[-1][0]["step"] == 20      # run() returns once the end is drawn
    before = {p: np.asarray(v, np.float64) for p, v in leaves_by_path(trainer.model).items()}
    trainer.run(1)                 # one step: no frame can fall between the two compared
    settle(board)
    last = comm.custom("block_stats")[-1][0]
    assert last["step"] == 21 and last["version"] > first["version"]
    after = {p: np.asarray(v, np.float64) for p, v in leaves_by_path(trainer.model).items()}
    for k, block in enumerate(diagram.spec.blocks):
        moved = np.concatenate([(after[p] - before[p]).ravel() for p in block.params])
        rms = rms_of(trainer, block)
        assert abs(last["rms"][k] - rms) <= 1e-4 * rms
        expected = float(np.sqrt(np.mean(moved ** 2))) / 1 / rms
        assert expected > 0 and abs(last["update"][k] - expected) <= 1e-3 * expected
