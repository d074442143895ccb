"""LossChart on the wire: only new points, binary buffers, coalesced, full history on request."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest

import jaxscope as scope
from jaxscope.widgets import bundle as bundle_module
from jaxscope.widgets.loss_chart import FRAME_INTERVAL
from recording import attach, from_front_end, points

READY = {"v": 2, "kind": "ready"}


def test_only_points_not_yet_sent_cross_the_wire():
    chart = scope.LossChart()
    comm = attach(chart)
    chart.history.extend("loss", [1, 2, 3], [0.5, 0.25, 0.125])
    chart.publish()
    chart.history.extend("loss", [4, 5], [0.0625, 0.03125])
    chart.publish()
    chart.publish()  # nothing new: nothing sent
    sent = comm.custom("points")
    assert len(sent) == 2
    assert [c["reset"] for c, _ in sent] == [False, False]
    assert points(*sent[0]) == {"loss": ([1, 2, 3], [0.5, 0.25, 0.125])}
    assert points(*sent[1]) == {"loss": ([4, 5], [0.0625, 0.03125])}


def test_buffers_are_uint32_steps_and_float32_values():
    chart = scope.LossChart()
    comm = attach(chart)
    chart.history.extend("loss", [7, 8], [1.5, 2.5])
    chart.publish()
    content, buffers = comm.custom("points")[0]
    assert content == {"v": 2, "kind": "points", "reset": False, "series": [{"name": "loss", "count": 2}]}
    assert bytes(buffers[0]) == np.array([7, 8], "<u4").tobytes()
    assert bytes(buffers[1]) == np.array([1.5, 2.5], "<f4").tobytes()


def test_a_view_that_renders_late_gets_the_full_history():
    chart = scope.LossChart()
    comm = attach(chart)
    chart.history.extend("loss", np.arange(1, 101), np.linspace(1, 0, 100))
    chart.history.extend("val_loss", [50, 100], [0.7, 0.6])
    chart.publish()
    from_front_end(chart, READY)
    assert chart.monitor.wait(10)     # the display loop answers with everything
    content, buffers = comm.custom("points")[-1]
    assert content["reset"] is True
    got = points(content, buffers)
    assert list(got) == ["loss", "val_loss"]
    assert got["loss"][0] == list(range(1, 101))
    assert got["val_loss"] == ([50, 100], pytest.approx([0.7, 0.6]))
    chart.history.extend("loss", [101], [0.0])
    chart.publish()  # after a full send, increments continue from there
    assert points(*comm.custom("points")[-1]) == {"loss": ([101], [0.0])}


def test_non_finite_values_travel_in_buffers_never_in_json():
    chart = scope.LossChart()
    comm = attach(chart)
    chart.add(1, loss=float("nan"), val_loss=float("inf"))
    chart.publish()
    content, buffers = comm.custom("points")[-1]
    json.dumps(content, allow_nan=False)  # raises if NaN/inf had leaked into JSON
    got = points(content, buffers)
    assert math.isnan(got["loss"][1][0]) and got["val_loss"][1] == [math.inf]


def test_updates_are_coalesced_by_wall_time_and_the_last_point_always_arrives():
    chart = scope.LossChart()
    comm = attach(chart)
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < 0.6:
        n += 1
        chart.add(n, loss=1.0 / n)
    elapsed = time.monotonic() - start
    deadline = time.monotonic() + 5
    while sum(c["series"][0]["count"] for c, _ in comm.custom("points")) < n:
        assert time.monotonic() < deadline, "the trailing update never arrived"
        time.sleep(0.01)
    sent = comm.custom("points")
    assert n > 1000
    assert len(sent) <= elapsed / FRAME_INTERVAL + 2
    steps = np.concatenate([np.frombuffer(bytes(b[0]), "<u4") for _, b in sent])
    np.testing.assert_array_equal(steps, np.arange(1, n + 1))


def test_an_update_with_a_million_points_of_history_sends_only_the_new_ones():
    chart = scope.LossChart()
    comm = attach(chart)
    chart.history.extend("loss", np.arange(1, 1_000_001), np.ones(1_000_000))
    chart.publish()
    chart.history.extend("loss", np.arange(1_000_001, 1_000_011), np.zeros(10))
    chart.publish()
    content, buffers = comm.custom("points")[-1]
    assert content["series"] == [{"name": "loss", "count": 10}]
    assert sum(len(bytes(b)) for b in buffers) == 80


def test_clearing_the_history_sends_an_empty_reset():
    chart = scope.LossChart()
    comm = attach(chart)
    chart.add(1, loss=1.0)
    chart.publish()
    chart.history.clear()
    chart.publish(reset=True)
    assert comm.custom("points")[-1][0] == {"v": 2, "kind": "points", "reset": True, "series": []}


def test_unknown_arguments_are_rejected_with_the_accepted_names():
    with pytest.raises(TypeError, match=r"unexpected argument\(s\) \['logy'\]; accepted: .*'log_y'"):
        scope.LossChart(logy=True)


def test_a_missing_bundle_names_the_build_command(tmp_path, monkeypatch):
    monkeypatch.setattr(bundle_module, "STATIC", tmp_path)
    with pytest.raises(bundle_module.MissingBundleError, match=r"npm ci && npm run build"):
        bundle_module.bundle("loss_chart.js")
