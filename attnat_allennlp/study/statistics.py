"""
The statistics of a study summary: which columns of runs.csv are measures, the choice of eps on the
validation set (the best mean over the selection seeds; any eps within one standard error of it
ties, and ties go to the smallest), the seed-paired difference from vanilla with its 95% t
interval and the paired t-test's p (`scipy.stats.ttest_rel`), and Holm's adjustment.
"""

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy
from scipy import stats

from attnat_allennlp.study.spec import StudySpec

# Columns of runs.csv that are not measures.
_NOT_MEASURES = {
    "dataset",
    "technique",
    "eps",
    "seed",
    "phase",
    "validation_metric",
    "best_epoch",
    "epochs",
    "training_seconds",
    "measure_seconds",
    "measured",
    "finished",
    "epochs_trained",
    "dirty",
    "measure_dirty",
}
# The confidence level of the intervals of the paired differences.
CONFIDENCE = 0.95


def is_number(value: Any) -> bool:
    """Whether a runs.csv value is a finite number (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def maximise(metric: str) -> bool:
    """Whether a validation metric (allennlp's `+auc`, `-loss`) is maximised."""
    return not str(metric).startswith("-")


def eps_scores(
    study: StudySpec, rows: List[Dict[str, Any]], dataset: str, technique: str
) -> Tuple[Optional[str], Dict[float, List[float]]]:
    """
    The validation metric's name (e.g. `+auc`) and its values per eps of `technique`'s grid over
    the selection seeds (the first `selection_seeds` seeds).
    """
    seeds = set(study.seeds[: study.selection_seeds])
    by_eps: Dict[float, List[float]] = {eps: [] for eps in study.grid(technique) if eps is not None}
    metric = None
    for row in rows:
        if row["dataset"] == dataset and row["technique"] == technique and row["seed"] in seeds:
            eps = row.get("eps")
            if eps is not None and float(eps) in by_eps and is_number(row.get("best_validation")):
                by_eps[float(eps)].append(float(row["best_validation"]))
                metric = row.get("validation_metric")
    return metric, by_eps


def select_eps(
    by_eps: Dict[float, List[float]], maximise: bool = True
) -> Tuple[float, List[float]]:
    """
    The eps chosen from validation scores per eps, and the eps that tie with the best: the best
    mean wins (the highest, or the lowest when not `maximise`), every eps whose mean lies within
    one standard error of the best eps's mean (its std, ddof 1, over sqrt(n); 0 with one seed)
    ties with it, and the smallest tied eps is chosen.
    """
    sign = 1.0 if maximise else -1.0
    means = {eps: float(numpy.mean(values)) for eps, values in by_eps.items()}
    best = max(sorted(means), key=lambda eps: sign * means[eps])
    values = by_eps[best]
    error = float(numpy.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
    tied = [eps for eps in sorted(means) if sign * (means[best] - means[eps]) <= error + 1e-12]
    return tied[0], tied


def choose_eps(
    study: StudySpec, rows: List[Dict[str, Any]], dataset: str, technique: str
) -> Optional[float]:
    """
    The eps of `technique`'s grid chosen on the validation set (`select_eps`: the best mean over
    the selection seeds, ties within one standard error going to the smallest eps), or `None`
    while some of those runs are missing. A technique with one eps (or vanilla) has nothing to
    choose: its only value.
    """
    grid = study.grid(technique)
    if len(grid) == 1:
        return grid[0]
    metric, by_eps = eps_scores(study, rows, dataset, technique)
    if any(len(values) < study.selection_seeds for values in by_eps.values()):
        return None
    return select_eps(by_eps, maximise(metric or "+"))[0]


def technique_rows(
    study: StudySpec, rows: List[Dict[str, Any]], dataset: str, technique: str
) -> Tuple[Optional[float], List[Dict[str, Any]]]:
    """The chosen eps of a technique and its (measured) rows at that eps, by seed."""
    eps = choose_eps(study, rows, dataset, technique)
    if len(study.grid(technique)) > 1 and eps is None:
        return None, []
    selected = [
        row
        for row in rows
        if row["dataset"] == dataset
        and row["technique"] == technique
        and row.get("measured", True)
        and (
            row.get("eps") is None
            if eps is None
            else row.get("eps") is not None and float(row["eps"]) == eps
        )
    ]
    return eps, sorted(selected, key=lambda row: row["seed"])


def measure_names(rows: List[Dict[str, Any]]) -> List[str]:
    """The numeric measure columns of rows, in order of appearance."""
    names: List[str] = []
    for row in rows:
        for key, value in row.items():
            if key not in _NOT_MEASURES and key not in names and is_number(value):
                names.append(key)
    return names


def paired_difference(
    values: Dict[int, float], baseline: Dict[int, float], confidence: float = CONFIDENCE
) -> Dict[str, Any]:
    """
    The seed-paired comparison of a technique's values with vanilla's of the same seeds:
    `pairs`, the mean `difference`, its `confidence` interval `ci_low`/`ci_high` (the t interval,
    mean +- t(1 - (1 - confidence) / 2, pairs - 1) * sd / sqrt(pairs), sd of the differences with
    ddof 1) and the two-sided paired t-test's `p_value` (`scipy.stats.ttest_rel`). The interval
    needs two pairs; `p_value` is `None` with fewer than two pairs or identical differences (whose
    interval is the difference itself).
    """
    seeds = sorted(set(values) & set(baseline))
    result: Dict[str, Any] = {
        "pairs": len(seeds),
        "difference": None,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
    }
    if not seeds:
        return result
    a = numpy.array([values[s] for s in seeds])
    b = numpy.array([baseline[s] for s in seeds])
    differences = a - b
    mean = float(numpy.mean(differences))
    result["difference"] = mean
    if len(seeds) < 2:
        return result
    if numpy.allclose(differences, differences[0]):
        result["ci_low"] = result["ci_high"] = mean
        return result
    half = float(
        stats.t.ppf(1 - (1 - confidence) / 2, len(seeds) - 1)
        * numpy.std(differences, ddof=1)
        / math.sqrt(len(seeds))
    )
    result["ci_low"], result["ci_high"] = mean - half, mean + half
    p = float(stats.ttest_rel(a, b).pvalue)
    result["p_value"] = p if math.isfinite(p) else None
    return result


def paired_test(
    values: Dict[int, float], baseline: Dict[int, float]
) -> Tuple[int, Optional[float], Optional[float]]:
    """
    `(pairs, mean difference, p)` of a two-sided paired t-test between a technique's and vanilla's
    values of the same seeds; `p` is `None` with fewer than two pairs or identical differences.
    """
    result = paired_difference(values, baseline)
    return result["pairs"], result["difference"], result["p_value"]


def holm(p_values: Sequence[Optional[float]]) -> List[Optional[float]]:
    """
    Holm's step-down adjustment of p-values (`None` entries are left out of the family and stay
    `None`): with the m p-values sorted, p_(1) <= ... <= p_(m), the adjusted p_(i) is
    max over j <= i of min(1, (m - j + 1) p_(j)). Reject at level a where the adjusted p <= a.
    """
    indexed = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: List[Optional[float]] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(indexed):
        running = max(running, min(1.0, (len(indexed) - rank) * p))
        adjusted[i] = running
    return adjusted


def peaked_at_last_epoch(row: Dict[str, Any]) -> Optional[bool]:
    """
    Whether a run's best validation epoch was the last one it trained (it was still improving
    when training stopped); `None` when the row does not say.
    """
    best = row.get("best_epoch")
    trained = row.get("epochs_trained")
    if not is_number(trained):
        trained = row.get("epochs")  # rows from before early stopping: every epoch ran
    if not is_number(best) or not is_number(trained):
        return None
    return int(best) == int(trained) - 1
