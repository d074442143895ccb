"""GraphView: a few fixed spring networks drawn as nodes and edges, checked against numpy: node and edge
colours (fill / ring, core / band), force arrows (tails, tips, barbs, the automatic scale), the captions'
per-graph numbers and the heading's RMSEs; graphs without positions laid out; an nnx model; a dashboard
that trains; every bad argument refused with a clear error before anything compiles."""

from __future__ import annotations

import html

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import jaxscope as scope
from jaxscope.views.figures import BLUE, GREY, ORANGE
from jaxscope.views.graph_colours import DIVERGING, SEQUENTIAL, colours, gradient_css, value_range
from jaxscope.views.graph_data import arrows
from jaxscope.views.graph_layout import spring_layout
from jaxscope.views.graph_view import GraphView
from recording import settle

SPRINGS = {k: np.asarray(v) for k, v in scope.datasets.spring_networks(6)(jax.random.key(4)).items()}
SPRINGS["force_size"] = np.linalg.norm(SPRINGS["forces"], axis=-1)


def physics(p, g):
    """A 'model' that is the physics with every spring constant times p["scale"]: predictions scale with it."""
    s = p["scale"]
    return {"energy": s * g["energy"], "forces": s * g["forces"], "tension": s * g["tension"],
            "force_size": jnp.abs(s) * g["force_size"]}


def spring_view(scale=0.5, **options):
    options = {"graphs": SPRINGS, "predict": physics, "node": "force_size", "edge": "tension", "vector": "forces",
               "graph": "energy", **options}
    return GraphView(params={"scale": jnp.float32(scale)}, **options)


def real(g, k):
    return np.flatnonzero(g["node_mask"][k]), np.flatnonzero(g["edge_mask"][k])


# ---- the pure pieces ------------------------------------------------------------------------------
def test_colours_interpolate_the_palette_linearly_and_clip():
    assert colours(np.array([0.0, 1.0]), (0.0, 1.0)) == [SEQUENTIAL[0], SEQUENTIAL[-1]]
    assert colours(np.array([-3.0, -1.0, 0.0, 1.0, 7.0]), (-1.0, 1.0)) == [DIVERGING[0], DIVERGING[0], DIVERGING[1],
                                                                              DIVERGING[2], DIVERGING[2]]
    # a quarter of the way: halfway between blue #2166ac and white #f7f7f7
    assert colours(np.array([-0.5]), (-1.0, 1.0)) == ["#8caed2"]
    assert colours(np.array([1 / 9]), (0.0, 1.0)) == [SEQUENTIAL[1]] and colours(np.array([np.nan]), (0, 1)) == ["#888888"]
    assert value_range(np.array([1.0, 3.0])) == (0.0, 3.0) and value_range(np.array([-2.0, -1.0])) == (-2.0, 0.0)
    assert value_range(np.array([-2.0, 0.5, np.nan])) == (-2.0, 2.0) and value_range(np.zeros(3)) == (0.0, 1.0)
    assert gradient_css((-1.0, 1.0)) == "linear-gradient(to right, #2166ac, #f7f7f7, #b2182b)"


def test_arrows_are_tail_tip_and_two_barbs_at_25_degrees():
    tails, vectors = np.array([[1.0, 2.0], [0.0, 0.0], [5.0, 5.0]]), np.array([[0.0, 2.0], [3.0, 4.0], [0.0, 0.0]])
    lines = arrows(tails, vectors, 0.5, head=0.2)
    assert lines.shape == (3, 5, 2)
    np.testing.assert_allclose(lines[:, 0], tails)
    np.testing.assert_allclose(lines[:, 1], tails + 0.5 * vectors)
    np.testing.assert_allclose(lines[:, 3], lines[:, 1])
    for k, length in ((0, 1.0), (1, 2.5)):
        for barb in (2, 4):
            back = lines[k, barb] - lines[k, 1]
            assert np.linalg.norm(back) == pytest.approx(min(0.3 * length, 0.2))
            cos = -back @ vectors[k] / (np.linalg.norm(back) * np.linalg.norm(vectors[k]))
            assert np.degrees(np.arccos(cos)) == pytest.approx(25.0)
    np.testing.assert_allclose(lines[2], np.full((5, 2), 5.0))     # a zero vector: a point


