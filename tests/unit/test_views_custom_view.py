"""CustomView: ``fn(params, step) -> (x, y)`` or ``{name: (x, y)}`` drawn as lines or scatter marks,
or a 2-D array drawn as a heatmap, redrawn from the parameters it is given or a trainer's, with
errors that say what fn returned."""

import bqplot
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.views.custom_view import COLOURS, DIVERGING, colour_range, index_ticks
from jaxscope.views.figures import nice_ticks, padded


def heights(p, step):
    return np.arange(len(p["h"]) + 2), np.pad(np.asarray(p["h"]), 1)


def test_one_series_from_the_parameters_given_and_update():
    view = scope.views.CustomView(heights, params={"h": jnp.array([1.0, 3.0, 2.0])}, marker="circle")
    mark = view.marks[""]
    assert isinstance(mark, bqplot.Lines) and mark.marker == "circle" and list(mark.colors) == [COLOURS[0]]
    np.testing.assert_array_equal(mark.x, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(mark.y, [0, 1, 3, 2, 0])
    sx, sy = mark.scales["x"], mark.scales["y"]
    assert (sx.min, sx.max) == pytest.approx(padded(0.0, 4.0))            # 5 % of the span
    assert (sy.min, sy.max) == pytest.approx(padded(0.0, 3.0, fraction=0.15))
    view.update({"h": jnp.array([-1.0, 0.5, 4.0])})
    np.testing.assert_array_equal(mark.y, [0, -1, 0.5, 4, 0])
    assert view.refreshes == 2
    assert (sy.min, sy.max) == pytest.approx(padded(0.0, 3.0, fraction=0.15))  # the axes stay put


def test_several_named_series_as_scatter_marks_with_fixed_ranges_and_labels():
    def fn(p, step):
        x = np.linspace(0, 1, 4)
        return {"up": (x, p * x), "down": (x, -p * x)}

    view = scope.views.CustomView(fn, params=2.0, mark="scatter", x_range=(0, 2), y_range=(-3, 3),
                                  x_label="t", y_label="v", title="two")
    assert list(view.marks) == ["up", "down"]
    assert all(isinstance(m, bqplot.Scatter) and m.display_legend for m in view.marks.values())
    assert [list(m.colors) for m in view.marks.values()] == [[COLOURS[0]], [COLOURS[1]]]
    np.testing.assert_allclose(view.marks["down"].y, [0, -2 / 3, -4 / 3, -2], rtol=1e-6)
    scale = view.marks["up"].scales["y"]
    assert (scale.min, scale.max) == (-3.0, 3.0)
    assert [a.label for a in view.figure.axes] == ["t", "v"] and view.figure.title == "two"
    view.update(3.0)
    np.testing.assert_allclose(view.marks["up"].y, [0, 1, 2, 3], rtol=1e-6)
    assert view.compute(0.5)["series"]["up"][1].tolist() == [0, 0.5 / 3, 1 / 3, 0.5]


def test_following_a_trainer_gets_its_parameters_and_step_and_needs_no_apply():
    calls = []

    def fn(p, step):
        calls.append(step)
        return np.arange(3), np.asarray(p["w"])

    trainer = scope.Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
                            data=lambda key: jnp.array([1.0, 2.0, 3.0]), optimizer=0.1, strategy="step")
    view = scope.views.CustomView(fn, trainer, interval=60)
    assert calls == [0, 0] and view.network.forward.apply is None  # set-up, then the first draw
    trainer.run(30)
    assert view.wait(10)
    assert calls[-1] == 30 and view.drawn_step == 30
    np.testing.assert_allclose(view.marks[""].y, np.asarray(trainer.params["w"]), rtol=1e-6)
    assert float(view.marks[""].y[2]) > 2.0  # it trained towards (1, 2, 3)


