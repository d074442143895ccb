"""The dashboard's notebook output without widgets (a text summary, the loss chart as a PNG, kept
up to date when a notebook runs headless), and the control bar's target, Save action and scale."""

from __future__ import annotations

import base64
import re
import struct
import time
import types
import zlib

import jax
import jax.numpy as jnp
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import jaxscope as scope
from jaxscope.training.history import History
from jaxscope.widgets import saved_output
from jaxscope.widgets.chart_png import HEIGHT, WIDTH, chart_png
from recording import attach, from_front_end, settle

LOSS_BLUE, VAL_ORANGE = (0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E)


def decode_png(png: bytes) -> np.ndarray:
    """RGB pixels of a PNG written without filters (as chart_png writes it)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(png):
        (length,) = struct.unpack(">I", png[at:at + 4])
        kind, payload = png[at + 4:at + 8], png[at + 8:at + 8 + length]
        chunks[kind] = chunks.get(kind, b"") + payload
        at += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, 1 + 3 * width)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, 3)


def columns_with(picture: np.ndarray, colour) -> np.ndarray:
    return np.flatnonzero((picture == colour).all(axis=2).any(axis=0))


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def tiny_trainer(**kwargs) -> scope.Trainer:
    return scope.Trainer(params={"w": jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p["w"] - b) ** 2),
                         data=lambda key: jax.random.normal(key, (3,)) + 2.0, optimizer=0.1, **kwargs)


@pytest.fixture
def board():
    trainer = tiny_trainer(name="tiny")
    dashboard = trainer.show()
    attach(dashboard.controls)
    attach(dashboard.loss_chart)
    yield dashboard
    trainer.pause()


# ---- text/plain -------------------------------------------------------------------------
def test_summary_names_the_run_its_status_step_loss_and_best_validation_loss():
    history = History()
    history.extend("loss", np.arange(1, 5001), np.full(5000, 3.2e-5))
    history.extend("val_loss", [4800, 4900, 5000], [4.1e-5, 4.4e-5, np.nan])
    trainer = types.SimpleNamespace(name="lesson 2", status="done", current_step=5000, history=history)
    assert saved_output.summary_text(trainer) == "lesson 2 · done · step 5,000 · loss 3.2e-5 · best val_loss 4.1e-5 at step 4,800"


def test_summary_of_an_unnamed_trainer_before_training():
    trainer = types.SimpleNamespace(name="", status="idle", current_step=0, history=History())
    assert saved_output.summary_text(trainer) == "idle · step 0"


def test_bundle_keeps_the_widget_view_and_adds_the_summary_and_the_chart(board):
    board.trainer.run(50)
    bundle = board._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == board.model_id
    loss = saved_output.number_text(float(board.trainer.history["loss"][-1]))
    assert bundle["text/plain"] == f"tiny · done · step 50 · loss {loss}"
    assert repr(board) == f"Dashboard(tiny · done · step 50 · loss {loss})"     # a console says the same
    assert decode_png(base64.b64decode(bundle["image/png"])).shape == (HEIGHT, WIDTH, 3)


# ---- image/png --------------------------------------------------------------------------
def test_chart_png_draws_loss_across_the_width_and_val_loss_where_it_was_evaluated():
    history = History()
    history.extend("loss", np.arange(1, 1001), np.geomspace(1.0, 1e-4, 1000))
    history.extend("val_loss", [500, 1000], [1e-2, 1e-3])                     # the right half only
    history.extend("learning_rate", np.arange(1, 1001), np.full(1000, 1e-3))  # not charted
    picture = decode_png(chart_png(history))
    assert picture.shape == (HEIGHT, WIDTH, 3)
    blue, orange = columns_with(picture, LOSS_BLUE), columns_with(picture, VAL_ORANGE)
    assert blue.min() < 10 and blue.max() > WIDTH - 10
    assert WIDTH // 2 - 5 < orange.min() < WIDTH // 2 + 5 and orange.max() > WIDTH - 10
    rows = np.flatnonzero((picture == LOSS_BLUE).all(axis=2)[:, blue.min()])
    assert rows.max() < HEIGHT // 4          # the loss starts high on the log axis ...
    rows = np.flatnonzero((picture == LOSS_BLUE).all(axis=2)[:, blue.max()])
    assert rows.min() > 3 * HEIGHT // 4      # ... and ends low


def test_chart_png_of_an_empty_history_is_a_blank_frame():
    picture = decode_png(chart_png(History()))
    assert picture.shape == (HEIGHT, WIDTH, 3) and len(columns_with(picture, LOSS_BLUE)) == 0


# ---- the output kept up to date headless --------------------------------------------------
def test_stopping_without_a_live_page_updates_the_displayed_output(board, monkeypatch):
    import IPython.display

    updates = []
    monkeypatch.setattr(IPython.display, "update_display",
                        lambda bundle, raw, display_id: updates.append((bundle["text/plain"], display_id)))
    board.saved_output.displayed = True
    board.trainer.run(20)
    settle(board)
    assert updates == [("tiny · done · step 20 · loss "
                        f"{saved_output.number_text(float(board.trainer.history['loss'][-1]))}",
                        board.saved_output.display_id)]


def test_with_a_live_page_the_output_is_left_alone(board, monkeypatch):
    import IPython.display

    updates = []
    monkeypatch.setattr(IPython.display, "update_display", lambda *a, **k: updates.append(a))
    board.saved_output.displayed = True
    from_front_end(board.controls, {"v": 2, "kind": "ready"})
    board.trainer.run(20)
    settle(board)
    assert updates == []


NOTEBOOK = [
    "import jax, jax.numpy as jnp, jaxscope as scope\n"
    "trainer = scope.Trainer(params={'w': jnp.zeros(3)}, loss=lambda p, b: jnp.sum((p['w'] - b) ** 2),\n"
    "                        data=lambda key: jax.random.normal(key, (3,)) + 2.0, optimizer=0.1, name='tiny')\n"
    "trainer.show()",
    "trainer.run(300)",
]


def test_a_notebook_executed_headless_keeps_the_final_summary_and_chart(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in NOTEBOOK])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    (shown,) = nb.cells[0].outputs
    assert re.fullmatch(r"tiny · done · step 300 · loss \S+", shown["data"]["text/plain"]), shown["data"]["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in shown["data"]
    picture = decode_png(base64.b64decode(shown["data"]["image/png"]))
    assert columns_with(picture, LOSS_BLUE).max() > WIDTH - 10
    # no page: the run printed its progress (a line per 5 s on a slow machine) and its final line
    assert {output["name"] for output in nb.cells[1].outputs} == {"stderr"}
    *lines, final = "".join(output["text"] for output in nb.cells[1].outputs).rstrip("\n").split("\n")
    assert all(re.fullmatch(r"step [\d,]+/300( · .*)?", line) for line in lines), lines
    assert re.fullmatch(r"done · step 300 · loss \S+ · \d+\.\d s", final), final


# ---- control bar: target, Save, scale ------------------------------------------------------
def test_control_bar_shows_the_target_while_training_towards_one(board):
    controls, trainer = board.controls, board.trainer
    trainer.step(10_000_000)
    wait_until(lambda: controls.status == "running" and controls.target_step == 10_000_000)
    trainer.pause()
    settle(board)
    assert (controls.status, controls.target_step) == ("paused", -1)
    trainer.start()
    wait_until(lambda: controls.status == "running")
    assert controls.target_step == -1


class FakeSave:
    def __init__(self):
        self.calls = []

    def __call__(self, directory=None, *, wait=True, on_done=None):
        self.calls.append((directory, wait, on_done))


def test_save_button_shows_with_a_checkpoint_dir_and_reports_where_it_saved(board, tmp_path):
    controls, trainer = board.controls, board.trainer
    assert controls.can_save is False
    trainer.run(20)
    trainer.checkpoint_dir = str(tmp_path)
    trainer.save = save = FakeSave()
    controls.refresh(trainer.snapshot())
    assert controls.can_save is True
    from_front_end(controls, {"v": 2, "kind": "command", "action": "save"})
    ((directory, wait, on_done),) = save.calls
    assert (directory, wait) == (None, False)
    on_done(str(tmp_path / "step_20"))
    settle(board)
    assert controls.message == f"saved step 20 to {tmp_path / 'step_20'}"
    from_front_end(controls, {"v": 2, "kind": "command", "action": "save"})
    save.calls[-1][2](OSError("disk full"))
    settle(board)
    assert controls.message == "save failed: OSError: disk full"


@pytest.mark.skipif(not hasattr(scope.Trainer, "save"), reason="trainer.save (checkpoints) not there yet")
def test_save_click_writes_a_checkpoint_into_checkpoint_dir(board, tmp_path):
    controls, trainer = board.controls, board.trainer
    trainer.run(20)
    trainer.checkpoint_dir = tmp_path
    controls.refresh(trainer.snapshot())
    from_front_end(controls, {"v": 2, "kind": "command", "action": "save"})
    wait_until(lambda: controls.message.startswith("save"))
    assert controls.message == f"saved step 20 to {tmp_path / 'step_20'}"
    assert (tmp_path / "step_20").is_dir()


def test_save_without_a_checkpoint_dir_says_what_to_set(board):
    board.trainer.checkpoint_dir = None
    from_front_end(board.controls, {"v": 2, "kind": "command", "action": "save"})
    assert board.controls.message == "RuntimeError: set trainer.checkpoint_dir to a folder first; Save writes there"


def test_scale_reaches_the_control_bar():
    trainer = tiny_trainer()
    assert trainer.show(scale=1.5).controls.scale == 1.5


@pytest.mark.parametrize("scale", [0.2, 4, "big", True])
def test_a_scale_out_of_range_is_refused_naming_it(scale):
    trainer = tiny_trainer()
    with pytest.raises(ValueError, match=r"scale must be a number from 0.5 to 3 .*; got"):
        trainer.show(scale=scale)
