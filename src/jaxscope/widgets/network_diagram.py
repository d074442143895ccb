"""``NetworkDiagram``: the network drawn from the model itself, its weights updated live, what each
neuron computes over the input plane (1-D / 2-D inputs), and weights set by hand in edit mode."""

from __future__ import annotations

import math
from typing import Any, Callable

import anywidget
import traitlets

from ..inspect import architecture as derive_architecture
from ..inspect import dense_weights, is_nnx_module
from ..inspect import Architecture, ParamEntry
from ..inspect.block_stats import BlockStats
from ..inspect.blocks import as_blocks
from ..inspect.conv import conv_kernels
from ..inspect.dense import leaves_by_path
from ..inspect.edit import edited
from ..inspect.forward import Forward
from ..inspect.neuron_maps import NeuronMaps
from ..inspect.recurrent import gate_weights
from ..inspect.spec import replace
from ..inspect.tree import join_path, param_tree
from ..training import Event
from . import protocol, saved_state
from .bundle import bundle
from .monitor import Fed, Monitor
from .protocol import activations_message, block_stats_message, edit_result, parse_edit, weights_message
from .sync import SEND_LOCK, LockedStateMixin, reject_unknown

FRAME_INTERVAL = 0.2  # seconds: the diagram redraws at most 5 times a second

# edit_handler(edit, reply) applies one edit (layer=, param=, i=, j=, value=), now or later, and
# calls reply(ok, message) once it is done or refused; with reply None (a call from code) it applies
# the edit before returning and raises what refuses it.
EditHandler = Callable[[dict, Callable[[bool, str], None] | None], None]


def diagram_architecture(params_or_module: Any, *, apply: Callable | None, **options: Any):
    """The architecture traced through `apply` (skips, hand-written pooling and upsampling, the
    true input shapes), or read from the parameters' shapes alone where tracing cannot run (no
    input shape for a conv net, an `apply` that fails on an abstract batch)."""
    if apply is not None:
        try:
            return derive_architecture(params_or_module, apply=apply, **options)
        except Exception:  # the shapes still make a diagram
            pass
    try:
        return derive_architecture(params_or_module, **options)
    except Exception as why:   # a forward pass that cannot be traced: the modules as blocks
        return untraced_blocks(params_or_module, f"{type(why).__name__}: {why}")


def untraced_blocks(params_or_module: Any, why: str):
    """The blocks of the parameters alone, the note saying why the forward pass was not drawn."""
    from ..inspect.from_nnx import param_leaves

    if is_nnx_module(params_or_module):
        tree = tuple(ParamEntry(join_path(path), shape, math.prod(shape)) for path, shape in param_leaves(params_or_module))
    else:
        tree = param_tree(params_or_module)
    arch = Architecture((), (), sum(e.count for e in tree), False, f"the forward pass could not be traced: {why}", tree)
    return as_blocks(arch, params_or_module, f"drawn as blocks: the forward pass could not be traced ({why})")


def with_traced_activations(spec, maps: NeuronMaps, params_or_module: Any):
    """`spec` with the activations the forward applies filled in where the parameters alone could
    not tell (course pytrees: `tanh` between the dense layers of `NN`)."""
    if not maps.available:
        return spec
    try:
        names = maps.activations(params_or_module)
    except Exception:  # labels are a nicety; the maps report their own failure when drawn
        return spec
    layers = tuple(replace(layer, activation=names[k]) if layer.activation is None and k in names else layer
                   for k, layer in enumerate(spec.layers))
    return replace(spec, layers=layers)


