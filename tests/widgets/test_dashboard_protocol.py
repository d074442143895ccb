"""The dashboard's control bar: front-end commands drive the trainer; its state reaches the traits."""

from __future__ import annotations

import threading
import time

import jax
import pytest

import jaxscope as scope
from jaxscope.widgets import monitor
from course_models import mlp
from recording import attach, from_front_end, settle


def command(action):
    return {"v": 2, "kind": "command", "action": action}


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.fixture
def dashboard(lesson2):
    trainer = scope.Trainer(**lesson2)
    board = trainer.show()
    attach(board.controls)
    attach(board.loss_chart)
    yield board
    trainer.pause()


def test_dashboard_holds_controls_above_the_loss_chart(dashboard):
    assert dashboard.children[:2] == (dashboard.controls, dashboard.loss_chart)
    assert "jaxscope-dashboard" in dashboard._dom_classes
    assert dashboard.loss_chart.history is dashboard.trainer.history


def test_start_and_pause_clicks_drive_the_trainer(dashboard):
    trainer = dashboard.trainer
    from_front_end(dashboard.controls, command("start"))
    wait_until(lambda: trainer.current_step > 200)
    wait_until(lambda: dashboard.controls.status == "running" and dashboard.controls.step > 0)
    from_front_end(dashboard.controls, command("pause"))
    trainer.wait(30)
    settle(dashboard)
    assert trainer.status == "paused"
    assert (dashboard.controls.status, dashboard.controls.step) == ("paused", trainer.current_step)
    sent = sum(c["series"][0]["count"] for c, _ in dashboard.loss_chart.comm.custom("points") if c["series"])
    assert sent == trainer.current_step  # every step's loss reached the chart, once


def test_step_click_trains_step_size_steps(dashboard):
    dashboard.controls.step_size = 25
    from_front_end(dashboard.controls, command("step"))
    dashboard.trainer.wait(30)
    settle(dashboard)
    assert dashboard.trainer.current_step == 25
    assert (dashboard.controls.status, dashboard.controls.step) == ("paused", 25)


def test_reset_click_clears_the_chart(dashboard):
    dashboard.trainer.run(30)
    from_front_end(dashboard.controls, command("reset"))   # returns at once: the driver resets
    dashboard.trainer.wait(30)
    settle(dashboard)
    assert dashboard.trainer.current_step == 0
    content, _ = dashboard.loss_chart.comm.custom("points")[-1]
    assert content["reset"] is True and [e["count"] for e in content["series"]] == [0]   # "loss", declared, empty
    assert (dashboard.controls.status, dashboard.controls.step) == ("idle", 0)


def test_learning_rate_set_from_the_front_end(dashboard):
    from_front_end(dashboard.controls, {"v": 2, "kind": "set", "name": "learning_rate", "value": 0.003})
    assert dashboard.trainer.learning_rate == 0.003
    settle(dashboard)
    assert dashboard.controls.learning_rate == 0.003


def test_an_invalid_learning_rate_from_the_front_end_is_shown_not_raised(dashboard):
    from_front_end(dashboard.controls, {"v": 2, "kind": "set", "name": "learning_rate", "value": -1})
    assert dashboard.trainer.learning_rate == 0.01
    assert "learning_rate must be a positive finite number" in dashboard.controls.message


def test_messages_of_another_protocol_version_are_ignored(dashboard):
    from_front_end(dashboard.controls, {"v": 99, "kind": "command", "action": "start"})
    assert dashboard.trainer.status == "idle"


def test_divergence_is_shown_in_the_control_bar():
    import jax.numpy as jnp
    import optax

    trainer = scope.Trainer(params={"w": jnp.zeros(())}, loss=lambda p, b: -p["w"] + 0.0 * jnp.log(5.5 - p["w"]),
                            data=None, optimizer=optax.sgd(1.0))
    board = trainer.show()
    attach(board.controls)
    trainer.run(100)
    settle(board)
    assert board.controls.status == "diverged"
    assert "diverged at step 7" in board.controls.message


def test_a_poll_from_the_front_end_is_answered_with_new_points_and_status_at_once(dashboard):
    trainer = dashboard.trainer
    trainer.run(20)
    settle(dashboard)
    trainer.history.extend("loss", [21], [0.5])  # a point the display loop has not sent yet
    before = len(dashboard.loss_chart.comm.custom("points"))
    from_front_end(dashboard.controls, {"v": 2, "kind": "poll"})
    settle(dashboard)
    sent = dashboard.loss_chart.comm.custom("points")
    assert len(sent) == before + 1
    assert sent[-1][0]["series"] == [{"name": "loss", "count": 1}]


