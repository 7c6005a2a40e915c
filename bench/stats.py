"""Median and spread of repeated measurements."""
import math
import statistics

__all__ = ["summary"]


def summary(values) -> tuple[float, float]:
    """(median, spread): the spread is the interquartile range, or max − min for fewer than four values;
    NaN for no values (NaNs are left out)."""
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return math.nan, math.nan
    if len(values) >= 4:
        q = statistics.quantiles(values, n=4)
        return statistics.median(values), q[2] - q[0]
    return statistics.median(values), max(values) - min(values)
