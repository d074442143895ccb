"""GridWorldView in a real JupyterLab, on a small maze with a tabular REINFORCE agent that compiles in
seconds: it renders the maze and the policy as arrows (the kernel's most likely moves), replays the
kernel's episodes in the browser (the agent walks through their cells in order while no new frame
arrives from the kernel), follows background training, and, with training and the replay paused,
nothing on it changes."""

from __future__ import annotations


import pytest

from .test_course_views import kernel, open_course_notebook, start
from .test_quickstart import DASHBOARD, pause_latency

pytestmark = pytest.mark.timeout(240)

ROOT = f"{DASHBOARD} [data-testid=grid-world]"
GRID_SETUP = """
import json
import jax, jax.numpy as jnp, numpy as np, optax
import jaxscope as scope

world = scope.datasets.maze(size=7, chests=3, steps=16, seed=1)
H, W = world.shape

def policy(p):
    return jax.nn.softmax(p["logits"], axis=-1)

def rollout(p, key, n):
    def episode(key):
        def move(state, key):
            action = jax.random.categorical(key, p["logits"][state.position[0], state.position[1]])
            state, reward = world.step(state, action)
            return state, (state.position, reward, action)
        return jax.lax.scan(move, world.reset(), jax.random.split(key, world.steps))[1]
    return jax.vmap(episode)(jax.random.split(key, n))[:2]

def loss(p, batch, key):
    def episode(key):
        def move(state, key):
            logits = p["logits"][state.position[0], state.position[1]]
            action = jax.random.categorical(key, logits)
            state, reward = world.step(state, action)
            return state, (jax.nn.log_softmax(logits)[action], reward)
        return jax.lax.scan(move, world.reset(), jax.random.split(key, world.steps))[1]
    log_p, rewards = jax.vmap(episode)(jax.random.split(key, 32))
    to_go = jnp.cumsum(rewards[:, ::-1], axis=1)[:, ::-1]
    return -jnp.mean(jnp.sum(log_p * (to_go - to_go.mean(0)), axis=1)), {"return": rewards.sum(1).mean()}

trainer = scope.Trainer(params={"logits": jnp.zeros((H, W, 4))}, loss=loss, data=None, optimizer=optax.adam(0.05),
                        strategy="step")
view = scope.views.GridWorldView(maze=world, policy=policy, rollout=rollout, trajectories=2, speed=6, interval=0.3)
trainer.show(views=[view], diagram=False)
"""
GRID_PROBE = """
view.wait(10)
data = view.compute(trainer.params)
symbols = np.array(list("^>v<"))
arrows = "/".join("".join("#" if a < 0 else symbols[a] for a in row) for row in data["best_actions"])
print(json.dumps({"status": trainer.status, "step": trainer.current_step, "drawn": view.drawn_step,
                  "refreshes": view.refreshes, "frame": view.widget.frame, "arrows": arrows,
                  "walls": world.walls.astype(int).tolist(), "chests": world.chests.tolist(),
                  "positions": data["positions"].tolist(), "returns": data["returns"].tolist()}))
"""
# From now on, record every cell the agent shows (episode, move, row, column) and the frames received.
RECORD_AGENT = """(root) => {
  const agent = root.querySelector('[data-testid=grid-world-agent]');
  window.__agentCells = [];
  window.__agentFrames = new Set([root.dataset.frame]);
  if (window.__agentObserver) window.__agentObserver.disconnect();
  window.__agentObserver = new MutationObserver(() => {
    window.__agentFrames.add(root.dataset.frame);
    const cell = [Number(root.dataset.trajectory), Number(agent.dataset.move), Number(agent.dataset.row),
                  Number(agent.dataset.col)];
    const last = window.__agentCells[window.__agentCells.length - 1];
    if (!last || last.join() !== cell.join()) window.__agentCells.push(cell);
  });
  window.__agentObserver.observe(root, { attributes: true, subtree: true });
}"""
AGENT_SEEN = """() => { window.__agentObserver.disconnect();
  return { cells: window.__agentCells, frames: Array.from(window.__agentFrames) }; }"""
WATCH_ALL = """(root) => {
  window.__gridMutations = 0;
  window.__gridObserver = new MutationObserver((records) => { window.__gridMutations += records.length; });
  window.__gridObserver.observe(root, { attributes: true, childList: true, subtree: true, characterData: true });
}"""
SEEN_ALL = "() => { window.__gridObserver.disconnect(); return window.__gridMutations; }"


def attribute(nb, name: str) -> str:
    return nb.page.locator(ROOT).get_attribute(name)


