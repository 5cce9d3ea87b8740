"""
`docs/results.md`, written from the studies' own files: every number on the page comes from a
committed `summary.csv` or `runs.csv` under `docs/results/<study>/` (or, for the published anchor
rows, `docs/results/anchors.json`, which cites its source), and every reading of a claim follows
the rules that `docs/claims.md` fixed before the runs.

    python -m attnat_allennlp.study.results_doc            # rewrites docs/results.md (and README's verdict)
    python -m attnat_allennlp.study.results_doc --check    # exit 1 if either is not what the files give

A study appears once its folder has a `summary.csv` of the protocol (the `role` and `p_holm`
columns, written by `attention-study` since the protocol of docs/study.md); a study still running
shows the runs it has, and its table says how many seeds each cell rests on.
"""

import argparse
import csv
import json
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

from attnat_allennlp.doc_blocks import replace_between
from attnat_allennlp.study.claims import (
    CLAIMS,
    RELEASED,
    RELEASED_MEASURES,
    TECHNIQUE,
    VARIES,
    disagreement,
    reading,
    verdict,
)
from attnat_allennlp.study.results import read_runs
from attnat_allennlp.study.results_checks import longer_training_lines
from attnat_allennlp.study.results_explanations import (
    arm_difference,
    chosen_eps,
    chosen_values,
    delta,
    explanation_section,
    number,
)
from attnat_allennlp.study.results_validity import ATTACK_CHANGED_NOTHING, attack_changed_nothing

# The studies of docs/results.md, in its order: (folder under the results folder, title, the
# study file that ran it). A dataset's whole table (`*_all`) follows the study sized for 2 cores,
# and bAbI 1's 100-epoch study its 30-epoch one: where two studies of one dataset have run, the
# verdict reads the later one's claims (docs/claims.md, "Two studies of one dataset").
STUDIES: Tuple[Tuple[str, str, str], ...] = (
    ("sst", "SST (the papers' dataset)", "studies/sst.jsonnet"),
    (
        "sst_matched_eps",
        "SST, attention RP, AT and iAT at one eps (matched eps 5)",
        "studies/sst_matched_eps.jsonnet",
    ),
    ("sst_all", "SST, every technique", "studies/sst_all.jsonnet"),
    ("rt_polarity", "rt-polarity (+ unlabeled plot snippets)", "studies/rt_polarity.jsonnet"),
    (
        "rt_polarity_matched_eps",
        "rt-polarity, attention RP, AT and iAT at one eps (matched eps 5)",
        "studies/rt_polarity_matched_eps.jsonnet",
    ),
    ("rt_polarity_all", "rt-polarity, every technique", "studies/rt_polarity_all.jsonnet"),
    ("movie_reviews", "movie-reviews (long texts)", "studies/movie_reviews.jsonnet"),
    ("movie_reviews_all", "movie-reviews, every technique", "studies/movie_reviews_all.jsonnet"),
    (
        "20news",
        "20 Newsgroups, baseball vs hockey (long texts, Jain & Wallace)",
        "studies/20news.jsonnet",
    ),
    ("20news_all", "20 Newsgroups, every technique", "studies/20news_all.jsonnet"),
    ("vitaminc", "VitaminC (NLI pairs)", "studies/vitaminc.jsonnet"),
    ("vitaminc_all", "VitaminC, every technique", "studies/vitaminc_all.jsonnet"),
    ("babi1", "bAbI task 1 (QA pairs, Jain & Wallace)", "studies/babi1.jsonnet"),
    (
        "babi1_100_epochs",
        "bAbI task 1, 100 epochs without early stopping (Jain & Wallace's training length)",
        "studies/babi1_100_epochs.jsonnet",
    ),
    ("babi2", "bAbI task 2 (QA pairs, Jain & Wallace), 100 epochs", "studies/babi2.jsonnet"),
    ("babi_all", "bAbI tasks 1 and 2 (QA pairs), every technique", "studies/babi_all.jsonnet"),
)
# The techniques Attention iAT is set against at one eps: a random direction and the gradient's.
DIRECTIONS = ("attention_rp", "attention_at")
# Studies that answer a secondary question (docs/claims.md, "Secondary studies"): their tables
# and readings are shown, and the verdict reads their dataset from the other studies.
SECONDARY = frozenset({"sst_matched_eps", "rt_polarity_matched_eps"})
# The protocol's number of seeds: a table row with fewer says so.
SEEDS = 5