def test_fn_gets_the_step_of_the_parameters_it_draws():
    calls = []

    def fn(p, step):
        calls.append((step, np.asarray(p["w"]).tolist()))
        return np.arange(3), np.asarray(p["w"])

    trainer = scope.Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
                            data=lambda key: jnp.array([1.0, 2.0, 3.0]), optimizer=0.1, strategy="step")
    view = scope.views.CustomView(fn, trainer, interval=60)
    before = trainer.snapshot()   # step 0; the display loop may draw a snapshot older than the trainer
    trainer.run(10)
    assert view.wait(10)
    calls.clear()
    assert view.frame(before, True)
    assert calls == [(0, [0.0, 0.0, 0.0])] and view.drawn_step == 0


def test_a_view_without_parameters_waits_for_a_trainer():
    view = scope.views.CustomView(heights)
    assert view.network is None and view.children == () and view.refreshes == 0
    view.refresh()  # nothing to draw yet
    assert view.refreshes == 0
    with pytest.raises(ValueError, match=r"CustomView: pass params= when making a view without a trainer"):
        view.update({"h": jnp.ones(2)})


@pytest.mark.parametrize("result, message", [
    (3, r"CustomView: the function must return \(x, y\) or \{name: \(x, y\)\}; got int for the series"),
    ((1, 2, 3), r"CustomView: the function must return \(x, y\) or \{name: \(x, y\)\}; got tuple for the series"),
    ({"a": (np.arange(2), np.arange(2)), "b": np.arange(2)}, r"got ndarray for b"),
    ((np.arange(3), np.arange(4)), r"CustomView: x and y of the series differ in length \(3 and 4\)"),
    ({"c": (np.arange(3), np.ones(2))}, r"CustomView: x and y of c differ in length \(3 and 2\)"),
])
def test_what_fn_returns_is_checked(result, message):
    with pytest.raises(ValueError, match=message):
        scope.views.CustomView(lambda p, step: result, params={})


def test_a_series_name_that_was_not_there_at_first_is_refused():
    view = scope.views.CustomView(lambda p, step: {p: (np.arange(2), np.arange(2))}, params="a")
    with pytest.raises(ValueError, match=r"CustomView: the function returned a new series 'b'; it must return "
                                         r"the same names every time \(\['a'\]\)"):
        view.update("b")


@pytest.mark.parametrize("args, options, message", [
    ((np.arange(3),), {}, r"fn must be a function fn\(params, step\) -> \(x, y\); got ndarray"),
    ((heights,), dict(mark="bars"), r"mark must be 'lines', 'scatter' or 'heatmap'; got 'bars'"),
    ((heights,), dict(y_range=(2, 2)), r"y_range must be \(lo, hi\) with lo < hi; got \(2, 2\)"),
    ((heights,), dict(interval="fast"), r"interval must be a number of seconds >= 0; got 'fast'"),
])
def test_bad_arguments_are_named(args, options, message):
    with pytest.raises(ValueError, match=message):
        scope.views.CustomView(*args, **options)


def test_styles_give_a_series_its_own_bqplot_options_and_unknown_names_are_refused():
    two = lambda p, step: {"relaxed": (np.arange(3), np.zeros(3)), "chain": (np.arange(3), p * np.ones(3))}
    view = scope.views.CustomView(two, params=1.0, styles={"relaxed": {"colors": ["#888888"], "line_style": "dashed"}})
    assert view.marks["relaxed"].line_style == "dashed" and view.marks["relaxed"].colors == ["#888888"]
    assert view.marks["chain"].line_style == "solid" and view.marks["chain"].colors == ["#ff7f0e"]
    assert [m.labels for m in view.figure.marks] == [["relaxed"], ["chain"]]   # drawn in order, the last on top
    with pytest.raises(ValueError, match=r"styles names series \['other'\] that the function does not return"):
        scope.views.CustomView(two, params=1.0, styles={"other": {}})
    with pytest.raises(ValueError, match="styles must be"):
        scope.views.CustomView(two, params=1.0, styles=["dashed"])


# ---- mark="heatmap": fn returns a 2-D array ---------------------------------------------------
WEIGHTS = np.array([[0.5, -2.0, 1.0], [0.0, 1.5, -0.25]])


