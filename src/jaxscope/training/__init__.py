"""The training engine: chunked compiled steps, the Trainer state machine, history."""

from .history import History
from .trainer import Trainer

__all__ = ["History", "Trainer"]