BEGIN_README = "<!-- results-verdict: written by python -m attnat_allennlp.study.results_doc -->"
END_README = "<!-- /results-verdict -->"


def read_summary(directory: str) -> List[Dict[str, Any]]:
    """The rows of a study's `summary.csv` (none when there is none)."""
    path = os.path.join(directory, "summary.csv")
    if not os.path.isfile(path):
        return []
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def is_protocol(summary: List[Dict[str, Any]]) -> bool:
    """Whether a summary was written under the protocol (its Holm and role columns)."""
    return bool(summary) and "p_holm" in summary[0] and "role" in summary[0]


def _format_cell(cell: Optional[Dict[str, Any]]) -> str:
    if cell is None or number(cell.get("mean")) is None:
        return "—"
    text = f"{float(cell['mean']):.3f}"
    if number(cell.get("std")) is not None:
        text += f" ± {float(cell['std']):.3f}"
    if number(cell.get("difference")) is not None and number(cell.get("ci_low")) is not None:
        text += f"<br>{delta(cell)}"
    if number(cell.get("p_holm")) is not None:
        text += f" p<sub>Holm</sub> {float(cell['p_holm']):.2g}"
    elif number(cell.get("p_value")) is not None:
        text += f" p {float(cell['p_value']):.2g}"
    return text


def _interval(cell: Optional[Dict[str, Any]]) -> str:
    """ " (Δ +d [low, high])" of a cell with an interval, else ""."""
    if cell is None or number(cell.get("ci_low")) is None:
        return ""
    return f" ({delta(cell)})"


def _anchor_rows(anchors: Dict[str, Any], dataset: str, measures: Sequence[str]) -> List[str]:
    anchor = anchors.get("datasets", {}).get(dataset)
    if not anchor:
        return []
    cells = [f"{anchor[m]:.3f}" if m in anchor else "—" for m in measures]
    return [f"| *{anchors['name']} (anchor)* | - | - | " + " | ".join(cells) + " |"]


def _study_file(directory: str) -> Dict[str, Any]:
    """The study that wrote `directory`, as `attention-study` saved it (study.json), else {}."""
    path = os.path.join(directory, "study.json")
    return json.load(open(path)) if os.path.isfile(path) else {}


def _eps(eps: str, grid: Optional[List[float]]) -> str:
    """The chosen eps, marked when it lies at an end of a grid of several values (the dev
    curve may go on rising past it: a wider grid might choose otherwise)."""
    if not eps:
        return "-"
    if grid and len(grid) > 1 and float(eps) in (min(grid), max(grid)):
        return f"{eps} (grid's edge)"
    return eps