def weights(p, step):
    return p["W"]


def color(view) -> np.ndarray:
    return np.asarray(view.heatmap.color)


def test_a_heatmap_draws_the_array_fn_returns_with_row_0_on_top_on_a_colour_scale_symmetric_around_0():
    view = scope.views.CustomView(weights, params={"W": jnp.asarray(WEIGHTS)}, mark="heatmap",
                                  x_label="visible unit", y_label="hidden unit", color_label="weight", title="W")
    mark = view.heatmap
    assert isinstance(mark, bqplot.HeatMap) and list(view.marks.values()) == [mark]
    np.testing.assert_array_equal(color(view), WEIGHTS.astype(np.float32))
    np.testing.assert_array_equal(mark.x, [0, 1, 2])                  # column j centred on x = j
    np.testing.assert_array_equal(mark.y, [0, 1])                     # row i centred on y = i
    sx, sy, sc = mark.scales["x"], mark.scales["y"], mark.scales["color"]
    assert (sx.min, sx.max, sx.reverse) == (-0.5, 2.5, False)
    assert (sy.min, sy.max, sy.reverse) == (-0.5, 1.5, True)          # reversed: row 0 on top, as an image
    assert (sc.min, sc.max) == (-2.0, 2.0) and list(sc.colors) == DIVERGING   # ±max|W|: 0 is white
    x_axis, y_axis, bar = view.figure.axes
    assert [a.label for a in view.figure.axes] == ["visible unit", "hidden unit", "weight"]
    assert isinstance(bar, bqplot.ColorAxis) and bar.scale is sc
    assert x_axis.tick_values.tolist() == [0, 1, 2] and y_axis.tick_values.tolist() == [0, 1]
    assert bar.tick_values.tolist() == [-2, 0, 2]
    assert view.figure.title == "W" and view.figure.layout.width == "420px" and view.figure.layout.height == "360px"
    assert view.figure.fig_margin["right"] == 70                      # room for the colour bar
    out = view.compute({"W": -WEIGHTS})
    assert out["image"].dtype == np.float64 and out["image"].tolist() == (-WEIGHTS).tolist()
    assert out["color_range"] == (-2.0, 2.0)


@pytest.mark.parametrize("how, first, then", [
    ("symmetric", (-2.0, 2.0), (-6.0, 6.0)),
    ("data", (-2.0, 1.5), (-6.0, 4.5)),
    ((-1.0, 3.0), (-1.0, 3.0), (-1.0, 3.0)),
])
def test_the_colour_range_follows_the_data_or_stays_fixed(how, first, then):
    view = scope.views.CustomView(lambda p, step: p * WEIGHTS, params=1.0, mark="heatmap", color_range=how)
    sc, bar = view.heatmap.scales["color"], view.figure.axes[2]
    assert (sc.min, sc.max) == first and bar.tick_values.tolist() == nice_ticks(*first, 3)[2].tolist()
    view.update(3.0)
    np.testing.assert_array_equal(color(view), (3.0 * WEIGHTS).astype(np.float32))
    assert (sc.min, sc.max) == then and bar.tick_values.tolist() == nice_ticks(*then, 3)[2].tolist()
    assert view.compute(3.0)["color_range"] == then


def test_the_colour_bars_new_ticks_reach_the_browser_before_its_new_range():
    from recording import RecordingComm

    view = scope.views.CustomView(lambda p, step: p * WEIGHTS, params=1.0, mark="heatmap")
    bar, comm = view.figure.axes[2], RecordingComm()
    bar.comm = view.heatmap.scales["color"].comm = comm      # one comm: the order of the two widgets' messages
    view.update(3.0)
    sent = [sorted(state) for state in comm.states()]
    assert sent == [["tick_values"], ["max", "min"]]        # bqplot's colour bar reads its ticks on a new domain only


