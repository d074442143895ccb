"""Early stopping: the best validation loss is tracked inside the compiled loop, training stops when
it has not improved for `early_stopping` evaluations, and the best parameters come back exactly."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from course_models import init_mlp, mse_loss_batch


def overfitting(**options):
    """16 fixed points, a 1-50-50-1 MLP, validation on 256 fresh points: overfits within a few hundred steps."""
    f = lambda q: jnp.exp(-q**2) * jnp.sin(5 * q)
    x = jax.random.uniform(jax.random.key(0), (16, 1), minval=-3, maxval=3)
    xv = jax.random.uniform(jax.random.key(1), (256, 1), minval=-3, maxval=3)
    return scope.Trainer(params=init_mlp(jax.random.key(0), [1, 50, 50, 1]), loss=lambda p, b: mse_loss_batch(*b, p),
                         data=(x, f(x)), batch_size=16, validation=(xv, f(xv)), eval_every=20, optimizer=3e-3,
                         **options), (xv, f(xv))


def test_stops_after_patience_evaluations_and_restores_the_best_parameters_exactly():
    trainer, (xv, yv) = overfitting(early_stopping=10)
    trainer.run(20_000)
    val, steps = trainer.history["val_loss"], trainer.history.steps_of("val_loss")
    best = int(steps[np.argmin(val)])
    assert trainer.best_step == best
    assert trainer.status == "done"
    assert re.fullmatch(rf"early stopping at step {trainer.current_step}: val_loss has not improved for 10 "
                        rf"evaluations; parameters restored from step {best} \(val_loss [\d.e-]+\)", trainer.message)
    assert best + 10 * 20 <= trainer.current_step < 20_000
    assert np.all(val[steps > best] >= val.min())  # nothing better came after it
    np.testing.assert_allclose(float(mse_loss_batch(xv, yv, trainer.params)), float(val.min()), rtol=1e-5)


def test_patience_can_be_switched_off_while_the_best_step_is_still_tracked():
    trainer, _ = overfitting(early_stopping=10)
    trainer.early_stopping = None
    trainer.run(1_000)
    assert trainer.current_step == 1_000 and trainer.status == "done"
    val, steps = trainer.history["val_loss"], trainer.history.steps_of("val_loss")
    assert trainer.best_step == int(steps[np.argmin(val)])


def test_the_dashboard_chart_marks_the_best_step():
    from recording import settle

    trainer, _ = overfitting(early_stopping=5)
    board = trainer.show()
    assert board.loss_chart.best_step == -1
    trainer.run(5_000)
    settle(board)
    assert board.loss_chart.best_step == trainer.best_step > 0


def test_early_stopping_needs_validation_and_a_positive_patience(lesson2):
    with pytest.raises(ValueError, match=r"early_stopping needs validation=\(x_val, y_val\) or a validation generator"):
        scope.Trainer(**lesson2, early_stopping=5)
    trainer, _ = overfitting()
    assert trainer.best_step is None and trainer.early_stopping is None
    with pytest.raises((TypeError, ValueError), match="early_stopping"):
        trainer.early_stopping = 0


def test_the_control_bar_checkbox_sets_the_patience_and_shows_it():
    from recording import attach, from_front_end, settle

    trainer, _ = overfitting()
    board = trainer.show()
    attach(board.controls)
    assert board.controls.early_stopping == 0  # validation data: a checkbox, unticked
    from_front_end(board.controls, {"v": 2, "kind": "set", "name": "early_stopping", "value": 10})
    settle(board)
    assert (trainer.early_stopping, board.controls.early_stopping) == (10, 10)
    trainer.run(20_000)
    settle(board)
    assert trainer.status == "done" and trainer.current_step < 20_000
    assert board.loss_chart.best_step == trainer.best_step
    from_front_end(board.controls, {"v": 2, "kind": "set", "name": "early_stopping", "value": 0})
    settle(board)
    assert (trainer.early_stopping, board.controls.early_stopping) == (None, 0)


def test_without_validation_the_control_bar_has_no_checkbox(lesson2):
    from recording import attach, from_front_end, settle

    board = scope.Trainer(**lesson2).show()
    attach(board.controls)
    assert board.controls.early_stopping == -1
    from_front_end(board.controls, {"v": 2, "kind": "set", "name": "early_stopping", "value": 10})
    settle(board)
    assert board.controls.message == ("ValueError: early_stopping needs validation=(x_val, y_val) or a validation "
                                      "generator (with update=: a val_loss metric)")
