"""The widgets: LossChart, ControlBar and the Dashboard that combines them."""

from .control_bar import ControlBar
from .dashboard import Dashboard
from .loss_chart import LossChart

__all__ = ["ControlBar", "Dashboard", "LossChart"]
