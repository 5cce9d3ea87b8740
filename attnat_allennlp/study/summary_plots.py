"""
The figures of a study summary (matplotlib's Agg backend, imported where a figure is drawn):
`bars_<dataset>.png`, the paired differences from vanilla with their intervals, and
`eps_<dataset>.png`, the choice of eps.
"""

import math
from typing import Any, Dict, List

import numpy

from attnat_allennlp.interpret.catalogue import BRIEF_MEASURES
from attnat_allennlp.study.spec import StudySpec
from attnat_allennlp.study.statistics import CONFIDENCE, choose_eps, is_number

# The families of techniques (by the first word of their names), in the order drawn, and their
# colours in the bars.
_FAMILY_COLOURS = {"attention-level": "#3b75af", "word-level": "#d9822b", "other": "#888888"}


def _family(technique: str) -> str:
    """`attention-level`, `word-level` or `other`, by the first word of `technique`."""
    for prefix in ("attention", "word"):
        if technique.startswith(prefix):
            return f"{prefix}-level"
    return "other"


def plot_bars(study: StudySpec, summary: List[Dict[str, Any]], dataset: str, path: str) -> None:
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
    measures += [m for m in BRIEF_MEASURES if m not in measures and drawn(m)]
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
            color=[_FAMILY_COLOURS[_family(n)] for n in names],
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


def plot_eps(study: StudySpec, rows: List[Dict[str, Any]], dataset: str, path: str) -> None:
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
    families = [f for f in _FAMILY_COLOURS if any(_family(t) == f for t in techniques)]
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
                        and is_number(row.get(column))
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
                    and is_number(r.get(column))
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
