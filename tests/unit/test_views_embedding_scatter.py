"""EmbeddingScatter: the points of a 2-D embedding (the parameters themselves, or ``embedding(state)``)
as dots coloured by class (a legend) or by value (a colour bar), live, with LatentScatter's brushing:
the samples under the brush (``dots.selected``) show beside the plot."""

import html
import re

import bqplot
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.views.brushed_samples import SHOWN
from jaxscope.views.embedding_scatter import CLASS_COLOURS, EmbeddingScatter

N = 40
RNG = np.random.default_rng(0)
TRACES = RNG.normal(size=(N, 30)).astype(np.float32)         # 30 numbers per sample: drawn as curves
LABELS = np.arange(N) % 3                                     # three classes
POINTS = RNG.normal(size=(N, 2)).astype(np.float32)


def repel(state, batch, key):
    """A toy update that moves points: they spread out (and a velocity rides along, as in t-SNE)."""
    velocity = 0.5 * state["velocity"] + 0.1 * (state["y"] - jnp.mean(state["y"], axis=0))
    return {"y": state["y"] + velocity, "velocity": velocity}, {"loss": jnp.mean(state["y"] ** 2)}


def trainer(**options):
    state = {"y": jnp.asarray(POINTS), "velocity": jnp.zeros((N, 2))}
    return scope.Trainer(state=state, update=repel, strategy="step", **options)


def drawn(view):
    return np.stack([view.dots.x, view.dots.y], axis=1)


def test_the_parameters_are_the_points_and_dot_k_is_sample_k():
    view = EmbeddingScatter(params=POINTS, samples=TRACES, labels=LABELS)
    np.testing.assert_array_equal(view.compute(POINTS)["xy"], POINTS.astype(np.float64))
    assert view.compute(POINTS)["xy"].dtype == np.float64
    np.testing.assert_array_equal(drawn(view), POINTS)
    assert view.dots.x.dtype == np.float32 and view.runs_network is False
    moved = POINTS * 3 + 1
    view.update(moved)
    np.testing.assert_array_equal(drawn(view), moved)


def test_an_embedding_function_of_the_state_is_computed_as_numpy_does():
    state = {"y": jnp.asarray(POINTS), "velocity": jnp.ones((N, 2))}
    view = EmbeddingScatter(params=state, embedding=lambda s: s["y"] * 2 - s["velocity"], samples=TRACES)
    np.testing.assert_allclose(view.compute(state)["xy"], POINTS.astype(np.float64) * 2 - 1, rtol=1e-6)
    np.testing.assert_allclose(drawn(view), POINTS * 2 - 1, rtol=1e-6)


def test_it_follows_a_trainer_whose_params_are_the_points():
    t = trainer(params=lambda s: s["y"])
    view = EmbeddingScatter(t, samples=TRACES, labels=LABELS, title="toy embedding")
    assert view.figure.title == f"toy embedding · {N} points · step 0"
    t.run(7)
    view.refresh()
    want = np.asarray(t.params, np.float64)
    np.testing.assert_array_equal(view.compute(t.params)["xy"], want)
    np.testing.assert_array_equal(drawn(view), want.astype(np.float32))
    assert view.drawn_step == 7 and view.figure.title == f"toy embedding · {N} points · step 7"
    # or from the whole state
    whole = EmbeddingScatter(trainer(), embedding=lambda s: s["y"], samples=TRACES)
    np.testing.assert_array_equal(drawn(whole), POINTS)


def test_classes_get_a_colour_each_and_a_legend():
    view = EmbeddingScatter(params=POINTS, samples=TRACES, labels=LABELS.astype(np.float32) + 5,
                            label_names=["five", "six", "seven"], color_label="kind")
    np.testing.assert_array_equal(view.dots.color, LABELS)     # the class index of each sample
    scale = view.dots.scales["color"]
    assert isinstance(scale, bqplot.OrdinalColorScale)
    assert list(scale.domain) == [0, 1, 2] and list(scale.colors) == CLASS_COLOURS[:3]
    assert re.sub(r"<[^>]+>", "", html.unescape(view.legend.value)) == "kind: ● five ● six ● seven"
    assert [f'color: {c}' in view.legend.value for c in CLASS_COLOURS[:4]] == [True, True, True, False]
    assert len(view.figure.axes) == 2                          # no colour bar
    default = EmbeddingScatter(params=POINTS, samples=TRACES, labels=LABELS)
    assert re.sub(r"<[^>]+>", "", html.unescape(default.legend.value)) == "● 0 ● 1 ● 2"


def test_continuous_labels_get_a_colour_bar_and_no_labels_one_colour():
    values = np.linspace(-1.0, 2.0, N)
    view = EmbeddingScatter(params=POINTS, samples=TRACES, labels=values, color_label="height")
    np.testing.assert_array_equal(view.dots.color, values.astype(np.float32))
    scale = view.dots.scales["color"]
    assert isinstance(scale, bqplot.ColorScale) and (scale.min, scale.max) == (-1.0, 2.0)
    assert isinstance(view.figure.axes[2], bqplot.ColorAxis) and view.figure.axes[2].label == "height"
    assert view.legend.value == ""
    many = EmbeddingScatter(params=POINTS, samples=TRACES, labels=np.arange(N))   # 40 integers: not classes
    assert isinstance(many.dots.scales["color"], bqplot.ColorScale)
    plain = EmbeddingScatter(params=POINTS, samples=TRACES)
    assert plain.dots.color is None and list(plain.dots.colors) == [CLASS_COLOURS[0]] and plain.legend.value == ""


