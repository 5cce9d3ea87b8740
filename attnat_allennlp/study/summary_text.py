"""
The text of a study summary: the tables of `summary.md` (the runs, the choice of eps, the measures
in the catalogue's tables, the matched eps, the legend) and the short side-by-side table that
`attention-study` prints (`format_brief`).
"""

import math
from typing import Any, Dict, List, Optional, Tuple

import numpy

from attnat_allennlp.interpret.catalogue import BRIEF_MEASURES, TABLES, table_position
from attnat_allennlp.interpret.catalogue import measure as catalogue_measure
from attnat_allennlp.study.spec import StudySpec
from attnat_allennlp.study.statistics import (
    CONFIDENCE,
    eps_scores,
    maximise,
    measure_names,
    peaked_at_last_epoch,
    select_eps,
)


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
    """The tables of summary.md (`catalogue.TABLES`) and their measures; the rest under "Other"."""
    positions = {name: table_position(name) for name in names}
    groups, used = [], set()
    for index, (title, _) in enumerate(TABLES):
        members = [n for n in names if positions[n] is not None and positions[n][0] == index]
        members.sort(key=lambda n: positions[n][1])  # type: ignore[index]
        used.update(members)
        if members:
            groups.append((title, members))
    # a measure and its test_ twin (allennlp's own test metric) are the same number: keep one
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
        chosen, tied = select_eps(by_eps, maximise(metric or "+")) if complete else (None, [])
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
    lines = ["## Measures", ""]
    for name in names:
        if name.startswith("test_") or name == "best_validation":
            continue
        try:
            description = catalogue_measure(name)
        except KeyError:
            continue
        arrow = "higher is better" if description.higher_is_better else "lower is better"
        lines.append(f"- `{name}`: {description.description} ({arrow}).")
    lines.append(
        "- `best_validation`: the validation metric of the run's best epoch (what eps is chosen by)."
    )
    return lines + [""]


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
