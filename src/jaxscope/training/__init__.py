"""The training engine: chunked compiled steps, the Trainer and its driver, history, and the public
boundary that widgets and users watch it through (``Event``, ``watch``, ``Snapshot``, ``DataInfo``)."""

from .commands import Command
from .data_info import DataInfo
from .events import Event
from .history import History
from .snapshot import Snapshot
from .trainer import STATUSES, Trainer

__all__ = ["Command", "DataInfo", "Event", "History", "STATUSES", "Snapshot", "Trainer"]
