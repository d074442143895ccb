"""GridWorldView: the policy (probabilities, most likely action per cell) and the episodes it samples
(positions from the start, rewards, returns) against numpy; the binary traits the widget receives;
the fixed key; the errors for a bad layout or functions returning the wrong shapes, raised before
anything compiles; and a dashboard that follows a training REINFORCE agent."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscope as scope
from jaxscope.datasets.maze import MOVES, maze
from jaxscope.views.grid_world import GridWorldView
from recording import settle

WORLD = maze(layout=["#######",
                     "#S..C.#",
                     "#.#.#.#",
                     "#C....#",
                     "#######"], steps=6)
H, W = WORLD.shape


def policy(params):
    return jax.nn.softmax(params["logits"], axis=-1)


def rollout(params, key, n):
    """n episodes sampled from the tabular policy: cells after each move (n, T, 2), rewards (n, T)."""
    def episode(key):
        def move(state, key):
            action = jax.random.categorical(key, params["logits"][state.position[0], state.position[1]])
            state, reward = WORLD.step(state, action)
            return state, (state.position, reward)
        return jax.lax.scan(move, WORLD.reset(), jax.random.split(key, WORLD.steps))[1]
    return jax.vmap(episode)(jax.random.split(key, n))


def numpy_softmax(logits):
    z = np.exp(logits - logits.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def numpy_walk(actions_by_cell, steps):
    """The episode of a deterministic policy, walked in numpy: (cells from the start, rewards)."""
    cell, chests = (1, 1), {tuple(c) for c in WORLD.chests.tolist()}
    cells, rewards = [cell], []
    for _ in range(steps):
        dr, dc = MOVES[actions_by_cell[cell]]
        target = (cell[0] + int(dr), cell[1] + int(dc))
        if WORLD.walls[target]:
            rewards.append(-1.0)
        else:
            cell = target
            rewards.append(10.0 if cell in chests else 0.0)
            chests.discard(cell)
        cells.append(cell)
    return np.array(cells), np.array(rewards)


def random_params(seed=0):
    return {"logits": jnp.asarray(np.random.default_rng(seed).normal(size=(H, W, 4)), jnp.float32)}


def test_compute_gives_the_policys_probabilities_and_most_likely_moves():
    params = random_params()
    view = GridWorldView(params=params, maze=WORLD, policy=policy, rollout=rollout, trajectories=3)
    data = view.compute(params)
    want = numpy_softmax(np.asarray(params["logits"], np.float64))
    np.testing.assert_allclose(data["probabilities"], want, rtol=1e-5, atol=1e-7)
    assert data["best_actions"].shape == (H, W)
    assert np.array_equal(data["best_actions"], np.where(WORLD.walls, -1, want.argmax(-1)))


def test_the_episodes_of_a_certain_policy_are_the_numpy_walk_with_their_rewards_and_returns():
    best = {(1, 1): 1, (1, 2): 1, (1, 3): 1, (1, 4): 2, (2, 5): 2, (1, 5): 2, (3, 5): 3}
    logits = np.full((H, W, 4), -50.0, np.float32)
    for r in range(H):
        for c in range(W):
            logits[r, c, best.get((r, c), 0)] = 50.0   # elsewhere: up
    params = {"logits": jnp.asarray(logits)}
    view = GridWorldView(params=params, maze=WORLD, policy=policy, rollout=rollout, trajectories=2)
    data = view.compute(params)
    cells, rewards = numpy_walk({(r, c): int(logits[r, c].argmax()) for r in range(H) for c in range(W)}, 6)
    # right, right, right (chest), down into the wall at (2,4), twice, ...
    assert cells.tolist() == [[1, 1], [1, 2], [1, 3], [1, 4], [1, 4], [1, 4], [1, 4]]
    assert data["positions"].shape == (2, 7, 2) and data["positions"].dtype == np.int32
    assert np.array_equal(data["positions"], np.stack([cells, cells]))
    assert np.array_equal(data["rewards"], np.stack([rewards, rewards]))
    assert data["returns"].tolist() == [7.0, 7.0]


def test_the_same_key_at_every_redraw_and_another_with_another_seed():
    params = random_params(1)
    view = GridWorldView(params=params, maze=WORLD, policy=policy, rollout=rollout, trajectories=4)
    first, again = view.compute(params), view.compute(params)
    assert np.array_equal(first["positions"], again["positions"])
    other = GridWorldView(params=params, maze=WORLD, policy=policy, rollout=rollout, trajectories=4, seed=1)
    assert not np.array_equal(other.compute(params)["positions"], first["positions"])
    # the rewards agree with the cells walked: +10 on reaching a chest the first time, -1 standing still
    for cells, rewards in zip(first["positions"], first["rewards"]):
        chests, want = {tuple(c) for c in WORLD.chests.tolist()}, []
        for before, after in zip(cells[:-1], cells[1:]):
            if tuple(before) == tuple(after):
                want.append(-1.0)
            else:
                want.append(10.0 if tuple(after) in chests else 0.0)
                chests.discard(tuple(after))
        assert rewards.tolist() == want


def test_positions_with_the_start_first_are_taken_as_they_are():
    def with_start(params, key, n):
        cells, rewards = rollout(params, key, n)
        start = jnp.broadcast_to(jnp.asarray(WORLD.start), (n, 1, 2))
        return jnp.concatenate([start, cells], axis=1).astype(jnp.float32), rewards
    params = random_params(2)
    plain = GridWorldView(params=params, maze=WORLD, policy=policy, rollout=rollout).compute(params)
    given = GridWorldView(params=params, maze=WORLD, policy=policy, rollout=with_start).compute(params)
    assert np.array_equal(plain["positions"], given["positions"]) and plain["positions"][:, 0].tolist() == [[1, 1]] * 4


def test_the_widget_receives_the_layout_once_and_each_redraw_as_binary_traits():
    params = random_params(3)
    view = GridWorldView(params=params, walls=WORLD.walls, start=(1, 1), chests=[[1, 4], [3, 1]],
                         policy=policy, rollout=rollout, trajectories=3, title="maze")
    widget = view.widget
    assert widget.grid == {"rows": 5, "cols": 7, "walls": WORLD.walls.astype(int).ravel().tolist(),
                           "start": [1, 1], "chests": [[1, 4], [3, 1]], "actions": ["up", "right", "down", "left"]}
    data = view.compute(params)
    np.testing.assert_array_equal(np.frombuffer(widget.probabilities, np.float32).reshape(H, W, 4),
                                  data["probabilities"].astype(np.float32))
    np.testing.assert_array_equal(np.frombuffer(widget.positions, np.int32).reshape(3, 7, 2), data["positions"])
    np.testing.assert_array_equal(np.frombuffer(widget.rewards, np.float32).reshape(3, 6), data["rewards"])
    assert (widget.trajectories, widget.length, widget.frame, widget.title) == (3, 6, 1, "maze")
    assert widget.returns == data["returns"].tolist()
    assert view.heading.value == f"<b>maze</b> · 3 episodes with the current policy · mean return {data['returns'].mean():+.1f}"
    view.update(random_params(4))
    assert widget.frame == 2
    assert np.frombuffer(widget.probabilities, np.float32).reshape(H, W, 4)[1, 1].tolist() == pytest.approx(
        numpy_softmax(np.asarray(random_params(4)["logits"][1, 1], np.float64)).tolist(), rel=1e-5)
    view.close()


# ---- refusals -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({"policy": None}, r"policy must be a function policy\(params\) -> \(H, W, 4\) action probabilities; got NoneType"),
    ({"rollout": 3}, r"rollout must be a function rollout\(params, key, n\) -> \(positions \(n, T, 2\), rewards \(n, T\)\); got int"),
    ({"trajectories": 0}, r"trajectories must be an integer from 1 to 12; got 0"),
    ({"trajectories": 13}, r"trajectories must be an integer from 1 to 12; got 13"),
    ({"cell_size": 4}, r"cell_size must be an integer from 12 to 96 \(pixels\); got 4"),
    ({"speed": 0}, r"speed must be a number from 0.5 to 120 \(moves per second\); got 0"),
    ({"maze": None}, r"GridWorldView needs a layout: maze=scope.datasets.maze\(...\), or walls="),
    ({"maze": object()}, r"maze must have walls, start and chests \(e.g. scope.datasets.maze\(\)\); object has no walls"),
    ({"maze": None, "walls": np.zeros(5), "start": (0, 0)}, r"walls must be a 2-D array of booleans"),
    ({"start": (0, 0)}, r"start \(0, 0\) is a wall"),
    ({"start": (9, 1)}, r"start must be a \(row, column\) cell of the 5×7 grid; got \(9, 1\)"),
    ({"chests": [[1, 2, 3]]}, r"chests must be \(row, column\) cells, shape \(K, 2\); got shape \(1, 3\)"),
    ({"chests": [[1, 9]]}, r"chests\[0\] must be a \(row, column\) cell of the 5×7 grid"),
])
def test_bad_arguments_are_refused_naming_the_argument(kwargs, message):
    options = {"maze": WORLD, "policy": policy, "rollout": rollout, **kwargs}
    with pytest.raises(ValueError, match=message):
        GridWorldView(params=random_params(), **options)


@pytest.mark.parametrize("bad_policy, bad_rollout, message", [
    (lambda p: policy(p)[:, :3], None,
     r"policy\(params\) must return action probabilities of shape \(5, 7, 4\) \(rows, columns, actions "
     r"up/right/down/left\); got shape \(5, 3, 4\)"),
    (lambda p: p["logits"], None, r"policy\(params\) must return probabilities \(>= 0, summing to 1 over the 4 "
                                  r"actions\) on every free cell: softmax the logits"),
    (None, lambda p, k, n: rollout(p, k, n)[0], r"rollout\(params, key, 4\) must return"),
    (None, lambda p, k, n: (rollout(p, k, n)[0][:, :3], rollout(p, k, n)[1]),
     r"rollout\(params, key, 4\) must return positions of shape \(4, 6, 2\) \(the cell after each move\) or "
     r"\(4, 7, 2\) \(the start first\), with rewards \(4, 6\); got positions of shape \(4, 3, 2\)"),
    (None, lambda p, k, n: (rollout(p, k, n)[0], rollout(p, k, n)[1][:1]),
     r"rollout\(params, key, 4\) must return rewards of shape \(4, T\); got shape \(1, 6\)"),
    (None, lambda p, k, n: (rollout(p, k, n)[0] + 10, rollout(p, k, n)[1]),
     r"rollout: every position must be a \(row, column\) cell of the 5×7 grid"),
])
def test_functions_returning_the_wrong_shapes_are_refused_with_what_was_expected(bad_policy, bad_rollout, message):
    with pytest.raises(ValueError, match=message):
        GridWorldView(params=random_params(), maze=WORLD, policy=bad_policy or policy, rollout=bad_rollout or rollout)


def test_wrong_shapes_are_found_by_tracing_before_anything_compiles(monkeypatch):
    compiled = []
    monkeypatch.setattr(jax, "jit", lambda fn, *a, **k: compiled.append(fn) or fn)
    with pytest.raises(ValueError, match=r"policy\(params\) must return action probabilities of shape"):
        GridWorldView(params=random_params(), maze=WORLD, policy=lambda p: p["logits"][:2], rollout=rollout)
    assert compiled == []


# ---- following a trainer ----------------------------------------------------------------------------
def test_a_dashboard_follows_a_reinforce_agent_as_it_trains():
    def loss(params, batch, key):
        def episode(key):
            def move(state, key):
                logits = params["logits"][state.position[0], state.position[1]]
                action = jax.random.categorical(key, logits)
                nxt, reward = WORLD.step(state, action)
                return nxt, (jax.nn.log_softmax(logits)[action], reward)
            return jax.lax.scan(move, WORLD.reset(), jax.random.split(key, WORLD.steps))[1]
        logp, rewards = jax.vmap(episode)(jax.random.split(key, 16))
        returns = rewards.sum(1)
        return -jnp.mean(logp.sum(1) * (returns - returns.mean())), {"return": returns.mean()}

    trainer = scope.Trainer(params={"logits": jnp.zeros((H, W, 4))}, loss=loss, data=None,
                            optimizer=optax.adam(0.1), strategy="step")
    view = GridWorldView(maze=WORLD, policy=policy, rollout=rollout, trajectories=2, interval=60)
    board = trainer.show(views=[view])
    assert view.trainer is trainer and view.drawn_step == 0 and view.widget.step == 0
    np.testing.assert_allclose(np.frombuffer(view.widget.probabilities, np.float32), 0.25)
    trainer.run(12)
    trainer.wait()
    settle(board)
    assert view.drawn_step == trainer.current_step == 12 and view.widget.step == 12
    data = view.compute(trainer.params)
    np.testing.assert_allclose(np.frombuffer(view.widget.probabilities, np.float32).reshape(H, W, 4),
                               numpy_softmax(np.asarray(trainer.params["logits"], np.float64)), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(np.frombuffer(view.widget.positions, np.int32).reshape(2, 7, 2), data["positions"])
    board.close()


@pytest.mark.parametrize("name", ["jaxscope.views.grid_world", "jaxscope.views.grid_world_layout"])
def test_the_module_docstring_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_an_nnx_model_is_passed_to_the_functions_as_the_model():
    from flax import nnx

    class Table(nnx.Module):
        def __init__(self, logits):
            self.logits = nnx.Param(jnp.asarray(logits))

    logits = np.asarray(random_params(5)["logits"])
    model = Table(logits)
    view = GridWorldView(params=model, maze=WORLD, policy=lambda m: jax.nn.softmax(m.logits[...], axis=-1),
                         rollout=lambda m, key, n: rollout({"logits": m.logits[...]}, key, n), trajectories=2)
    data = view.compute(model)
    np.testing.assert_allclose(data["probabilities"], numpy_softmax(logits.astype(np.float64)), rtol=1e-5, atol=1e-7)
    want = GridWorldView(params={"logits": jnp.asarray(logits)}, maze=WORLD, policy=policy, rollout=rollout,
                         trajectories=2).compute({"logits": jnp.asarray(logits)})
    assert np.array_equal(data["positions"], want["positions"])
