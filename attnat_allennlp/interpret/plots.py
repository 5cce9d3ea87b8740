"""
PNG figures with matplotlib's Agg canvas (no display, no pyplot state): histograms of the
per-instance measures of a report, and the score against eps of a sweep.
"""

import math
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from attnat_allennlp.interpret.catalogue import HISTOGRAMS

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn: it costs every start 2-4 s
    from matplotlib.figure import Figure


def _figure(**kwargs: Any) -> "Figure":
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def _save(figure: "Figure", path: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def plot_report_histograms(report: Dict[str, Any], path: str) -> List[str]:
    """Histograms of the per-instance values of a report; returns the keys drawn."""
    rows = report["instances"]
    panels = []
    for key, title in HISTOGRAMS:
        values = [row[key] for row in rows if row.get(key) is not None]
        if values:
            panels.append((key, title, values))
    if not panels:
        raise ValueError("the report has no per-instance values to draw")
    columns = 2
    figure = _figure(figsize=(5 * columns, 3 * math.ceil(len(panels) / columns)))
    for number, (key, title, values) in enumerate(panels, start=1):
        axes = figure.add_subplot(math.ceil(len(panels) / columns), columns, number)
        axes.hist(values, bins=20, color="#2563eb" if "jsd" not in key else "#dc2626")
        mean = sum(values) / len(values)
        axes.axvline(mean, color="black", linestyle="--", linewidth=1)
        axes.set_title(f"{title}\nmean {mean:.3f}, n {len(values)}", fontsize=9)
        axes.set_ylabel("instances")
    _save(figure, path)
    return [key for key, _, _ in panels]


def plot_eps_sweep(rows: List[Dict[str, Any]], metric: str, path: str) -> None:
    """
    `metric` against eps, one line per technique; a technique without eps (vanilla) is drawn as a
    horizontal dashed line. `rows` are the rows of a sweep CSV (eps may be `None`).
    """
    figure = _figure(figsize=(6, 4))
    axes = figure.add_subplot(1, 1, 1)
    techniques = sorted({row["technique"] for row in rows})
    for technique in techniques:
        points = sorted(
            (row["eps"], row[metric])
            for row in rows
            if row["technique"] == technique
            and row.get(metric) is not None
            and row["eps"] is not None
        )
        baseline = [
            row[metric]
            for row in rows
            if row["technique"] == technique and row["eps"] is None and row.get(metric) is not None
        ]
        if points:
            axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=technique)
        for value in baseline:
            axes.axhline(value, linestyle="--", color="gray", label=technique)
    axes.set_xlabel("eps")
    axes.set_ylabel(metric)
    axes.set_title(f"{metric} against eps")
    axes.legend(fontsize=8)
    _save(figure, path)


def best_metric(rows: List[Dict[str, Any]], preferred: Optional[str] = None) -> str:
    """`preferred`, else the first of test_accuracy / test_f1 / test_* present in the rows."""
    keys = [key for row in rows for key in row]
    if preferred:
        if preferred not in keys:
            raise ValueError(f"no column {preferred!r} in the sweep (has {sorted(set(keys))})")
        return preferred
    for key in ("test_accuracy", "test_f1") + tuple(k for k in keys if k.startswith("test_")):
        if key in keys:
            return key
    raise ValueError("the sweep has no test_* column to plot")