def _per_seed(
    runs: List[Dict[str, Any]], summary: List[Dict[str, Any]], dataset: str, techniques: List[str]
) -> List[str]:
    """
    Each seed's test accuracy per technique (at its chosen eps), in seed order: what a mean and
    its interval hide, a seed that did not train or runs split between two outcomes. Then the
    epoch each seed's best validation score came at, counted from 1, of the epochs it trained: a
    technique whose best epochs crowd the end was still learning when training stopped.
    """
    accuracies, epochs = [], []
    at_last, with_epochs = 0, 0
    for technique in techniques:
        values = chosen_values(runs, summary, dataset, technique, "accuracy")
        if values:
            accuracies.append(
                f"{technique} " + ", ".join(f"{values[seed]:.3f}" for seed in sorted(values))
            )
        best = chosen_values(runs, summary, dataset, technique, "best_epoch")
        trained = chosen_values(runs, summary, dataset, technique, "epochs_trained")
        if best:
            epochs.append(
                f"{technique} "
                + ", ".join(
                    f"{int(best[seed]) + 1}"
                    + (f" of {int(trained[seed])}" if seed in trained else "")
                    for seed in sorted(best)
                )
            )
        with_epochs += sum(1 for seed in best if seed in trained)
        at_last += sum(1 for seed in best if seed in trained and best[seed] + 1 >= trained[seed])
    lines = []
    if accuracies:
        lines.append(
            "Test accuracy of each seed, in seed order (at the chosen eps): "
            + "; ".join(accuracies)
            + "."
        )
    if epochs:
        lines += [""] if lines else []
        lines.append(
            "The epoch of each seed's best validation score, counted from 1, of the epochs it "
            "trained: "
            + "; ".join(epochs)
            + "."
            + (
                f" {at_last} of these {with_epochs} runs had their best at their last epoch: they "
                "were still improving when training stopped, and longer training might change "
                "what they show."
                if at_last
                else ""
            )
        )
    return lines


def dataset_section(
    directory: str,
    dataset: str,
    summary: List[Dict[str, Any]],
    runs: List[Dict[str, Any]],
    anchors: Dict[str, Any],
) -> Tuple[List[str], Dict[str, str]]:
    """The markdown of one dataset of a study, and the readings of its claims."""
    rows = [r for r in summary if r["dataset"] == dataset]
    cells: Dict[str, Dict[str, Dict[str, Any]]] = {}
    for row in rows:
        cells.setdefault(row["technique"], {})[row["measure"]] = row
    measures = [c.measure for c in CLAIMS if any(c.measure in t for t in cells.values())]
    extra = [m for m in ("gradient_kendall",) if any(m in t for t in cells.values())]
    columns = measures + extra
    lines = [
        f"### {dataset}",
        "",
        "| technique | eps | seeds | " + " | ".join(columns) + " |",
        "|---" * (len(columns) + 3) + "|",
    ]
    grids = _study_file(directory).get("eps") or {}
    for technique, by_measure in cells.items():
        first = next(iter(by_measure.values()))
        seeds = int(first["n"])
        note = "" if seeds >= SEEDS else f" (of {SEEDS})"
        lines.append(
            f"| {technique} | {_eps(first['eps'], grids.get(technique))} | {seeds}{note} | "
            + " | ".join(_format_cell(by_measure.get(m)) for m in columns)
            + " |"
        )
    lines += _anchor_rows(anchors, dataset, columns)
    lines += [""] + _per_seed(runs, summary, dataset, list(cells))
    lines += [
        "",
        "Cells: mean ± std over seeds; for a technique, Δ = the mean seed-paired difference "
        "from vanilla with its 95% t interval, and the paired t-test's p Holm-adjusted over the "
        "study's primary measures x techniques (p<sub>Holm</sub>; a plain p is secondary, "
        "unadjusted). More measures: "
        f"[summary.md](results/{os.path.basename(directory)}/summary.md)"
        + (
            f"; the eps choice on dev: [eps_{dataset}.png](results/{os.path.basename(directory)}"
            f"/eps_{dataset}.png)."
            if os.path.isfile(os.path.join(directory, f"eps_{dataset}.png"))
            else " (no eps choice: every technique at one eps)."
        ),
        "",
    ]
    readings: Dict[str, str] = {}
    iat = cells.get(TECHNIQUE, {})
    claim_lines = []
    for claim in CLAIMS:
        if claim.measure not in measures:
            continue
        word, interval = reading(claim, iat.get(claim.measure)), _interval(iat.get(claim.measure))
        if claim.key == "R" and attack_changed_nothing(
            runs, summary, dataset, ["vanilla", TECHNIQUE]
        ):
            readings[claim.key] = f"not measured ({ATTACK_CHANGED_NOTHING})"
            claim_lines.append(
                f"- **{claim.key}, {claim.title}** (`{claim.measure}`): not measured: "
                f"{ATTACK_CHANGED_NOTHING} (`attack_queries` is 1, the first prediction alone, on "
                "every run of both arms), so `attack_accuracy` is only the accuracy on the "
                f"measured sample{interval} (a rule added on 2026-12-07, after the bAbI 1 "
                "numbers were seen: [claims.md](claims.md#what-the-attack-can-change))"
            )
            continue
        readings[claim.key] = word + interval
        claim_lines.append(
            f"- **{claim.key}, {claim.title}** (`{claim.measure}`): {word}{interval}"
        )
    for measure, _ in RELEASED_MEASURES:
        difference = arm_difference(runs, summary, dataset, RELEASED, TECHNIQUE, measure)
        if difference is None or difference["ci_low"] is None:
            continue
        differs = difference["ci_low"] > 0 or difference["ci_high"] < 0
        readings[f"D:{measure}"] = "differs" if differs else "same within the interval"
        claim_lines.append(
            f"- **D, the released code's step** (`{measure}`, {RELEASED} - {TECHNIQUE}, "
            f"{difference['pairs']} seeds): {readings[f'D:{measure}']} ({delta(difference)})"
        )
    if claim_lines:
        lines += ["The claims ([claims.md](claims.md)), Attention iAT against vanilla:", ""]
        lines += claim_lines + [""]
    lines += _directions(
        runs, summary, dataset, [c.measure for c in CLAIMS if c.measure in measures]
    )
    return lines + explanation_section(runs, summary, dataset), readings


