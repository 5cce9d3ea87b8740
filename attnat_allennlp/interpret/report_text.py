"""The plain-text table of a report: what `allennlp attention-report` prints."""

from typing import Any, Dict, Optional

from attnat_allennlp.interpret.attributions import ATTRIBUTION_METHODS
from attnat_allennlp.interpret.catalogue import RANKINGS
from attnat_allennlp.interpret.plausibility import PLAUSIBILITY_MEASURES, PLAUSIBILITY_RANKINGS


def _fmt(value: Optional[float]) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


_MEASURE_LABELS = {
    "pearson": "Pearson r",
    "kendall": "Kendall tau",
    "spearman": "Spearman rho",
    "topk_kendall": "top-k Kendall",
}


_SHORT_NAMES = {
    "leave_one_out": "loo",
    "integrated_gradients": "IG",
    "input_x_gradient": "input x grad.",
    "occlusion": "occlusion",
}


def _row(name: str, summary: Dict[str, Any], indent: int = 0) -> str:
    label = (" " * indent + name)[:27]
    return f"{label:<28}{_fmt(summary['mean']):>8}{_fmt(summary['std']):>8}{summary['n']:>6}"


def format_report(report: Dict[str, Any]) -> str:
    """A short plain-text table of a report (what `allennlp attention-report` prints)."""
    gradient = report.get("gradient_measure", "gradient")
    lines = [
        f"instances: {report['num_instances']}    gradient importance: "
        + ("attention detached (Jain & Wallace)" if gradient == "gradient" else "through attention")
    ]
    for name, value in sorted(report.get("metrics", {}).items()):
        lines.append(f"{name:<28}{_fmt(value)}")
    lines.append(f"{'attention vs.':<28}{'mean':>8}{'std':>8}{'n':>6}")
    for name, summary in report["agreement"].items():
        short = _SHORT_NAMES.get(name, name)
        for measure, label in _MEASURE_LABELS.items():
            if measure in summary:
                lines.append(_row(f"{short} {label}", summary[measure], indent=2))
        if summary.get("kendall_significant") is not None:
            lines.append(
                f"  {short + ' share p<=0.05':<26}{_fmt(summary['kendall_significant']):>8}"
            )
    rationales = report.get("rationales")
    if rationales:
        for name in ("attention", "gradient"):
            for measure in ("auprc", "top_k_f1"):
                lines.append(
                    _row(f"rationale {name} {measure}", rationales[name][measure], indent=2)
                )
    plausible = report.get("plausibility")
    if plausible:
        lines.append(
            f"{'plausibility (annotators)':<28}{'AUPRC':>8}{'F1':>8}{'Spearm.':>8}"
            f"   {plausible['annotated_sentences']} sentences"
        )
        for ranking in PLAUSIBILITY_RANKINGS + ATTRIBUTION_METHODS:
            if ranking in plausible:
                means = [plausible[ranking][measure]["mean"] for measure in PLAUSIBILITY_MEASURES]
                label = _SHORT_NAMES.get(ranking, ranking)
                lines.append(f"  {label:<26}" + "".join(f"{_fmt(m):>8}" for m in means))
    sharpness = report.get("sharpness")
    if sharpness:
        lines.append(_row("attention entropy", sharpness["entropy"]))
        lines.append(_row("attention entropy / log n", sharpness["entropy_normalised"]))
    faithfulness = report.get("faithfulness")
    if faithfulness:
        lines.append(f"{'AOPC (ERASER), ranked by':<28}{'compr.':>8}{'suff.':>8}")
        for ranking in RANKINGS + ATTRIBUTION_METHODS:
            if ranking not in faithfulness:
                continue
            by_measure = faithfulness[ranking]
            lines.append(
                f"  {_SHORT_NAMES.get(ranking, ranking):<26}{_fmt(by_measure['comprehensiveness']['aopc']['mean']):>8}"
                f"{_fmt(by_measure['sufficiency']['aopc']['mean']):>8}"
            )
    if report.get("robustness"):
        lines.append("robust accuracy")
        for target, by_eps in report["robustness"].items():
            for eps, value in by_eps.items():
                lines.append(f"  {target + ' eps ' + eps:<26}{_fmt(value):>8}")
    attack = report.get("attack")
    if attack:
        if attack.get("skipped"):
            lines.append(attack["skipped"])
        else:
            lines.append("word-substitution attack")
            for name, label in (
                ("attack_accuracy", "attacked accuracy"),
                ("attack_success_rate", "success rate"),
                ("attack_words_changed", "words changed (share)"),
                ("attack_queries", "queries per example"),
            ):
                lines.append(f"  {label:<26}{_fmt(attack[name]):>8}")
    stability = report.get("stability")
    if stability:
        lines.append(f"{'stability (SEAT)':<28}{'JSD':>8}{'top-k':>8}")
        for kind, label in (("attack", "attacked, same prediction"), ("noise", "embedding noise")):
            lines.append(
                f"  {label:<26}{_fmt(stability[f'stability_jsd_{kind}']):>8}"
                f"{_fmt(stability[f'stability_topk_{kind}']):>8}"
            )
    perm = report["permutation"]["median_tvd"]
    adv = report["adversarial"]["max_jsd"]
    lines.append(_row("permutation median TVD", perm))
    lines.append(_row("adversarial max JSD", adv))
    return "\n".join(lines)
