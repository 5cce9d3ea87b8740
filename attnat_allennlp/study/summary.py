"""
What a study shows: each technique's eps chosen on the validation set (the best mean over the
selection seeds; any eps within one standard error of it ties, and ties go to the smallest), mean
+- std over seeds of every measure at that eps, and the seed-paired difference from vanilla with
its 95% confidence interval (t interval over seeds) and the p-value of a two-sided paired t-test
(`scipy.stats.ttest_rel`). The study's `primary` measures are Holm-adjusted over all technique x
primary-measure comparisons of a dataset; the others are exploratory, with raw p. Written as
`summary.csv` (one row per dataset, technique and measure), `summary.md` (tables), `matched.csv`
(the techniques at equal eps, with `matched_eps`) and plots (`bars_<dataset>.png`: the paired
differences with their intervals; `eps_<dataset>.png`: the choice of eps).
"""

import csv
import logging
import math
import os
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy
from scipy import stats

from attnat_allennlp.study.spec import StudySpec

logger = logging.getLogger(__name__)

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
# The groups of the tables in summary.md: (title, patterns of measure names), in display order.
TABLE_GROUPS: Sequence[Tuple[str, Sequence[str]]] = (
    ("Prediction (test)", (r"accuracy", r"f1", r"auc")),
    (
        "Agreement of attention with word importance (test, per-instance mean)",
        (
            r"gradient_pearson",
            r"gradient_kendall",
            r"gradient_spearman",
            r"gradient_kendall_significant",
            r"gradient_topk_kendall",
            r"loo_pearson",
            r"loo_kendall",
        ),
    ),
    (
        "Faithfulness (ERASER AOPC) and sharpness",
        (r"comprehensiveness_aopc_.*", r"sufficiency_aopc_.*", r"entropy", r"entropy_normalised"),
    ),
    (
        "Plausibility: agreement with the annotators' word labels (SST; per-sentence mean)",
        (r"plausibility_.*",),
    ),
    (
        "Robustness: test accuracy under a worst-case perturbation of norm eps",
        (r"robust_accuracy_.*",),
    ),
)
# The measures drawn as bars.
BAR_MEASURES = (
    "accuracy",
    "auc",
    "gradient_pearson",
    "gradient_kendall",
    "comprehensiveness_aopc_attention",
    "sufficiency_aopc_attention",
    "entropy",
)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _maximise(metric: str) -> bool:
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
            if eps is not None and float(eps) in by_eps and _is_number(row.get("best_validation")):
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
    return select_eps(by_eps, _maximise(metric or "+"))[0]


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
            if key not in _NOT_MEASURES and key not in names and _is_number(value):
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
    if not _is_number(trained):
        trained = row.get("epochs")  # rows from before early stopping: every epoch ran
    if not _is_number(best) or not _is_number(trained):
        return None
    return int(best) == int(trained) - 1


def _comparison(
    dataset: str,
    technique: str,
    eps: Optional[float],
    name: str,
    selected: List[Dict[str, Any]],
    vanilla: List[Dict[str, Any]],
) -> Optional[Dict[str, Any]]:
    """One cell: mean +- std of a measure over a technique's rows and the paired comparison."""
    values = {r["seed"]: float(r[name]) for r in selected if _is_number(r.get(name))}
    if not values:
        return None
    array = numpy.array(list(values.values()))
    base = {r["seed"]: float(r[name]) for r in vanilla if _is_number(r.get(name))}
    comparison = (
        paired_difference({}, {}) if technique == "vanilla" else paired_difference(values, base)
    )
    if technique == "vanilla":
        comparison["pairs"] = 0
    return {
        "dataset": dataset,
        "technique": technique,
        "eps": eps,
        "measure": name,
        "n": len(array),
        "mean": float(array.mean()),
        "std": float(array.std(ddof=1)) if len(array) > 1 else None,
        "vanilla_mean": float(numpy.mean(list(base.values()))) if base else None,
        **comparison,
    }


