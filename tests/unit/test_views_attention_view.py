"""AttentionView: a transformer's attention weights per layer and head for a few fixed token sequences,
checked against numpy (softmax(q·k/√d), rows summing to 1); the grid of heatmaps is one PNG whose tiles
are those weights; a click on a tile enlarges that head with the tokens on its axes; a menu switches
the sequence; live in a dashboard while an nnx model with nnx.MultiHeadAttention trains."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

import jaxscope as scope
from jaxscope.views import AttentionView
from jaxscope.views.attention_tiles import GAP_COLOUR, MosaicLayout, attention_weights, token_names
from recording import attach, from_front_end, settle
from view_checks import colours, decode_png, pixels

V, D, T, LAYERS, HEADS = 5, 4, 6, 2, 3
NAMES = ["a", "b", "c", "M", "?"]
SEQUENCES = np.array([[0, 3, 1, 2, 2, 4], [3, 2, 0, 1, 1, 4], [1, 1, 3, 0, 2, 4]], np.int32)


def params(seed=0):
    rng = np.random.default_rng(seed)
    return {"embed": jnp.asarray(rng.normal(size=(V, D)), jnp.float32),
            "position": jnp.asarray(rng.normal(size=(T, D)), jnp.float32),
            "q": jnp.asarray(rng.normal(size=(LAYERS, HEADS, D, D)), jnp.float32),
            "k": jnp.asarray(rng.normal(size=(LAYERS, HEADS, D, D)), jnp.float32)}


def attention(p, tokens):
    """A list of (N, heads, T, T) per layer; layer l's input is the embedding times (l + 1)."""
    x = p["embed"][tokens] + p["position"][: tokens.shape[1]]
    out = []
    for layer in range(LAYERS):
        h = x * (layer + 1)
        q = jnp.einsum("btd,hde->bhte", h, p["q"][layer])
        k = jnp.einsum("btd,hde->bhte", h, p["k"][layer])
        out.append(jax.nn.softmax(jnp.einsum("bhqe,bhke->bhqk", q, k) / np.sqrt(D), axis=-1))
    return out


def numpy_attention(p, tokens):
    """(N, layers, heads, T, T) in float64."""
    p = {k: np.asarray(v, np.float64) for k, v in p.items()}
    x = p["embed"][tokens] + p["position"][: tokens.shape[1]]
    layers = []
    for layer in range(LAYERS):
        h = x * (layer + 1)
        q = np.einsum("btd,hde->bhte", h, p["q"][layer])
        k = np.einsum("btd,hde->bhte", h, p["k"][layer])
        s = np.einsum("bhqe,bhke->bhqk", q, k) / np.sqrt(D)
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        layers.append(e / e.sum(axis=-1, keepdims=True))
    return np.stack(layers, axis=1)


def click(view, layer, head, dx=0.5, dy=0.5):
    """A click on the grid's picture where tile (layer, head) is (dx, dy) of a tile from its corner."""
    row, column = view.mosaic.origin(layer, head)
    from_front_end(view.grid_picture.mark, {"event": "element_click",
                                             "data": {"click_x": column + dx * T, "click_y": -(row + dy * T)}})


def tile(picture, layout, layer, head):
    row, column = layout.origin(layer, head)
    return picture[row:row + T, column:column + T]


