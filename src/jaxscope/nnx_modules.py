"""The one home of what jaxscope knows about ``flax.nnx`` modules: recognising one, and rebuilding
one from its state in evaluation mode (dropout off, running batch statistics).

>>> is_nnx_module({"w": 1.0})
False
"""

from __future__ import annotations

from typing import Any


def is_nnx_module(obj: Any) -> bool:
    """True for a flax.nnx Module (False when flax is not installed)."""
    try:
        from flax import nnx
    except ImportError:  # flax is a dependency, but keep plain pytrees usable without it
        return False
    return isinstance(obj, nnx.Module)


def merged_for_eval(graphdef: Any, *state: Any) -> Any:
    """``nnx.merge(graphdef, *state)`` switched to evaluation mode."""
    from flax import nnx

    module = nnx.merge(graphdef, *state)
    module.eval()
    return module
