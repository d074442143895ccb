"""Views following a trainer: redrawn on status changes, at most 1 / interval times a second while it
trains (interval=0: after every chunk), on reset and on a params edit; the last drawing is of the
final parameters; ``trainer.show(views=[...])`` attaches them and ``dashboard.close()`` lets go."""

import gc
import sys
import time
import warnings

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.views.base import INTERVAL
from course_models import mlp_batch, mse_loss_batch
from view_checks import init_params, numpy_mlp

X = np.linspace(-2.0, 2.0, 32, dtype=np.float32)[:, None]
Y = np.sin(2 * X)


def make_trainer(**options):
    """A 1-8-1 tanh MLP on 32 points, trained step by step (many small chunks, so many progress events)."""
    return scope.Trainer(params=init_params(0, [1, 8, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                         data=(X, Y), batch_size=8, optimizer=1e-2, strategy="step",
                         apply=lambda p, x: mlp_batch(x, p), **options)


def record_events(trainer):
    events = []
    trainer._subscribe(events.append)
    return events


def record_refresh_times(view):
    """Wrap the view's compute (called once per refresh, right after the throttle let it through)."""
    times, compute = [], view.compute

    def timed(model_or_params):
        times.append(time.monotonic())
        return compute(model_or_params)

    view.compute = timed
    return times


def drawn_equals_fresh(view, params):
    """The marks on screen hold what compute(params) gives now."""
    data = view.compute(params)
    if isinstance(view, scope.views.FunctionPlot):
        np.testing.assert_allclose(view.line.y, data["y"], rtol=1e-6, atol=1e-7)
    elif isinstance(view, scope.views.ParityPlot):
        for k, (_, dots) in enumerate(view.panels):
            np.testing.assert_array_equal(dots.x, data["true"][:, k].astype(np.float32))
            np.testing.assert_array_equal(dots.y, data["pred"][:, k].astype(np.float32))
    elif isinstance(view, scope.views.LatentScatter):  # its PCA is refined from the last one: equal to rounding
        scale = np.abs(data["xy"]).max()
        np.testing.assert_allclose(view.dots.x, data["xy"][:, 0], rtol=1e-5, atol=1e-6 * scale)
        np.testing.assert_allclose(view.dots.y, data["xy"][:, 1], rtol=1e-5, atol=1e-6 * scale)
    elif isinstance(view, scope.views.CustomView):
        for name, (x, y) in data["series"].items():
            np.testing.assert_array_equal(view.marks[name].y, y.astype(np.float32))
    else:
        raise AssertionError(type(view))


def test_a_blocking_run_redraws_when_the_status_changes_and_ends_on_the_final_parameters():
    trainer = make_trainer()
    view = scope.views.FunctionPlot(trainer, interval=60)   # no progress redraw can be due
    events = record_events(trainer)
    assert view.refreshes == 1  # drawn when made, on the caller's thread
    trainer.run(300)            # compiles first: the "running" redraw is done long before "done"
    assert view.wait(10)
    assert events.count("progress") >= 1 and events.count("status") == 2   # running, done
    assert view.refreshes == 1 + 2
    assert view._last_step == trainer.current_step == 300
    drawn_equals_fresh(view, trainer.params)
    np.testing.assert_allclose(view.line.y, numpy_mlp(trainer.params, view.x[:, None])[:, 0], rtol=1e-5, atol=1e-5)
    assert not np.allclose(view.line.y, view.compute(init_params(0, [1, 8, 1]))["y"], atol=1e-3)


def test_interval_zero_redraws_after_every_chunk():
    trainer = make_trainer()
    trainer.run(10)  # compile first
    view = scope.views.FunctionPlot(trainer, interval=0)
    events, steps = [], []

    def after_the_view(event):  # subscribed after the view: wait for its redraw, so none coalesce
        assert view.wait(10)
        events.append(event)
        steps.append(view._last_step)

    trainer._subscribe(after_the_view)
    trainer.run(600)
    assert events.count("progress") >= 2 and events.count("status") == 2
    assert view.refreshes == 1 + len(events) - 1   # not when it starts running: nothing changed yet
    assert steps[-1] == 610 and steps == sorted(steps) and len(set(steps)) == events.count("progress") + 1
    drawn_equals_fresh(view, trainer.params)


def test_background_training_redraws_at_most_once_an_interval_and_ends_on_the_final_parameters():
    trainer = make_trainer(validation=(X[::3], Y[::3]))
    trainer.run(10)  # compile
    views = [scope.views.FunctionPlot(truth=lambda x: np.sin(2 * x)), scope.views.ParityPlot(),
             scope.views.LatentScatter(layer=0), scope.views.CustomView(lambda p, step: (np.arange(8), p["biases"][0]))]
    board = trainer.show(views=views, diagram=False)
    started = time.monotonic()
    trainer.start(1000)  # the speed in the background, views drawing
    trainer.wait(timeout=60)
    assert all(v.wait(10) for v in views)
    per_second = 1000 / (time.monotonic() - started)
    assert all(v.trainer is trainer and v.interval == INTERVAL == 0.5 for v in views)
    before = [v.refreshes for v in views]
    times = [record_refresh_times(v) for v in views]
    steps = max(200, int(2.5 * per_second))
    started = time.monotonic()
    trainer.start(steps)
    trainer.wait(timeout=60)
    duration = time.monotonic() - started
    assert all(v.wait(10) for v in views)
    assert trainer.status == "done" and trainer.current_step == 1010 + steps
    assert duration > 1.25, f"training took {duration:.2f} s; the test needs about 2.5 s"
    for view, first, stamps in zip(views, before, times):
        made = view.refreshes - first
        assert 3 <= made <= duration / INTERVAL + 3, (type(view).__name__, made, duration)
        gaps = np.diff(stamps)
        # every redraw but the last (the "done" status) waited a full interval after the one before
        assert np.all(gaps[:-1] >= INTERVAL - 0.01), (type(view).__name__, gaps)
        assert view._last_step == trainer.current_step
        drawn_equals_fresh(view, trainer.params)
    board.close()


def test_reset_and_a_params_edit_redraw():
    trainer = make_trainer()
    initial = trainer.params
    view = scope.views.FunctionPlot(trainer, interval=60)
    trainer.run(200)
    assert view.wait(10)
    trained = np.array(view.line.y)
    count = view.refreshes
    trainer.reset()
    assert view.wait(10)
    assert count + 1 <= view.refreshes <= count + 2  # the reset, then the idle status (may be one redraw)
    np.testing.assert_allclose(view.line.y, numpy_mlp(initial, view.x[:, None])[:, 0], rtol=1e-5, atol=1e-5)
    assert not np.allclose(view.line.y, trained, atol=1e-3)
    edited = {"weights": [w * 2 for w in initial["weights"]], "biases": [b + 0.5 for b in initial["biases"]]}
    count = view.refreshes
    trainer.params = edited
    assert view.wait(10)
    assert view.refreshes == count + 1
    np.testing.assert_allclose(view.line.y, numpy_mlp(edited, view.x[:, None])[:, 0], rtol=1e-5, atol=1e-5)
    drawn_equals_fresh(view, trainer.params)


def test_closing_the_dashboard_unsubscribes_its_views():
    trainer = make_trainer()
    plot, custom = scope.views.FunctionPlot(), scope.views.CustomView(lambda p, s: (np.arange(8), p["biases"][0]))
    board = trainer.show(views=[plot, custom], diagram=False)
    assert plot._on_trainer_event in trainer._listeners and custom._on_trainer_event in trainer._listeners
    trainer.run(20)
    assert plot.wait(10) and custom.wait(10)
    counts = (plot.refreshes, custom.refreshes)
    assert counts[0] >= 2 and counts[1] >= 2
    board.close()
    assert plot._on_trainer_event not in trainer._listeners and custom._on_trainer_event not in trainer._listeners
    assert trainer._listeners == []
    trainer.run(50)
    trainer.params = trainer.params
    trainer.reset()
    time.sleep(0.3)
    assert (plot.refreshes, custom.refreshes) == counts


def test_update_redraws_a_standalone_view_and_is_refused_for_a_view_that_follows_a_trainer():
    params = init_params(5, [1, 4, 1])
    apply = lambda p, x: mlp_batch(x, p)
    view = scope.views.FunctionPlot(params=params, apply=apply, x_range=(-1, 1), points=6)
    other = init_params(6, [1, 4, 1])
    view.update(other)
    assert view.refreshes == 2 and view.trainer is None
    np.testing.assert_allclose(view.line.y, numpy_mlp(other, view.x[:, None])[:, 0], rtol=1e-5, atol=1e-5)
    trainer = make_trainer()
    following = scope.views.FunctionPlot(trainer)
    with pytest.raises(ValueError, match=r"this view follows a trainer, which sets its parameters"):
        following.update(trainer.params)
    assert following.refreshes == 1


def test_show_attaches_views_once_and_a_view_follows_one_trainer_only():
    trainer = make_trainer()
    plot = scope.views.FunctionPlot()
    assert plot.trainer is None and plot.refreshes == 0
    board = trainer.show(views=plot, diagram=False)  # one view needs no list
    assert board.views == [plot] and plot.trainer is trainer and plot.refreshes == 1
    row = board.children[-1]
    assert "jaxscope-views" in row._dom_classes and row.children == (plot,)
    again = trainer.show(views=[plot], diagram=False)  # shown twice: still one subscription
    assert trainer._listeners.count(plot._on_trainer_event) == 1 and plot.refreshes == 1
    with pytest.raises(ValueError, match=r"this FunctionPlot already follows another trainer; make a new view"):
        plot.attach(make_trainer())
    again.close()
    board.close()


@pytest.mark.parametrize("views, message", [
    ([scope.views.CustomView(lambda p, s: (0, 0)), "plot"],
     r"views\[1\] must be a jaxscope view \(scope.views.FunctionPlot\(...\), ParityPlot\(...\), ...\); got str"),
    (42, r"views\[0\] must be a jaxscope view .*; got int"),
    ([np.sin], r"views\[0\] must be a jaxscope view .*; got ufunc"),
])
def test_show_refuses_what_is_not_a_view(views, message):
    trainer = make_trainer()
    with pytest.raises(TypeError, match=message):
        trainer.show(views=views, diagram=False)
    assert trainer._listeners == []


def test_show_passes_on_a_views_complaint_about_the_trainer():
    trainer = scope.Trainer(params=init_params(0, [1, 4, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                            data=(X, Y))
    with pytest.raises(ValueError, match=r"FunctionPlot runs the network: pass apply=lambda params, x: \.\.\. "
                                         r"\(the network on a batch x\) to the Trainer or to the view"):
        trainer.show(views=[scope.views.FunctionPlot()], diagram=False)
    with pytest.raises(ValueError, match=r"show='validation' but there is no validation data"):
        trainer.show(views=[scope.views.ParityPlot(show="validation", apply=lambda p, x: mlp_batch(x, p))], diagram=False)
    custom = scope.views.CustomView(lambda p, s: (np.arange(4), p["biases"][0]))  # reads parameters only
    trainer.show(views=[custom], diagram=False)
    np.testing.assert_array_equal(custom.marks[""].y, np.asarray(trainer.params["biases"][0]))


def test_every_view_passes_its_widgets_only_arguments_they_know():
    """traitlets drops unknown keyword arguments with a DeprecationWarning (e.g. a Scatter's
    ``default_opacities``, which bqplot 0.13 calls ``opacities``): make that an error here."""
    x = np.linspace(0, 1, 16, dtype=np.float32).reshape(4, 4)
    identity = lambda p, x: x
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Passing unrecognized arguments", category=DeprecationWarning)
        views = [scope.views.FunctionPlot(make_trainer(), truth=np.sin),
                 scope.views.ParityPlot(params={}, apply=identity, data=(x, x)),
                 scope.views.OutputMap2D(params={}, apply=identity, x_range=(0, 1), y_range=(0, 1), resolution=3,
                                         target=lambda a, b: a * b, data=(x[:, :2], x[:, 0])),
                 scope.views.ImageGrid(params={}, apply=lambda p, x: x, data=(x.reshape(1, 4, 4), x.reshape(1, 4, 4))),
                 scope.views.LatentScatter(params={}, apply=identity, encode=identity, data=(x, x[:, 0])),
                 scope.views.CustomView(lambda p, s: (np.arange(3), np.arange(3)), params={}, marker="circle")]
    assert all(v.refreshes == 1 for v in views)
    assert all(fig.axes[1].side == "left" for fig in (views[0].figure, views[1].panels[0][0], views[5].figure))


def test_a_view_that_refused_its_arguments_is_garbage_collected_quietly():
    unraisable = []
    previous, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        for make in (lambda: scope.views.FunctionPlot(points=1), lambda: scope.views.ParityPlot(show="test"),
                     lambda: scope.views.CustomView("not a function"), lambda: scope.views.ImageGrid(samples=0)):
            with pytest.raises(ValueError):
                make()
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert [f"{u.exc_type.__name__}: {u.exc_value}" for u in unraisable] == []


def test_a_view_that_cannot_redraw_says_why_under_it_and_training_goes_on():
    def fn(p, step):  # a bug that shows only once training has started
        return (np.arange(3), np.arange(3.0)) if step == 0 else (np.arange(3), np.arange(4.0))

    trainer = make_trainer()
    view = scope.views.CustomView(fn, trainer, interval=0)
    assert view.problem.layout.display == "none" and view.children[-1] is view.problem
    trainer.run(50)
    assert view.wait(10)
    assert trainer.status == "done" and trainer.current_step == 50 and trainer.error is None
    assert view.problem.value == "ValueError: CustomView: x and y of the series differ in length (3 and 4)"
    assert view.problem.layout.display is None
    trainer.reset()  # step 0: it draws again, and the line goes away
    assert view.wait(10)
    assert view.problem.value == "" and view.problem.layout.display == "none"


def test_a_dashboard_whose_view_refuses_leaves_no_view_subscribed():
    trainer = scope.Trainer(params={"w": jnp.zeros((2, 1))}, loss=lambda p, b: jnp.mean((b[0] @ p["w"] - b[1]) ** 2),
                            data=(np.ones((8, 2), np.float32), np.ones((8, 1), np.float32)), optimizer=0.1,
                            apply=lambda p, x: x @ p["w"])
    good = scope.views.ParityPlot()
    with pytest.raises(ValueError, match="FunctionPlot shows networks of one input"):
        trainer.show(views=[good, scope.views.FunctionPlot()])
    assert trainer._listeners == []          # the parity plot that attached first was closed again
    trainer.run(5)
    assert trainer.status == "done"          # and no half-built dashboard paused it