def assert_replays_the_kernels_episodes(nb, state: dict) -> None:
    """For 3 s the agent walks through the kernel's episode cells in order; no new frame arrives."""
    nb.page.locator(ROOT).evaluate(RECORD_AGENT)
    nb.page.wait_for_timeout(3000)   # an observation window: the replay runs on its own
    seen = nb.page.evaluate(AGENT_SEEN)
    assert seen["frames"] == [str(state["frame"])]          # no new frame from the kernel meanwhile
    cells = seen["cells"]
    assert len(cells) >= 8, cells                            # 6 moves a second, with a rest at each end
    for episode, move, row, col in cells:
        assert state["positions"][episode][move] == [row, col], (episode, move, row, col)
    for (e0, m0, *_), (e1, m1, *_) in zip(cells, cells[1:]):
        assert (e1 == e0 and m1 == m0 + 1) or (e1 == (e0 + 1) % 2 and m1 == 0), (e0, m0, e1, m1)


def test_grid_world_view_draws_the_policy_replays_episodes_follows_training_and_stops_when_paused(
        jupyter_server_factory, browser_page, add_notebook):
    nb = open_course_notebook(jupyter_server_factory, browser_page, add_notebook,
                              [GRID_SETUP, "trainer.start()", GRID_PROBE])
    page = nb.page
    nb.wait_until("const r = document.querySelector(args.root); return r && Number(r.dataset.frame) >= 1;",
                  "the grid world to render its first frame", root=ROOT)
    state = kernel(nb)
    assert (state["status"], state["step"], state["drawn"]) == ("idle", 0, 0)

    # The maze: its walls, chests and start; an arrow per free cell, the kernel's most likely move
    walls = sum(map(sum, state["walls"]))
    assert page.locator(f"{ROOT} [data-testid=grid-world-walls] rect").count() == walls
    assert page.locator(f"{ROOT} [data-testid=grid-world-chest]").count() == 3
    assert page.locator(f"{ROOT} [data-testid=grid-world-start]").count() == 1
    assert attribute(nb, "data-arrows") == state["arrows"]
    assert page.locator(f"{ROOT} [data-testid=grid-world-arrows] path").count() == 49 - walls
    returns = page.locator(f"{ROOT} [data-testid=grid-world-episode]").evaluate_all(
        "(nodes) => nodes.map((n) => Number(n.dataset.return))")
    assert returns == state["returns"]

    # The replay animates in the browser, through the kernel's cells in order, with no kernel frame
    assert_replays_the_kernels_episodes(nb, state)

    # trainer.start(): the policy and the episodes are redrawn, again and again
    start(nb)
    seen = [attribute(nb, "data-step")]
    for _ in range(3):
        nb.wait_until("return document.querySelector(args.root).dataset.step !== args.before;",
                      "the grid world to follow training", root=ROOT, before=seen[-1])
        seen.append(attribute(nb, "data-step"))
    assert len(set(seen)) == 4 and all(int(a) < int(b) for a, b in zip(seen, seen[1:]))

    # Pause training: the view shows the paused step's policy; its episodes replay when the current one ends
    pause_latency(nb, 0)
    paused = kernel(nb)
    assert paused["status"] == "paused" and paused["drawn"] == paused["step"]
    nb.wait_until("const r = document.querySelector(args.root);"
                  "return r.dataset.step === args.step && r.dataset.replayStep === args.step;",
                  "the paused step's policy and episodes", timeout=30, root=ROOT, step=str(paused["step"]))
    assert attribute(nb, "data-arrows") == paused["arrows"] and attribute(nb, "data-frame") == str(paused["frame"])
    assert_replays_the_kernels_episodes(nb, paused)

    # Pause the replay too: then nothing on the view changes, and the kernel does not redraw
    page.locator(f"{ROOT} [data-action=play]").click()
    nb.wait_until("return document.querySelector(args.root).dataset.playing === 'false';", "the replay to pause",
                  root=ROOT)
    page.locator(ROOT).evaluate(WATCH_ALL)
    page.wait_for_timeout(2000)       # an observation window: nothing may move while both are paused
    assert page.evaluate(SEEN_ALL) == 0
    after = kernel(nb)
    assert {k: after[k] for k in ("status", "step", "refreshes", "frame")} == \
        {k: paused[k] for k in ("status", "step", "refreshes", "frame")}
    page.locator(ROOT).screenshot(path=str(nb.screenshot("grid-world-view")))
    nb.assert_clean_console()