def _directions(
    runs: List[Dict[str, Any]], summary: List[Dict[str, Any]], dataset: str, measures: List[str]
) -> List[str]:
    """
    Attention iAT against Attention RP and AT trained at the same eps, seed-paired on the claims'
    measures (docs/claims.md, "Secondary studies"): does the direction of the perturbation matter?
    Nothing where neither technique ran at iAT's eps.
    """
    iat_eps = chosen_eps(summary, dataset, TECHNIQUE)
    others = [
        other
        for other in DIRECTIONS
        if iat_eps is not None and chosen_eps(summary, dataset, other) == iat_eps
    ]
    items = []
    for measure in measures:
        parts = []
        for other in others:
            difference = arm_difference(runs, summary, dataset, TECHNIQUE, other, measure)
            if difference is not None and difference["ci_low"] is not None:
                parts.append(
                    f"{TECHNIQUE} − {other}: {delta(difference)}, {difference['pairs']} seeds"
                )
        if parts:
            items.append(f"- `{measure}`: " + "; ".join(parts))
    if not items:
        return []
    return [
        f"Attention iAT against the other directions at the same eps ({iat_eps:g}), seed-paired, "
        "unadjusted 95% intervals ([claims.md](claims.md#secondary-studies)):",
        "",
        *items,
        "",
    ]


def _scope(directory: str) -> str:
    """ " What was left out: ..." from the study file's `scope` (saved in study.json), else ""."""
    scope = _study_file(directory).get("scope")
    return f" **What was left out:** {scope}" if scope else ""


