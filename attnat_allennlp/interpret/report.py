"""
The report of a model over a data set, as one JSON-able dict: prediction metrics, agreement of
attention with gradient and leave-one-out importance and the standard attributions, sharpness,
faithfulness, plausibility, robust accuracy, and Jain & Wallace's permutation and
adversarial-attention checks. `allennlp attention-report` writes it; `allennlp attention-heatmap`
draws from it.

The pieces live beside it: the explanation loop (`explanation`), the measure collector
(`collector`), the catalogue of the measures (`catalogue`), the study's measures
(`study_measures`), the rationale report (`rationale_report`) and the text table (`report_text`).
Their public names are importable from here too.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import numpy
import torch
from allennlp.data import Instance

from attnat_allennlp.interpret.agreement import summarize
from attnat_allennlp.interpret.attack import ATTACK_MEASURES
from attnat_allennlp.interpret.attack_stability import attack_and_stability
from attnat_allennlp.interpret.attributions import ATTRIBUTION_METHODS
from attnat_allennlp.interpret.catalogue import (
    MEASURE_DESCRIPTIONS,
    RANKINGS,
    STUDY_MEASURES,
    study_measure_names,
)
from attnat_allennlp.interpret.catalogue import measure as measure_description
from attnat_allennlp.interpret.collector import MeasureCollector, check_robustness_eps
from attnat_allennlp.interpret.explanation import (
    GRADIENT_MEASURES,
    explain_instances,
    explained_chunks,
    load_instances,
    reset_metrics,
)
from attnat_allennlp.interpret.faithfulness import AOPC_FRACTIONS
from attnat_allennlp.interpret.jain_wallace import (
    adversarial_attention,
    permutation_output_change,
)
from attnat_allennlp.interpret.rationale_report import rationale_report
from attnat_allennlp.interpret.report_text import format_report
from attnat_allennlp.interpret.stability import STABILITY_MEASURES
from attnat_allennlp.interpret.study_measures import study_measures
from attnat_allennlp.interpret.transformer_attention import (
    has_pooling_attention,
    resolve_explanation,
)
from attnat_allennlp.models.base import AttentionModel, AttentionState

__all__ = [
    "GRADIENT_MEASURES",
    "MEASURE_DESCRIPTIONS",
    "RANKINGS",
    "STUDY_MEASURES",
    "ReportOptions",
    "attention_report",
    "distribution",
    "explain_instances",
    "explained_chunks",
    "format_report",
    "load_instances",
    "measure_description",
    "rationale_report",
    "study_measure_names",
    "study_measures",
]

_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def distribution(values: Sequence[float]) -> Dict[str, Any]:
    """`summarize` plus the 10/25/50/75/90 % quantiles."""
    summary: Dict[str, Any] = summarize(values)
    if summary["n"]:
        summary["quantiles"] = {
            str(q): float(numpy.quantile(numpy.asarray(values, dtype=float), q)) for q in _QUANTILES
        }
    return summary


@dataclass(frozen=True)
class ReportOptions:
    """
    What `attention_report` measures and how.

    # Parameters

    batch_size : `int`, optional (default = `32`)
    leave_one_out : `bool`, optional (default = `True`)
        The agreement with leave-one-out importance (one forward pass per token).
    num_permutations : `int`, optional (default = `100`)
        The permutations of Jain & Wallace's permutation check.
    adversarial_steps : `int`, optional (default = `100`)
        The Adam steps of Jain & Wallace's adversarial-attention search.
    tvd_threshold : `float`, optional (default = `0.01`)
        The largest output change (TVD) an adversarial attention may cause.
    seed : `int`, optional (default = `0`)
        Seeds the permutations, the adversarial search's start and the random ranking.
    gradient : `str`, optional (default = `"gradient"`)
        The gradient importance: `"gradient"` (attention detached, Jain & Wallace's) or
        `"gradient_through_attention"`. It is the reference of `agreement.gradient` and the
        `gradient` ranking of `faithfulness`.
    faithfulness : `bool`, optional (default = `True`)
        ERASER's comprehensiveness and sufficiency (AOPC over `fractions`).
    fractions : `Sequence[float]`, optional (default = `AOPC_FRACTIONS`)
    robustness_eps : `Optional[Dict[str, Sequence[float]]]`, optional (default = `None`)
        The eps of the robust accuracy per target (`"scores"`, `"embeddings"`); `None`: scores 1, 5,
        10 and embeddings 1, 5; a target left out (or `{}`) is not measured. Needs labels.
    attention : `Optional[str]`, optional (default = `None`)
        The attention that explains a prediction: `"pooling"`, for a Transformer model also
        `"first_token"`, `"rollout"` or `"rollout_first_token"` (`transformer_attention`): what the
        agreement, sharpness and faithfulness measures rank. `None`: `"pooling"`, or
        `"first_token"` for a model that pools its first token. The permutation and adversarial
        checks always perturb the pooling attention; a model without one skips them (their
        distributions have `n` 0, the rows `None`), and its robust accuracy has no `scores` target.
    attributions : `Sequence[str]`, optional (default = all of `ATTRIBUTION_METHODS`)
        The standard attributions (Captum: `integrated_gradients`, `input_x_gradient`,
        `occlusion`) computed beside attention: each is a reference of `agreement` (under its
        name), a ranking of `faithfulness` and of `plausibility`, and a per-instance row.
        Integrated gradients costs about 20 backward passes per batch: `()` leaves them out.
    attack : `bool`, optional (default = `True`)
        The word-substitution attack (`interpret/attack.py`) on the labelled instances: the
        report's `attack` section (attacked accuracy, success rate, words changed, queries).
        About 100 forward passes per attacked instance. Models over wordpieces are not attacked.
    stability : `bool`, optional (default = `True`)
        SEAT's stability of the attention (`interpret/stability.py`) under embedding noise, and
        under the attack with `attack`: the report's `stability` section.
    """

    batch_size: int = 32
    leave_one_out: bool = True
    num_permutations: int = 100
    adversarial_steps: int = 100
    tvd_threshold: float = 0.01
    seed: int = 0
    gradient: str = "gradient"
    faithfulness: bool = True
    fractions: Sequence[float] = AOPC_FRACTIONS
    robustness_eps: Optional[Dict[str, Sequence[float]]] = None
    attention: Optional[str] = None
    attributions: Sequence[str] = ATTRIBUTION_METHODS
    attack: bool = True
    stability: bool = True


def attention_report(
    model: AttentionModel, instances: List[Instance], options: Optional[ReportOptions] = None
) -> Dict[str, Any]:
    """
    The report of a model on instances (with their token indexers applied), measured as `options`
    say (`None`: the defaults of `ReportOptions`).

    # Returns

    A dict with `num_instances`, `gradient_measure`, `metrics` (the model's own, when the instances
    have labels), `agreement` (`gradient` and `leave_one_out`, each with `pearson`, `kendall`,
    `spearman` and `topk_kendall` summaries, `kendall_significant` and the `skipped` counts),
    `sharpness` (`entropy`, `entropy_normalised`), `faithfulness` (per ranking `attention`,
    `gradient`, `random` and measure: the `aopc` summary and the mean `by_fraction`),
    `robustness` (accuracy per target and eps), `permutation` (median TVD per instance: its
    distribution), `adversarial` (max JSD per instance: its distribution) and `instances` (per
    instance: tokens, label, prediction, attention, the importances, the measures and the check
    results).
    """
    options = options or ReportOptions()
    attention = resolve_explanation(model, options.attention)
    model.eval()
    reset_metrics(model)
    generator = torch.Generator().manual_seed(options.seed)
    collector = MeasureCollector(
        options.leave_one_out,
        options.faithfulness,
        check_robustness_eps(options.robustness_eps),
        options.fractions,
        options.seed,
        options.attributions,
    )
    rows: List[Dict[str, Any]] = []
    for chunk, tensors, state, weights, chunk_rows in explained_chunks(
        model, instances, options.batch_size, options.gradient, attention
    ):
        collector.add(model, tensors, state, chunk_rows)
        _jain_wallace_checks(model, state, weights, chunk_rows, options, generator)
        rows.extend(chunk_rows)
    report: Dict[str, Any] = {
        "num_instances": len(rows),
        "gradient_measure": options.gradient,
        "attention": attention,
        "metrics": model.get_metrics(reset=True) if any(r["label"] for r in rows) else {},
        **_measure_sections(collector, options.faithfulness),
    }
    if options.attack or options.stability:
        measures, _, skipped = attack_and_stability(
            model, instances, options.attack, options.stability, options.seed, options.batch_size
        )
        if options.attack:
            report["attack"] = {
                **{n: measures[n] for n in ATTACK_MEASURES},
                "skipped": skipped,
            }
        if options.stability:
            report["stability"] = {n: measures[n] for n in STABILITY_MEASURES}
    checked = [row for row in rows if row["permutation_median_tvd"] is not None]
    report.update(
        {
            "permutation": {
                "num_permutations": options.num_permutations,
                "median_tvd": distribution([row["permutation_median_tvd"] for row in checked]),
            },
            "adversarial": {
                "tvd_threshold": options.tvd_threshold,
                "steps": options.adversarial_steps,
                "max_jsd": distribution([row["adversarial_max_jsd"] for row in checked]),
            },
            "instances": rows,
        }
    )
    return report


def _jain_wallace_checks(
    model: AttentionModel,
    state: AttentionState,
    weights: torch.Tensor,
    rows: List[Dict[str, Any]],
    options: ReportOptions,
    generator: torch.Generator,
) -> None:
    """
    Sets each row's `permutation_median_tvd` and `adversarial_max_jsd` (Jain & Wallace's checks of
    the pooling attention); `None` for a model without pooling attention.
    """
    if not has_pooling_attention(model):
        for row in rows:
            row["permutation_median_tvd"] = row["adversarial_max_jsd"] = None
        return
    permutation = permutation_output_change(
        model, state, weights, options.num_permutations, generator=generator
    )
    adversarial = adversarial_attention(
        model, state, weights, options.tvd_threshold, options.adversarial_steps, generator=generator
    )
    for i, row in enumerate(rows):
        row["permutation_median_tvd"] = float(permutation[i])
        row["adversarial_max_jsd"] = float(adversarial[i])


def _measure_sections(collector: MeasureCollector, faithfulness: bool) -> Dict[str, Any]:
    """The report's `agreement`, `sharpness` and, when measured, `faithfulness`, `plausibility`
    and `robustness` sections."""
    sections: Dict[str, Any] = {
        "agreement": {name: collector.agreement[name].summary() for name in collector.names},
        "sharpness": {
            "entropy": distribution(collector.entropy),
            "entropy_normalised": distribution(
                [v for v in collector.entropy_normalised if v is not None]
            ),
        },
    }
    if faithfulness:
        sections["faithfulness"] = collector.faithfulness_summary()
    if collector.plausibility.annotated:
        sections["plausibility"] = collector.plausibility.summary()
    if collector.labelled:
        sections["robustness"] = collector.robust_accuracy()
    return sections