def test_the_layout_keeps_a_ring_regular_and_pulls_joined_nodes_together():
    ring = spring_layout(6, np.arange(6), (np.arange(6) + 1) % 6)
    sides = np.linalg.norm(ring - np.roll(ring, 1, axis=0), axis=1)
    np.testing.assert_allclose(sides, sides.mean(), rtol=2e-3)   # a regular hexagon (up to rounding over 200 steps)
    assert np.abs(ring).max() == pytest.approx(1.0)
    # two triangles joined by one edge: nodes of a triangle closer to each other than to the other triangle
    senders, receivers = np.array([0, 1, 2, 3, 4, 5, 2]), np.array([1, 2, 0, 4, 5, 3, 3])
    xy = spring_layout(6, senders, receivers)
    distance = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    assert distance[:3, :3].max() < distance[:3, 3:].mean() and distance[3:, 3:].max() < distance[:3, 3:].mean()
    np.testing.assert_array_equal(xy, spring_layout(6, senders, receivers))      # deterministic


# ---- what it computes and draws ---------------------------------------------------------------------
def test_nodes_edges_arrows_and_captions_show_the_prediction_against_the_truth():
    view = spring_view(scale=0.5)
    g = SPRINGS
    data = view.compute({"scale": jnp.float32(0.5)})
    assert len(view.panels) == 4 and view.graphs.count == 4
    node_range = (0.0, float(max(g["force_size"][k][g["node_mask"][k]].max() for k in range(4))))
    top = float(max(np.abs(g["tension"][k][g["edge_mask"][k]]).max() for k in range(4)))
    assert view.ranges["node"] == pytest.approx(node_range) and view.ranges["edge"] == pytest.approx((-top, top))
    lengths = np.concatenate([np.linalg.norm(g["positions"][k, g["senders"][k, e]] - g["positions"][k, g["receivers"][k, e]],
                                             axis=-1) for k in range(4) for e in [real(g, k)[1]]])
    typical = np.percentile(np.linalg.norm(g["forces"][:4][g["node_mask"][:4]], axis=-1), 90)
    scale = 0.6 * np.median(lengths) / typical
    assert view.vector_scale == pytest.approx(scale, rel=1e-6)
    for k in range(4):
        nodes, edges = real(g, k)
        panel = view.panels[k]
        xy = g["positions"][k, nodes]
        # nodes: fill = prediction (half the true |F|), ring = truth, on one fixed range
        assert data["node_colors"][k] == colours(0.5 * g["force_size"][k, nodes], node_range)
        assert data["node_truth_colors"][k] == colours(g["force_size"][k, nodes], node_range)
        assert list(panel["nodes"].colors) == data["node_colors"][k]
        assert list(panel["node_truth"].colors) == data["node_truth_colors"][k]
        np.testing.assert_array_equal(panel["nodes"].x, xy[:, 0].astype(np.float32))
        np.testing.assert_array_equal(panel["node_truth"].y, xy[:, 1].astype(np.float32))
        assert (panel["node_truth"].default_size, panel["nodes"].default_size) == (230, 90)
        # edges: one line per real spring from sender to receiver; core = prediction, band = truth
        ends = g["positions"][k][np.stack([g["senders"][k, edges], g["receivers"][k, edges]], axis=1)]
        np.testing.assert_array_equal(panel["edges"].x, ends[..., 0].astype(np.float32))
        np.testing.assert_array_equal(panel["edge_truth"].y, ends[..., 1].astype(np.float32))
        assert list(panel["edges"].colors) == colours(0.5 * g["tension"][k, edges], (-top, top))
        assert list(panel["edge_truth"].colors) == colours(g["tension"][k, edges], (-top, top))
        assert (panel["edge_truth"].stroke_width, panel["edges"].stroke_width) == (8, 3)
        # arrows: from each node along its force; the prediction's are half as long
        tips = xy + scale * 0.5 * g["forces"][k, nodes]
        np.testing.assert_allclose(data["arrows"][k][:, 1], tips, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(data["truth_arrows"][k][:, 1], xy + scale * g["forces"][k, nodes], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(panel["arrows"].x, data["arrows"][k][..., 0].astype(np.float32))
        np.testing.assert_allclose(panel["truth_arrows"].y, data["truth_arrows"][k][..., 1].astype(np.float32))
        assert list(panel["arrows"].colors) == [ORANGE] and list(panel["truth_arrows"].colors) == [BLUE]
        assert panel["arrows"].x.shape == (len(nodes), 5)
        # the caption: predicted and true energy of this graph
        energy = g["energy"][k]
        assert html.unescape(panel["caption"].value) == f"energy: predicted {0.5 * energy:.4g} · true {energy:.4g}"
        assert data["captions"][k] == f"energy: predicted {0.5 * energy:.4g} · true {energy:.4g}"
        assert panel["figure"].title == f"graph {k}: {len(nodes)} nodes, {len(edges)} edges"
        assert [type(m).__name__ for m in panel["figure"].marks] == ["Lines", "Lines", "Scatter", "Scatter", "Lines", "Lines"]
        # the square plot shows every node and true arrow
        scales = panel["nodes"].scales
        assert scales["x"].max - scales["x"].min == pytest.approx(scales["y"].max - scales["y"].min)
        shown = np.concatenate([xy, data["truth_arrows"][k].reshape(-1, 2)])
        assert (shown[:, 0] > scales["x"].min).all() and (shown[:, 0] < scales["x"].max).all()
        assert (shown[:, 1] > scales["y"].min).all() and (shown[:, 1] < scales["y"].max).all()
    nm, em = g["node_mask"][:4], g["edge_mask"][:4]
    node_rmse = np.sqrt(np.mean((0.5 * g["force_size"][:4][nm]) ** 2))
    edge_rmse = np.sqrt(np.mean((0.5 * g["tension"][:4][em]) ** 2))
    vector_rmse = np.sqrt(np.mean(np.sum((0.5 * g["forces"][:4][nm]) ** 2, axis=-1)))
    assert (data["node_rmse"], data["edge_rmse"], data["vector_rmse"]) == pytest.approx((node_rmse, edge_rmse, vector_rmse),
                                                                                        rel=1e-5)
    sizes = g["node_mask"][:4].sum(1)
    assert html.unescape(view.heading.value) == (
        f"<b>graphs</b> · 4 graphs · {sizes.min()}–{sizes.max()} nodes · force_size RMSE {node_rmse:.3g} · "
        f"tension RMSE {edge_rmse:.3g} · forces RMSE {vector_rmse:.3g}")
    legend = view.legend.value
    assert "nodes: force_size (fill predicted, ring true)" in legend and "edges: tension (core predicted, band true)" in legend
    assert gradient_css((-top, top)) in legend and f"(× {scale:.3g})" in legend
    assert "jaxscope-graph-view" in view._dom_classes and view.refreshes == 1


def test_update_redraws_the_prediction_and_keeps_the_truth():
    view = spring_view(scale=0.0, count=2)
    g = SPRINGS
    view.update({"scale": jnp.float32(1.0)})        # the physics itself: prediction == truth
    for k in range(2):
        panel = view.panels[k]
        assert list(panel["nodes"].colors) == list(panel["node_truth"].colors)
        assert list(panel["edges"].colors) == list(panel["edge_truth"].colors)
        np.testing.assert_allclose(panel["arrows"].x, panel["truth_arrows"].x, atol=1e-6)
        assert html.unescape(panel["caption"].value) == f"energy: predicted {g['energy'][k]:.4g} · true {g['energy'][k]:.4g}"
    assert view.refreshes == 2 and "force_size RMSE 0 · tension RMSE 0 · forces RMSE 0" in view.heading.value
    # the colour ranges and arrow scale were fixed at the start (from the truth), so the two drawings compare
    assert view.ranges["edge"][0] == -view.ranges["edge"][1]


def test_plain_nodes_and_edges_when_only_a_per_graph_value_is_shown_and_graphs_without_positions_are_laid_out():
    g = {k: SPRINGS[k] for k in ("senders", "receivers", "edge_mask", "node_mask", "energy")}
    view = GraphView(params=2.0, graphs=g, predict=lambda p, g: p * g["energy"], graph="energy", count=3)
    for k in range(3):
        nodes, edges = real(g, k)
        panel = view.panels[k]
        assert [type(m).__name__ for m in panel["figure"].marks] == ["Lines", "Scatter"]
        assert list(panel["edges"].colors) == [GREY] and list(panel["nodes"].colors) == [GREY]
        index = np.zeros(20, int)
        index[nodes] = np.arange(len(nodes))
        xy = spring_layout(len(nodes), index[g["senders"][k, edges]], index[g["receivers"][k, edges]])
        np.testing.assert_allclose(view.compute(2.0)["positions"][k, nodes], xy)
        np.testing.assert_allclose(panel["nodes"].x, xy[:, 0].astype(np.float32))
        assert html.unescape(panel["caption"].value) == (
            f"energy: predicted {2 * g['energy'][k]:.4g} · true {g['energy'][k]:.4g}")
    assert view.legend.value == "" and html.unescape(view.heading.value).startswith("<b>graphs</b> · 3 graphs · ")


def test_a_quantity_without_truth_is_drawn_alone_and_fixed_ranges_are_kept():
    g = {k: SPRINGS[k] for k in ("senders", "receivers", "edge_mask", "node_mask", "positions")}
    view = GraphView(params=1.0, graphs=g, count=1, node="charge", node_range=(-2, 2), graph="total",
                     predict=lambda p, g: {"charge": p * g["positions"][..., 0], "total": jnp.sum(g["positions"][..., 0], 1)})
    nodes, _ = real(g, 0)
    assert [type(m).__name__ for m in view.panels[0]["figure"].marks] == ["Lines", "Scatter"]
    assert list(view.panels[0]["nodes"].colors) == colours(g["positions"][0, nodes, 0], (-2.0, 2.0))
    data = view.compute(1.0)
    assert data["node_truth"] is None and data["node_truth_colors"] is None and data["node_rmse"] is None
    total = g["positions"][0, :, 0].sum()
    assert data["captions"] == [f"total: predicted {total:.4g}"] and "(no truth given)" in view.legend.value


def test_an_nnx_model_is_run_in_evaluation_mode():
    class Scaled(nnx.Module):
        def __init__(self):
            self.scale = nnx.Param(jnp.float32(3.0))
            self.drop = nnx.Dropout(0.5, rngs=nnx.Rngs(0))

        def __call__(self, g):
            return self.drop(self.scale * g["energy"])

    view = GraphView(params=Scaled(), graphs=SPRINGS, predict=lambda model, g: model(g), graph="energy", count=2)
    assert view.compute(Scaled())["graph"]["energy"][0] == pytest.approx(3 * SPRINGS["energy"][:2], rel=1e-6)


def test_in_a_dashboard_it_follows_training():
    g = SPRINGS

    def loss(p, batch):
        return jnp.mean((p["scale"] * batch["energy"] - batch["energy"]) ** 2)

    trainer = scope.Trainer(params={"scale": jnp.float32(0.2)}, loss=loss,
                            data=scope.datasets.spring_networks(16), optimizer=0.05)
    view = GraphView(graphs=g, predict=physics, vector="forces", graph="energy", count=2, interval=60)
    board = trainer.show(views=[view], diagram=False)
    before = np.array(view.panels[0]["arrows"].x)
    trainer.run(40)
    trainer.wait()
    settle(board)
    assert view.drawn_step == trainer.current_step == 40
    s = float(trainer.params["scale"])
    assert 0.5 < s
    want = view.compute(trainer.params)
    np.testing.assert_allclose(view.panels[0]["arrows"].x, want["arrows"][0][..., 0].astype(np.float32))
    assert not np.allclose(view.panels[0]["arrows"].x, before)
    assert html.unescape(view.panels[1]["caption"].value) == f"energy: predicted {s * g['energy'][1]:.4g} · true {g['energy'][1]:.4g}"
    board.close()


# ---- bad arguments --------------------------------------------------------------------------------
def never(p, g):
    raise AssertionError("predict must not run for bad arguments")


E = SPRINGS["senders"].shape[1]


@pytest.mark.parametrize("options, message", [
    (dict(count=0), r"count must be an integer from 1 to 6; got 0"),
    (dict(count=7), r"count must be an integer from 1 to 6; got 7"),
    (dict(predict=None), r"predict must be a function predict\(params_or_model, graphs\) -> \{name: array\}; got NoneType"),
    (dict(node=3), r"node must be the name of a predicted quantity \(a non-empty string\) or None; got 3"),
    (dict(edge=""), r"edge must be the name of a predicted quantity .* got ''"),
    (dict(graph=[1]), r"graph must be the name of a per-graph quantity, a list of names, or None; got \[1\]"),
    (dict(node=None, edge=None, vector=None, graph=None), r"GraphView shows predicted quantities: name at least one"),
    (dict(node_range=(1, 1)), r"node_range must be \(low, high\) with low < high, or None \(from the truth\); got \(1, 1\)"),
    (dict(vector_scale=0), r"vector_scale must be a number > 0 or None \(automatic\); got 0"),
    (dict(size=50), r"size must be a number of pixels from 140 to 600; got 50"),
    (dict(positions=1), r"positions must be the name of the graphs' entry holding node positions; got 1"),
    (dict(graphs=[1, 2]), r"graphs must be a dict of arrays with the graphs on the first axis .*; got list"),
    (dict(graphs={"senders": SPRINGS["senders"]}), r"GraphView: graphs needs 'receivers': the node index at each end "
                                                   r"of every edge, shape \(graphs, edges\)"),
    (dict(graphs={**SPRINGS, "senders": SPRINGS["senders"][0]}),
     r"graphs\['senders'\] and graphs\['receivers'\] must both have shape \(graphs, edges\); got \(60,\) and \(6, 60\) "
     r"\(one graph: add a first axis, v\[None\]\)"),
    (dict(graphs={**SPRINGS, "senders": SPRINGS["senders"] * 1.0}), r"must hold integer node indices; got float64 and int32"),
    (dict(graphs={**SPRINGS, "energy": SPRINGS["energy"][:3]}),
     r"every entry of graphs needs the 6 graphs on its first axis; 'energy' has shape \(3,\)"),
    (dict(graphs={**SPRINGS, "positions": SPRINGS["positions"][..., :1]}),
     r"graphs\['positions'\] has shape \(4, 20, 1\); expected \(graphs, nodes, 2\) = \(4, 20, 2\)"),
    (dict(graphs={**SPRINGS, "edge_mask": SPRINGS["edge_mask"][:, :5]}),
     rf"graphs\['edge_mask'\] has shape \(4, 5\); expected \(4, {E}\) \(graphs, edges\)"),
    (dict(graphs={**SPRINGS, "receivers": SPRINGS["receivers"] + 19}),
     r"graphs\['receivers'\] has edges to nodes that do not exist or are padding \(indices must be real nodes in "
     r"0 … 19; mask padded edges with 'edge_mask'\)"),
    (dict(graphs={**SPRINGS, "forces": SPRINGS["forces"][..., 0]}),
     r"the truth graphs\['forces'\] has shape \(4, 20\); vector= expects \(graphs, nodes, 2\) = \(4, 20, 2\)"),
])
def test_bad_arguments_are_refused_before_predict_runs(options, message):
    options = {"graphs": SPRINGS, "predict": never, "node": "force_size", "edge": "tension", "vector": "forces",
               "graph": "energy", **options}
    with pytest.raises(ValueError, match=message):
        GraphView(params={"scale": jnp.float32(1.0)}, **options)


@pytest.mark.parametrize("predict, message", [
    (lambda p, g: {"energy": g["energy"]}, r"GraphView: predict returned no 'forces' \(named by vector=\); it returned \['energy'\]"),
    (lambda p, g: {"energy": g["energy"], "forces": g["forces"][..., 0]},
     r"GraphView: predict's 'forces' has shape \(4, 20\); vector= expects \(graphs, nodes, 2\) = \(4, 20, 2\)"),
    (lambda p, g: {"energy": g["forces"], "forces": g["forces"]},
     r"GraphView: predict's 'energy' has shape \(4, 20, 2\); graph= expects \(graphs,\) = \(4,\)"),
    (lambda p, g: g["energy"], r"GraphView: predict must return a dict \{name: array\} holding 'forces', 'energy'; got"),
])
def test_predictions_of_the_wrong_shape_are_refused_by_tracing_before_compiling(predict, message, monkeypatch):
    compiled = []
    monkeypatch.setattr(jax, "jit", lambda *a, **k: compiled.append(a) or (lambda *x: None))
    with pytest.raises(ValueError, match=message):
        GraphView(params=1.0, graphs=SPRINGS, predict=predict, vector="forces", graph="energy")
    assert compiled == []


def test_one_array_is_enough_for_one_quantity_and_a_trainer_is_not_needed_for_graphs():
    view = GraphView(params=1.0, graphs=SPRINGS, predict=lambda p, g: p * g["forces"], vector="forces", count=1)
    np.testing.assert_allclose(view.compute(1.0)["arrows"][0], view.compute(1.0)["truth_arrows"][0], atol=1e-6)
    with pytest.raises(ValueError, match=r"GraphView: pass params= when making a view without a trainer"):
        GraphView(graphs=SPRINGS, predict=physics, graph="energy").update({"scale": 1.0})
