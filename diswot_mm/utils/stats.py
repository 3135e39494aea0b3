"""Summary statistics of repeated measurements (seeds, repeats)."""
import math
import statistics
from typing import Iterable, Tuple


def mean_std(values: Iterable[float]) -> Tuple[float, float]:
    """Mean and sample standard deviation (n - 1) of ``values``.

    One value has no spread to estimate: its std is reported as 0.0. NaN
    values (a seed whose score was not finite) are left out.

    Returns:
        tuple: ``(mean, std)``; ``(nan, nan)`` when no value is left.
    """
    values = [float(v) for v in values if not math.isnan(v)]
    if not values:
        return math.nan, math.nan
    return statistics.mean(values), (
        statistics.stdev(values) if len(values) > 1 else 0.0)
