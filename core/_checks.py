"""Argument checks shared by the core modules: a ValueError naming the value and what is accepted."""
from __future__ import annotations

import math

import numpy as np


def real(value, name: str) -> float:
    """A finite real number."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        out = math.nan
    if not math.isfinite(out):
        raise ValueError(f"{name}={value!r} must be a finite number")
    return out


def number(value, name: str, positive: bool = True) -> float:
    """A finite number, > 0 if ``positive`` else ≥ 0."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        out = math.nan
    if not math.isfinite(out) or (out <= 0 if positive else out < 0):
        raise ValueError(f"{name}={value!r} must be a finite number {'> 0' if positive else '>= 0'}")
    return out


def count(value, name: str, lo: int, hi: int) -> int:
    """An integer in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise ValueError(f"{name}={value!r} must be an integer from {lo} to {hi}")
    return int(value)


def reals(value, name: str) -> np.ndarray:
    """Real numbers (any shape) as a float64 array; inf and nan are let through for the caller to treat."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} must be real numbers") from None
