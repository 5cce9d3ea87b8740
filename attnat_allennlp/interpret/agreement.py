"""
Agreement of attention with a word importance over the real tokens of one instance: Pearson r
(Kitada & Iyatomi), Kendall tau (Jain & Wallace, scipy's tau-b) with its p-value (Jain & Wallace
report the share of instances with p <= 0.05), Spearman rho, and the top-k Kendall distance of
Fagin et al. (2003, "Comparing top k lists") with k = max(10, 10% of the length); and their mean
and std over a data set. An instance with fewer than two tokens, or whose attention or importance
is constant (the correlations are undefined there), is skipped and counted, so that the means never
hold a NaN.
"""

import math
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import numpy
from scipy import stats

# The measures of one instance that `agreement` returns, in this order.
AGREEMENT_MEASURES = ("pearson", "kendall", "kendall_p", "spearman", "topk_kendall")
SIGNIFICANCE_LEVEL = 0.05


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


def _checked(
    attention: Sequence[float], importance: Sequence[float]
) -> Tuple[numpy.ndarray, numpy.ndarray, Optional[str]]:
    a = numpy.asarray(attention, dtype=float)
    b = numpy.asarray(importance, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"attention has {a.size} tokens but the importance has {b.size}")
    if a.size < 2:
        return a, b, "fewer than 2 tokens"
    if numpy.ptp(a) == 0 or numpy.ptp(b) == 0:
        return a, b, "constant vector"
    return a, b, None


def correlations(
    attention: Sequence[float], importance: Sequence[float]
) -> Tuple[Optional[Tuple[float, float]], Optional[str]]:
    """
    `((pearson_r, kendall_tau), None)` for two equally long vectors, or `(None, reason)` when the
    correlation is undefined (fewer than two tokens, a constant vector).
    """
    a, b, reason = _checked(attention, importance)
    if reason is not None:
        return None, reason
    pearson = float(stats.pearsonr(a, b)[0])
    kendall = float(stats.kendalltau(a, b)[0])
    return (pearson, kendall), None


def top_k_size(length: int, minimum: int = 10, fraction: float = 0.1) -> int:
    """Jain & Wallace's k: max(`minimum`, `fraction` of the length rounded up), at most the length."""
    return min(length, max(minimum, math.ceil(round(fraction * length, 9))))


def _ranks_within_top(values: numpy.ndarray, k: int) -> numpy.ndarray:
    """
    The rank (0 = highest) of each position among the `k` highest values, `k` for the others.
    Ties are broken by position (the earlier token ranks higher).
    """
    order = numpy.argsort(-values, kind="stable")
    ranks = numpy.full(values.size, k, dtype=int)
    ranks[order[:k]] = numpy.arange(k)
    return ranks


def top_k_kendall_distance(
    a: Sequence[float], b: Sequence[float], k: Optional[int] = None, penalty: float = 0.5
) -> float:
    """
    Fagin, Kumar & Sivakumar's (2003) Kendall distance K^(p) between the top-`k` lists of two
    scores of the same items (the positions ranked by decreasing value, ties broken by position),
    normalised by the number of pairs of the items in either list, so that it lies in [0, 1].

    For each pair of items of the union of the two top-k lists: 1 when the two lists order it
    differently (an item missing from a list counts as ranked after all of that list's items: the
    cases 1 to 3 of Fagin et al.), `penalty` (p; 1/2 is their "neutral" choice) when both items are
    missing from one list (case 4, the order is unknown), 0 otherwise. When `k` is the length every
    pair is of case 1 and the distance is the share of discordant pairs, (1 - tau) / 2 without ties.
    `k` defaults to `top_k_size(len(a))`.
    """
    a = numpy.asarray(a, dtype=float)
    b = numpy.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"the first scores have {a.size} items but the second have {b.size}")
    n = a.size
    k = top_k_size(n) if k is None else min(k, n)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    rank_a, rank_b = _ranks_within_top(a, k), _ranks_within_top(b, k)
    union = numpy.flatnonzero((rank_a < k) | (rank_b < k))
    if union.size < 2:
        return 0.0
    rank_a, rank_b = rank_a[union], rank_b[union]
    upper = numpy.triu_indices(union.size, 1)
    order_a = numpy.sign(rank_a[:, None] - rank_a[None, :])[upper]
    order_b = numpy.sign(rank_b[:, None] - rank_b[None, :])[upper]
    product = order_a * order_b
    total = float((product < 0).sum()) + penalty * float((product == 0).sum())
    return total / upper[0].size