class NetworkDiagram(Fed, LockedStateMixin, anywidget.AnyWidget):
    """The layers of ``params_or_module`` as a live diagram: edges coloured by weight sign and size.

    >>> NetworkDiagram(params, apply=lambda p, x: NN_batch(x, p))   # doctest: +SKIP
    >>> NetworkDiagram(model, input_shape=(2,))                       # nnx modules need the input shape

    With ``apply(params, x)`` (not needed for nnx modules or linen with ``module=``) and a 1- or
    2-D input, every neuron shows what it computes over ``input_range`` ((lo, hi), or one pair
    per input; default (-1, 1)). Edit mode sets single weights and biases: ``diagram.params``
    holds the result (an nnx module is updated in place), and ``edit_handler`` may redirect it.
    ``monitor``: the display loop that paces it (a trainer's, in a dashboard); by default its own.
    """

    _esm = bundle("network_diagram.js")
    _css = bundle("jaxscope.css")

    architecture = traitlets.Dict().tag(sync=True)
    height = traitlets.Int(360, min=120).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    editable = traitlets.Bool(True).tag(sync=True)
    snapshot = traitlets.Dict(saved_state.EMPTY).tag(sync=True)   # the picture kept in widget state

    def __init__(self, params_or_module: Any, *, input_shape: Any = None, orientation: str | None = None,
                 activations: Any = None, apply: Callable | None = None, module: Any = None,
                 input_range: Any = None, monitor: Monitor | None = None, **kwargs: Any) -> None:
        reject_unknown(NetworkDiagram, kwargs)
        self.spec = diagram_architecture(params_or_module, input_shape=input_shape, orientation=orientation,
                                         activations=activations, module=module, apply=apply)
        forward = Forward(params_or_module, apply=apply, module=module)
        self._maps = NeuronMaps(self.spec, forward, params_or_module, input_range=input_range)
        self.spec = with_traced_activations(self.spec, self._maps, params_or_module)
        super().__init__(architecture=self.spec.to_json(), **kwargs)
        self._dense = [i for i, layer in enumerate(self.spec.layers) if layer.kind == "dense"]
        self._stats = BlockStats(self.spec.blocks) if self.mode == "blocks" else None
        self._step: int | None = None             # the trainer step of the weights drawn (None: standalone)
        self._source = params_or_module
        self.version = 0
        self._drawn: tuple | None = None          # (step, params version) of the trainer's weights drawn
        self._kept: tuple | None = None           # ... and of those kept in ``snapshot``
        self._last: list[tuple[dict, list]] = []  # the messages of the last frame
        self.edit_handler: EditHandler | None = None
        self.on_msg(self._on_message)
        self.monitor = Monitor() if monitor is None else monitor
        self.monitor.add(self, pacer=self, interval=FRAME_INTERVAL)

    @property
    def drawable(self) -> bool:
        """Whether it draws the network's neurons (see ``mode``)."""
        return self.spec.drawable and self.spec.mode == "neurons"

    @property
    def mode(self) -> str | None:
        """"neurons", "blocks" (the modules as boxes: attention, message passing, a forward pass that
        cannot be traced) or None (nothing to draw: no parameters)."""
        if self.spec.mode == "blocks":
            return "blocks"
        return "neurons" if self.spec.drawable else None

    @property
    def thumbnails(self) -> str:
        """'' when neurons show their maps, else why not."""
        return self._maps.reason

    @property
    def params(self) -> Any:
        """The parameters (or module) drawn now, edits included."""
        return self._source

    def update(self, params_or_module: Any, force: bool = False) -> None:
        """New weights to draw (sent at most every 0.1 s; ``force``: as soon as the browser allows)."""
        self._source = params_or_module
        self.version += 1
        self.monitor.request(self, urgent=force)

    # ---- fed by the display loop ----------------------------------------------------------
    def frame(self, snap: Any, full: bool) -> bool:
        """Draw the trainer's weights of ``snap`` (a standalone diagram: the last ``update``)."""
        if snap is not None:
            drawn = snap.drawn_key      # (drawn step, params version, rewound?): trainer.rewind.show
            keep = saved_state.stopped(snap) and drawn != self._kept   # paused or stopped: keep the picture
            if drawn == self._drawn and not full:
                if keep:
                    self._keep(self._last, drawn)
                return False
            self._drawn = drawn
            self._source = snap.model_or_params
            self._step = snap.drawn_step
            self.version += 1
            self.publish()
            if keep:
                self._keep(self._last, drawn)
            return True
        self.publish()
        return True

    def keep_picture(self) -> None:
        """Store the current weights, neuron maps or block stats in the ``snapshot`` trait, so a
        notebook saved with widget state shows the diagram without a kernel. A trainer's diagram
        does it whenever training stops or pauses (never while it runs); call it yourself for a
        standalone diagram."""
        stateful = self._stats is not None and self._last    # block stats measure change since the last frame
        self._keep(self._last if stateful else self._messages(), self._drawn)

    def _keep(self, messages: list, drawn: tuple | None) -> None:
        kept = saved_state.snapshot(messages)
        with SEND_LOCK:
            self.snapshot = kept
        self._kept = drawn

    def on_event(self, event: Event, snap: Any) -> None:
        if event is Event.STATUS:   # edit mode only while the trainer is not training
            editable = snap.status not in ("running", "compiling")
            if self.editable != editable:
                with SEND_LOCK:
                    self.editable = editable


    def publish(self) -> None:
        """Send the current weights (dense, conv, recurrent gates) and, when available, the neuron maps;
        in block mode, each block's RMS and update size."""
        messages = self._last = self._messages()
        with SEND_LOCK:
            for content, buffers in messages:
                self.send(content, buffers)

    def _messages(self) -> list[tuple[dict, list]]:
        """The frame's messages: weights and neuron maps, or block stats (nothing to draw: none)."""
        if self._stats is not None:
            rms, update = self._stats(leaves_by_path(self._source), self._step if self._step is not None else self.version)
            return [(block_stats_message(rms, update, self.version, self._step), [])]
        if not self.spec.drawable:
            return []
        leaves = leaves_by_path(self._source)      # one walk of the parameters per frame (~0.3 ms)
        dense = [(k, w, b) for k, (w, b) in zip(self._dense, dense_weights(self._source, self.spec, leaves))]
        content, buffers = weights_message(dense, conv_kernels(self._source, self.spec, leaves), self.version,
                                           gate_weights(self._source, self.spec, leaves))
        maps = None
        if self._maps.available:
            try:
                grid, columns = self._maps(self._source)
                maps = activations_message(grid, columns, self.version)
            except Exception as why:  # the user's apply failed on the grid: draw without maps
                self._maps.disable(f"apply(params, x) failed on the input grid: {why}")
        return [(content, buffers)] + ([maps] if maps is not None else [])

    def edit(self, *, layer: int, param: str, i: int, j: int | None = None, value: float) -> None:
        """Set kernel[i, j] (input neuron i -> output neuron j) or bias[i] of dense layer ``layer``
        (in a dashboard: the trainer's parameters, applied before this returns)."""
        change = dict(layer=layer, param=param, i=i, j=j, value=value)
        if self.edit_handler is not None:
            self.edit_handler(change, None)
            return
        if is_nnx_module(self._source):  # the user's module, updated in place
            from flax import nnx

            nnx.update(self._source, edited(nnx.state(self._source, nnx.Param), self.spec, **change))
            self.update(self._source, force=True)
        else:
            self.update(edited(self._source, self.spec, **change), force=True)

    def _on_message(self, _widget: Any, content: Any, _buffers: list) -> None:
        if protocol.message_kind(content) == "edit":   # "ready" and "ack" go to the display loop
            try:
                if not self.editable:
                    raise ValueError("pause training to edit weights")
                change = parse_edit(content)
                if self.edit_handler is not None:   # e.g. the trainer's: applied by its driver, answered later
                    self.edit_handler(change, self._reply)
                    return
                self.edit(**change)   # a standalone diagram: its own parameters, now
            except (ValueError, TypeError) as why:
                self._reply(False, str(why))
                return
            self._reply(True, "")

    def _reply(self, ok: bool, message: str) -> None:
        with SEND_LOCK:
            self.send(edit_result(ok, message))
