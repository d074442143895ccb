"""jaxscope: train jax/flax/optax models in Jupyter and watch them learn.

>>> import jaxscope as scope
>>> trainer = scope.Trainer(params=params, loss=loss, data=make_batch, optimizer=1e-2)  # doctest: +SKIP
>>> trainer.show()  # doctest: +SKIP
"""

import importlib

from .training import Event, History, Snapshot, Trainer

__version__ = "0.1.0"  # the one place the version is written (pyproject.toml reads it)
__all__ = ["Dashboard", "Event", "History", "Snapshot", "LossChart", "NetworkDiagram", "Trainer", "compare", "datasets",
           "views"]


def __getattr__(name: str):
    # Widgets load their JS bundle on import; keep `import jaxscope` working without it.
    if name in ("LossChart", "Dashboard", "ControlBar"):
        from . import widgets

        return getattr(widgets, name)
    if name in ("datasets", "views"):
        # not `from . import datasets`: that looks the name up on this module first, i.e. here again
        return importlib.import_module(f".{name}", __name__)
    if name == "compare":   # scope.compare(t1, t2, ...): several runs on one chart
        from .widgets.compare import compare

        return compare
    if name == "NetworkDiagram":
        from .widgets.network_diagram import NetworkDiagram

        return NetworkDiagram
    raise AttributeError(f"module 'jaxscope' has no attribute {name!r}")