def summarize(study: StudySpec, rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One summary row per dataset, technique and measure (see the module docstring)."""
    from attnat_allennlp.study.provenance import commits_of

    summary: List[Dict[str, Any]] = []
    names = measure_names([r for r in rows if r.get("measured", True)])
    for dataset in study.datasets:
        _, vanilla = technique_rows(study, rows, dataset.name, "vanilla")
        entries: List[Dict[str, Any]] = []
        for technique in study.techniques:
            eps, selected = technique_rows(study, rows, dataset.name, technique)
            if not selected:
                continue
            chosen = (
                "-"
                if technique == "vanilla"
                else (
                    "dev"
                    if len(study.grid(technique)) > 1
                    else "fixed"
                    if eps is not None
                    else "config"
                )
            )
            commits = ";".join(commits_of(selected))
            peaks = sum(1 for r in selected if peaked_at_last_epoch(r))
            for name in names:
                entry = _comparison(dataset.name, technique, eps, name, selected, vanilla)
                if entry is None:
                    continue
                entry.update(
                    {
                        "eps_choice": chosen,
                        "role": "primary" if name in study.primary else "exploratory",
                        "p_holm": None,
                        "commits": commits,
                        "last_epoch_peaks": peaks,
                    }
                )
                entries.append(entry)
        # Holm over every technique x primary-measure comparison of the dataset
        family = [e for e in entries if e["role"] == "primary" and e["technique"] != "vanilla"]
        for entry, adjusted in zip(family, holm([e["p_value"] for e in family])):
            entry["p_holm"] = adjusted
        summary.extend(entries)
    return summary


def summarize_matched(study: StudySpec, rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """
    The `matched` techniques at each of the study's `matched_eps` (every seed there), each measure
    with its paired difference from vanilla and interval (exploratory: raw p): direction compared
    at equal size.
    """
    matched: List[Dict[str, Any]] = []
    names = measure_names([r for r in rows if r.get("measured", True)])
    for dataset in study.datasets:
        _, vanilla = technique_rows(study, rows, dataset.name, "vanilla")
        for eps in study.matched_eps:
            for technique in study.matched():
                selected = sorted(
                    (
                        r
                        for r in rows
                        if r["dataset"] == dataset.name
                        and r["technique"] == technique
                        and r.get("measured", True)
                        and r.get("eps") is not None
                        and float(r["eps"]) == eps
                        and r["seed"] in study.seeds
                    ),
                    key=lambda r: r["seed"],
                )
                for name in names:
                    entry = _comparison(dataset.name, technique, eps, name, selected, vanilla)
                    if entry is not None:
                        matched.append(entry)
    return matched


def _signed(value: float) -> str:
    return f"{value:+.3f}"


def _cell(entry: Optional[Dict[str, Any]]) -> str:
    """`mean ± std; Δ difference [ci_low, ci_high], p` (p Holm-adjusted for a primary measure)."""
    if entry is None:
        return ""
    text = f"{entry['mean']:.3f}"
    if entry["std"] is not None:
        text += f" ± {entry['std']:.3f}"
    if entry.get("difference") is not None:
        text += f"; Δ {_signed(entry['difference'])}"
        if entry.get("ci_low") is not None:
            text += f" [{_signed(entry['ci_low'])}, {_signed(entry['ci_high'])}]"
    if entry.get("role") == "primary" and entry.get("p_holm") is not None:
        text += f", p_Holm={entry['p_holm']:.2g} (raw {entry['p_value']:.2g})"
    elif entry.get("p_value") is not None:
        text += f", p={entry['p_value']:.2g}"
    return text


def _group_measures(names: List[str]) -> List[Tuple[str, List[str]]]:
    groups, used = [], set()
    for title, patterns in TABLE_GROUPS:
        members = [n for p in patterns for n in names if re.fullmatch(p, n) and n not in used]
        # a measure and its test_ twin (allennlp's own test metric) are the same number: keep one
        members = [m for m in members if m not in used]
        used.update(members)
        if members:
            groups.append((title, members))
    rest = [n for n in names if n not in used and not n.startswith("test_")]
    if rest:
        groups.append(("Other", rest))
    return groups


def _table(
    by_key: Dict[Tuple, Dict[str, Any]], dataset: str, techniques: List[str], members: List[str]
) -> List[str]:
    lines = ["| technique | " + " | ".join(members) + " |", "|---" * (len(members) + 1) + "|"]
    for t in techniques:
        lines.append(
            f"| {t} | " + " | ".join(_cell(by_key.get((dataset, t, m))) for m in members) + " |"
        )
    return lines + [""]


def _eps_choice_lines(study: StudySpec, rows: List[Dict[str, Any]], dataset: str) -> List[str]:
    """Per gridded technique: each eps's mean ± standard error of the validation metric."""
    lines = []
    for technique in study.techniques:
        if len(study.grid(technique)) < 2:
            continue
        metric, by_eps = eps_scores(study, rows, dataset, technique)
        if not any(by_eps.values()):
            continue
        complete = all(len(v) >= study.selection_seeds for v in by_eps.values())
        chosen, tied = select_eps(by_eps, _maximise(metric or "+")) if complete else (None, [])
        parts = []
        for eps, values in sorted(by_eps.items()):
            if not values:
                parts.append(f"{eps:g}: —")
                continue
            error = numpy.std(values, ddof=1) / math.sqrt(len(values)) if len(values) > 1 else None
            text = f"{eps:g}: {numpy.mean(values):.4f}" + (
                f" ± {error:.4f}" if error is not None else ""
            )
            if eps == chosen:
                text = f"**{text}** (chosen)"
            elif eps in tied:
                text += " (tied)"
            parts.append(text)
        lines.append(f"- {technique} ({metric}, n={study.selection_seeds}): " + "; ".join(parts))
    if lines:
        lines = (
            [
                "Choice of eps (validation metric, mean ± standard error over the selection seeds; "
                "within one standard error of the best mean ties, the smallest tied eps is chosen):",
                "",
            ]
            + lines
            + [""]
        )
    return lines


def format_markdown(
    study: StudySpec,
    summary: List[Dict[str, Any]],
    rows: List[Dict[str, Any]],
    matched: Optional[List[Dict[str, Any]]] = None,
) -> str:
    """The tables of `summary.md`."""
    from attnat_allennlp.study.provenance import commits_of

    lines = ["# Study summary", ""]
    lines.append(
        f"Seeds {study.seeds}; epochs {study.epochs or 'as configured'}"
        + (f" (a cap: early stopping with patience {study.patience})" if study.patience else "")
        + f"; eps chosen on the validation set over the first {study.selection_seeds} seed(s) "
        "(best mean, ties within one standard error to the smallest eps) from the grids "
        + (", ".join(f"{t}: {[float(e) for e in g]}" for t, g in study.eps.items()) or "(none)")
        + f". Cells: mean ± std over seeds; Δ: the mean seed-paired difference from vanilla with "
        f"its {CONFIDENCE:.0%} confidence interval (t interval over seeds); p: two-sided paired "
        "t-test against vanilla over the same seeds. Primary measures "
        f"({', '.join(study.primary) or 'none'}): p Holm-adjusted over every technique x primary "
        "measure comparison of the dataset (p_Holm). Every other measure is exploratory: raw p, "
        "uncorrected."
    )
    lines.append("")
    by_key = {(e["dataset"], e["technique"], e["measure"]): e for e in summary}
    names = measure_names([r for r in rows if r.get("measured", True)])
    for dataset in study.datasets:
        techniques = [
            t
            for t in study.techniques
            if any(e["dataset"] == dataset.name and e["technique"] == t for e in summary)
        ]
        if not techniques:
            continue
        lines += [f"## {dataset.name}", ""]
        lines.append("| technique | eps | chosen by | seeds | trained by | peaked at last epoch |")
        lines.append("|---|---|---|---|---|---|")
        for t in techniques:
            entry = next(e for e in summary if e["dataset"] == dataset.name and e["technique"] == t)
            eps = "-" if entry["eps"] is None else f"{entry['eps']:g}"
            lines.append(
                f"| {t} | {eps} | {entry['eps_choice']} | {entry['n']} | "
                f"{entry.get('commits', '')} | {entry.get('last_epoch_peaks', '')} of {entry['n']} |"
            )
        lines.append("")
        dataset_rows = [r for r in rows if r["dataset"] == dataset.name]
        commits = commits_of(dataset_rows)
        if len(commits) > 1:
            lines.append(
                f"**These tables mix runs trained by {len(commits)} code versions**: "
                + ", ".join(f"{c} ({n} runs)" for c, n in commits.items())
                + " (runs.csv: `commit`, `dirty`, `config_hash`)."
            )
            lines.append("")
        peaks = [peaked_at_last_epoch(r) for r in dataset_rows]
        known = [p for p in peaks if p is not None]
        if known:
            lines.append(
                f"{sum(known)} of {len(known)} runs of {dataset.name} (grids included) had their "
                "best validation epoch at their last epoch: they were still improving when "
                "training stopped."
            )
            lines.append("")
        lines += _eps_choice_lines(study, rows, dataset.name)
        primary = [
            m for m in study.primary if any((dataset.name, t, m) in by_key for t in techniques)
        ]
        if primary:
            lines += ["### Primary measures (Holm-adjusted)", ""]
            lines += _table(by_key, dataset.name, techniques, primary)
        for title, members in _group_measures(names):
            members = [
                m
                for m in members
                if m not in primary and any((dataset.name, t, m) in by_key for t in techniques)
            ]
            if not members:
                continue
            lines += [f"### {title} (exploratory)", ""]
            lines += _table(by_key, dataset.name, techniques, members)
        lines += _matched_lines(study, matched or [], dataset.name)
    lines += _legend(names)
    return "\n".join(lines)


def _matched_lines(study: StudySpec, matched: List[Dict[str, Any]], dataset: str) -> List[str]:
    """The techniques at equal eps: one table per primary measure, a column per eps."""
    entries = {
        (e["technique"], e["eps"], e["measure"]): e for e in matched if e["dataset"] == dataset
    }
    if not entries:
        return []
    lines = [
        f"### Matched eps: the techniques at equal eps ({', '.join(f'{e:g}' for e in study.matched_eps)})",
        "",
        "Every seed at each eps (matched.csv has every measure); Δ and p against vanilla, "
        "exploratory (raw p).",
        "",
    ]
    measures = [m for m in study.primary if any(k[2] == m for k in entries)]
    for measure in measures:
        lines.append(f"{measure}:")
        lines.append("")
        lines.append("| technique | " + " | ".join(f"eps {e:g}" for e in study.matched_eps) + " |")
        lines.append("|---" * (len(study.matched_eps) + 1) + "|")
        for technique in study.matched():
            cells = [_cell(entries.get((technique, eps, measure))) for eps in study.matched_eps]
            lines.append(f"| {technique} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _legend(names: List[str]) -> List[str]:
    """One line per measure: what it is and which direction is better (`measure_description`)."""
    from attnat_allennlp.interpret.report import measure_description

    lines = ["## Measures", ""]
    for name in names:
        if name.startswith("test_") or name == "best_validation":
            continue
        try:
            description = measure_description(name)
        except KeyError:
            continue
        arrow = "higher is better" if description.higher_is_better else "lower is better"
        lines.append(f"- `{name}`: {description.description} ({arrow}).")
    lines.append(
        "- `best_validation`: the validation metric of the run's best epoch (what eps is chosen by)."
    )
    return lines + [""]


def _colour(technique: str) -> str:
    if technique.startswith("attention"):
        return "#3b75af"
    if technique.startswith("word"):
        return "#d9822b"
    return "#888888"


def _plot_bars(study: StudySpec, summary: List[Dict[str, Any]], dataset: str, path: str) -> None:
    """
    Per measure, each technique's mean seed-paired difference from vanilla with its 95% interval:
    bars start at zero (no difference), so their lengths compare.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def drawn(measure: str) -> List[Dict[str, Any]]:
        return [
            e
            for e in summary
            if e["dataset"] == dataset
            and e["measure"] == measure
            and e["technique"] != "vanilla"
            and e.get("difference") is not None
        ]

    measures = [m for m in study.primary if drawn(m)]
    measures += [m for m in BAR_MEASURES if m not in measures and drawn(m)]
    measures += sorted(
        {
            e["measure"]
            for e in summary
            if e["dataset"] == dataset
            and e["measure"].startswith("robust_accuracy_")
            and e["measure"] not in measures
            and drawn(e["measure"])
        }
    )
    if not measures:
        return
    columns = min(4, len(measures))
    rows = math.ceil(len(measures) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.4 * rows), squeeze=False)
    for axis, measure in zip(axes.flat, measures):
        entries = drawn(measure)
        names = [e["technique"] for e in entries]
        differences = [e["difference"] for e in entries]
        low = [
            e["difference"] - e["ci_low"] if e.get("ci_low") is not None else 0.0 for e in entries
        ]
        high = [
            e["ci_high"] - e["difference"] if e.get("ci_high") is not None else 0.0 for e in entries
        ]
        axis.bar(
            range(len(entries)),
            differences,
            yerr=[low, high],
            capsize=3,
            color=[_colour(n) for n in names],
        )
        axis.axhline(0.0, color="black", linewidth=0.8)
        axis.set_xticks(range(len(entries)))
        axis.set_xticklabels(names, rotation=60, ha="right", fontsize=7)
        role = "primary" if measure in study.primary else "exploratory"
        axis.set_title(f"{measure} ({role})", fontsize=9)
        axis.set_ylabel("Δ vs vanilla", fontsize=8)
    for axis in list(axes.flat)[len(measures) :]:
        axis.axis("off")
    figure.suptitle(
        f"{dataset}: technique minus vanilla, mean over paired seeds with {CONFIDENCE:.0%} CI"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _family(technique: str) -> str:
    if technique.startswith("attention"):
        return "attention-level"
    if technique.startswith("word"):
        return "word-level"
    return "other"


def _plot_eps(study: StudySpec, rows: List[Dict[str, Any]], dataset: str, path: str) -> None:
    """
    The choice of eps: per gridded technique the validation metric's mean over the selection seeds
    with error bars of one standard error (the tie width) and the seeds as dots, the chosen eps
    circled; test accuracy beside it. One row of panels per family (attention-level, word-level),
    on a log axis that starts at the smallest eps.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    techniques = [t for t in study.techniques if len(study.grid(t)) > 1]
    families = [
        f
        for f in ("attention-level", "word-level", "other")
        if any(_family(t) == f for t in techniques)
    ]
    if not families:
        return
    seeds = set(study.seeds[: study.selection_seeds])
    panels = [("best_validation", "validation metric (selects eps)"), ("accuracy", "test accuracy")]
    figure, axes = plt.subplots(len(families), 2, figsize=(10, 3.8 * len(families)), squeeze=False)
    drawn = False
    for row_axes, family in zip(axes, families):
        members = [t for t in techniques if _family(t) == family]
        every_eps = sorted({float(e) for t in members for e in study.grid(t) if e is not None})
        positive = [e for e in every_eps if e > 0]
        for axis, (column, title) in zip(row_axes, panels):
            for technique in members:
                points: Dict[float, List[float]] = {}
                for row in rows:
                    if (
                        row["dataset"] == dataset
                        and row["technique"] == technique
                        and row["seed"] in seeds
                        and row.get("eps") is not None
                        and float(row["eps"]) in study.grid(technique)
                        and _is_number(row.get(column))
                    ):
                        points.setdefault(float(row["eps"]), []).append(float(row[column]))
                if not points:
                    continue
                xs = sorted(points)
                means = [float(numpy.mean(points[x])) for x in xs]
                errors = [
                    float(numpy.std(points[x], ddof=1) / math.sqrt(len(points[x])))
                    if len(points[x]) > 1
                    else 0.0
                    for x in xs
                ]
                line = axis.errorbar(xs, means, yerr=errors, marker="o", capsize=3, label=technique)
                colour = line[0].get_color()
                for x in xs:
                    axis.scatter([x] * len(points[x]), points[x], s=8, color=colour, alpha=0.35)
                chosen = choose_eps(study, rows, dataset, technique)
                if chosen is not None and chosen in points:
                    axis.scatter(
                        [chosen],
                        [numpy.mean(points[chosen])],
                        s=160,
                        facecolors="none",
                        edgecolors=colour,
                        linewidths=1.5,
                    )
                drawn = True
            for reference, style in (("vanilla", "--"), ("vanilla_normalized", ":")):
                if reference == "vanilla_normalized" and family != "word-level":
                    continue
                values = [
                    float(r[column])
                    for r in rows
                    if r["dataset"] == dataset
                    and r["technique"] == reference
                    and r["seed"] in seeds
                    and _is_number(r.get(column))
                ]
                if values:
                    axis.axhline(
                        numpy.mean(values), color="#888888", linestyle=style, label=reference
                    )
            if positive and positive[0] == every_eps[0]:
                axis.set_xscale("log")
                axis.set_xlim(positive[0] / 1.25, positive[-1] * 1.25)
            elif positive:  # eps 0 in a grid: linear up to the smallest positive eps
                axis.set_xscale("symlog", linthresh=positive[0])
                axis.set_xlim(0, positive[-1] * 1.25)
            axis.set_xticks(every_eps)
            axis.set_xticklabels([f"{e:g}" for e in every_eps], fontsize=8)
            axis.minorticks_off()
            axis.set_xlabel("eps")
            axis.set_title(f"{family}: {title}", fontsize=10)
            if axis.get_legend_handles_labels()[0]:
                axis.legend(fontsize=7, loc="best")
    if not drawn:
        plt.close(figure)
        return
    figure.suptitle(
        f"{dataset}: mean ± standard error over the selection seeds {sorted(seeds)} "
        "(dots: seeds; circle: chosen eps)"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


SUMMARY_COLUMNS = [
    "dataset",
    "technique",
    "eps",
    "eps_choice",
    "measure",
    "role",
    "n",
    "mean",
    "std",
    "vanilla_mean",
    "difference",
    "ci_low",
    "ci_high",
    "pairs",
    "p_value",
    "p_holm",
    "commits",
    "last_epoch_peaks",
]
MATCHED_COLUMNS = [
    "dataset",
    "technique",
    "eps",
    "measure",
    "n",
    "mean",
    "std",
    "vanilla_mean",
    "difference",
    "ci_low",
    "ci_high",
    "pairs",
    "p_value",
]


def _write_csv(path: str, columns: List[str], entries: List[Dict[str, Any]]) -> None:
    temporary = path + ".tmp"
    with open(temporary, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for entry in entries:
            writer.writerow({k: ("" if entry.get(k) is None else entry[k]) for k in columns})
    os.replace(temporary, path)


def write_summary(
    study: StudySpec, rows: List[Dict[str, Any]], study_dir: str
) -> List[Dict[str, Any]]:
    """
    Writes `summary.csv`, `summary.md`, `matched.csv` (with `matched_eps`) and the plots of the
    rows so far; returns the summary.
    """
    summary = summarize(study, rows)
    _write_csv(os.path.join(study_dir, "summary.csv"), SUMMARY_COLUMNS, summary)
    matched = summarize_matched(study, rows) if study.matched_eps else []
    if study.matched_eps:
        _write_csv(os.path.join(study_dir, "matched.csv"), MATCHED_COLUMNS, matched)
    with open(os.path.join(study_dir, "summary.md"), "w") as handle:
        handle.write(format_markdown(study, summary, rows, matched) + "\n")
    for dataset in study.datasets:
        try:
            _plot_bars(
                study, summary, dataset.name, os.path.join(study_dir, f"bars_{dataset.name}.png")
            )
            _plot_eps(study, rows, dataset.name, os.path.join(study_dir, f"eps_{dataset.name}.png"))
        except Exception as error:  # a plot must never cost the results
            logger.warning("could not draw the plots of %s: %r", dataset.name, error)
    return summary


# The measures of the short side-by-side table that `attention-study` prints.
BRIEF_MEASURES = (
    "accuracy",
    "auc",
    "gradient_pearson",
    "gradient_kendall",
    "comprehensiveness_aopc_attention",
    "sufficiency_aopc_attention",
    "entropy",
)


def format_brief(study: StudySpec, summary: List[Dict[str, Any]]) -> str:
    """A plain-text table per dataset: the techniques side by side on `BRIEF_MEASURES`."""
    lines: List[str] = []
    for dataset in study.datasets:
        entries = {
            (e["technique"], e["measure"]): e for e in summary if e["dataset"] == dataset.name
        }
        techniques = [t for t in study.techniques if any(k[0] == t for k in entries)]
        measures = [m for m in BRIEF_MEASURES if any(k[1] == m for k in entries)]
        if not techniques or not measures:
            continue
        width = max(len(m) for m in measures) + 2
        lines.append(f"{dataset.name}: mean over {max(e['n'] for e in entries.values())} seed(s)")
        lines.append(" " * width + "".join(f"{t[:16]:>18}" for t in techniques))
        for measure in measures:
            cells = []
            for t in techniques:
                e = entries.get((t, measure))
                cells.append(f"{'' if e is None else format(e['mean'], '.3f'):>18}")
            lines.append(f"{measure:<{width}}" + "".join(cells))
        eps = []
        for t in techniques:
            e = next(v for k, v in entries.items() if k[0] == t)
            eps.append("-" if e["eps"] is None else f"{e['eps']:g}")
        lines.append(f"{'eps':<{width}}" + "".join(f"{x:>18}" for x in eps))
        lines.append("")
    return "\n".join(lines)
