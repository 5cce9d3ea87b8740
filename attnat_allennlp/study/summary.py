"""
What a study shows: each technique's eps chosen on the validation set, mean +- std over seeds of
every measure at that eps, and a seed-paired t-test against vanilla (`scipy.stats.ttest_rel`),
written as `summary.csv` (one row per dataset, technique and measure), `summary.md` (tables) and
plots (`bars_<dataset>.png`, `eps_<dataset>.png`).
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
}
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


def choose_eps(
    study: StudySpec, rows: List[Dict[str, Any]], dataset: str, technique: str
) -> Optional[float]:
    """
    The eps of `technique`'s grid with the best mean validation metric over the selection seeds
    (ties: the smaller eps), or `None` while some of those runs are missing. A technique with one
    eps (or vanilla) has nothing to choose: its only value.
    """
    grid = study.grid(technique)
    if len(grid) == 1:
        return grid[0]
    seeds = set(study.seeds[: study.selection_seeds])
    by_eps: Dict[float, List[float]] = {eps: [] for eps in grid}  # type: ignore
    metric = None
    for row in rows:
        if row["dataset"] == dataset and row["technique"] == technique and row["seed"] in seeds:
            eps = row.get("eps")
            if eps is not None and float(eps) in by_eps and _is_number(row.get("best_validation")):
                by_eps[float(eps)].append(float(row["best_validation"]))
                metric = row.get("validation_metric")
    if any(len(values) < len(seeds) for values in by_eps.values()):
        return None
    sign = 1.0 if _maximise(metric or "+") else -1.0
    return max(sorted(by_eps), key=lambda eps: sign * float(numpy.mean(by_eps[eps])))


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


def paired_test(
    values: Dict[int, float], baseline: Dict[int, float]
) -> Tuple[int, Optional[float], Optional[float]]:
    """
    `(pairs, mean difference, p)` of a two-sided paired t-test between a technique's and vanilla's
    values of the same seeds; `p` is `None` with fewer than two pairs or identical differences.
    """
    seeds = sorted(set(values) & set(baseline))
    if not seeds:
        return 0, None, None
    a = numpy.array([values[s] for s in seeds])
    b = numpy.array([baseline[s] for s in seeds])
    difference = float(numpy.mean(a - b))
    if len(seeds) < 2 or numpy.allclose(a - b, (a - b)[0]):
        return len(seeds), difference, None
    p = float(stats.ttest_rel(a, b).pvalue)
    return len(seeds), difference, p if math.isfinite(p) else None


def summarize(study: StudySpec, rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One summary row per dataset, technique and measure (see the module docstring)."""
    summary: List[Dict[str, Any]] = []
    names = measure_names([r for r in rows if r.get("measured", True)])
    for dataset in study.datasets:
        _, vanilla = technique_rows(study, rows, dataset.name, "vanilla")
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
            for name in names:
                values = {r["seed"]: float(r[name]) for r in selected if _is_number(r.get(name))}
                if not values:
                    continue
                array = numpy.array(list(values.values()))
                base = {r["seed"]: float(r[name]) for r in vanilla if _is_number(r.get(name))}
                pairs, difference, p = (
                    (0, None, None) if technique == "vanilla" else paired_test(values, base)
                )
                summary.append(
                    {
                        "dataset": dataset.name,
                        "technique": technique,
                        "eps": eps,
                        "eps_choice": chosen,
                        "measure": name,
                        "n": len(array),
                        "mean": float(array.mean()),
                        "std": float(array.std(ddof=1)) if len(array) > 1 else None,
                        "vanilla_mean": float(numpy.mean(list(base.values()))) if base else None,
                        "difference": difference,
                        "pairs": pairs,
                        "p_value": p,
                    }
                )
    return summary


def _cell(entry: Optional[Dict[str, Any]]) -> str:
    if entry is None:
        return ""
    text = f"{entry['mean']:.3f}"
    if entry["std"] is not None:
        text += f" ± {entry['std']:.3f}"
    if entry["p_value"] is not None:
        text += f" (p={entry['p_value']:.2g})"
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


