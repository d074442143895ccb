"""``GraphView``: a graph network's predictions on a few fixed graphs, drawn as nodes and edges.

Give it the graphs (a dict of arrays, graphs on the first axis: ``senders``, ``receivers``, optional
``node_mask`` / ``edge_mask`` / ``positions`` and whatever else the model reads) and
``predict(params_or_model, graphs) -> {name: array}``. Say which predicted quantity to show how:

- ``node="name"``: a per-node value (graphs, nodes): node fill = prediction, ring = truth;
- ``edge="name"``: a per-edge value (graphs, edges): edge core = prediction, outer band = truth;
- ``vector="name"``: a per-node 2-D vector (graphs, nodes, 2), e.g. forces: arrows, blue the truth,
  orange the prediction;
- ``graph="name"`` (or several names): a per-graph value (graphs,), e.g. the energy: each panel's
  caption reads "name: predicted … · true …".

The truth of a quantity is the graphs' entry of the same name, when there is one. Nodes sit at the
graphs' ``positions`` or, without them, where a force-directed layout puts them. Colours are computed
here (a fixed range per quantity: from 0 when no value is negative, else symmetric around 0 on a
blue-white-red scale), so the page shows exactly the colours ``compute`` returns.

>>> import numpy as np
>>> g = {"senders": np.array([[0, 1]]), "receivers": np.array([[1, 2]]), "value": np.array([[1.0, 2.0, 3.0]])}
>>> view = GraphView(params=2.0, graphs=g, predict=lambda p, g: {"value": p * g["value"]}, node="value")
>>> view.compute(3.0)["node_prediction"].tolist()
[[3.0, 6.0, 9.0]]
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, Callable

import bqplot
import ipywidgets
import jax
import numpy as np

from ..nnx_modules import is_nnx_module, merged_for_eval
from .base import View
from .figures import BLUE, GREY, ORANGE
from .graph_colours import colours, gradient_css, value_range
from .graph_data import Graphs, arrows, check_graphs, fitted
from .graph_layout import spring_layout

MAX_GRAPHS = 6
MARGIN = {"top": 30, "bottom": 8, "left": 8, "right": 8}     # equal side margins: a square plot area
EDGE_BAND, EDGE_CORE, EDGE_PLAIN = 8, 3, 1.5                  # stroke widths (pixels)
RING, FILL, PLAIN = 230, 90, 60                               # marker areas (square pixels)


def _name(value: Any, role: str) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return value
    raise ValueError(f"{role} must be the name of a predicted quantity (a non-empty string) or None; got {value!r}")


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    names = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else None
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"graph must be the name of a per-graph quantity, a list of names, or None; got {value!r}")
    return names


def _span(value: Any, name: str) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        lo = hi = float("nan")
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be (low, high) with low < high, or None (from the truth); got {value!r}")
    return lo, hi


def rmse(prediction: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> float:
    """Root mean squared difference over the real entries (``mask`` over the leading axes).

    >>> rmse(np.array([[1.0, 5.0]]), np.array([[0.0, 0.0]]), np.array([[True, False]]))
    1.0
    """
    squared = (prediction - truth) ** 2
    squared = squared.reshape(*mask.shape, -1).sum(axis=-1)[mask]
    return float(np.sqrt(squared.mean())) if squared.size else float("nan")


class GraphView(View):
    """Predictions of a graph network on a few fixed graphs, one panel each (see the module docstring).

    Args:
      trainer: the Trainer to follow (or leave it out and use it in ``trainer.show(views=[...])``);
        without one, ``params=`` and ``view.update(params)``.
      graphs: dict of arrays, the graphs on axis 0 (``scope.datasets.spring_networks(4)(key)``).
      predict: ``predict(params_or_model, graphs) -> {name: array}`` (or one array when one quantity is
        shown), traced and compiled once; ``graphs`` are the shown graphs as jax arrays.
      node, edge, vector, graph: the names of the quantities to show (see the module docstring).
      count: how many graphs to show, 1 to 6 (the first ones).
      positions: the graphs' entry holding node positions (graphs, nodes, 2); missing: laid out.
      node_range, edge_range: fixed colour ranges (low, high); default from the truth.
      vector_scale: data units per vector unit for the arrows; default: 9 in 10 true arrows are at most
        0.6 of the median edge length (the panel widens to hold the longest).
      size: each panel's width in pixels (140 to 600).
    """

    runs_network = False        # predict= is the network; no apply needed

    def __init__(self, trainer: Any = None, *, graphs: Any = None, predict: Callable | None = None,
                 node: str | None = None, edge: str | None = None, vector: str | None = None, graph: Any = None,
                 count: int = 4, positions: str = "positions", node_range: Any = None, edge_range: Any = None,
                 vector_scale: float | None = None, size: int = 260, title: str = "graphs", **options: Any) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_GRAPHS:
            raise ValueError(f"count must be an integer from 1 to {MAX_GRAPHS}; got {count!r}")
        if predict is None or not callable(predict):
            raise ValueError("predict must be a function predict(params_or_model, graphs) -> {name: array}; "
                             f"got {type(predict).__name__}")
        if not isinstance(positions, str):
            raise ValueError(f"positions must be the name of the graphs' entry holding node positions; got {positions!r}")
        self.roles = {role: _name(value, role) for role, value in (("node", node), ("edge", edge), ("vector", vector))}
        self.graph_names = _names(graph)
        if not any(self.roles.values()) and not self.graph_names:
            raise ValueError("GraphView shows predicted quantities: name at least one with node=, edge=, vector= "
                             "or graph=")
        self.ranges = {"node": _span(node_range, "node_range"), "edge": _span(edge_range, "edge_range")}
        if vector_scale is not None and (isinstance(vector_scale, bool) or not isinstance(vector_scale, (int, float))
                                         or not np.isfinite(vector_scale) or vector_scale <= 0):
            raise ValueError(f"vector_scale must be a number > 0 or None (automatic); got {vector_scale!r}")
        if isinstance(size, bool) or not isinstance(size, int) or not 140 <= size <= 600:
            raise ValueError(f"size must be a number of pixels from 140 to 600; got {size!r}")
        self.graphs: Graphs = check_graphs(graphs, count, positions)
        self.truth = {}
        for role, name in self._wanted():
            if name in self.graphs.arrays:
                self.truth[name] = fitted(self.graphs.arrays[name], role, self.graphs, f"the truth graphs[{name!r}]")
        self.predict_fn, self.positions_key = predict, positions
        self.vector_scale, self.size, self.title = vector_scale, size, title
        super().__init__(trainer, **options)

    # ---- the compiled prediction ----------------------------------------------------------------
    def _compile(self, model_or_params: Any) -> None:
        """``self._run(model_or_params) -> outputs``: one jitted call; the outputs' shapes checked by tracing
        (``jax.eval_shape``) before anything compiles."""
        predict = self.predict_fn
        if is_nnx_module(model_or_params):
            from flax import nnx
            graphdef = nnx.graphdef(model_or_params)

            def tree(model):
                return tuple(nnx.split(model, nnx.Param, ...)[1:])

            def run(state, graphs):
                return predict(merged_for_eval(graphdef, *state), graphs)
        else:
            def tree(params):
                return params

            run = predict
        self._device_graphs = jax.device_put(self.graphs.arrays)
        shapes = jax.eval_shape(run, tree(model_or_params), self._device_graphs)
        self._check_outputs(shapes)
        compiled = jax.jit(run)
        self._run = lambda m: compiled(tree(m), self._device_graphs)

    def _wanted(self) -> list[tuple[str, str]]:
        """(role, name) of every quantity shown."""
        return [*((r, n) for r, n in self.roles.items() if n), *(("graph", n) for n in self.graph_names)]

    def _as_dict(self, out: Any) -> Mapping:
        if isinstance(out, Mapping):
            return out
        wanted = self._wanted()
        if len(wanted) == 1 and hasattr(out, "shape"):
            return {wanted[0][1]: out}
        raise ValueError("GraphView: predict must return a dict {name: array} holding "
                         f"{', '.join(repr(n) for _, n in wanted)}; got {type(out).__name__}")

    def _check_outputs(self, shapes: Any) -> None:
        out = self._as_dict(shapes)
        for role, name in self._wanted():
            if name not in out:
                raise ValueError(f"GraphView: predict returned no {name!r} (named by {role}=); it returned "
                                 f"{sorted(map(str, out))}")
            fitted(np.zeros(out[name].shape), role, self.graphs, f"predict's {name!r}")

    # ---- the fixed geometry -----------------------------------------------------------------------
    def _layout(self) -> np.ndarray:
        g = self.graphs
        if self.positions_key in g.arrays:
            return np.where(g.node_mask[..., None], g.arrays[self.positions_key].astype(np.float64), 0.0)
        xy = np.zeros((g.count, g.nodes, 2))
        for k in range(g.count):
            real = np.flatnonzero(g.node_mask[k])
            index = np.zeros(g.nodes, int)
            index[real] = np.arange(len(real))
            edges = g.edge_mask[k]
            xy[k, real] = spring_layout(len(real), index[g.senders[k, edges]], index[g.receivers[k, edges]])
        return xy

    def _setup(self) -> None:
        g = self.graphs
        current = self.network.current()
        self._compile(current)
        self.xy = self._layout()
        self.real_nodes = [np.flatnonzero(g.node_mask[k]) for k in range(g.count)]
        self.real_edges = [np.flatnonzero(g.edge_mask[k]) for k in range(g.count)]
        lengths = np.concatenate([np.linalg.norm(self.xy[k, g.senders[k, e]] - self.xy[k, g.receivers[k, e]], axis=-1)
                                  for k, e in enumerate(self.real_edges)])
        self.reference_length = float(np.median(lengths)) if lengths.size and np.median(lengths) > 0 else 1.0
        first = self._predictions(current)
        for role in ("node", "edge"):
            name = self.roles[role]
            if name and self.ranges[role] is None:
                source = self.truth.get(name, first.get(name))
                mask = g.node_mask if role == "node" else g.edge_mask
                self.ranges[role] = value_range(source[mask])
        name = self.roles["vector"]
        if name and self.vector_scale is None:
            source = self.truth.get(name, first[name])
            sizes = np.linalg.norm(source, axis=-1)[g.node_mask]
            typical = float(np.percentile(sizes, 90)) if sizes.size else 0.0
            self.vector_scale = 0.6 * self.reference_length / typical if typical > 0 else 1.0
        data = self.compute(current)
        self._build_panels(data)

    def _predictions(self, model_or_params: Any) -> dict[str, np.ndarray]:
        out = self._as_dict(self._run(model_or_params))
        pulled = jax.device_get({name: out[name] for _, name in self._wanted()})
        return {name: fitted(pulled[name], role, self.graphs, f"predict's {name!r}") for role, name in self._wanted()}

    # ---- what to draw: pure, checked against numpy by the tests ---------------------------------
    def compute(self, model_or_params: Any) -> dict:
        """Predictions and what they look like, for the shown graphs: ``positions`` (G, N, 2) as drawn;
        per shown role ``<role>_prediction`` / ``<role>_truth`` (None without one) as float64 arrays,
        ``<role>_colors`` / ``<role>_truth_colors`` (one list of '#rrggbb' per graph, its real nodes or
        edges in order) and ``<role>_rmse``; for vectors ``arrows`` / ``truth_arrows`` (one (n, 5, 2)
        polyline per real node and graph: tail, tip, barb, tip, barb); ``graph`` {name: (prediction (G,),
        truth or None)}; ``captions`` (one string per graph) and ``summary`` (the heading's numbers)."""
        g = self.graphs
        found = self._predictions(model_or_params)
        data: dict[str, Any] = {"positions": self.xy}
        summary = []
        for role in ("node", "edge"):
            name = self.roles[role]
            if not name:
                continue
            real = self.real_nodes if role == "node" else self.real_edges
            mask = g.node_mask if role == "node" else g.edge_mask
            prediction, truth = found[name], self.truth.get(name)
            data[f"{role}_prediction"], data[f"{role}_truth"] = prediction, truth
            data[f"{role}_colors"] = [colours(prediction[k, real[k]], self.ranges[role]) for k in range(g.count)]
            data[f"{role}_truth_colors"] = None if truth is None else [
                colours(truth[k, real[k]], self.ranges[role]) for k in range(g.count)]
            data[f"{role}_rmse"] = None if truth is None else rmse(prediction, truth, mask)
        name = self.roles["vector"]
        if name:
            prediction, truth = found[name], self.truth.get(name)
            head = 0.25 * self.reference_length
            data["vector_prediction"], data["vector_truth"] = prediction, truth
            data["arrows"] = [arrows(self.xy[k, r], prediction[k, r], self.vector_scale, head)
                              for k, r in enumerate(self.real_nodes)]
            data["truth_arrows"] = None if truth is None else [
                arrows(self.xy[k, r], truth[k, r], self.vector_scale, head) for k, r in enumerate(self.real_nodes)]
            data["vector_rmse"] = None if truth is None else rmse(prediction, truth, g.node_mask)
        data["graph"] = {n: (found[n], self.truth.get(n)) for n in self.graph_names}
        for role in ("node", "edge", "vector"):
            if self.roles[role] and data[f"{role}_rmse"] is not None:
                summary.append(f"{self.roles[role]} RMSE {data[f'{role}_rmse']:.3g}")
        data["summary"] = " · ".join(summary)
        data["captions"] = [" · ".join(self._caption(n, predicted[k], None if true is None else true[k])
                                       for n, (predicted, true) in data["graph"].items())
                            for k in range(g.count)]
        return data

    @staticmethod
    def _caption(name: str, predicted: float, true: float | None) -> str:
        text = f"{name}: predicted {predicted:.4g}"
        return text if true is None else f"{text} · true {true:.4g}"

    # ---- the marks --------------------------------------------------------------------------------
    def _extent(self, k: int, data: dict) -> tuple[float, float, float]:
        """(centre x, centre y, half side) of a square holding graph k's nodes and true arrows."""
        points = [self.xy[k, self.real_nodes[k]]]
        if data.get("truth_arrows") is not None:
            points.append(data["truth_arrows"][k].reshape(-1, 2))
        points = np.concatenate(points)
        lo, hi = points.min(axis=0), points.max(axis=0)
        half = 0.5 * float(max(hi - lo)) * 1.12 + 0.15 * self.reference_length
        return float((lo[0] + hi[0]) / 2), float((lo[1] + hi[1]) / 2), half

    def _segments(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        g, e = self.graphs, self.real_edges[k]
        ends = np.stack([self.xy[k, g.senders[k, e]], self.xy[k, g.receivers[k, e]]], axis=1)   # (edges, 2, 2)
        return ends[..., 0].astype(np.float32), ends[..., 1].astype(np.float32)

    def _build_panels(self, data: dict) -> None:
        g = self.graphs
        self.panels = []
        for k in range(g.count):
            cx, cy, half = self._extent(k, data)
            scales = {"x": bqplot.LinearScale(min=cx - half, max=cx + half),
                      "y": bqplot.LinearScale(min=cy - half, max=cy + half)}
            panel = {}
            ex, ey = self._segments(k)
            count = len(ex)
            if self.roles["edge"]:
                if data["edge_truth_colors"] is not None:
                    panel["edge_truth"] = bqplot.Lines(x=ex, y=ey, scales=scales, colors=data["edge_truth_colors"][k],
                                                       stroke_width=EDGE_BAND, labels=["edge true"] * count)
                panel["edges"] = bqplot.Lines(x=ex, y=ey, scales=scales, colors=data["edge_colors"][k],
                                              stroke_width=EDGE_CORE, labels=["edge predicted"] * count)
            else:
                panel["edges"] = bqplot.Lines(x=ex, y=ey, scales=scales, colors=[GREY], stroke_width=EDGE_PLAIN,
                                              labels=["edge"] * count)
            nx, ny = (self.xy[k, self.real_nodes[k], i].astype(np.float32) for i in (0, 1))
            if self.roles["node"]:
                if data["node_truth_colors"] is not None:
                    panel["node_truth"] = bqplot.Scatter(x=nx, y=ny, scales=scales, colors=data["node_truth_colors"][k],
                                                         default_size=RING, stroke="white", stroke_width=0.5)
                panel["nodes"] = bqplot.Scatter(x=nx, y=ny, scales=scales, colors=data["node_colors"][k],
                                                default_size=FILL, stroke="white", stroke_width=0.5)
            else:
                panel["nodes"] = bqplot.Scatter(x=nx, y=ny, scales=scales, colors=[GREY], default_size=PLAIN,
                                                stroke="white", stroke_width=0.5)
            if self.roles["vector"]:
                n = len(nx)
                if data["truth_arrows"] is not None:
                    tx, ty = (data["truth_arrows"][k][..., i].astype(np.float32) for i in (0, 1))
                    panel["truth_arrows"] = bqplot.Lines(x=tx, y=ty, scales=scales, colors=[BLUE], stroke_width=1.5,
                                                         labels=["true"] * n)
                px, py = (data["arrows"][k][..., i].astype(np.float32) for i in (0, 1))
                panel["arrows"] = bqplot.Lines(x=px, y=py, scales=scales, colors=[ORANGE], stroke_width=2,
                                               labels=["predicted"] * n)
            fig = bqplot.Figure(marks=list(panel.values()), axes=[], fig_margin=dict(MARGIN), animation_duration=0,
                                title=f"graph {k}: {int(g.node_count[k])} nodes, {int(g.edge_count[k])} edges",
                                layout=ipywidgets.Layout(width=f"{self.size}px", height=f"{self.size + 22}px"))
            fig.title_style = {"font-size": "13px"}
            fig.add_class("jaxscope-graph-panel")
            caption = ipywidgets.HTML(layout=ipywidgets.Layout(width=f"{self.size}px", margin="0 0 6px 0"))
            caption.add_class("jaxscope-graph-caption")
            panel["figure"], panel["caption"] = fig, caption
            self.panels.append(panel)
        self.heading = ipywidgets.HTML()
        self.heading.add_class("jaxscope-graph-heading")
        self.legend = ipywidgets.HTML(self._legend())
        self.legend.add_class("jaxscope-graph-legend")
        cards = [ipywidgets.VBox([p["figure"], p["caption"]]) for p in self.panels]
        self.children = [self.heading, ipywidgets.HBox(cards, layout=ipywidgets.Layout(flex_flow="row wrap")),
                         self.legend]
        self.add_class("jaxscope-graph-view")
        self._texts(data)

    def _legend(self) -> str:
        rows = []
        for role, how in (("node", "fill predicted, ring true"), ("edge", "core predicted, band true")):
            name = self.roles[role]
            if name:
                lo, hi = self.ranges[role]
                bar = (f'<span style="display:inline-block;width:90px;height:9px;vertical-align:middle;'
                       f'background:{gradient_css((lo, hi))}"></span>')
                kind = "nodes" if role == "node" else "edges"
                truth = "" if name in self.truth else " (no truth given)"
                rows.append(f"{kind}: {html.escape(name)} ({how}{truth}) {lo:.3g} {bar} {hi:.3g}")
        if self.roles["vector"]:
            rows.append(f'arrows: {html.escape(self.roles["vector"])} <span style="color:{BLUE}">━ true</span> '
                        f'<span style="color:{ORANGE}">━ predicted</span> (× {self.vector_scale:.3g})')
        return "<br>".join(rows)

    def _texts(self, data: dict) -> None:
        g = self.graphs
        sizes = f"{int(g.node_count.min())}–{int(g.node_count.max())} nodes" if g.count > 1 else ""
        parts = [f"<b>{html.escape(self.title)}</b>", f"{g.count} graph{'s' * (g.count != 1)}", sizes, data["summary"]]
        heading = " · ".join(p for p in parts if p)
        if self.heading.value != heading:
            self.heading.value = heading
        for panel, caption in zip(self.panels, data["captions"]):
            if panel["caption"].value != html.escape(caption):
                panel["caption"].value = html.escape(caption)

    def draw(self, data: dict) -> None:
        for k, panel in enumerate(self.panels):
            if self.roles["edge"]:
                panel["edges"].colors = data["edge_colors"][k]
            if self.roles["node"]:
                panel["nodes"].colors = data["node_colors"][k]
            if self.roles["vector"]:
                with panel["arrows"].hold_sync():
                    panel["arrows"].x = data["arrows"][k][..., 0].astype(np.float32)
                    panel["arrows"].y = data["arrows"][k][..., 1].astype(np.float32)
        self._texts(data)

    def _owned(self) -> list:
        return [panel["figure"] for panel in getattr(self, "panels", [])]
