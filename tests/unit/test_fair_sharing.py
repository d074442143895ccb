"""Several trainers in one process (issue 14): turns in arrival order, commands handled while a
trainer compiles, and every trainer started together makes progress and pauses."""

from __future__ import annotations

import threading
import time

import numpy as np

import jaxscope as scope
from jaxscope.training.turns import Turns
from waiting import wait_until




def test_turns_go_round_robin_in_arrival_order_and_a_waiting_turn_gives_way_to_a_command():
    turns, order = Turns(), []
    for client in ("a", "b", "c"):
        turns.ask(client)
    for _ in range(7):
        client = turns.next_up()
        turns.take(client)
        order.append(client)
        assert turns.next_up() is None          # one turn at a time
        turns.release(client)
        turns.ask(client)
    assert "".join(order) == "abcabca"


def test_a_turn_waiting_behind_another_returns_without_it_when_interrupted():
    turns, commands, got = Turns(), [], []
    with turns.turn("busy") as mine:
        assert mine

        def waiter():
            with turns.turn("waiting", interrupted=lambda: bool(commands)) as mine:
                got.append(mine)

        thread = threading.Thread(target=waiter)
        thread.start()
        wait_until(lambda: "waiting" in turns._waiting, 10)
        commands.append("pause")
        turns.wake()
        thread.join(10)
    assert got == [False] and turns.next_up() is None


def _gated_trainer(lesson2):
    """A trainer whose loss blocks at trace time (in the compilation) while ``gate`` is armed."""
    tracing, release, armed = threading.Event(), threading.Event(), threading.Event()
    loss = lesson2["loss"]

    def gated_loss(params, batch):
        if armed.is_set():
            tracing.set()
            release.wait(60)
        return loss(params, batch)

    trainer = scope.Trainer(**{**lesson2, "loss": gated_loss})
    armed.set()     # the constructor checked the loss already
    return trainer, tracing, release


def test_pause_and_reset_while_compiling_return_before_the_compilation_ends_and_training_then_is_exact(lesson2):
    trainer, tracing, release = _gated_trainer(lesson2)
    try:
        trainer.start()
        assert tracing.wait(60)
        assert trainer.status == "compiling"
        trainer.pause()                       # returns although the compilation is still blocked
        assert not release.is_set()
        assert (trainer.status, trainer.current_step, trainer.target_step) == ("idle", 0, None)
        trainer.start(50).wait()              # the same compilation, wanted again
        assert trainer.status == "compiling"
        trainer.reset()
        assert not release.is_set()
        assert (trainer.status, trainer.current_step, len(trainer.history)) == ("idle", 0, 0)
    finally:
        release.set()
    trainer.run(20)
    trainer.step(7)
    trainer.wait(60)
    assert (trainer.status, trainer.current_step) == ("paused", 27)
    np.testing.assert_array_equal(trainer.history.steps, np.arange(1, 28))
    reference = scope.Trainer(**lesson2)      # the same seed: the same losses
    reference.run(27)
    np.testing.assert_allclose(trainer.history["loss"], reference.history["loss"], rtol=1e-6)


def test_three_trainers_started_together_all_train_and_all_pause(lesson2):
    trainers = [scope.Trainer(**{**lesson2, "seed": seed}) for seed in range(3)]
    for trainer in trainers:
        trainer.start()
    try:
        wait_until(lambda: all(t.current_step > 0 for t in trainers), 120)
        reached = [t.current_step for t in trainers]
        wait_until(lambda: all(t.current_step > r for t, r in zip(trainers, reached)), 120)   # all go on, side by side
    finally:
        for trainer in trainers:
            trainer.pause()
    for trainer in trainers:
        assert trainer.status == "paused"
        assert len(trainer.history["loss"]) == trainer.current_step
    stopped = [t.current_step for t in trainers]
    time.sleep(0.1)
    assert [t.current_step for t in trainers] == stopped