# ---- the computation, against numpy ----------------------------------------------------------------
def test_weights_are_numpy_s_softmax_of_queries_and_keys_and_rows_sum_to_one():
    p = params()
    view = AttentionView(params=p, attention=attention, sequences=SEQUENCES, tokens=NAMES)
    data = view.compute(p)
    assert data["weights"].shape == (3, LAYERS, HEADS, T, T) and data["weights"].dtype == np.float64
    np.testing.assert_allclose(data["weights"], numpy_attention(p, SEQUENCES), rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(data["row_sums"], 1.0, atol=1e-5)
    assert data["row_sums"].shape == (3, LAYERS, HEADS, T)
    # an array (N, layers, heads, T, T) is the same as a list per layer
    stacked = AttentionView(params=p, attention=lambda q, t: jnp.stack(attention(q, t), axis=1), sequences=SEQUENCES)
    np.testing.assert_array_equal(stacked.compute(p)["weights"], data["weights"])


def test_samples_keep_the_first_sequences_and_a_batch_or_generator_gives_its_tokens():
    p = params(1)
    kept = AttentionView(params=p, attention=attention, sequences=(SEQUENCES, np.zeros(3)), samples=2)
    assert kept.sequences.tolist() == SEQUENCES[:2].tolist() and kept.menu.options == (
        ("sequence 0: 0 3 1 2 2 4", 0), ("sequence 1: 3 2 0 1 1 4", 1))
    data = scope.datasets.recall_sequences(4, length=T, symbols=3, gap=1)
    made = AttentionView(params=p, attention=attention, sequences=data, samples=3, tokens=data.vocabulary)
    assert made.sequences.shape == (3, T) and (made.sequences[:, -1] == 4).all()
    assert made.names[0][-1] == "?" and "M" in made.names[0]


def test_the_helpers_check_shapes_name_tokens_and_find_the_tile_under_a_click():
    layout = MosaicLayout(LAYERS, HEADS, T)
    assert layout.spacing == 1 and layout.shape == (2 * 7 - 1, 3 * 7 - 1)
    assert layout.tile_at(7.0, 7.0) == (1, 1) and layout.tile_at(6.5, 0.0) is None and layout.tile_at(0, 13.5) is None
    assert layout.tile_at(-0.1, 0.0) is None and layout.tile_at(19.9, 12.9) == (1, 2)
    assert token_names(np.array([[0, 4]]), NAMES) == [["a", "?"]]
    assert token_names(np.array([[0, 4]]), lambda t: f"t{t}") == [["t0", "t4"]]
    assert token_names(np.array([[0, 4]]), None) == [["0", "4"]]
    with pytest.raises(ValueError, match=r"tokens names 3 token ids, but the sequences hold id 4"):
        token_names(np.array([[0, 4]]), ["a", "b", "c"])
    with pytest.raises(ValueError, match="a list with one \\(N, heads, T, T\\) array per layer; for N = 1 sequences of "
                                         "T = 2 tokens it returned a list of shapes \\[\\(1, 2, 2, 2\\), \\(1, 3, 2, 2\\)\\]"):
        attention_weights([np.ones((1, 2, 2, 2)), np.ones((1, 3, 2, 2))], 1, 2)


# ---- what is drawn -----------------------------------------------------------------------------------
def test_the_grid_is_one_png_of_layers_by_heads_tiles_with_white_gaps_and_labelled_axes():
    p = params(2)
    view = AttentionView(params=p, attention=attention, sequences=SEQUENCES, tokens=NAMES, sequence=1)
    weights = view.compute(p)["weights"][1]
    rows, columns = view.mosaic.shape
    picture = pixels(view.grid_picture.image.value, rows, columns)
    for layer in range(LAYERS):
        for head in range(HEADS):
            np.testing.assert_array_equal(tile(picture, view.mosaic, layer, head),
                                          colours(weights[layer, head], 0.0, 1.0))
    assert (picture[:, T] == GAP_COLOUR).all() and (picture[T] == GAP_COLOUR).all()
    assert view.grid_picture.mark.image is view.grid_picture.image
    x_axis, y_axis = view.grid_axes
    assert x_axis.tick_values.tolist() == [3, 10, 17] and y_axis.tick_values.tolist() == [-3, -10]
    assert x_axis.tick_labels == {"3": "head 1", "10": "head 2", "17": "head 3"}
    assert y_axis.tick_labels == {"-3": "layer 1", "-10": "layer 2"}
    assert view.heading.value == ("<b>attention</b> · sequence 1 of 3 · 2 layers × 3 heads · click a head to "
                                  "enlarge it")
    assert view.tokens_line.value.count("<span") == T and ">M</span>" in view.tokens_line.value
    assert view.panels.children == (view.grid_figure,) and view.outline.visible is False
    assert "jaxscope-attention-grid" in view.grid_figure._dom_classes
    assert view.children[-3:] == (view.children[-3], view.problem, view._ack)


def test_a_click_on_a_head_enlarges_it_with_the_tokens_on_its_axes_and_a_second_click_closes_it():
    p = params(3)
    view = AttentionView(params=p, attention=attention, sequences=SEQUENCES, tokens=NAMES)
    weights = view.compute(p)["weights"][0]
    click(view, 1, 2)
    assert view.selected == (1, 2) and view.panels.children == (view.grid_figure, view.enlarged_figure)
    assert view.enlarged_figure.title == "layer 2 · head 3"
    np.testing.assert_array_equal(pixels(view.enlarged_picture.image.value, T, T), colours(weights[1, 2], 0.0, 1.0))
    x_axis, y_axis, bar = view.enlarged_axes
    names = [NAMES[t] for t in SEQUENCES[0]]
    assert x_axis.tick_labels == {str(i): n for i, n in enumerate(names)}
    assert y_axis.tick_labels == {str(-i): n for i, n in enumerate(names)}
    assert x_axis.tick_values.tolist() == list(range(T)) and y_axis.tick_values.tolist() == [-i for i in range(T)]
    assert (bar.scale.min, bar.scale.max) == (0.0, 1.0)
    row, column = view.mosaic.origin(1, 2)
    assert view.outline.visible and view.outline.x.tolist() == [column, column + T, column + T, column, column]
    assert view.outline.y.tolist() == [-row, -row, -row - T, -row - T, -row]
    assert view.heading.value.endswith("enlarged: layer 2 · head 3 (click it to close)")
    # another head switches; a click on a gap changes nothing; the same head again closes
    click(view, 0, 0, dx=0.9, dy=0.1)
    assert view.selected == (0, 0) and view.enlarged_figure.title == "layer 1 · head 1"
    np.testing.assert_array_equal(pixels(view.enlarged_picture.image.value, T, T), colours(weights[0, 0], 0.0, 1.0))
    from_front_end(view.grid_picture.mark, {"event": "element_click", "data": {"click_x": T + 0.5, "click_y": -1.0}})
    assert view.selected == (0, 0)
    click(view, 0, 0)
    assert view.selected is None and view.panels.children == (view.grid_figure,) and not view.outline.visible


def test_the_menu_switches_the_sequence_and_the_enlarged_head_follows():
    p = params(4)
    view = AttentionView(params=p, attention=attention, sequences=SEQUENCES, tokens=NAMES, head=(0, 1))
    weights = view.compute(p)["weights"]
    assert view.selected == (0, 1) and view.panels.children == (view.grid_figure, view.enlarged_figure)
    view.menu.value = 2                     # as the page's menu sets it
    assert view.sequence == 2
    rows, columns = view.mosaic.shape
    picture = pixels(view.grid_picture.image.value, rows, columns)
    np.testing.assert_array_equal(tile(picture, view.mosaic, 1, 2), colours(weights[2, 1, 2], 0.0, 1.0))
    np.testing.assert_array_equal(pixels(view.enlarged_picture.image.value, T, T), colours(weights[2, 0, 1], 0.0, 1.0))
    assert view.enlarged_axes[0].tick_labels["2"] == NAMES[SEQUENCES[2, 2]] == "M"
    view.show_sequence(0)
    assert view.menu.value == 0 and view.heading.value.startswith("<b>attention</b> · sequence 0 of 3")


def test_update_hands_the_mark_a_new_picture_and_a_colour_range_rescales():
    p = params(5)
    view = AttentionView(params=p, attention=attention, sequences=SEQUENCES[:1], color_range=(0.0, 0.5))
    assert view.menu.layout.display == "none"        # one sequence: no menu
    first, comm = view.grid_picture.image, attach(view.grid_picture.mark)
    new = params(6)
    view.update(new)
    weights = view.compute(new)["weights"][0]
    sent = [d["state"]["image"] for d, _ in comm.sent if "image" in d.get("state", {})]
    assert sent == [f"IPY_MODEL_{view.grid_picture.image.model_id}"] and view.grid_picture.image is not first
    rows, columns = view.mosaic.shape
    picture = pixels(view.grid_picture.image.value, rows, columns)
    np.testing.assert_array_equal(tile(picture, view.mosaic, 0, 0), colours(weights[0, 0], 0.0, 0.5))
    assert first.comm is not None                     # closed a draw later
    view.update(params(7))
    assert first.comm is None
    width, height, _ = decode_png(view.grid_picture.image.value)
    assert width % columns == 0 and width // columns == view.grid_scale and height == rows * view.grid_scale


# ---- live, with an nnx model -------------------------------------------------------------------------
class TinyTransformer(nnx.Module):
    def __init__(self, rngs):
        self.embed = nnx.Embed(V, 8, rngs=rngs)
        self.attention = nnx.MultiHeadAttention(2, 8, decode=False, rngs=rngs)
        self.out = nnx.Linear(8, V, rngs=rngs)

    def weights(self, tokens):          # (N, 1 layer, 2 heads, T, T)
        x = self.embed(tokens)
        q, k = self.attention.query(x), self.attention.key(x)
        return jax.nn.softmax(jnp.einsum("bqhd,bkhd->bhqk", q, k) / np.sqrt(q.shape[-1]), axis=-1)[:, None]

    def __call__(self, tokens):
        return self.out(self.attention(self.embed(tokens))[:, -1])


def test_in_a_dashboard_it_follows_an_nnx_transformer_s_training():
    model = TinyTransformer(nnx.Rngs(0))
    tokens = jnp.asarray(np.tile(SEQUENCES, (4, 1)))

    def loss(m, batch):
        return optax.softmax_cross_entropy_with_integer_labels(m(batch[0]), batch[1]).mean()

    trainer = scope.Trainer(model, loss=loss, data=(tokens, tokens[:, 1]), batch_size=6, optimizer=0.05,
                            strategy="step")
    view = AttentionView(attention=lambda m, t: m.weights(t), tokens=NAMES, interval=60, samples=2)
    board = trainer.show(views=[view])
    assert view.drawn_step == 0 and view.sequences.tolist() == SEQUENCES[:2].tolist()   # the training samples
    first = view.grid_picture.image.value
    trainer.run(10)
    trainer.wait()
    settle(board)
    assert view.drawn_step == trainer.current_step == 10
    weights = view.compute(trainer.model)["weights"]
    np.testing.assert_allclose(weights, np.asarray(trainer.model.weights(jnp.asarray(SEQUENCES[:2]))), atol=1e-6)
    # the model's own attention uses these weights: its output is weights · values
    m = trainer.model
    x = m.embed(jnp.asarray(SEQUENCES[:2]))
    by_hand = m.attention.out(jnp.einsum("bhqk,bkhd->bqhd", weights[:, 0], m.attention.value(x)))
    np.testing.assert_allclose(by_hand, m.attention(x), atol=1e-5)
    assert view.grid_picture.image.value == view.grid_png(weights[0]) != first
    assert view.heading.value.startswith("<b>attention</b> · sequence 0 of 2 · 1 layer × 2 heads · step 10 · ")
    board.close()


# ---- refusals -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("options, message", [
    ({"attention": "weights"}, r"attention must be a function attention\(params, tokens\) -> weights; got str"),
    ({"samples": 0}, r"samples must be an integer >= 1 \(sequences kept\); got 0"),
    ({"sequence": 4}, r"sequence must be the index of a kept sequence, from 0 to 3; got 4"),
    ({"sequence": 3, "samples": 4}, r"sequence must be from 0 to 2 \(3 sequences\); got 3"),
    ({"tokens": "abcM?"}, r"tokens must be a list of token names \(index = token id\) or a function id -> name; got str"),
    ({"tokens": ["a", "b"]}, r"tokens names 2 token ids, but the sequences hold id 4"),
    ({"tokens": lambda t: ["x"][t]}, r"tokens must map every token id to a name; it failed with IndexError"),
    ({"head": 1}, r"head must be \(layer, head\), two integers from 0; got 1"),
    ({"head": (2, 0)}, r"head must be \(layer, head\) with layer from 0 to 1 and head from 0 to 2; got \(2, 0\)"),
    ({"color_range": (1, 0)}, r"color_range must be \(lo, hi\) with lo < hi; got \(1, 0\)"),
    ({"sequences": SEQUENCES[0]}, r"sequences must be token ids of shape \(N sequences, T tokens\); got shape \(6,\)"),
    ({"sequences": SEQUENCES + 0.5}, r"sequences must be integer token ids; got float64 values"),
    ({"sequences": SEQUENCES - 1}, r"sequences must be token ids >= 0; got -1"),
    ({"attention": lambda p, t: attention(p, t)[0]}, r"AttentionView: attention\(params, tokens\) must return the "
     r"attention weights of the N sequences: an array \(N, layers, heads, T, T\), or a list with one \(N, heads, T, T\) "
     r"array per layer; for N = 3 sequences of T = 6 tokens it returned shape \(3, 3, 6, 6\)"),
    ({"attention": lambda p, t: [w[:, :, :, :4] for w in attention(p, t)]}, r"returned a list of shapes "
     r"\[\(3, 3, 6, 4\), \(3, 3, 6, 4\)\]"),
])
def test_bad_arguments_are_named(options, message):
    arguments = {"attention": attention, "sequences": SEQUENCES, **options}
    with pytest.raises(ValueError, match=message):
        AttentionView(params=params(), **arguments)


def test_a_view_without_a_trainer_or_parameters_says_what_it_needs():
    view = AttentionView(attention=attention, sequences=SEQUENCES)     # waits for trainer.show(views=[view])
    with pytest.raises(ValueError, match=r"AttentionView: pass params= when making a view without a trainer"):
        view.update(params())
