"""The README's example: log the loss to a CSV file while training, with ``trainer.watch``."""

from __future__ import annotations

import csv

import numpy as np

import jaxscope as scope


def test_the_readme_csv_logger_writes_every_step_once(lesson2, tmp_path):
    trainer = scope.Trainer(**lesson2)
    log = open(tmp_path / "loss.csv", "w", newline="")
    writer, written = csv.writer(log), 0

    def write_new_losses(event):
        nonlocal written
        if event is scope.Event.STEPS:
            steps, losses = trainer.history.tail("loss", written)
            writer.writerows(zip(steps.tolist(), losses.tolist()))
            written += len(steps)

    stop = trainer.watch(write_new_losses)
    trainer.run(5000)
    stop()
    log.close()
    rows = list(csv.reader(open(tmp_path / "loss.csv")))
    assert [int(step) for step, _ in rows] == list(range(1, 5001))
    np.testing.assert_array_equal(np.array([float(v) for _, v in rows], np.float32), trainer.history["loss"])
