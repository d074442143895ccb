"""Checks of the Trainer's simple arguments, each raising an error that names the argument.

>>> positive_int(3, "steps"), check_strategy("auto")
(3, 'auto')
"""

from __future__ import annotations

from typing import Any

import numpy as np

STRATEGIES = ("auto", "loop", "step")


def positive_int(value: Any, name: str, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}; got {value}")
    return int(value)


def check_strategy(strategy: Any) -> str:
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be 'auto', 'loop' or 'step'; got {strategy!r}")
    return strategy