def agreement(
    attention: Sequence[float], importance: Sequence[float]
) -> Tuple[Optional[Dict[str, float]], Optional[str]]:
    """
    `({measure: value}, None)` for two equally long vectors (the measures of
    `AGREEMENT_MEASURES`: Pearson r, Kendall tau-b and its two-sided p-value, Spearman rho, the
    top-k Kendall distance), or `(None, reason)` when the correlations are undefined (fewer than
    two tokens, a constant vector).
    """
    a, b, reason = _checked(attention, importance)
    if reason is not None:
        return None, reason
    kendall = stats.kendalltau(a, b)
    return {
        "pearson": float(stats.pearsonr(a, b)[0]),
        "kendall": float(kendall.statistic),
        "kendall_p": float(kendall.pvalue),
        "spearman": float(stats.spearmanr(a, b)[0]),
        "topk_kendall": top_k_kendall_distance(a, b),
    }, None


def agreement_batch(
    attentions: Sequence[Sequence[float]], importances: Sequence[Optional[Sequence[float]]]
) -> List[Tuple[Optional[Dict[str, float]], Optional[str]]]:
    """
    `agreement` for many instances at once (the same numbers): Pearson and Spearman (Pearson of
    scipy's average ranks, which is how `spearmanr` defines it) run vectorised over the instances
    of each length; an `importance` of `None` gives `(None, "no importance")`.
    """
    results: List[Tuple[Optional[Dict[str, float]], Optional[str]]] = [(None, None)] * len(
        attentions
    )
    by_length: Dict[int, List[Tuple[int, numpy.ndarray, numpy.ndarray]]] = {}
    for i, (attention, importance) in enumerate(zip(attentions, importances)):
        if importance is None:
            results[i] = (None, "no importance")
            continue
        a, b, reason = _checked(attention, importance)
        if reason is not None:
            results[i] = (None, reason)
            continue
        by_length.setdefault(a.size, []).append((i, a, b))
    for members in by_length.values():
        a = numpy.stack([m[1] for m in members])
        b = numpy.stack([m[2] for m in members])
        pearson = numpy.atleast_1d(stats.pearsonr(a, b, axis=1)[0])
        spearman = numpy.atleast_1d(
            stats.pearsonr(stats.rankdata(a, axis=1), stats.rankdata(b, axis=1), axis=1)[0]
        )
        for j, (i, a_i, b_i) in enumerate(members):
            kendall = stats.kendalltau(a_i, b_i)
            results[i] = (
                {
                    "pearson": float(pearson[j]),
                    "kendall": float(kendall.statistic),
                    "kendall_p": float(kendall.pvalue),
                    "spearman": float(spearman[j]),
                    "topk_kendall": top_k_kendall_distance(a_i, b_i),
                },
                None,
            )
    return results


class AgreementAccumulator:
    """
    Collects the per-instance agreement of attention with one importance over a data set.
    `summary()` gives `{measure: {mean, std, median, n}}` for `pearson`, `kendall`, `spearman` and
    `topk_kendall`, `kendall_significant` (the share of the instances with a Kendall p-value <=
    0.05, of those where it is defined) and `skipped` (`{reason: n}`).
    """

    def __init__(self) -> None:
        self.values: Dict[str, List[Optional[float]]] = {name: [] for name in AGREEMENT_MEASURES}
        self.skipped: Counter = Counter()

    @property
    def pearson(self) -> List[Optional[float]]:
        return self.values["pearson"]

    @property
    def kendall(self) -> List[Optional[float]]:
        return self.values["kendall"]

    def add(
        self, attention: Sequence[float], importance: Optional[Sequence[float]]
    ) -> Optional[Dict[str, float]]:
        """Adds one instance (`importance=None`: no importance for it); returns its measures."""
        if importance is None:
            result, reason = None, "no importance"
        else:
            result, reason = agreement(attention, importance)
        if result is None:
            self.skipped[reason] += 1
        for name in AGREEMENT_MEASURES:
            self.values[name].append(None if result is None else result[name])
        return result

    def add_batch(
        self,
        attentions: Sequence[Sequence[float]],
        importances: Sequence[Optional[Sequence[float]]],
    ) -> List[Optional[Dict[str, float]]]:
        """`add` for many instances (faster: see `agreement_batch`); returns their measures."""
        measures = []
        for result, reason in agreement_batch(attentions, importances):
            if result is None:
                self.skipped[reason] += 1
            for name in AGREEMENT_MEASURES:
                self.values[name].append(None if result is None else result[name])
            measures.append(result)
        return measures

    def significant_share(self) -> Optional[float]:
        """The share of the instances whose Kendall p-value is at most 0.05 (`None` for none)."""
        p_values = [p for p in self.values["kendall_p"] if p is not None and math.isfinite(p)]
        if not p_values:
            return None
        return float(numpy.mean(numpy.asarray(p_values) <= SIGNIFICANCE_LEVEL))

    def summary(self) -> Dict[str, object]:
        result: Dict[str, object] = {
            name: summarize(self.values[name]) for name in AGREEMENT_MEASURES if name != "kendall_p"
        }
        result["kendall_significant"] = self.significant_share()
        result["skipped"] = dict(self.skipped)
        return result
