"""What a saved notebook keeps: each widget's last picture in its ``snapshot`` trait (widget state),
stored when training pauses or stops and never while it runs, decimated and bounded for the chart."""

from __future__ import annotations

import base64
import json
import time

import jax
import numpy as np
import pytest
from ipywidgets.widgets.widget import _remove_buffers

import jaxscope as scope
from course_models import make_batch, mlp
from jaxscope.widgets import protocol
from jaxscope.widgets.loss_chart import LossChart
from jaxscope.widgets.network_diagram import NetworkDiagram
from jaxscope.widgets.saved_state import EMPTY, decimate, replayed
from recording import attach, settle


def reference_decimate(steps, values, buckets):
    """decimate() spelled out point by point: the first and the last point and, per run of
    ceil((n - 2) / (buckets - 1)) points between them, the first smallest and the first largest
    (NaN ignored unless the whole run is NaN: then its first point), in order."""
    n = len(values)
    if n <= 2 * buckets:
        return list(steps), list(values)
    size = -(-(n - 2) // (buckets - 1))
    keep = [0]
    for start in range(1, n - 1, size):
        run = values[start:min(start + size, n - 1)]
        finite = [(v, i) for i, v in enumerate(run) if not np.isnan(v)]
        if not finite:
            picks = [0]
        else:
            low = min(finite, key=lambda p: (p[0], p[1]))[1]
            high = min(finite, key=lambda p: (-p[0], p[1]))[1]
            picks = sorted({low, high})
        keep += [start + i for i in picks]
    keep.append(n - 1)
    return [steps[i] for i in keep], [values[i] for i in keep]


def kept_points(widget) -> dict:
    (content, buffers), = replayed(widget.snapshot)
    assert content["kind"] == "points" and content["reset"] is True
    return {name: (s.tolist(), v.tolist()) for name, (s, v) in protocol.decode_points(content, buffers).items()}


def snapshot_updates(widget) -> int:
    return sum("snapshot" in state for state in widget.comm.states())


@pytest.mark.parametrize("n, buckets", [(10, 4), (8, 4), (9, 4), (1001, 10), (100_003, 1000)])
def test_decimation_keeps_each_buckets_first_minimum_and_maximum(n, buckets):
    rng = np.random.default_rng(n)
    values = rng.standard_normal(n).astype(np.float32)
    values[rng.integers(0, n, 5)] = 1e6                   # spikes survive
    values[n // 2] = np.inf
    values[n // 3:n // 3 + 3] = np.nan
    steps = np.arange(1, n + 1) * 3
    got_steps, got_values = decimate(steps, values, buckets)
    want_steps, want_values = reference_decimate(steps, values, buckets)
    assert got_steps.tolist() == want_steps
    np.testing.assert_array_equal(got_values, np.array(want_values, dtype=np.float32))


def test_a_bucket_of_nans_keeps_its_first_point():
    values = np.array([1, np.nan, np.nan, np.nan, np.nan, 0, 5, 6, 7, 8], dtype=np.float32)
    steps, kept = decimate(np.arange(10), values, buckets=3)   # 1, runs of 4: [nan nan nan nan] [0 5 6 7], 8
    assert steps.tolist() == [0, 1, 5, 8, 9]
    assert np.isnan(decimate(np.arange(8), np.full(8, np.nan, np.float32), buckets=2)[1]).tolist() == [True] * 3


def test_a_100k_step_history_is_kept_in_at_most_2000_points_per_series_and_under_64_kb_of_state():
    chart = LossChart()
    n = 100_000
    loss = (1 / np.arange(1, n + 1) + 0.01 * np.random.default_rng(0).random(n)).astype(np.float32)
    loss[54_321] = 40.0
    chart.history.extend("loss", np.arange(1, n + 1), loss)
    chart.history.extend("val_loss", np.arange(100, n + 1, 100), loss[99::100] * 1.1)
    started = time.perf_counter()
    chart.keep_picture()
    print(f"keep_picture for 100k + 1k points: {1e3 * (time.perf_counter() - started):.2f} ms")
    kept = kept_points(chart)
    assert len(kept["loss"][0]) <= 2000 and len(kept["val_loss"][0]) == 1000
    assert (kept["loss"][0][0], kept["loss"][0][-1]) == (1, n)    # the saved chart spans the whole run
    assert max(kept["loss"][1]) == 40.0 and 54_322 in kept["loss"][0]
    assert min(kept["loss"][1]) == float(loss.min())
    assert kept["val_loss"][0] == list(range(100, n + 1, 100))
    state, paths, buffers = _remove_buffers({"snapshot": chart.get_state()["snapshot"]})
    stored = json.dumps({"state": state, "buffers": [
        {"path": p, "encoding": "base64", "data": base64.b64encode(b).decode()} for p, b in zip(paths, buffers)]})
    assert len(stored) < 64_000, len(stored)      # as nbclient / JupyterLab store it in the notebook


@pytest.fixture
def validated(lesson2):
    x, y = make_batch(jax.random.key(5))
    trainer = scope.Trainer(**lesson2, validation=(x, y), eval_every=10,
                            apply=lambda p, xs: jax.vmap(mlp, in_axes=(0, None))(xs, p))
    board = trainer.show()
    for widget in (board.controls, board.loss_chart, board.diagram):
        attach(widget)
    yield trainer, board
    trainer.pause()


def test_the_chart_and_diagram_keep_their_picture_when_training_pauses_not_while_it_runs(validated):
    trainer, board = validated
    chart, diagram = board.loss_chart, board.diagram
    trainer.start()
    deadline = time.monotonic() + 60
    while trainer.current_step < 300:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert trainer.status == "running"
    assert chart.snapshot == EMPTY and diagram.snapshot == EMPTY
    assert snapshot_updates(chart) == 0 and snapshot_updates(diagram) == 0
    trainer.pause()
    settle(board)
    assert snapshot_updates(chart) == 1 and snapshot_updates(diagram) == 1
    kept = kept_points(chart)
    history = trainer.history
    for name in ("loss", "val_loss"):
        steps, values = decimate(history.steps_of(name), history[name])
        assert kept[name] == (steps.tolist(), values.tolist())
    assert kept["loss"][0][-1] == trainer.current_step
    (content, buffers), (maps, _) = replayed(diagram.snapshot)
    assert (content["kind"], maps["kind"]) == ("weights", "activations")
    kernels = [np.frombuffer(buffers[2 * k], "<f4").reshape(e["n_in"], e["n_out"]) for k, e in enumerate(content["layers"])]
    for kernel, weight in zip(kernels, trainer.params["weights"]):
        np.testing.assert_array_equal(kernel, np.asarray(weight, np.float32).T)


def test_run_keeps_the_last_step_and_reset_keeps_an_empty_chart(validated):
    trainer, board = validated
    trainer.run(40)
    assert board.controls.status == "done"
    assert kept_points(board.loss_chart)["loss"][0] == list(range(1, 41))
    trainer.reset()
    settle(board)
    assert kept_points(board.loss_chart) == {"loss": ([], []), "val_loss": ([], [])}


def test_a_standalone_diagram_keeps_its_picture_on_request(lesson2):
    diagram = NetworkDiagram(lesson2["params"], apply=lambda p, xs: jax.vmap(mlp, in_axes=(0, None))(xs, p))
    assert diagram.snapshot == EMPTY
    diagram.keep_picture()
    assert [content["kind"] for content, _ in replayed(diagram.snapshot)] == ["weights", "activations"]
