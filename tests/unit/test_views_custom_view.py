"""CustomView: ``fn(params, step) -> (x, y)`` or ``{name: (x, y)}`` drawn as lines or scatter marks,
redrawn from the parameters it is given or a trainer's, with errors that say what fn returned."""

import bqplot
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.views.custom_view import COLOURS
from jaxscope.views.figures import padded


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
    ((heights,), dict(mark="bars"), r"mark must be 'lines' or 'scatter'; got 'bars'"),
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