def test_colour_ranges_leave_out_nan_and_widen_empty_ones():
    z = np.array([[np.nan, 0.5], [-np.inf, 0.25]])
    assert colour_range(z, "symmetric") == (-0.5, 0.5) and colour_range(z, "data") == (0.25, 0.5)
    assert colour_range(np.zeros((2, 2)), "symmetric") == (-1.0, 1.0)      # the untrained all-zero weights
    assert colour_range(np.full((2, 2), 0.5), "data") == (-0.5, 1.5)
    assert colour_range(np.full((2, 2), np.nan), "data") == (-1.0, 1.0)
    assert colour_range(z, (0.0, 1.0)) == (0.0, 1.0)


def test_colours_are_a_list_low_to_high_or_a_scheme_name_and_the_size_is_set():
    black_white = scope.views.CustomView(weights, params={"W": WEIGHTS}, mark="heatmap", colors=["white", "black"],
                                         color_range=(0, 1), width=260, height=400)
    scale = black_white.heatmap.scales["color"]
    assert list(scale.colors) == ["white", "black"] and (scale.min, scale.max) == (0.0, 1.0)
    assert (black_white.figure.layout.width, black_white.figure.layout.height) == ("260px", "400px")
    viridis = scope.views.CustomView(weights, params={"W": WEIGHTS}, mark="heatmap", colors="viridis")
    assert viridis.heatmap.scales["color"].scheme == "viridis" and list(viridis.heatmap.scales["color"].colors) == []


def test_without_a_colour_bar_the_colours_still_follow_the_data():
    view = scope.views.CustomView(lambda p, step: p * WEIGHTS, params=1.0, mark="heatmap", color_bar=False, height=200)
    assert [type(a) for a in view.figure.axes] == [bqplot.Axis, bqplot.Axis] and view.figure.fig_margin["right"] == 15
    view.update(2.0)
    assert (view.heatmap.scales["color"].min, view.heatmap.scales["color"].max) == (-4.0, 4.0)


def test_an_array_of_another_shape_resizes_the_axes():
    view = scope.views.CustomView(lambda p, step: np.ones((p, 20)), params=2, mark="heatmap")
    x_axis, y_axis, _ = view.figure.axes
    assert y_axis.tick_values.tolist() == index_ticks(2).tolist() == [0, 1]
    view.update(100)                  # a Gibbs chain that has grown to 100 rows
    assert color(view).shape == (100, 20)
    np.testing.assert_array_equal(view.heatmap.y, np.arange(100))
    np.testing.assert_array_equal(view.heatmap.x, np.arange(20))
    assert (y_axis.scale.min, y_axis.scale.max) == (-0.5, 99.5)
    assert y_axis.tick_values.tolist() == [0, 20, 40, 60, 80]
    assert x_axis.tick_values.tolist() == [0, 5, 10, 15]


def test_a_heatmap_following_a_trainer_redraws_after_training_through_the_display_loop():
    from recording import attach, settle

    pattern = np.outer(np.arange(3.0), np.arange(4.0) - 1.5).astype(np.float32)

    def update(state, batch, key):
        W = state["W"] + 0.1 * pattern
        return {"W": W}, {"loss": jnp.sum(W ** 2)}

    trainer = scope.Trainer(state={"W": jnp.zeros((3, 4))}, update=update, data=None)
    steps = []
    view = scope.views.CustomView(lambda p, step: steps.append(step) or p["W"], mark="heatmap", interval=60)
    board = trainer.show(views=[view])
    assert view.trainer is trainer and steps == [0, 0]
    assert (view.heatmap.scales["color"].min, view.heatmap.scales["color"].max) == (-1.0, 1.0)   # all zeros
    comm = attach(view.heatmap)
    trainer.run(5)
    trainer.wait()
    settle(board)
    W = np.asarray(trainer.params["W"])
    np.testing.assert_allclose(W, 0.5 * pattern, rtol=1e-6)
    assert view.drawn_step == 5 and steps[-1] == 5
    np.testing.assert_array_equal(color(view), W)
    top = float(np.abs(W).max())
    assert (view.heatmap.scales["color"].min, view.heatmap.scales["color"].max) == (-top, top)
    state, buffers = [(d["state"], b) for d, b in comm.sent if "color" in d.get("state", {})][-1]
    assert state["color"]["shape"] == (3, 4)     # what the browser got last: the new weights, float32
    np.testing.assert_array_equal(np.frombuffer(buffers[0], np.float32).reshape(3, 4), W)