def build(results_dir: str) -> Tuple[str, str]:
    """The text of docs/results.md and the verdict's lines (README's block between its markers)."""
    anchors_path = os.path.join(results_dir, "anchors.json")
    anchors = json.load(open(anchors_path)) if os.path.isfile(anchors_path) else {}
    body: List[str] = []
    readings: Dict[str, Dict[str, str]] = {}
    pending = []
    ran: List[str] = []
    for folder, title, study_file in STUDIES:
        directory = os.path.join(results_dir, folder)
        summary = read_summary(directory)
        if not is_protocol(summary):
            pending.append(f"{title} (`{study_file}`)")
            continue
        ran.append(folder)
        runs = read_runs(os.path.join(directory, "runs.csv"))
        body += [
            f"## {title}",
            "",
            "```bash",
            f"allennlp attention-study {study_file} -s docs/results/{folder} --jobs 2 --include-package attnat_allennlp",
            "```",
            "",
            f"{len(runs)} runs recorded." + _scope(directory),
            "",
        ]
        for dataset in dict.fromkeys(r["dataset"] for r in summary):
            lines, by_claim = dataset_section(directory, dataset, summary, runs, anchors)
            body += lines
            if folder not in SECONDARY:
                readings[dataset] = by_claim
        body += longer_training_lines(directory)
    verdict_lines = verdict(readings)
    head = [
        "# Results: what the techniques did, on real data",
        "",
        "<!-- written by python -m attnat_allennlp.study.results_doc; do not edit by hand -->",
        "Written by `python -m attnat_allennlp.study.results_doc` from the `summary.csv` and "
        "`runs.csv` that `allennlp attention-study` committed under [docs/results/](results/); "
        "no number here is typed by hand. The protocol is in [study.md](study.md#the-protocol), "
        "the claims and how each is read in [claims.md](claims.md) (written before the runs), "
        "the measures in [interpretability.md](interpretability.md). All runs on CPU unless a "
        "study says otherwise.",
        "",
        "## Verdict on the papers' three claims, across the datasets run so far",
        "",
        *verdict_lines,
        "",
    ]
    if any(text.startswith("refuted") for by in readings.values() for text in by.values()):
        head += [disagreement([folder for folder in VARIES if folder in ran]), ""]
    if pending:
        head += [
            "Not run under the protocol yet (the tables of the earlier round, before the protocol, "
            "are in [results_before_protocol.md](results_before_protocol.md)): "
            + "; ".join(pending)
            + ".",
            "",
        ]
    readme = "\n".join(verdict_lines)
    return "\n".join(head + body).rstrip() + "\n", readme


def brief(results_dir: str, folder: str) -> str:
    """
    What the multi-seed study of `folder` found, in a few lines (beside a one-seed table, such as
    `make demo`'s, so that a one-seed difference is not read as the result).
    """
    directory = os.path.join(results_dir, folder)
    summary = read_summary(directory)
    title = next((t for f, t, _ in STUDIES if f == folder), folder)
    if not is_protocol(summary):
        return (
            f"One seed is an example, not evidence. The multi-seed study of the same data, {title}, "
            "has not run under the protocol yet (docs/results.md; the earlier round: "
            "docs/results_before_protocol.md)."
        )
    runs = read_runs(os.path.join(directory, "runs.csv"))
    lines = [
        f"One seed is an example, not evidence. What the {SEEDS}-seed study of the same data "
        f"found ({title}; docs/results.md), Attention iAT against vanilla:"
    ]
    for dataset in dict.fromkeys(r["dataset"] for r in summary):
        section, _ = dataset_section(directory, dataset, summary, runs, {})
        lines += [line for line in section if line.startswith("- **")]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results-dir", default="docs/results")
    parser.add_argument("--output", default="docs/results.md")
    parser.add_argument("--readme", default="README.md")
    parser.add_argument("--check", action="store_true", help="only say whether the files differ")
    parser.add_argument(
        "--brief",
        metavar="STUDY",
        help="only print what the study in this folder of the results found, in a few lines",
    )
    args = parser.parse_args(argv)
    if args.brief:
        print(brief(args.results_dir, args.brief))
        return 0
    page, block = build(args.results_dir)
    readme = open(args.readme).read() if os.path.isfile(args.readme) else None
    new_readme = (
        replace_between(readme, BEGIN_README, END_README, f"\n{block}\n", args.readme)
        if readme and BEGIN_README in readme
        else readme
    )
    if args.check:
        current = open(args.output).read() if os.path.isfile(args.output) else ""
        stale = [
            p
            for p, old, new in ((args.output, current, page), (args.readme, readme, new_readme))
            if old != new
        ]
        for path in stale:
            print(
                f"{path} is not what the study files give: run python -m attnat_allennlp.study.results_doc"
            )
        return 1 if stale else 0
    with open(args.output, "w") as handle:
        handle.write(page)
    if new_readme is not None and new_readme != readme:
        with open(args.readme, "w") as handle:
            handle.write(new_readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
