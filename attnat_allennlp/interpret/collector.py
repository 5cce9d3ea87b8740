"""
The measure collector: the per-instance measures of the report and the study, added batch by batch
from the rows of the explanation loop (`explanation.explained_chunks`), and their summaries.
"""

import math
from typing import Any, Dict, List, Optional, Sequence

import numpy
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.data.pretrained_transformer import sum_by_word
from attnat_allennlp.interpret.agreement import AGREEMENT_MEASURES, AgreementAccumulator, summarize
from attnat_allennlp.interpret.attributions import attributions_for_state, check_attributions
from attnat_allennlp.interpret.catalogue import RANKINGS
from attnat_allennlp.interpret.faithfulness import FAITHFULNESS_MEASURES, faithfulness_for_tensors
from attnat_allennlp.interpret.importance import leave_one_out_importance_for_tensors
from attnat_allennlp.interpret.plausibility import PlausibilityAccumulator
from attnat_allennlp.interpret.robustness import (
    DEFAULT_ROBUSTNESS_EPS,
    ROBUSTNESS_TARGETS,
    robust_correct_for_tensors,
)
from attnat_allennlp.interpret.transformer_attention import has_pooling_attention
from attnat_allennlp.models.base import AttentionModel, AttentionState


def eps_key(eps: float) -> str:
    """How an eps is written in keys and names: `1.0` -> `"1"`."""
    return f"{eps:g}"


def check_robustness_eps(
    robustness_eps: Optional[Dict[str, Sequence[float]]],
) -> Dict[str, List[float]]:
    """
    The robust accuracy's eps per target (`None`: `DEFAULT_ROBUSTNESS_EPS`), every target listed;
    a `ConfigurationError` for an unknown target or an eps that is not a finite number >= 0.
    """
    chosen = DEFAULT_ROBUSTNESS_EPS if robustness_eps is None else robustness_eps
    unknown = set(chosen) - set(ROBUSTNESS_TARGETS)
    if unknown:
        raise ConfigurationError(
            f"robustness_eps has the targets {sorted(unknown)}; expected {', '.join(ROBUSTNESS_TARGETS)}"
        )
    for target, values in chosen.items():
        for value in values:
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ConfigurationError(
                    f"robustness_eps[{target!r}] holds {value!r}; eps must be a finite number >= 0"
                )
    return {target: [float(v) for v in chosen.get(target, ())] for target in ROBUSTNESS_TARGETS}


class MeasureCollector:
    """
    The per-instance measures of the report and the study, batch by batch: agreement of attention
    with gradient (and leave-one-out) importance and the standard `attributions`, entropy,
    faithfulness (attention, gradient, random and attribution rankings), plausibility and robust
    accuracy.
    """

    def __init__(
        self,
        leave_one_out: bool,
        faithfulness: bool,
        robustness_eps: Dict[str, List[float]],
        fractions: Sequence[float],
        seed: int,
        attributions: Sequence[str] = (),
    ) -> None:
        self.attributions = check_attributions(attributions)
        self.rankings = RANKINGS + tuple(self.attributions)
        self.names = ["gradient"] + (["leave_one_out"] if leave_one_out else []) + self.attributions
        self.agreement = {name: AgreementAccumulator() for name in self.names}
        self.entropy: List[float] = []
        self.entropy_normalised: List[Optional[float]] = []
        self.faithfulness = faithfulness
        self.fractions = tuple(fractions)
        self.curves: Dict[str, Dict[str, List[numpy.ndarray]]] = {
            ranking: {measure: [] for measure in FAITHFULNESS_MEASURES} for ranking in self.rankings
        }
        self.robustness_eps = robustness_eps
        self.robust: Dict[str, Dict[float, List[bool]]] = {
            target: {eps: [] for eps in values} for target, values in robustness_eps.items()
        }
        self.labelled = 0
        self.random = numpy.random.default_rng(seed)
        self.plausibility = PlausibilityAccumulator(seed, self.attributions)

    def add(
        self,
        model: AttentionModel,
        tensors: Dict[str, Any],
        state: AttentionState,
        rows: List[Dict[str, Any]],
    ) -> None:
        """
        Adds a batch: its tensor dict, its state and its rows from `explained_chunks` (the rows
        updated in place).
        """
        words = [row["word_pieces"] for row in rows] if "word_pieces" in rows[0] else None
        if "leave_one_out" in self.names:
            loo = leave_one_out_importance_for_tensors(model, tensors, words=words)
            for row, values in zip(rows, loo):
                row["leave_one_out"] = values
        for method in self.attributions:
            values = attributions_for_state(model, state, method)
            for i, row in enumerate(rows):
                length = len(row["wordpieces"]) if words is not None else len(row["attention"])
                scores = values[i, :length].tolist()
                row[method] = sum_by_word(scores, words[i]) if words is not None else scores
        attentions = [row["attention"] for row in rows]
        for name in self.names:
            results = self.agreement[name].add_batch(attentions, [row[name] for row in rows])
            for row, result in zip(rows, results):
                for measure in AGREEMENT_MEASURES:
                    row[f"{name}_{measure}"] = None if result is None else result[measure]
        for row in rows:
            self.entropy.append(row["entropy"])
            self.entropy_normalised.append(row["entropy_normalised"])
        self.plausibility.add_rows(rows)
        if self.faithfulness:
            scores = {
                "attention": [row["attention"] for row in rows],
                "gradient": [row["gradient"] for row in rows],
                "random": [self.random.random(len(row["attention"])) for row in rows],
                **{method: [row[method] for row in rows] for method in self.attributions},
            }
            curves = faithfulness_for_tensors(model, tensors, scores, self.fractions, words=words)
            for ranking, by_measure in curves.items():
                for measure, values in by_measure.items():
                    self.curves[ranking][measure].extend(values)
                    for row, curve in zip(rows, values):
                        row[f"{measure}_aopc_{ranking}"] = float(curve.mean())
        robustness_eps = self.robustness_eps
        if not has_pooling_attention(model):  # first-token pooling: no attention scores
            robustness_eps = {
                target: values for target, values in robustness_eps.items() if target != "scores"
            }
        if "label" in tensors and any(robustness_eps.values()):
            correct = robust_correct_for_tensors(model, tensors, robustness_eps)
            for target, by_eps in correct.items():
                for eps, flags in by_eps.items():
                    self.robust[target][eps].extend(flags.tolist())
            self.labelled += len(rows)

    def faithfulness_summary(self) -> Dict[str, Any]:
        """Per ranking and measure: the AOPC summary over the instances and the mean per fraction."""
        summary: Dict[str, Any] = {"fractions": list(self.fractions)}
        for ranking, by_measure in self.curves.items():
            summary[ranking] = {}
            for measure, curves in by_measure.items():
                array = numpy.asarray(curves, dtype=float).reshape(-1, len(self.fractions))
                summary[ranking][measure] = {
                    "aopc": summarize(array.mean(axis=1).tolist()),
                    "by_fraction": {
                        eps_key(f): (float(array[:, j].mean()) if array.size else None)
                        for j, f in enumerate(self.fractions)
                    },
                }
        return summary

    def robust_accuracy(self) -> Dict[str, Dict[str, Optional[float]]]:
        """The robust accuracy per target and eps (`eps_key`); `None` where nothing was labelled."""
        return {
            target: {
                eps_key(eps): (float(numpy.mean(flags)) if flags else None)
                for eps, flags in by_eps.items()
            }
            for target, by_eps in self.robust.items()
        }
