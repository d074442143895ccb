"""The block diagram: what the network diagram draws where it cannot draw neurons. A transformer
(attention: a product of two activations), a message-passing network (a segment_sum of messages),
an nnx model whose forward pass cannot be traced, nested parameters without a forward pass; and
what stays a neuron diagram (an MLP, a permutation by fixed indices, a flat set of arrays)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxscope.inspect import architecture
from jaxscope.inspect.block_stats import BlockStats
from jaxscope.inspect.blocks import module_blocks, split_path
from jaxscope.inspect.dense import leaves_by_path
from jaxscope.widgets.network_diagram import diagram_architecture

TOKENS = jax.ShapeDtypeStruct((12,), jnp.int32)


class Block(nnx.Module):
    def __init__(self, d, heads, rngs):
        self.ln1 = nnx.LayerNorm(d, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(heads, d, decode=False, rngs=rngs)
        self.ln2 = nnx.LayerNorm(d, rngs=rngs)
        self.mlp1 = nnx.Linear(d, 2 * d, rngs=rngs)
        self.mlp2 = nnx.Linear(2 * d, d, rngs=rngs)

    def __call__(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp2(jax.nn.relu(self.mlp1(self.ln2(x))))


class Transformer(nnx.Module):
    def __init__(self, rngs, vocab=10, d=16, length=12):
        self.embed = nnx.Embed(vocab, d, rngs=rngs)
        self.position = nnx.Param(jnp.zeros((length, d)))
        self.layers = nnx.List([Block(d, 2, rngs), Block(d, 2, rngs)])
        self.out = nnx.Linear(d, vocab, rngs=rngs)

    def __call__(self, tokens):
        x = self.embed(tokens) + self.position[: tokens.shape[1]]
        for block in self.layers:
            x = block(x)
        return self.out(x[:, -1])


def test_split_path_reads_names_and_indices():
    assert split_path("layers[0].attn.query.kernel") == ("layers", 0, "attn", "query", "kernel")
    assert split_path("") == ()
    assert split_path("[2][0]") == (2, 0)


def test_a_transformer_is_drawn_as_its_modules_in_call_order_with_shapes_and_counts():
    arch = architecture(Transformer(nnx.Rngs(0)), input_shape=TOKENS)
    assert arch.mode == "blocks"
    assert arch.note == ("drawn as blocks: it uses attention (a product of two activations), "
                         "which no neuron diagram shows")
    summary = [(b.name, b.cls, b.param_count, b.input_shape, b.output_shape) for b in arch.blocks]
    per_block = 2 * 2 * 16 + 4 * (16 * 16 + 16) + (16 * 32 + 32) + (32 * 16 + 16)
    assert summary == [("embed", "Embed", 160, (12,), (12, 16)), ("position", "", 192, None, None),
                       ("layers[0]", "Block", per_block, (12, 16), (12, 16)),
                       ("layers[1]", "Block", per_block, (12, 16), (12, 16)),
                       ("out", "Linear", 170, (16,), (10,))]
    assert sum(b.param_count for b in arch.blocks) == arch.total_params
    parts = arch.blocks[2].parts
    assert [(p.name, p.cls, p.count, p.detail) for p in parts] == [
        ("ln1", "LayerNorm", 32, ""), ("attn", "MultiHeadAttention", 4 * 272, "2 heads × 8"),
        ("ln2", "LayerNorm", 32, ""), ("mlp1", "Linear", 544, ""), ("mlp2", "Linear", 528, "")]
    assert [(p.name, p.shape) for p in arch.blocks[4].parts] == [("kernel", (16, 10)), ("bias", (10,))]
    data = arch.to_json()
    assert data["mode"] == "blocks" and len(data["blocks"]) == 5
    assert data["blocks"][2]["parts"][1] == {"name": "attn", "cls": "MultiHeadAttention", "shape": None,
                                             "count": 1088, "detail": "2 heads × 8"}
    assert data["blocks"][1]["params"] == {"position": [12, 16]}


def message_passing(params, x, senders=np.array([0, 1, 2, 3]), receivers=np.array([1, 2, 3, 0])):
    """x (nodes, 3) node features of one ring graph; messages summed at the receivers."""
    messages = jnp.tanh(jnp.concatenate([x[senders], x[receivers]], -1) @ params["edge"]["w"])
    summed = jax.ops.segment_sum(messages, receivers, num_segments=4)
    return jnp.tanh(summed @ params["node"]["w"]).sum(0) @ params["readout"]["w"]


GRAPH = {"edge": {"w": np.ones((6, 8), np.float32)}, "node": {"w": np.ones((8, 8), np.float32)},
         "readout": {"w": np.ones((8, 1), np.float32)}}


def test_a_segment_sum_of_messages_is_drawn_as_blocks_in_call_order():
    arch = architecture(GRAPH, apply=jax.vmap(message_passing, in_axes=(None, 0)), input_shape=(4, 3))
    assert arch.mode == "blocks"
    assert "message passing (activations gathered and summed at indices taken from the input)" in arch.note
    assert [(b.name, b.param_count, [p.name for p in b.parts]) for b in arch.blocks] == [
        ("edge", 48, ["w"]), ("node", 64, ["w"]), ("readout", 8, ["w"])]


def test_nested_parameters_without_a_forward_pass_are_blocks_a_flat_set_of_arrays_is_no_network():
    arch = architecture(GRAPH)
    assert arch.mode == "blocks" and not arch.drawable
    assert arch.note.startswith("drawn as blocks: the parameters are no chain of dense or conv layers")
    assert [b.name for b in arch.blocks] == ["edge", "node", "readout"]    # the parameters' order
    flat = architecture({"heights": np.zeros(20), "w": np.zeros((3, 2))})
    assert flat.mode == "neurons" and flat.blocks == () and not flat.drawable


def test_an_mlp_and_a_permutation_by_fixed_indices_stay_neuron_diagrams():
    params = {"w1": np.ones((2, 4), np.float32), "w2": np.ones((4, 2), np.float32)}
    swap = lambda p, x: jnp.tanh(x[:, np.array([1, 0])] @ p["w1"]) @ p["w2"]   # a flow's permutation
    arch = architecture(params, apply=swap, input_shape=(2,))
    assert arch.mode == "neurons" and [layer.kind for layer in arch.layers] == ["dense", "dense"]


def test_a_model_whose_forward_cannot_be_traced_is_drawn_as_blocks_saying_why():
    class Flow(nnx.Module):     # log_prob and sample, no __call__
        def __init__(self, rngs):
            self.shift = nnx.Linear(1, 8, rngs=rngs)
            self.scale = nnx.Linear(8, 1, rngs=rngs)

        def log_prob(self, x):
            return self.scale(self.shift(x[:, :1])).sum(-1)

    arch = diagram_architecture(Flow(nnx.Rngs(0)), apply=None, input_shape=(2,))
    assert arch.mode == "blocks"
    assert arch.note.startswith("drawn as blocks: the forward pass could not be traced (")
    assert [(b.name, b.cls, b.param_count) for b in arch.blocks] == [("scale", "Linear", 9), ("shift", "Linear", 16)]


def test_lists_of_modules_are_one_block_each_and_a_lone_wrapper_is_looked_through():
    shapes = {"params.layers[0].w": (2, 3), "params.layers[1].w": (3, 1), "params.layers[1].b": (1,)}
    blocks = module_blocks(shapes)
    assert [(b.name, b.param_count) for b in blocks] == [("params.layers[0]", 6), ("params.layers[1]", 4)]
    assert [b.name for b in module_blocks({"": (100, 2)})] == ["params"]


def test_block_stats_are_the_rms_and_the_relative_update_per_step():
    model = Transformer(nnx.Rngs(0))
    blocks = architecture(model, input_shape=TOKENS).blocks
    stats = BlockStats(blocks)
    before = {path: np.asarray(value) for path, value in leaves_by_path(model).items()}
    rms, update = stats(before, step=100)
    flat = [np.concatenate([before[p].ravel() for p in b.params]) for b in blocks]
    np.testing.assert_allclose(rms, [np.sqrt(np.mean(v.astype(np.float64) ** 2)) for v in flat], rtol=1e-4)
    assert update == [None] * 5
    after = {path: value + 0.01 * (k + 1) for k, (path, value) in enumerate(before.items())}
    rms2, update2 = stats(after, step=110)
    moved = [np.concatenate([(after[p] - before[p]).ravel() for p in b.params]) for b in blocks]
    expected = [np.sqrt(np.mean(m.astype(np.float64) ** 2)) / 10 / r for m, r in zip(moved, rms2)]
    np.testing.assert_allclose(update2, expected, rtol=1e-3)
    assert stats(after, step=110)[1] == update2       # the same step again (an edit): as last time
    assert stats(after, step=5)[1] == [None] * 5      # a reset: unknown until the next frame
    assert stats(after, step=6)[1] == [0.0] * 5