def test_the_brush_shows_exactly_the_selected_samples_as_curves():
    grid = np.linspace(-1, 1, 30)
    view = EmbeddingScatter(params=POINTS, samples=TRACES, labels=LABELS, sample_x=grid, sample_label="x")
    assert view.curves.visible is False and view.selection_label.value == "drag over points to see those samples"
    np.testing.assert_array_equal(view.curves.x, grid)
    view.dots.selected = [5, 2, 11]                            # what the brush does
    assert view.selected == [5, 2, 11] and view.selection_label.value == "3 selected"
    np.testing.assert_array_equal(view.curves.y, TRACES[[5, 2, 11]])
    assert view.curves.visible is True
    view.dots.selected = list(range(20, 32))
    assert view.selection_label.value == f"12 selected · showing {SHOWN}"
    np.testing.assert_array_equal(view.curves.y, TRACES[20:20 + SHOWN])
    view.dots.selected = None                                  # the brush cleared
    assert view.selected == [] and view.curves.visible is False and view.selection_label.value == "0 selected"
    assert view.brush.marks == [view.dots] and view.figure.interaction is view.brush


def test_the_brush_shows_images_as_thumbnails_and_a_few_numbers_as_a_table():
    images = RNG.uniform(size=(N, 6, 6)).astype(np.float32)
    view = EmbeddingScatter(params=POINTS, samples=images, labels=LABELS)
    view.dots.selected = [3]
    thumbs = view.brushed.thumbs
    assert thumbs[0].layout.display is None and all(t.layout.display == "none" for t in thumbs[1:])
    assert bytes(thumbs[0].value[:8]) == b"\x89PNG\r\n\x1a\n"
    pairs = EmbeddingScatter(params=POINTS, samples=POINTS * 10, labels=LABELS)
    pairs.select([4])
    assert "<td>4</td>" in pairs.brushed.table.value and f"<td>[{LABELS[4]:.0f}.]</td>" in pairs.brushed.table.value


def test_the_axes_stay_while_the_points_move_inside_and_refit_when_they_leave():
    view = EmbeddingScatter(params=POINTS, samples=TRACES)
    frame = (view.sx.min, view.sx.max, view.sy.min, view.sy.max)
    lo, hi = POINTS.min(axis=0), POINTS.max(axis=0)
    assert frame[0] < lo[0] and frame[1] > hi[0] and frame[2] < lo[1] and frame[3] > hi[1]
    view.update(POINTS * 0.9)                                   # inside, still more than half the frame
    assert (view.sx.min, view.sx.max, view.sy.min, view.sy.max) == frame
    view.update(POINTS * 3)                                     # out of the frame
    assert view.sx.min < 3 * lo[0] and view.sx.max > 3 * hi[0]
    grown = (view.sx.min, view.sx.max)
    view.update(POINTS * 0.3)                                   # a small cloud in a large frame
    assert view.sx.max - view.sx.min < 0.5 * (grown[1] - grown[0])


@pytest.mark.parametrize("options, message", [
    (dict(params=POINTS), r"EmbeddingScatter needs samples=: the N raw samples"),
    (dict(params=POINTS, samples=TRACES, embedding="y"),
     r"embedding must be a function embedding\(params_or_state\) -> \(N, 2\) points; got str"),
    (dict(params=POINTS, samples=TRACES[:1]), r"samples must be an array of at least 2 numeric samples"),
    (dict(params=POINTS, samples=TRACES, labels=LABELS[:5]), r"labels must give one number per sample \(40,\); "
                                                             r"got shape \(5,\)"),
    (dict(params=POINTS[:30], samples=TRACES), r"EmbeddingScatter shows the parameters as 40 points \(40, 2\) "
                                               r"\(one per sample\), but they are shape \(30, 2\)"),
    (dict(params={"y": POINTS, "v": POINTS}, samples=TRACES), r"but they are a dict of 2 arrays; pass "
                                                              r"embedding=lambda state: \.\.\."),
    (dict(params={"y": POINTS}, samples=TRACES, embedding=lambda s: s["y"][:, :1]),
     r"embedding must return \(40, 2\) points \(one per sample\); got \(40, 1\)"),
    (dict(params=POINTS, samples=TRACES, labels=LABELS, label_names=["a", "b"]),
     r"label_names must give one name per class \(3: 0, 1, 2\); got \['a', 'b'\]"),
    (dict(params=POINTS, samples=TRACES, labels=np.linspace(0, 1, N), label_names=["a"]),
     r"label_names names classes: the labels must be integers with at most 12 distinct values"),
    (dict(params=POINTS, samples=TRACES, sample_x=np.arange(5)),
     r"sample_x must give one x value per input \(30\); got shape \(5,\)"),
])
def test_bad_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        EmbeddingScatter(**options)


def test_without_a_trainer_it_needs_params():
    with pytest.raises(ValueError, match=r"EmbeddingScatter: pass params= when making a view without a trainer"):
        EmbeddingScatter(samples=TRACES).update(POINTS)


def test_it_is_exported():
    assert scope.views.EmbeddingScatter is EmbeddingScatter
