"""Views following a trainer, fed by the trainer's display loop (``Monitor``): redrawn at most
1 / interval times a second while it trains (interval=0: after every chunk), at once when it ends,
on reset and on a params edit, never on the training thread; the last drawing is of the final
parameters; ``trainer.show(views=[...])`` attaches them and ``dashboard.close()`` lets go."""

import gc
import sys
import threading
import time
import warnings

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope import Event
from jaxscope.views.base import INTERVAL
from jaxscope.widgets import monitor as display_loop
from course_models import mlp_batch, mse_loss_batch
from view_checks import init_params, numpy_mlp

X = np.linspace(-2.0, 2.0, 32, dtype=np.float32)[:, None]
Y = np.sin(2 * X)


def make_trainer(**options):
    """A 1-8-1 tanh MLP on 32 points, trained step by step (many small chunks, so many STEPS events)."""
    return scope.Trainer(params=init_params(0, [1, 8, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                         data=(X, Y), batch_size=8, optimizer=1e-2, strategy="step",
                         apply=lambda p, x: mlp_batch(x, p), **options)


def record_events(trainer):
    """Every event the trainer emits from now on (watching after the views made so far)."""
    events = []
    trainer.watch(events.append)
    return events


def record_refresh_times(view):
    """Wrap the view's compute (called once per redraw, right after the display loop let the frame through)."""
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


def test_a_blocking_run_redraws_once_it_ends_on_the_final_parameters_when_the_interval_holds_back_progress():
    trainer = make_trainer()
    view = scope.views.FunctionPlot(trainer, interval=60)   # no progress redraw can be due
    assert view.refreshes == 1 and view.drawn_step == 0      # drawn when made, on the caller's thread
    view.monitor.request(view, urgent=True)                  # a frame now (nothing new: no redraw) starts the interval
    assert view.wait(10) and view.refreshes == 1
    events = record_events(trainer)
    trainer.run(300)            # compiling, running, the steps, then done: only "done" may redraw
    assert view.wait(10)
    assert events.count(Event.STEPS) >= 1 and events.count(Event.STATUS) == 3   # compiling, running, done
    assert view.refreshes == 1 + 1
    assert view.monitor.slot(view).frames == 2 and view.monitor.slot(view).error is None
    assert view.drawn_step == trainer.current_step == 300
    drawn_equals_fresh(view, trainer.params)
    np.testing.assert_allclose(view.line.y, numpy_mlp(trainer.params, view.x[:, None])[:, 0], rtol=1e-5, atol=1e-5)
    assert not np.allclose(view.line.y, view.compute(init_params(0, [1, 8, 1]))["y"], atol=1e-3)


def test_interval_zero_redraws_after_every_chunk():
    trainer = make_trainer()
    trainer.run(10)  # compile first
    view = scope.views.FunctionPlot(trainer, interval=0)
    events, steps = [], []

    def after_the_view(event):  # watching after the view's display loop: wait for its frame, so none coalesce
        assert view.wait(10)
        events.append(event)
        steps.append(view.drawn_step)

    trainer.watch(after_the_view)
    trainer.run(600)
    assert trainer.watch_errors == []
    assert events.count(Event.STEPS) >= 2 and events.count(Event.STATUS) == 2   # running, done
    assert view.monitor.slot(view).frames == len(events)     # one frame per event ...
    assert view.refreshes == 1 + events.count(Event.STEPS)   # ... a redraw per chunk: the status changes bring no new step
    assert steps[-1] == 610 and steps == sorted(steps) and len(set(steps)) == events.count(Event.STEPS) + 1
    drawn_equals_fresh(view, trainer.params)


def test_views_redraw_on_the_display_loop_never_on_the_training_thread_or_the_caller():
    trainer = make_trainer()
    view = scope.views.FunctionPlot(trainer, interval=0)
    driver_threads, computing, drawing = set(), [], []
    compute, draw = view.compute, view.draw

    def recorded_compute(model_or_params):
        computing.append(threading.current_thread())
        return compute(model_or_params)

    def recorded_draw(data):
        drawing.append(threading.current_thread())
        return draw(data)

    view.compute, view.draw = recorded_compute, recorded_draw
    trainer.watch(lambda event: driver_threads.add(trainer._driver.thread))  # watchers run on the driver thread
    trainer.run(200)
    trainer.reset()
    trainer.params = init_params(1, [1, 8, 1])
    assert view.wait(10)
    assert len(computing) == len(drawing) == view.refreshes - 1 >= 3   # chunks, the reset, the edit
    caller = threading.current_thread()
    assert None not in driver_threads and caller not in driver_threads
    assert computing == drawing and {thread.name for thread in computing} == {"jaxscope-display"}
    assert not driver_threads & set(computing) and caller not in computing


def test_the_display_loop_thread_ends_when_idle_and_the_next_event_starts_it_again(monkeypatch):
    monkeypatch.setattr(display_loop, "IDLE_EXIT", 0.2)
    trainer = make_trainer()
    view = scope.views.FunctionPlot(trainer, interval=60)
    assert view.monitor._thread is None                  # attaching starts no thread
    drawing, compute = [], view.compute

    def recorded_compute(model_or_params):
        drawing.append(threading.current_thread())
        return compute(model_or_params)

    view.compute = recorded_compute
    trainer.run(20)
    assert view.wait(10) and view.drawn_step == 20
    first = drawing[-1]
    first.join(timeout=10)                               # nothing to do for IDLE_EXIT: it ends
    assert not first.is_alive() and view.monitor._thread is None
    trainer.run(30)
    assert view.wait(10) and view.drawn_step == 50
    assert drawing[-1] is not first and drawing[-1].name == "jaxscope-display"
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
    assert all(v.monitor is board.monitor and board.monitor.slot(v).interval == INTERVAL for v in views)
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
        assert view.drawn_step == trainer.current_step
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
    assert view.refreshes == count + 1  # the reset; the idle status after it brings nothing new
    np.testing.assert_allclose(view.line.y, numpy_mlp(initial, view.x[:, None])[:, 0], rtol=1e-5, atol=1e-5)
    assert not np.allclose(view.line.y, trained, atol=1e-3)
    edited = {"weights": [w * 2 for w in initial["weights"]], "biases": [b + 0.5 for b in initial["biases"]]}
    count = view.refreshes
    trainer.params = edited
    assert view.wait(10)
    assert view.refreshes == count + 1
    np.testing.assert_allclose(view.line.y, numpy_mlp(edited, view.x[:, None])[:, 0], rtol=1e-5, atol=1e-5)
    drawn_equals_fresh(view, trainer.params)


def test_closing_the_dashboard_removes_its_views_from_the_display_loop_and_stops_watching():
    trainer = make_trainer()
    plot, custom = scope.views.FunctionPlot(), scope.views.CustomView(lambda p, s: (np.arange(8), p["biases"][0]))
    board = trainer.show(views=[plot, custom], diagram=False)
    monitor = board.monitor
    assert plot.monitor is custom.monitor is monitor and monitor.slot(plot) is not None and monitor.slot(custom) is not None
    assert len(trainer._events) == 1   # one display loop watches the trainer for every widget
    trainer.run(20)
    assert plot.wait(10) and custom.wait(10)
    counts = (plot.refreshes, custom.refreshes)
    assert counts[0] >= 2 and counts[1] >= 2
    board.close()
    assert monitor.slot(plot) is None and monitor.slot(custom) is None and monitor.closed
    assert len(trainer._events) == 0
    if monitor._thread is not None:   # the loop ends once closed
        monitor._thread.join(timeout=10)
        assert not monitor._thread.is_alive()
    trainer.run(50)
    trainer.params = trainer.params
    trainer.reset()
    assert (plot.refreshes, custom.refreshes) == counts
    assert monitor._thread is None or not monitor._thread.is_alive()   # nothing woke it again


def test_update_redraws_a_standalone_view_and_is_refused_for_a_view_that_follows_a_trainer():
    params = init_params(5, [1, 4, 1])
    apply = lambda p, x: mlp_batch(x, p)
    view = scope.views.FunctionPlot(params=params, apply=apply, x_range=(-1, 1), points=6)
    other = init_params(6, [1, 4, 1])
    view.update(other)
    assert view.refreshes == 2 and view.trainer is None and view.monitor is None and view.drawn_step is None
    assert view.wait(1)   # nothing to wait for
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
    again = trainer.show(views=[plot], diagram=False)  # shown twice: still fed once
    assert again.monitor is board.monitor and board.monitor.feeds.count(plot) == 1 and plot.refreshes == 1
    assert len(trainer._events) == 1
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
    assert len(trainer._events) == 0


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
    assert view.problem.layout.display == "none" and view.children[-2:] == (view.problem, view._ack)
    trainer.run(50)
    assert view.wait(10)
    assert trainer.status == "done" and trainer.current_step == 50 and trainer.error is None
    assert view.problem.value == "ValueError: CustomView: x and y of the series differ in length (3 and 4)"
    assert view.problem.layout.display is None
    error = view.monitor.slot(view).error
    assert isinstance(error, ValueError) and str(error) == "CustomView: x and y of the series differ in length (3 and 4)"
    assert view.drawn_step == 0   # what is drawn is still step 0
    trainer.reset()  # step 0: it draws again, and the line goes away
    assert view.wait(10)
    assert view.problem.value == "" and view.problem.layout.display == "none"
    assert view.monitor.slot(view).error is None


def test_a_dashboard_whose_view_refuses_leaves_nothing_watching_the_trainer():
    trainer = scope.Trainer(params={"w": jnp.zeros((2, 1))}, loss=lambda p, b: jnp.mean((b[0] @ p["w"] - b[1]) ** 2),
                            data=(np.ones((8, 2), np.float32), np.ones((8, 1), np.float32)), optimizer=0.1,
                            apply=lambda p, x: x @ p["w"])
    good = scope.views.ParityPlot()
    with pytest.raises(ValueError, match="FunctionPlot shows networks of one input"):
        trainer.show(views=[good, scope.views.FunctionPlot()])
    assert len(trainer._events) == 0         # the parity plot that attached first was closed again
    trainer.run(5)
    assert trainer.status == "done"          # and no half-built dashboard paused it
