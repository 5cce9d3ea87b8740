"""
The part of `docs/results.md` that sets attention against the standard attributions: is the
attention of a model trained with Attention iAT a better explanation than what a user gets today
from the vanilla model through Captum (integrated gradients, input x gradient, occlusion) or the
gradient with the attention detached? Faithfulness (ERASER comprehensiveness and sufficiency AOPC)
and, where the data has the annotators' word labels, plausibility (AUPRC), per explanation, from
the study's own `runs.csv` at the eps its summary chose.

The comparisons are secondary (docs/claims.md tests attention against attention): seed-paired
intervals, unadjusted. Two models' AOPCs are drops in each model's own probability, so they compare
how well each explanation tracks its own model, not the models.
"""

import math
from typing import Any, Dict, List, Optional, Tuple

from attnat_allennlp.study.statistics import paired_difference

VANILLA = "vanilla"
TECHNIQUE = "attention_iat"
# (the explanation's ranking in the measure names, what the table calls it)
EXPLANATIONS: Tuple[Tuple[str, str], ...] = (
    ("attention", "attention"),
    ("gradient", "gradient, attention detached"),
    ("integrated_gradients", "integrated gradients (Captum)"),
    ("input_x_gradient", "input x gradient (Captum)"),
    ("occlusion", "occlusion (Captum)"),
    ("random", "random order (the floor)"),
)
# (measure prefix, column title, "higher" or "lower" is better)
COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ("comprehensiveness_aopc", "comprehensiveness AOPC ↑", "higher"),
    ("sufficiency_aopc", "sufficiency AOPC ↓", "lower"),
    ("plausibility_auprc", "plausibility AUPRC ↑", "higher"),
)
# The attributions the iAT model's attention is set against, paired by seed.
RIVALS = ("integrated_gradients", "gradient")


def number(text: Any) -> Optional[float]:
    """A CSV cell as a finite float, else None (empty, NaN or infinite)."""
    if text in ("", None):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _summary_row(
    summary: List[Dict[str, Any]], dataset: str, technique: str
) -> Optional[Dict[str, Any]]:
    return next(
        (r for r in summary if r["dataset"] == dataset and r["technique"] == technique), None
    )


def chosen_eps(summary: List[Dict[str, Any]], dataset: str, technique: str) -> Optional[float]:
    """The eps the study chose for a technique (None for vanilla or a technique not in it)."""
    row = _summary_row(summary, dataset, technique)
    return None if row is None else number(row["eps"])


def chosen_values(
    runs: List[Dict[str, Any]],
    summary: List[Dict[str, Any]],
    dataset: str,
    technique: str,
    measure: str,
) -> Dict[int, float]:
    """
    A measure of a technique by seed, from `runs.csv`, at the eps its summary chose (vanilla, or
    a technique trained at its config's eps: the runs without one); the runs without the measure
    are left out, and a technique the summary does not have yet (its eps not chosen) has none.
    """
    row = _summary_row(summary, dataset, technique)
    if row is None:
        return {}
    eps = number(row["eps"])
    values = {}
    for run in runs:
        if run["dataset"] != dataset or run["technique"] != technique:
            continue
        run_eps = number(run.get("eps"))
        if (eps is None) != (run_eps is None) or (
            eps is not None and not math.isclose(run_eps, eps)
        ):
            continue
        value = number(run.get(measure))
        if value is not None:
            values[int(run["seed"])] = value
    return values


def delta(entry: Dict[str, Any]) -> str:
    """ "Δ +d [low, high]" of a paired difference (a summary row or `paired_difference`'s dict)."""
    return (
        f"Δ {float(entry['difference']):+.3f} [{float(entry['ci_low']):+.3f}, "
        f"{float(entry['ci_high']):+.3f}]"
    )


def _mean(values: Dict[int, float]) -> str:
    if not values:
        return "—"
    return f"{sum(values.values()) / len(values):.3f}"


def _difference(values: Dict[int, float], baseline: Dict[int, float]) -> Optional[str]:
    result = paired_difference(values, baseline)
    if result["ci_low"] is None:
        return None
    text = f"{delta(result)}, {result['pairs']} seeds"
    if result["p_value"] is not None:
        text += f", p {result['p_value']:.2g}"
    return text


def explanation_section(
    runs: List[Dict[str, Any]], summary: List[Dict[str, Any]], dataset: str
) -> List[str]:
    """
    The markdown comparing explanations on one dataset: a table (rows: each explanation of the
    vanilla model, then the iAT model's attention; columns: the faithfulness and plausibility
    measures the runs have) and the seed-paired differences of the iAT model's attention from the
    vanilla model's integrated gradients and gradient. Empty when the study has no vanilla and
    iAT runs with these measures.
    """

    def values(technique: str, ranking: str, prefix: str) -> Dict[int, float]:
        return chosen_values(runs, summary, dataset, technique, f"{prefix}_{ranking}")

    columns = [
        column
        for column in COLUMNS
        if any(values(VANILLA, ranking, column[0]) for ranking, _ in EXPLANATIONS)
    ]
    iat_attention = {column[0]: values(TECHNIQUE, "attention", column[0]) for column in columns}
    if not columns or not any(iat_attention.values()):
        return []
    lines = [
        "Attention against the standard attributions (secondary: means over seeds; "
        "the iAT row is the attention of the model trained with Attention iAT):",
        "",
        "| explanation | " + " | ".join(title for _, title, _ in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for ranking, name in EXPLANATIONS:
        cells = [_mean(values(VANILLA, ranking, prefix)) for prefix, _, _ in columns]
        if any(cell != "—" for cell in cells):
            lines.append(f"| vanilla: {name} | " + " | ".join(cells) + " |")
    lines.append(
        f"| {TECHNIQUE}: attention | "
        + " | ".join(_mean(iat_attention[prefix]) for prefix, _, _ in columns)
        + " |"
    )
    readings = []
    for prefix, title, better in columns:
        for rival in RIVALS:
            text = _difference(iat_attention[prefix], values(VANILLA, rival, prefix))
            if text is None:
                continue
            rival_name = dict(EXPLANATIONS)[rival]
            readings.append(
                f"- {title.rstrip(' ↑↓')} ({better} is better): {TECHNIQUE}'s attention − "
                f"vanilla's {rival_name}: {text}"
            )
    if readings:
        lines += [
            "",
            "Is the iAT model's attention a better explanation than a standard attribution of "
            "the vanilla model? Seed-paired, unadjusted 95% intervals:",
            "",
            *readings,
        ]
    return lines + [""]


def arm_difference(
    runs: List[Dict[str, Any]],
    summary: List[Dict[str, Any]],
    dataset: str,
    arm: str,
    against: str,
    measure: str,
) -> Optional[Dict[str, Any]]:
    """
    The seed-paired difference `arm` - `against` on `measure`, each technique at the eps its
    study chose (the summary's), from `runs.csv`; None when either is missing or no seed pairs.
    """
    if chosen_eps(summary, dataset, arm) is None or chosen_eps(summary, dataset, against) is None:
        return None
    result = paired_difference(
        chosen_values(runs, summary, dataset, arm, measure),
        chosen_values(runs, summary, dataset, against, measure),
    )
    return result if result["pairs"] else None
