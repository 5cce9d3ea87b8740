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

The statistics live in `statistics`, the text in `summary_text`, the figures in `summary_plots`;
their public names are importable from here too.
"""

import csv
import logging
import os
from typing import Any, Dict, List, Optional

import numpy

from attnat_allennlp.study.spec import StudySpec
from attnat_allennlp.study.statistics import (
    CONFIDENCE,
    choose_eps,
    eps_scores,
    holm,
    is_number,
    measure_names,
    paired_difference,
    paired_test,
    peaked_at_last_epoch,
    select_eps,
    technique_rows,
)
from attnat_allennlp.study.summary_plots import plot_bars, plot_eps
from attnat_allennlp.study.summary_text import format_brief, format_markdown

__all__ = [
    "CONFIDENCE",
    "MATCHED_COLUMNS",
    "SUMMARY_COLUMNS",
    "choose_eps",
    "eps_scores",
    "format_brief",
    "format_markdown",
    "holm",
    "measure_names",
    "paired_difference",
    "paired_test",
    "peaked_at_last_epoch",
    "select_eps",
    "summarize",
    "summarize_matched",
    "technique_rows",
    "write_summary",
]

logger = logging.getLogger(__name__)


def _comparison(
    dataset: str,
    technique: str,
    eps: Optional[float],
    name: str,
    selected: List[Dict[str, Any]],
    vanilla: List[Dict[str, Any]],
) -> Optional[Dict[str, Any]]:
    """One cell: mean +- std of a measure over a technique's rows and the paired comparison."""
    values = {r["seed"]: float(r[name]) for r in selected if is_number(r.get(name))}
    if not values:
        return None
    array = numpy.array(list(values.values()))
    base = {r["seed"]: float(r[name]) for r in vanilla if is_number(r.get(name))}
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
# matched.csv: the summary's columns less the choice of eps, the role, Holm and the provenance.
MATCHED_COLUMNS = [
    column
    for column in SUMMARY_COLUMNS
    if column not in ("eps_choice", "role", "p_holm", "commits", "last_epoch_peaks")
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
            plot_bars(
                study, summary, dataset.name, os.path.join(study_dir, f"bars_{dataset.name}.png")
            )
            plot_eps(study, rows, dataset.name, os.path.join(study_dir, f"eps_{dataset.name}.png"))
        except Exception as error:  # a plot must never cost the results
            logger.warning("could not draw the plots of %s: %r", dataset.name, error)
    return summary
