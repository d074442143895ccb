"""jaxscope: train jax/flax/optax models in Jupyter and watch them learn.

>>> import jaxscope as scope
>>> trainer = scope.Trainer(params=params, loss=loss, data=make_batch, optimizer=1e-2)  # doctest: +SKIP
>>> trainer.show()  # doctest: +SKIP
"""

from .training import History, Trainer

__version__ = "0.1.0"
__all__ = ["Dashboard", "History", "LossChart", "NetworkDiagram", "Trainer", "datasets", "views"]


def __getattr__(name: str):
    # Widgets load their JS bundle on import; keep `import jaxscope` working without it.
    if name in ("LossChart", "Dashboard", "ControlBar"):
        from . import widgets

        return getattr(widgets, name)
    if name == "datasets":
        from . import datasets

        return datasets
    if name == "views":
        import importlib

        return importlib.import_module(".views", __name__)
    if name == "NetworkDiagram":
        from .widgets.network_diagram import NetworkDiagram

        return NetworkDiagram
    raise AttributeError(f"module 'jaxscope' has no attribute {name!r}")
