"""
The compact tables of docs/results.md, printed from what a study wrote: one row per technique
from `summary.csv` (mean ± std over seeds, p of the paired t-test against vanilla; where the summary
has them, the paired difference with its 95% interval and the Holm-adjusted p of a primary
measure), and the eps
grid (the selection seed's runs, vanilla's same seed for reference) from `runs.csv`.

    python -m attnat_allennlp.study.tables docs/results/sst [--measures accuracy auc ...] [--grid]
        [--holm]

`--holm` also says how many of the table's comparisons against vanilla (every technique x measure
cell with a p-value) have a raw p below 0.05 and how many survive Holm's correction over all of
them: the family a reader of the table implicitly tests.
"""

import argparse
import csv
import os
from typing import Dict, List, Optional

from attnat_allennlp.interpret.catalogue import BRIEF_MEASURES
from attnat_allennlp.study.results import read_runs
from attnat_allennlp.study.statistics import holm

# The summary plot's measures and the robust accuracy of the scores at eps 10.
MEASURES = list(BRIEF_MEASURES) + ["robust_accuracy_scores_eps10"]
GRID_MEASURES = [
    ("best_validation", "dev metric"),
    ("accuracy", "test acc."),
    ("gradient_pearson", "Pearson"),
    ("gradient_kendall", "Kendall"),
    ("comprehensiveness_aopc_attention", "compr. AOPC"),
    ("entropy", "entropy"),
    ("robust_accuracy_scores_eps10", "robust acc. (scores, eps 10)"),
]


def _number(text: str) -> Optional[float]:
    return float(text) if text not in ("", None) else None


def summary_table(directory: str, measures: List[str]) -> str:
    """One row per technique (in the study's order) of `summary.csv`, the given measures as columns."""
    with open(os.path.join(directory, "summary.csv")) as handle:
        entries = list(csv.DictReader(handle))
    rows: Dict[str, Dict[str, Dict[str, str]]] = {}
    for entry in entries:
        rows.setdefault(entry["technique"], {})[entry["measure"]] = entry
    lines = [
        "| technique | eps | seeds | " + " | ".join(measures) + " |",
        "|---" * (len(measures) + 3) + "|",
    ]
    for technique, cells in rows.items():
        first = next(iter(cells.values()))
        texts = []
        for measure in measures:
            entry = cells.get(measure)
            if entry is None or _number(entry["mean"]) is None:
                texts.append("—")
                continue
            text = f"{float(entry['mean']):.3f}"
            if _number(entry["std"]) is not None:
                text += f" ± {float(entry['std']):.3f}"
            if _number(entry.get("ci_low")) is not None:  # summaries of the issue-17 protocol
                text += (
                    f"; Δ {float(entry['difference']):+.3f} "
                    f"[{float(entry['ci_low']):+.3f}, {float(entry['ci_high']):+.3f}]"
                )
            if _number(entry.get("p_holm")) is not None:
                text += f" (p_Holm={float(entry['p_holm']):.2g})"
            elif _number(entry["p_value"]) is not None:
                text += f" (p={float(entry['p_value']):.2g})"
            texts.append(text)
        eps = first["eps"] or "-"
        lines.append(f"| {technique} | {eps} | {first['n']} | " + " | ".join(texts) + " |")
    return "\n".join(lines)


def grid_table(directory: str, seed: int = 1) -> str:
    """The runs of the eps grids (phase "grid") and vanilla's run, of one seed, from `runs.csv`."""
    runs = [
        r
        for r in read_runs(os.path.join(directory, "runs.csv"))
        if r["seed"] == seed and (r["phase"] == "grid" or r["technique"] == "vanilla")
    ]
    lines = [
        "| technique | eps | " + " | ".join(title for _, title in GRID_MEASURES) + " |",
        "|---" * (len(GRID_MEASURES) + 2) + "|",
    ]
    for run in runs:
        cells = [
            f"{run[name]:.3f}" if isinstance(run.get(name), float) else "—"
            for name, _ in GRID_MEASURES
        ]
        eps = "-" if run["eps"] is None else f"{run['eps']:g}"
        lines.append(f"| {run['technique']} | {eps} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def holm_line(directory: str, measures: List[str], level: float = 0.05) -> str:
    """The count of the table's p-values below `level`, raw and after Holm over all of them."""
    with open(os.path.join(directory, "summary.csv")) as handle:
        entries = [
            e
            for e in csv.DictReader(handle)
            if e["measure"] in measures and _number(e.get("p_value")) is not None
        ]
    raw = [float(e["p_value"]) for e in entries]
    adjusted = holm(raw)
    survivors = [
        f"{e['technique']} {e['measure']}" for e, p in zip(entries, adjusted) if p <= level
    ]
    smallest = min(adjusted) if adjusted else None
    return (
        f"{len(raw)} comparisons against vanilla in the table; {sum(p < level for p in raw)} with "
        f"raw p < {level:g}; {len(survivors)} survive Holm's correction over the {len(raw)}"
        + (f" (smallest adjusted p {smallest:.3g})" if smallest is not None else "")
        + (": " + ", ".join(survivors) if survivors else "")
    )


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", help="a study's output folder (summary.csv, runs.csv)")
    parser.add_argument("--measures", nargs="+", default=MEASURES)
    parser.add_argument("--grid", action="store_true", help="also the eps grid of --seed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--holm", action="store_true", help="also count the table's p-values after Holm"
    )
    args = parser.parse_args(argv)
    print(summary_table(args.directory, args.measures))
    if args.holm:
        print()
        print(holm_line(args.directory, args.measures))
    if args.grid:
        print()
        print(grid_table(args.directory, args.seed))


if __name__ == "__main__":
    main()