@pytest.mark.parametrize("result, message", [
    (np.arange(3.0), r"CustomView: with mark='heatmap' the function must return a 2-D array \(rows × columns\); "
                     r"got ndarray of shape \(3,\)"),
    (np.zeros((2, 3, 4)), r"got ndarray of shape \(2, 3, 4\)"),
    (jnp.zeros((2, 2, 1)), rf"got {type(jnp.zeros(1)).__name__} of shape \(2, 2, 1\)"),    # a jax array
    ((np.arange(3), np.arange(3)), r"must return a 2-D array \(rows × columns\); got tuple$"),
    ({"W": np.zeros((2, 2))}, r"must return a 2-D array \(rows × columns\); got dict$"),
    (None, r"got NoneType$"),
    ([["a", "b"], ["c", "d"]], r"must return a 2-D array \(rows × columns\) of numbers; got list"),
    (np.zeros((1, 20)), r"CustomView: a heatmap needs at least 2 rows and 2 columns; got shape \(1, 20\)"),
])
def test_what_a_heatmaps_fn_returns_is_checked(result, message):
    with pytest.raises(ValueError, match=message):
        scope.views.CustomView(lambda p, step: result, params={}, mark="heatmap")


def test_a_heatmaps_fn_is_checked_again_at_every_redraw():
    view = scope.views.CustomView(lambda p, step: np.zeros(p), params=(2, 2), mark="heatmap")
    with pytest.raises(ValueError, match=r"got ndarray of shape \(4,\)"):
        view.update((4,))
    assert view.refreshes == 1 and color(view).shape == (2, 2)        # what was drawn stays


@pytest.mark.parametrize("options, message", [
    (dict(mark="heatmap", x_range=(0, 1), marker="circle"),
     r"marker=, x_range= apply to lines and scatter marks, not to mark='heatmap'"),
    (dict(mark="heatmap", styles={}), r"styles= apply to lines and scatter marks, not to mark='heatmap'"),
    (dict(colors="viridis", color_label="w"), r"colors=, color_label= apply to mark='heatmap', not to mark='lines'"),
    (dict(mark="scatter", color_range="data"), r"color_range= apply to mark='heatmap', not to mark='scatter'"),
    (dict(mark="heatmap", colors=["red"]), r"colors must be a list of at least 2 CSS colours \(low to high\) "
                                           r"or a colour scheme name; got \['red'\]"),
    (dict(mark="heatmap", colors=3), r"colors must be .*; got 3"),
    (dict(mark="heatmap", color_range="wide"), r"color_range must be 'symmetric', 'data' or \(lo, hi\); got 'wide'"),
    (dict(mark="heatmap", color_range=(1, 1)), r"color_range must be \(lo, hi\) with lo < hi; got \(1, 1\)"),
    (dict(mark="heatmap", width=50), r"width must be a number of pixels from 100 to 2000; got 50"),
    (dict(mark="heatmap", height=300), r"a colour bar needs height >= 320 \(bqplot draws it 200 px shorter than the "
                                       r"plot\); got height=300: pass a larger height or color_bar=False"),
    (dict(mark="heatmap", color_bar="no"), r"color_bar must be True or False; got 'no'"),
    (dict(color_bar=False), r"color_bar= apply to mark='heatmap', not to mark='lines'"),
    (dict(height="tall"), r"height must be a number of pixels from 100 to 2000; got 'tall'"),
])
def test_bad_heatmap_arguments_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        scope.views.CustomView(weights, **options)
