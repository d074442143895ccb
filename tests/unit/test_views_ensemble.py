"""An ensemble in a dashboard: views draw the focus member and the spread of all members (FunctionPlot
band, ParityPlot error bars), the picker changes the focus, a diagram edit changes that member only."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscope as scope
from jaxscope.views import FunctionPlot, ParityPlot
from jaxscope.widgets.member_picker import member_options
from recording import settle

X = jnp.linspace(-2, 2, 64)[:, None]
Y = jnp.sin(3 * X)


def init(key):
    k1, k2 = jax.random.split(key)
    return {"w1": jax.random.normal(k1, (1, 8)), "b1": jnp.zeros(8), "w2": jax.random.normal(k2, (8, 1)) * 0.3,
            "b2": jnp.zeros(1)}


def net(p, x):
    return jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]


def loss(p, batch):
    return jnp.mean((net(p, batch[0]) - batch[1]) ** 2)


@pytest.fixture(scope="module")
def board():
    trainer = scope.Trainer(params=init, loss=loss, data=(X, Y), batch_size=16, optimizer=0.01, ensemble=4,
                            apply=net, validation=(X, Y))
    plot, parity = FunctionPlot(interval=60), ParityPlot(interval=60)
    dashboard = trainer.show(views=[plot, parity])
    trainer.run(40)
    trainer.wait()
    settle(dashboard)
    yield trainer, dashboard, plot, parity
    dashboard.close()


def member_outputs(trainer, x):
    return np.stack([np.asarray(net(trainer.member(i), x), np.float64)[:, 0] for i in range(4)])


def test_views_draw_the_focus_member_and_the_members_quartiles(board):
    trainer, dashboard, plot, parity = board
    assert trainer.focus == 0 and plot.drawn_step == parity.drawn_step == 40
    every = member_outputs(trainer, jnp.asarray(plot.x)[:, None])
    np.testing.assert_allclose(plot.line.y, every[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(plot.spread.y, np.quantile(every, [0.25, 0.75], axis=0), rtol=1e-5, atol=1e-6)
    x_val = parity.sets["validation"][0]
    every_val = member_outputs(trainer, jnp.asarray(x_val))
    bars = parity.bars[0]
    assert np.asarray(bars.x).shape == (64, 2)
    np.testing.assert_allclose(np.asarray(bars.y), np.quantile(every_val, [0.25, 0.75], axis=0).T, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(parity.panels[0][1].y), every_val[0], rtol=1e-4, atol=1e-5)


def test_the_picker_moves_the_focus_and_an_edit_changes_that_member_only(board):
    trainer, dashboard, plot, _ = board
    picker = dashboard.member_picker
    assert [label for label, _ in picker.dropdown.options] == ["member 0", "member 1", "member 2", "member 3"]
    picker.dropdown.value = 2
    assert trainer.focus == 2
    settle(dashboard)
    every = member_outputs(trainer, jnp.asarray(plot.x)[:, None])
    np.testing.assert_allclose(plot.line.y, every[2], rtol=1e-5, atol=1e-6)
    before = [trainer.member(i)["b2"] for i in range(4)]
    trainer.edit(lambda p: {**p, "b2": p["b2"] + 1.0})
    after = [trainer.member(i)["b2"] for i in range(4)]
    assert [float(a[0] - b[0]) for a, b in zip(after, before)] == pytest.approx([0.0, 0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="0..3"):
        trainer.focus = 4


def test_member_options_mark_diverged_members():
    assert member_options(2, {1: 9}) == [("member 0", 0), ("member 1 (diverged at step 10)", 1)]