def format_markdown(
    study: StudySpec, summary: List[Dict[str, Any]], rows: List[Dict[str, Any]]
) -> str:
    """The tables of `summary.md`."""
    lines = ["# Study summary", ""]
    lines.append(
        f"Seeds {study.seeds}; epochs {study.epochs or 'as configured'}; eps chosen on the validation "
        f"set over the first {study.selection_seeds} seed(s) from the grids "
        + (", ".join(f"{t}: {[float(e) for e in g]}" for t, g in study.eps.items()) or "(none)")
        + ". Cells: mean ± std over seeds (p: two-sided paired t-test against vanilla over the same seeds)."
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
        header_eps = []
        for t in techniques:
            entry = next(e for e in summary if e["dataset"] == dataset.name and e["technique"] == t)
            eps = "-" if entry["eps"] is None else f"{entry['eps']:g}"
            header_eps.append((t, eps, entry["n"], entry["eps_choice"]))
        lines.append("| technique | eps | chosen by | seeds |")
        lines.append("|---|---|---|---|")
        lines += [f"| {t} | {eps} | {choice} | {n} |" for t, eps, n, choice in header_eps]
        lines.append("")
        for title, members in _group_measures(names):
            members = [
                m for m in members if any((dataset.name, t, m) in by_key for t in techniques)
            ]
            if not members:
                continue
            lines += [f"### {title}", ""]
            lines.append("| technique | " + " | ".join(members) + " |")
            lines.append("|---" * (len(members) + 1) + "|")
            for t in techniques:
                lines.append(
                    f"| {t} | "
                    + " | ".join(_cell(by_key.get((dataset.name, t, m))) for m in members)
                    + " |"
                )
            lines.append("")
    lines += _legend(names)
    return "\n".join(lines)


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


def _plot_bars(study: StudySpec, summary: List[Dict[str, Any]], dataset: str, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measures = [
        m
        for m in BAR_MEASURES
        if any(e["measure"] == m and e["dataset"] == dataset for e in summary)
    ]
    measures += sorted(
        {
            e["measure"]
            for e in summary
            if e["dataset"] == dataset and e["measure"].startswith("robust_accuracy_")
        }
    )
    if not measures:
        return
    columns = min(4, len(measures))
    rows = math.ceil(len(measures) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.2 * rows), squeeze=False)
    for axis, measure in zip(axes.flat, measures):
        entries = [e for e in summary if e["dataset"] == dataset and e["measure"] == measure]
        names = [e["technique"] for e in entries]
        axis.bar(
            range(len(entries)),
            [e["mean"] for e in entries],
            yerr=[e["std"] or 0.0 for e in entries],
            capsize=3,
            color=[
                "#888888"
                if n == "vanilla"
                else "#3b75af"
                if n.startswith("attention")
                else "#d9822b"
                for n in names
            ],
        )
        axis.set_xticks(range(len(entries)))
        axis.set_xticklabels(names, rotation=60, ha="right", fontsize=7)
        axis.set_title(measure, fontsize=9)
        low = min(e["mean"] - (e["std"] or 0) for e in entries)
        high = max(e["mean"] + (e["std"] or 0) for e in entries)
        margin = (high - low) * 0.3 or 0.01
        axis.set_ylim(low - margin, high + margin)
    for axis in list(axes.flat)[len(measures) :]:
        axis.axis("off")
    figure.suptitle(f"{dataset}: mean ± std over seeds")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _plot_eps(study: StudySpec, rows: List[Dict[str, Any]], dataset: str, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    techniques = [t for t in study.techniques if len(study.grid(t)) > 1]
    if not techniques:
        return
    seeds = set(study.seeds[: study.selection_seeds])
    panels = [("best_validation", "validation metric (selection)"), ("accuracy", "test accuracy")]
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    drawn = False
    for axis, (column, title) in zip(axes, panels):
        for technique in techniques:
            points: Dict[float, List[float]] = {}
            for row in rows:
                if (
                    row["dataset"] == dataset
                    and row["technique"] == technique
                    and row["seed"] in seeds
                    and row.get("eps") is not None
                    and _is_number(row.get(column))
                ):
                    points.setdefault(float(row["eps"]), []).append(float(row[column]))
            if points:
                xs = sorted(points)
                axis.plot(xs, [numpy.mean(points[x]) for x in xs], marker="o", label=technique)
                drawn = True
        vanilla = [
            float(r[column])
            for r in rows
            if r["dataset"] == dataset
            and r["technique"] == "vanilla"
            and r["seed"] in seeds
            and _is_number(r.get(column))
        ]
        if vanilla:
            axis.axhline(numpy.mean(vanilla), color="#888888", linestyle="--", label="vanilla")
        axis.set_xscale("symlog", linthresh=0.1)
        axis.set_xlabel("eps")
        axis.set_title(title, fontsize=10)
    if not drawn:
        plt.close(figure)
        return
    for axis in axes:
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=7, loc="best")
    figure.suptitle(f"{dataset}: score against eps (seed(s) {sorted(seeds)})")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_summary(
    study: StudySpec, rows: List[Dict[str, Any]], study_dir: str
) -> List[Dict[str, Any]]:
    """Writes `summary.csv`, `summary.md` and the plots of the rows so far; returns the summary."""
    summary = summarize(study, rows)
    columns = [
        "dataset",
        "technique",
        "eps",
        "eps_choice",
        "measure",
        "n",
        "mean",
        "std",
        "vanilla_mean",
        "difference",
        "pairs",
        "p_value",
    ]
    temporary = os.path.join(study_dir, "summary.csv.tmp")
    with open(temporary, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for entry in summary:
            writer.writerow({k: ("" if entry.get(k) is None else entry[k]) for k in columns})
    os.replace(temporary, os.path.join(study_dir, "summary.csv"))
    with open(os.path.join(study_dir, "summary.md"), "w") as handle:
        handle.write(format_markdown(study, summary, rows) + "\n")
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