def test_ready_is_acknowledged_with_the_shell_that_handled_it(dashboard):
    from_front_end(dashboard.controls, {"v": 2, "kind": "ready"})
    assert dashboard.controls.comm.custom("ready_ack")[-1][0] == {"v": 2, "kind": "ready_ack", "shell": "main"}


def test_closing_the_dashboard_stops_background_training(lesson2):
    trainer = scope.Trainer(**lesson2)
    board = trainer.show()
    trainer.start()
    wait_until(lambda: trainer.current_step > 100)
    board.close()
    trainer.wait(30)
    assert trainer.status == "paused"
    assert len(trainer._events) == 0   # nothing watches it any more


def on_subshell(widget, content) -> None:
    """A front-end message handled on another thread than the main one, as on ipykernel 7's comm subshells."""
    thread = threading.Thread(target=from_front_end, args=(widget, content))
    thread.start()
    thread.join()


def test_a_frame_waits_for_the_ack_of_the_previous_one_and_a_poll_does_not(dashboard, monkeypatch):
    # no ack timeout during the test: on a loaded machine compiling run(20) took longer than ACK_TIMEOUT,
    # after which one frame rightly goes out without its ack
    monkeypatch.setattr(monitor, "ACK_TIMEOUT", 600.0)
    trainer, chart = dashboard.trainer, dashboard.loss_chart
    on_subshell(chart, {"v": 2, "kind": "ready"})           # a page shows the chart: flow control on
    settle(dashboard)
    (ping, _), = chart.comm.custom("ping")
    sent = len(chart.comm.custom("points"))
    trainer.run(20)
    assert not dashboard.monitor.wait(0.5)                     # the chart's frame is held back for the ack
    assert dashboard.monitor.slot(chart).awaiting == ping["frame"] and len(chart.comm.custom("points")) == sent
    from_front_end(chart, {"v": 2, "kind": "ack", "frame": ping["frame"]})
    wait_until(lambda: len(chart.comm.custom("points")) == sent + 1)
    assert len(chart.comm.custom("ping")) == 2                 # and the new frame waits for its own ack
    trainer.run(20)
    from_front_end(dashboard.controls, {"v": 2, "kind": "poll"})   # a page that missed pushes asks
    wait_until(lambda: len(chart.comm.custom("points")) == sent + 2)


def test_without_subshells_a_blocking_run_paces_frames_by_time_and_prints_no_progress(dashboard, capsys):
    # ipykernel 6: the page's acks wait behind the cell that blocks in run(), so waiting for them would show
    # one frame per ACK_TIMEOUT; a page that answered before the cell still counts as live
    trainer, chart = dashboard.trainer, dashboard.loss_chart
    from_front_end(chart, {"v": 2, "kind": "ready"})        # handled on the main thread: no subshell
    settle(dashboard)
    pings = len(chart.comm.custom("ping"))
    assert not dashboard.monitor.acks_held()
    trainer.run(1)                                            # compiled
    held = []
    trainer.watch(lambda event: held.append(dashboard.monitor.acks_held()))
    trainer.run(100_000)                                      # about 2 s
    assert True in held and not dashboard.monitor.acks_held()
    assert len(chart.comm.custom("ping")) > pings + 1          # frames went out without any ack
    assert "steps/s" not in capsys.readouterr().err            # no progress line: a page shows the dashboard


def test_when_run_returns_every_widget_already_shows_the_end_of_the_run(lesson2):
    # a notebook saved (or executed headless) right after run() keeps what the widgets showed then
    trainer = scope.Trainer(**lesson2, apply=lambda p, x: jax.vmap(mlp, in_axes=(0, None))(x, p))
    view = scope.views.FunctionPlot(interval=60.0)          # a view that would otherwise wait a minute
    board = trainer.show(views=[view], diagram=False)
    for steps in (30, 7):
        trainer.run(steps)
        assert (board.controls.status, board.controls.step) == ("done", trainer.current_step)
        assert board.loss_chart._sent["loss"] == trainer.current_step       # every loss sent
        assert view.drawn_step == trainer.current_step
