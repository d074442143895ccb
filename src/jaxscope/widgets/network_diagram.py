"""``NetworkDiagram``: the network drawn from the model itself, its weights updated live."""

from __future__ import annotations

from typing import Any

import anywidget
import numpy as np
import traitlets

from ..inspect import architecture as derive_architecture
from ..inspect import dense_weights
from . import protocol
from .bundle import bundle
from .sync import SEND_LOCK, LockedStateMixin, reject_unknown
from .throttle import Throttle

UPDATE_INTERVAL = 0.1  # seconds: the diagram redraws at most 10 times a second


def weights_message(weights: list, dense_layers: list[int], version: int) -> tuple[dict, list[bytes]]:
    """A ``weights`` message: per dense layer a float32 (n_in, n_out) kernel, then its bias."""
    entries, buffers = [], []
    for index, (kernel, bias) in zip(dense_layers, weights):
        kernel = np.ascontiguousarray(kernel, dtype="<f4")
        entries.append({"layer": index, "n_in": int(kernel.shape[0]), "n_out": int(kernel.shape[1]),
                        "bias": bias is not None})
        buffers.append(kernel.tobytes())
        if bias is not None:
            buffers.append(np.ascontiguousarray(bias, dtype="<f4").tobytes())
    return {"v": protocol.VERSION, "kind": "weights", "version": version, "layers": entries}, buffers


class NetworkDiagram(LockedStateMixin, anywidget.AnyWidget):
    """The layers of ``params_or_module`` as a live diagram: edges coloured by weight sign and size.

    >>> NetworkDiagram(params)                                  # doctest: +SKIP
    >>> NetworkDiagram(model, input_shape=(2,))                 # nnx modules need the input shape
    """

    _esm = bundle("network_diagram.js")
    _css = bundle("jaxscope.css")

    architecture = traitlets.Dict().tag(sync=True)
    height = traitlets.Int(360, min=120).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(self, params_or_module: Any, *, input_shape: Any = None, orientation: str | None = None,
                 activations: Any = None, **kwargs: Any) -> None:
        reject_unknown(NetworkDiagram, kwargs)
        self.spec = derive_architecture(params_or_module, input_shape=input_shape, orientation=orientation,
                                        activations=activations)
        super().__init__(architecture=self.spec.to_json(), **kwargs)
        self._dense = [i for i, layer in enumerate(self.spec.layers) if layer.kind == "dense"]
        self._source = params_or_module
        self.version = 0
        self._throttle = Throttle(UPDATE_INTERVAL, self.publish, trailing=False)
        self.on_msg(self._on_message)

    @property
    def drawable(self) -> bool:
        return self.spec.drawable

    def update(self, params_or_module: Any, force: bool = False) -> None:
        """New weights to draw (sent at most every 0.1 s unless ``force``)."""
        self._source = params_or_module
        self.version += 1
        self._throttle.flush() if force else self._throttle.request()

    def publish(self) -> None:
        """Send the current weights of every dense layer, as binary buffers."""
        if not self.spec.drawable or not self._dense:
            return
        content, buffers = weights_message(dense_weights(self._source, self.spec), self._dense, self.version)
        with SEND_LOCK:
            self.send(content, buffers)

    def _on_message(self, _widget: Any, content: Any, _buffers: list) -> None:
        if protocol.message_kind(content) == "ready":
            self.publish()
