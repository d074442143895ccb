"""Argument checks shared by the generators: each raises a ValueError naming the argument and what
was expected, before anything is traced or compiled.

>>> count(32, "batch_size")
32
>>> count(0, "batch_size")
Traceback (most recent call last):
ValueError: batch_size must be a positive integer; got 0
"""

from __future__ import annotations

import math

import numpy as np


def count(value, name: str, minimum: int = 1) -> int:
    """`value` as an int >= `minimum` (a positive integer by default)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return int(value)


def as_float(value) -> float:
    """`value` as a float, NaN when it is not a number (booleans included)."""
    if isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def noise_std(value) -> float:
    """A noise standard deviation: a finite number >= 0."""
    number = as_float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"noise must be a finite number >= 0 (the noise standard deviation); got {value!r}")
    return number
