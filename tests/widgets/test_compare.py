"""Several runs on one chart (``scope.compare``) and an ensemble's series on the wire, without a browser."""

from __future__ import annotations

import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.training.history import History
from jaxscope.widgets import protocol
from jaxscope.widgets.compare_legend import describe_runs, model_name, short_number
from jaxscope.widgets.loss_chart import LossChart
from recording import attach, points

PROTOCOL_TS = (Path(__file__).resolve().parents[2] / "js" / "shared" / "protocol.ts").read_text()


def tiny(rate: float, name: str = "") -> scope.Trainer:
    return scope.Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
                         data=lambda key: jax.random.normal(key, (3,)), optimizer=rate, name=name)


@pytest.fixture(scope="module")
def finished():
    """Two tiny runs that differ only in the learning rate, 20 steps each."""
    runs = [tiny(1e-3), tiny(0.1)]
    for trainer in runs:
        trainer.run(20)
    return runs


def test_labels_name_only_what_differs_after_the_name():
    settings = [{"lr": "lr 1e-3", "seed": "seed 0", "model": "2-16-1"},
                {"lr": "lr 1e-3", "seed": "seed 1", "model": "2-16-1"}]
    assert describe_runs(settings, ["", ""]) == ["seed 0", "seed 1"]
    assert describe_runs(settings, ["a", "b"]) == ["a · seed 0", "b · seed 1"]
    assert describe_runs([settings[0], settings[0]], ["", ""]) == ["run 1", "run 2"]
    assert [short_number(v) for v in (1e-3, 3e-4, 0.01, 0.5)] == ["1e-3", "3e-4", "1e-2", "0.5"]
    assert model_name({"a": np.zeros((2, 8)), "b": np.zeros((8, 1))}) == "2-8-1"


def test_run_and_part_separators_are_the_same_on_both_sides():
    assert re.search(r'export const RUN_SEPARATOR = "(.)";', PROTOCOL_TS).group(1) == protocol.RUN_SEPARATOR == ":"
    assert re.search(r'export const PART_SEPARATOR = "(.)";', PROTOCOL_TS).group(1) == protocol.PART_SEPARATOR == "#"


def test_an_ensemble_history_sends_median_band_members_and_diverged_points_by_name():
    history = History()
    steps = [1, 2, 3]
    for name, values in {"loss": [1.0, 0.5, 0.25], "loss#lo": [0.8, 0.4, 0.2], "loss#hi": [1.2, 0.6, 0.3],
                         "loss#0": [0.9, 0.45, 0.22], "loss#1": [1.1, 0.55, 0.28], "learning_rate": [1e-3] * 3}.items():
        history.extend(name, steps, values)
    history.extend("val_loss", [2], [0.7])
    history.extend("diverged#2", [2], [3.5])
    chart = LossChart(history=history)
    comm = attach(chart)
    chart.publish(reset=True)
    (content, buffers), = comm.custom("points")
    assert [s["name"] for s in content["series"]] == [
        "loss", "loss#0", "loss#1", "loss#hi", "loss#lo", "diverged#2", "val_loss"]
    got = points(content, buffers)
    assert got["loss#lo"] == (steps, pytest.approx([0.8, 0.4, 0.2]))
    assert got["diverged#2"] == ([2], [3.5])
    assert chart.runs == [] and chart.marked_step == -1     # a one-run chart: no runs


def test_compare_charts_every_run_with_a_colour_and_a_label_of_what_differs(finished):
    comparison = scope.compare(*finished)
    chart = comparison.chart
    comm = attach(chart)
    chart.publish(reset=True)
    assert chart.runs == [{"key": "r1", "label": "lr 1e-3", "color": "#1f77b4", "visible": True},
                          {"key": "r2", "label": "lr 0.1", "color": "#ff7f0e", "visible": True}]
    content, buffers = comm.custom("points")[-1]
    assert content["reset"] is True
    got = points(content, buffers)
    assert list(got) == ["r1:loss", "r2:loss"]
    for key, trainer in zip(("r1", "r2"), finished):
        assert got[f"{key}:loss"][0] == list(range(1, 21))
        np.testing.assert_allclose(got[f"{key}:loss"][1], trainer.history["loss"], rtol=1e-6)
    assert [bar.trainer for bar in comparison.controls] == finished
    assert repr(comparison) == "Comparison(lr 1e-3 · done · step 20, lr 0.1 · done · step 20)"
    chart.comm = None   # the recording comm is not registered with a comm manager
    comparison.close()


def test_a_run_hidden_in_the_page_stays_hidden_when_a_run_is_added(finished):
    comparison = scope.compare(*finished)
    chart = comparison.chart
    hidden = [dict(run, visible=run["key"] != "r2") for run in chart.runs]
    chart._handle_msg({"content": {"data": {"method": "update", "state": {"runs": hidden}, "buffer_paths": []}}, "buffers": []})
    third = tiny(1e-3, name="third")
    comparison.add(third)
    assert [(run["key"], run["label"], run["visible"]) for run in chart.runs] == [
        ("r1", "lr 1e-3", True), ("r2", "lr 0.1", False), ("r3", "third · lr 1e-3", True)]
    comm = attach(chart)
    third.step(5)
    third.wait()
    assert chart.monitor.wait(10)
    assert points(*comm.custom("points")[-1]) == {"r3:loss": ([1, 2, 3, 4, 5], pytest.approx(third.history["loss"]))}
    chart.comm = None
    comparison.close()


def test_bad_arguments_are_refused_before_anything_is_built(finished):
    with pytest.raises(ValueError, match=r"compare\(\) needs at least one trainer"):
        scope.compare()
    with pytest.raises(TypeError, match=r"compare\(\): argument 2 must be a scope.Trainer; got int"):
        scope.compare(finished[0], 3)
    with pytest.raises(ValueError, match=r"argument 2: this trainer is compared already"):
        scope.compare(finished[0], finished[0])
    with pytest.raises(TypeError, match=r"unexpected argument\(s\) \['colour'\]"):
        scope.compare(*finished, colour="red")
    watchers = len(finished[0]._events)
    comparison = scope.compare(finished[0])
    assert len(finished[0]._events) == watchers + 2   # the comparison's and the control bar's display loop
    with pytest.raises(TypeError, match=r"add\(trainer\) must be a scope.Trainer; got str"):
        comparison.add("run")
    assert len(comparison.chart.runs) == 1
    comparison.close()
    assert len(finished[0]._events) == watchers   # closed: neither watches the trainer any more
