"""
The summary numbers of a model that a study records per run (`study_measures`): one flat dict of
the catalogue's study measures (`catalogue.study_measure_names`), means over the instances.
"""

from typing import Dict, List, Optional, Sequence

import numpy
from allennlp.data import Instance

from attnat_allennlp.interpret.agreement import summarize
from attnat_allennlp.interpret.attack_stability import attack_and_stability
from attnat_allennlp.interpret.attributions import ATTRIBUTION_METHODS
from attnat_allennlp.interpret.catalogue import MEASURES, RANKINGS, study_measure_names
from attnat_allennlp.interpret.collector import MeasureCollector, check_robustness_eps, eps_key
from attnat_allennlp.interpret.explanation import explained_chunks, reset_metrics
from attnat_allennlp.interpret.faithfulness import AOPC_FRACTIONS, FAITHFULNESS_MEASURES
from attnat_allennlp.interpret.robustness import ROBUSTNESS_TARGETS
from attnat_allennlp.interpret.transformer_attention import resolve_explanation
from attnat_allennlp.models.base import AttentionModel


def _mean(values: Sequence[Optional[float]]) -> Optional[float]:
    return summarize(values)["mean"]  # type: ignore


def study_measures(
    model: AttentionModel,
    instances: List[Instance],
    batch_size: int = 32,
    robustness_eps: Optional[Dict[str, Sequence[float]]] = None,
    seed: int = 0,
    leave_one_out: bool = True,
    attention: Optional[str] = None,
    attributions: Sequence[str] = ATTRIBUTION_METHODS,
    attack: bool = True,
    stability: bool = True,
) -> Dict[str, Optional[float]]:
    """
    The summary numbers of a model on labelled instances that a study needs, as one flat dict
    (keys: `study_measure_names(robustness_eps)`, descriptions: `catalogue.MEASURES`): the
    model's metrics, the agreement of attention with gradient importance (attention detached, Jain &
    Wallace's) and leave-one-out importance, the attention's entropy, ERASER's comprehensiveness and
    sufficiency AOPC of the attention, gradient and random rankings, and the robust accuracy under
    worst-case perturbations of the attention scores and word embeddings (`robustness_eps` as in
    `attention_report`). Means over the instances (`None` where a measure is defined for none).
    No permutation or adversarial-attention checks and no per-instance rows. Without
    `leave_one_out` the leave-one-out agreement is `None` (it re-runs the model once per token,
    which long texts make the most expensive measure by far). `attention`: the attention that
    explains a prediction (as in `attention_report`; `None`: the pooling attention, or the first
    token's for a model that pools its first token), what the agreement, entropy and attention
    ranking measures read. A model without pooling attention has `None` robust accuracies of the
    `scores` target. `attributions`: the standard attributions computed (as in `attention_report`);
    the measures of the others are `None`. `attack`: the word-substitution attack's measures
    (`attack_stability`; about 100 forward passes per attacked instance, the costliest measure
    with integrated gradients; models over wordpieces are not attacked: `None`); `stability`:
    SEAT's stability of the attention under embedding noise, and under the attack with `attack`.
    """
    attention = resolve_explanation(model, attention)
    model.eval()
    reset_metrics(model)
    eps = check_robustness_eps(robustness_eps)
    collector = MeasureCollector(leave_one_out, True, eps, AOPC_FRACTIONS, seed, attributions)
    labelled = False
    for _, tensors, state, _, rows in explained_chunks(
        model, instances, batch_size, attention=attention
    ):
        collector.add(model, tensors, state, rows)
        labelled = labelled or "label" in tensors
    metrics = model.get_metrics(reset=True) if labelled else {}
    result: Dict[str, Optional[float]] = {
        name: (float(metrics[name]) if name in metrics else None)
        for name in ("accuracy", "f1", "auc")
    }
    gradient = collector.agreement["gradient"]
    loo = collector.agreement.get("leave_one_out")
    for measure in ("pearson", "kendall", "spearman"):
        result[f"gradient_{measure}"] = _mean(gradient.values[measure])
    result["gradient_kendall_significant"] = gradient.significant_share()
    result["gradient_topk_kendall"] = _mean(gradient.values["topk_kendall"])
    result["loo_pearson"] = _mean(loo.values["pearson"]) if loo is not None else None
    result["loo_kendall"] = _mean(loo.values["kendall"]) if loo is not None else None
    result["entropy"] = _mean(collector.entropy)
    result["entropy_normalised"] = _mean(collector.entropy_normalised)
    for method in ATTRIBUTION_METHODS:
        accumulator = collector.agreement.get(method)
        for measure in ("pearson", "kendall"):
            result[f"{method}_{measure}"] = (
                _mean(accumulator.values[measure]) if accumulator is not None else None
            )
    for ranking in RANKINGS + ATTRIBUTION_METHODS:
        for measure in FAITHFULNESS_MEASURES:
            curves = collector.curves.get(ranking, {}).get(measure)
            result[f"{measure}_aopc_{ranking}"] = (
                float(numpy.mean([curve.mean() for curve in curves])) if curves else None
            )
    result.update({m.name: None for m in MEASURES if m.group == "plausibility"})
    result.update(collector.plausibility.means())
    result.update(attack_and_stability(model, instances, attack, stability, seed, batch_size)[0])
    robust = collector.robust_accuracy()
    for target in ROBUSTNESS_TARGETS:
        for value in eps[target]:
            result[f"robust_accuracy_{target}_eps{eps_key(value)}"] = robust[target][eps_key(value)]
    return {name: result[name] for name in study_measure_names(robustness_eps)}
