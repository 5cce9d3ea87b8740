"""
Agreement of attention with a word importance: per-instance Pearson r (Kitada & Iyatomi) and
Kendall tau (Jain & Wallace, scipy's tau-b) over the real tokens, and their mean and std over a
data set. An instance with fewer than two tokens, or whose attention or importance is constant (the
correlation is undefined there), is skipped and counted, so that the means never hold a NaN.
"""
import math
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import numpy
from scipy import stats


def summarize(values: Sequence[float]) -> Dict[str, Optional[float]]:
    """`mean`, `std` (population), `median` and `n` of finite values; `None`s when there are none."""
    array = numpy.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if array.size == 0:
        return {"mean": None, "std": None, "median": None, "n": 0}
    return {
        "mean": float(array.mean()),
        "std": float(array.std()),
        "median": float(numpy.median(array)),
        "n": int(array.size),
    }


def correlations(
    attention: Sequence[float], importance: Sequence[float]
) -> Tuple[Optional[Tuple[float, float]], Optional[str]]:
    """
    `((pearson_r, kendall_tau), None)` for two equally long vectors, or `(None, reason)` when the
    correlation is undefined (fewer than two tokens, a constant vector).
    """
    a = numpy.asarray(attention, dtype=float)
    b = numpy.asarray(importance, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"attention has {a.size} tokens but the importance has {b.size}")
    if a.size < 2:
        return None, "fewer than 2 tokens"
    if numpy.ptp(a) == 0 or numpy.ptp(b) == 0:
        return None, "constant vector"
    pearson = float(stats.pearsonr(a, b)[0])
    kendall = float(stats.kendalltau(a, b)[0])
    return (pearson, kendall), None


class AgreementAccumulator:
    """
    Collects per-instance correlations of attention with one importance over a data set.
    `summary()` gives `{"pearson": {mean, std, median, n}, "kendall": {...}, "skipped": {reason: n}}`.
    """

    def __init__(self) -> None:
        self.pearson: List[Optional[float]] = []
        self.kendall: List[Optional[float]] = []
        self.skipped: Counter = Counter()

    def add(
        self, attention: Sequence[float], importance: Optional[Sequence[float]]
    ) -> Optional[Tuple[float, float]]:
        """Adds one instance (`importance=None`: no importance for it); returns its (r, tau)."""
        if importance is None:
            result, reason = None, "no importance"
        else:
            result, reason = correlations(attention, importance)
        if result is None:
            self.skipped[reason] += 1
            self.pearson.append(None)
            self.kendall.append(None)
            return None
        self.pearson.append(result[0])
        self.kendall.append(result[1])
        return result

    def summary(self) -> Dict[str, object]:
        return {
            "pearson": summarize(self.pearson),
            "kendall": summarize(self.kendall),
            "skipped": dict(self.skipped),
        }
