"""
The measures of this package over a data set, as one JSON-able report: prediction metrics,
agreement of attention with gradient and leave-one-out importance, agreement with human rationales,
and Jain & Wallace's permutation and adversarial-attention checks. `allennlp attention-report`
writes it; `allennlp attention-heatmap` draws from it.
"""

import itertools
import math
from collections import Counter
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import numpy
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Instance
from allennlp.training.metrics import Metric

from attnat_allennlp.data.dataset_readers.base import SkipExample
from attnat_allennlp.data.pretrained_transformer import sum_by_word, word_texts
from attnat_allennlp.interpret.agreement import AGREEMENT_MEASURES, AgreementAccumulator, summarize
from attnat_allennlp.interpret.attributions import (
    ATTRIBUTION_METHODS,
    attributions_for_state,
    check_attributions,
)
from attnat_allennlp.interpret.batching import (
    attended_field,
    build_state,
    chunks,
    real_lengths,
    tensorize,
)
from attnat_allennlp.interpret.faithfulness import (
    AOPC_FRACTIONS,
    FAITHFULNESS_MEASURES,
    attention_entropies,
    attention_entropy,
    faithfulness_for_tensors,
)
from attnat_allennlp.interpret.importance import (
    gradient_importance_for_state,
    leave_one_out_importance_for_tensors,
    word_pieces,
)
from attnat_allennlp.interpret.jain_wallace import (
    adversarial_attention,
    permutation_output_change,
)
from attnat_allennlp.interpret.plausibility import (
    PLAUSIBILITY_MEASURES,
    PLAUSIBILITY_RANKINGS,
    PlausibilityAccumulator,
)
from attnat_allennlp.interpret.rationales import (
    RationaleExample,
    align_tokens,
    project_scores,
    rationale_instance,
    rationale_scores,
)
from attnat_allennlp.interpret.robustness import (
    DEFAULT_ROBUSTNESS_EPS,
    ROBUSTNESS_TARGETS,
    robust_correct_for_tensors,
)
from attnat_allennlp.interpret.transformer_attention import (
    explaining_attention,
    has_pooling_attention,
    resolve_explanation,
)
from attnat_allennlp.models.attention_pair_model import AttentionPairClassifier
from attnat_allennlp.models.base import AttentionModel, AttentionState

_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)

# The token rankings whose faithfulness is always measured; the standard attributions
# (`ATTRIBUTION_METHODS`) are added to them when computed.
RANKINGS = ("attention", "gradient", "random")

_ATTRIBUTION_NAMES = {
    "integrated_gradients": "integrated gradients (Captum, zero baseline)",
    "input_x_gradient": "input x gradient (Captum)",
    "occlusion": "occlusion of one token's embedding (Captum)",
}


class MeasureDescription(NamedTuple):
    """What a study measure is (one line) and whether a higher value is better."""

    description: str
    higher_is_better: bool


def _robust_description(target: str, eps: str) -> MeasureDescription:
    what = "pre-softmax attention scores" if target == "scores" else "word embeddings"
    return MeasureDescription(
        f"test accuracy under a worst-case (one gradient step, L2 norm {eps} per example) "
        f"perturbation of the {what}",
        True,
    )


MEASURE_DESCRIPTIONS: Dict[str, MeasureDescription] = {
    "accuracy": MeasureDescription("test accuracy", True),
    "f1": MeasureDescription("test F1 of the positive class (binary tasks)", True),
    "auc": MeasureDescription("test ROC-AUC (binary tasks)", True),
    "gradient_pearson": MeasureDescription(
        "mean Pearson r of attention with gradient importance (attention detached, Jain & Wallace)",
        True,
    ),
    "gradient_kendall": MeasureDescription(
        "mean Kendall tau of attention with gradient importance (attention detached)", True
    ),
    "gradient_spearman": MeasureDescription(
        "mean Spearman rho of attention with gradient importance (attention detached)", True
    ),
    "gradient_kendall_significant": MeasureDescription(
        "share of instances whose attention-gradient Kendall tau has p <= 0.05", True
    ),
    "gradient_topk_kendall": MeasureDescription(
        "mean top-k Kendall distance (Fagin et al. 2003, k = max(10, 10% of the length)) of "
        "attention and gradient importance",
        False,
    ),
    "loo_pearson": MeasureDescription(
        "mean Pearson r of attention with leave-one-out importance", True
    ),
    "loo_kendall": MeasureDescription(
        "mean Kendall tau of attention with leave-one-out importance", True
    ),
    "entropy": MeasureDescription("mean entropy of the attention (nats; lower = sharper)", False),
    "entropy_normalised": MeasureDescription(
        "mean entropy of the attention / log(length) (1 = uniform, 0 = one-hot)", False
    ),
    **{
        f"{measure}_aopc_{ranking}": MeasureDescription(
            (
                "ERASER comprehensiveness AOPC: p(y|x) - p(y|x without the top k% tokens)"
                if measure == "comprehensiveness"
                else "ERASER sufficiency AOPC: p(y|x) - p(y|only the top k% tokens)"
            )
            + {
                "attention": ", tokens ranked by attention",
                "gradient": ", tokens ranked by gradient importance (attention detached)",
                "random": ", tokens in a random order (the floor)",
                **{m: f", tokens ranked by {name}" for m, name in _ATTRIBUTION_NAMES.items()},
            }[ranking],
            measure == "comprehensiveness",
        )
        for ranking in RANKINGS + ATTRIBUTION_METHODS
        for measure in FAITHFULNESS_MEASURES
    },
    **{
        f"{method}_{measure}": MeasureDescription(
            f"mean {label} of attention with {_ATTRIBUTION_NAMES[method]}", True
        )
        for method in ATTRIBUTION_METHODS
        for measure, label in (("pearson", "Pearson r"), ("kendall", "Kendall tau"))
    },
    **{
        f"plausibility_{measure}_{ranking}": MeasureDescription(
            {
                "auprc": "mean AUPRC against the annotators' polar words (SST word labels)",
                "f1": "mean token F1 of the top-k tokens (k = number of polar words) against the "
                "annotators' polar words",
                "spearman": "mean Spearman rho with the annotators' sentiment strength |label - 2|",
            }[measure]
            + {
                "attention": ", tokens ranked by attention",
                "gradient": ", tokens ranked by gradient importance (attention detached)",
                "random": ", tokens in a random order (chance level)",
                **{m: f", tokens ranked by {name}" for m, name in _ATTRIBUTION_NAMES.items()},
            }[ranking],
            True,
        )
        for ranking in PLAUSIBILITY_RANKINGS + ATTRIBUTION_METHODS
        for measure in PLAUSIBILITY_MEASURES
    },
    **{
        f"robust_accuracy_{target}_eps{eps:g}": _robust_description(target, f"{eps:g}")
        for target in ROBUSTNESS_TARGETS
        for eps in DEFAULT_ROBUSTNESS_EPS[target]
    },
}


def study_measure_names(robustness_eps: Optional[Dict[str, Sequence[float]]] = None) -> List[str]:
    """The keys of `study_measures` for these robustness eps (`None`: the defaults), in display order."""
    eps = DEFAULT_ROBUSTNESS_EPS if robustness_eps is None else robustness_eps
    names = [name for name in MEASURE_DESCRIPTIONS if not name.startswith("robust_accuracy_")]
    return names + [
        f"robust_accuracy_{target}_eps{value:g}"
        for target in ROBUSTNESS_TARGETS
        for value in eps.get(target, ())
    ]


def measure_description(name: str) -> MeasureDescription:
    """The description of a study measure, also for robust accuracies at eps outside the defaults."""
    if name in MEASURE_DESCRIPTIONS:
        return MEASURE_DESCRIPTIONS[name]
    for target in ROBUSTNESS_TARGETS:
        prefix = f"robust_accuracy_{target}_eps"
        if name.startswith(prefix):
            return _robust_description(target, name[len(prefix) :])
    raise KeyError(f"unknown study measure {name!r}")


# The keys of `study_measures` with the default robustness eps, in display order.
STUDY_MEASURES: Tuple[str, ...] = tuple(study_measure_names())


def distribution(values: Sequence[float]) -> Dict[str, Any]:
    """`summarize` plus the 10/25/50/75/90 % quantiles."""
    summary: Dict[str, Any] = summarize(values)
    if summary["n"]:
        summary["quantiles"] = {
            str(q): float(numpy.quantile(numpy.asarray(values, dtype=float), q)) for q in _QUANTILES
        }
    return summary


def load_instances(
    reader: DatasetReader, data_path: str, max_instances: Optional[int] = None
) -> List[Instance]:
    """
    The first `max_instances` instances of a data file, with the reader's token indexers. A file
    that gives none is an error (the readers of this package say why: every example skipped, the
    wrong fields; a reader loaded from an archive keeps to the model's labels).
    """
    instances = list(itertools.islice(reader.read(data_path), max_instances))
    if not instances:
        raise ConfigurationError(
            f"{data_path}: no instance to measure or explain (read with "
            f"{type(reader).__name__}{', --max-instances 0' if max_instances == 0 else ''})"
        )
    for instance in instances:
        reader.apply_token_indexers(instance)
    return instances


def _reset_metrics(model: AttentionModel) -> None:
    # get_metrics(reset=True) raises for F1 when the metric has not seen a batch yet.
    for value in vars(model).values():
        if isinstance(value, Metric):
            value.reset()


def _label_of(instance: Instance) -> Optional[str]:
    field = instance.fields.get("label")
    return None if field is None else str(field.label)  # type: ignore


def _word_sentiment(instance: Instance, length: int) -> Optional[List[Optional[int]]]:
    # The annotators' per-token labels that a reader kept (`attnat_sst` with `word_labels`).
    metadata = instance.fields.get("metadata")
    labels = None if metadata is None else metadata.metadata.get("word_sentiment")  # type: ignore
    return None if labels is None else list(labels)[:length]


GRADIENT_MEASURES = ("gradient", "gradient_through_attention")


def _check_gradient(gradient: str) -> bool:
    """Whether the gradient measure named `gradient` detaches the attention."""
    if gradient not in GRADIENT_MEASURES:
        raise ConfigurationError(
            f"gradient must be one of {', '.join(GRADIENT_MEASURES)}, got {gradient!r}"
        )
    return gradient == "gradient"


def explained_chunks(
    model: AttentionModel,
    instances: List[Instance],
    batch_size: int = 32,
    gradient: str = "gradient",
    attention: Optional[str] = None,
) -> Iterator[
    Tuple[List[Instance], Dict[str, Any], AttentionState, torch.Tensor, List[Dict[str, Any]]]
]:
    """
    Runs the model over `instances`, `batch_size` at a time (updating its metrics when they have
    labels), and yields `(instances, tensors, state, attention weights, rows)` per batch, where each
    row holds an instance's `tokens` (the attended text), gold `label`, `prediction`, its
    `probability`, per token the `attention` and the `gradient` importance (`gradient`: attention
    detached, Jain & Wallace's; `"gradient_through_attention"`: not detached), and the attention's
    `entropy` and `entropy_normalised`. `attention` chooses what the rows call attention for a
    Transformer model (`transformer_attention.EXPLANATIONS`: `"pooling"`, or `"first_token"`,
    `"rollout"`, `"rollout_first_token"`; `None`, the default: `"pooling"`, or `"first_token"` for a
    model that pools its first token); the yielded weights stay the pooling's.

    For a wordpiece model (a pretrained Transformer) the rows are over words: `tokens` are the
    words, and `attention` and `gradient` the sums over each word's pieces (special tokens
    dropped), grouped as the predictor's `word_attention` is (`wordpiece_words`); the rows also
    hold the `wordpieces` and, per word, the positions of its pieces (`word_pieces`), by which the
    leave-one-out and faithfulness measures drop whole words. The entropy is that of the word
    attention renormalised to sum 1.
    """
    detach = _check_gradient(gradient)
    attention = resolve_explanation(model, attention)
    model.eval()
    labels = model.vocab.get_index_to_token_vocabulary(model.label_namespace)
    for chunk in chunks(instances, batch_size):
        tensors = tensorize(model, chunk)
        with torch.no_grad():
            if "label" in tensors:
                model(**tensors)  # updates the model's metrics
            state = build_state(model, tensors)
            logits, weights = model.logits_from_scores(state)
            probs = torch.softmax(logits, dim=-1)
        importance = gradient_importance_for_state(model, state, detach)
        field = attended_field(state)
        lengths = real_lengths(state)
        explanation = (
            weights if attention == "pooling" else explaining_attention(model, state, attention)
        )
        entropies = attention_entropies(explanation, lengths)
        groups = word_pieces(model, chunk)
        rows = []
        for i, (instance, length) in enumerate(zip(chunk, lengths)):
            tokens = [t.text for t in instance[field].tokens]  # type: ignore
            row_attention = explanation[i, :length].tolist()
            row_gradient = importance[i, :length].tolist()
            entropy, normalised = entropies[i]
            extra: Dict[str, Any] = {}
            sentiment = _word_sentiment(instance, length)
            if sentiment is not None:
                extra["word_sentiment"] = (
                    sentiment if groups is None else [sentiment[word[0]] for word in groups[i]]
                )
            if groups is not None:
                pieces = tokens
                tokens = word_texts(pieces, groups[i])
                row_attention = sum_by_word(row_attention, groups[i])
                row_gradient = sum_by_word(row_gradient, groups[i])
                entropy, normalised = (
                    attention_entropy(row_attention) if row_attention else (0.0, None)
                )
                extra.update({"wordpieces": pieces, "word_pieces": groups[i]})
            rows.append(
                {
                    "tokens": tokens,
                    "label": _label_of(instance),
                    "prediction": labels[int(probs[i].argmax())],
                    "probability": float(probs[i].max()),
                    "attention": row_attention,
                    "gradient": row_gradient,
                    "entropy": entropy,
                    "entropy_normalised": normalised,
                    **extra,
                }
            )
        yield chunk, tensors, state, weights, rows


def explain_instances(
    model: AttentionModel,
    instances: List[Instance],
    batch_size: int = 32,
    gradient: str = "gradient",
    attention: Optional[str] = None,
) -> List[Dict[str, Any]]:
    """The rows of `explained_chunks` for all instances (what `attention-heatmap` draws)."""
    return [
        row
        for *_, rows in explained_chunks(model, instances, batch_size, gradient, attention)
        for row in rows
    ]


def _eps_key(eps: float) -> str:
    return f"{eps:g}"


def _robustness_eps(robustness_eps: Optional[Dict[str, Sequence[float]]]) -> Dict[str, List[float]]:
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


class _MeasureCollector:
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
        summary: Dict[str, Any] = {"fractions": list(self.fractions)}
        for ranking, by_measure in self.curves.items():
            summary[ranking] = {}
            for measure, curves in by_measure.items():
                array = numpy.asarray(curves, dtype=float).reshape(-1, len(self.fractions))
                summary[ranking][measure] = {
                    "aopc": summarize(array.mean(axis=1).tolist()),
                    "by_fraction": {
                        _eps_key(f): (float(array[:, j].mean()) if array.size else None)
                        for j, f in enumerate(self.fractions)
                    },
                }
        return summary

    def robust_accuracy(self) -> Dict[str, Dict[str, Optional[float]]]:
        return {
            target: {
                _eps_key(eps): (float(numpy.mean(flags)) if flags else None)
                for eps, flags in by_eps.items()
            }
            for target, by_eps in self.robust.items()
        }


def attention_report(
    model: AttentionModel,
    instances: List[Instance],
    batch_size: int = 32,
    leave_one_out: bool = True,
    num_permutations: int = 100,
    adversarial_steps: int = 100,
    tvd_threshold: float = 0.01,
    seed: int = 0,
    gradient: str = "gradient",
    faithfulness: bool = True,
    fractions: Sequence[float] = AOPC_FRACTIONS,
    robustness_eps: Optional[Dict[str, Sequence[float]]] = None,
    attention: Optional[str] = None,
    attributions: Sequence[str] = ATTRIBUTION_METHODS,
) -> Dict[str, Any]:
    """
    The report of a model on instances (with their token indexers applied).

    # Parameters

    gradient : `str`, optional (default = `"gradient"`)
        The gradient importance: `"gradient"` (attention detached, Jain & Wallace's) or
        `"gradient_through_attention"`. It is the reference of `agreement.gradient` and the
        `gradient` ranking of `faithfulness`.
    faithfulness : `bool`, optional (default = `True`)
        ERASER's comprehensiveness and sufficiency (AOPC over `fractions`).
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
    attention = resolve_explanation(model, attention)
    pooled = has_pooling_attention(model)
    model.eval()
    _reset_metrics(model)
    generator = torch.Generator().manual_seed(seed)
    collector = _MeasureCollector(
        leave_one_out, faithfulness, _robustness_eps(robustness_eps), fractions, seed, attributions
    )
    rows: List[Dict[str, Any]] = []
    permutation_tvds: List[float] = []
    adversarial_jsds: List[float] = []
    for chunk, tensors, state, weights, chunk_rows in explained_chunks(
        model, instances, batch_size, gradient, attention
    ):
        collector.add(model, tensors, state, chunk_rows)
        if not pooled:
            for row in chunk_rows:
                row["permutation_median_tvd"] = row["adversarial_max_jsd"] = None
            rows.extend(chunk_rows)
            continue
        permutation = permutation_output_change(
            model, state, weights, num_permutations, generator=generator
        )
        adversarial = adversarial_attention(
            model, state, weights, tvd_threshold, adversarial_steps, generator=generator
        )
        for i, row in enumerate(chunk_rows):
            row["permutation_median_tvd"] = float(permutation[i])
            row["adversarial_max_jsd"] = float(adversarial[i])
            permutation_tvds.append(row["permutation_median_tvd"])
            adversarial_jsds.append(row["adversarial_max_jsd"])
            rows.append(row)
    report: Dict[str, Any] = {
        "num_instances": len(rows),
        "gradient_measure": gradient,
        "attention": attention,
        "metrics": model.get_metrics(reset=True) if any(r["label"] for r in rows) else {},
        "agreement": {name: collector.agreement[name].summary() for name in collector.names},
        "sharpness": {
            "entropy": distribution(collector.entropy),
            "entropy_normalised": distribution(
                [v for v in collector.entropy_normalised if v is not None]
            ),
        },
    }
    if faithfulness:
        report["faithfulness"] = collector.faithfulness_summary()
    if collector.plausibility.annotated:
        report["plausibility"] = collector.plausibility.summary()
    if collector.labelled:
        report["robustness"] = collector.robust_accuracy()
    report.update(
        {
            "permutation": {
                "num_permutations": num_permutations,
                "median_tvd": distribution(permutation_tvds),
            },
            "adversarial": {
                "tvd_threshold": tvd_threshold,
                "steps": adversarial_steps,
                "max_jsd": distribution(adversarial_jsds),
            },
            "instances": rows,
        }
    )
    return report


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
) -> Dict[str, Optional[float]]:
    """
    The summary numbers of a model on labelled instances that a study needs, as one flat dict
    (keys: `study_measure_names(robustness_eps)`, descriptions: `MEASURE_DESCRIPTIONS`): the
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
    the measures of the others are `None`.
    """
    attention = resolve_explanation(model, attention)
    model.eval()
    _reset_metrics(model)
    eps = _robustness_eps(robustness_eps)
    collector = _MeasureCollector(leave_one_out, True, eps, AOPC_FRACTIONS, seed, attributions)
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
    result.update({name: None for name in MEASURE_DESCRIPTIONS if name.startswith("plausibility_")})
    result.update(collector.plausibility.means())
    robust = collector.robust_accuracy()
    for target in ROBUSTNESS_TARGETS:
        for value in eps[target]:
            result[f"robust_accuracy_{target}_eps{_eps_key(value)}"] = robust[target][
                _eps_key(value)
            ]
    return {name: result[name] for name in study_measure_names(robustness_eps)}


def rationale_report(
    model: AttentionModel,
    reader: DatasetReader,
    examples: List[RationaleExample],
    top_k: Optional[int] = None,
    batch_size: int = 32,
    gradient: str = "gradient",
) -> Dict[str, Any]:
    """
    AUPRC and top-k token F1 of attention (and, as a reference, of gradient importance: `gradient`
    as in `attention_report`) against the human rationales of ERASER examples (see
    `attnat_allennlp.interpret.rationales`).
    """
    detach = _check_gradient(gradient)
    model.eval()
    pair = isinstance(model, AttentionPairClassifier)
    skipped: Counter = Counter()
    kept: List[RationaleExample] = []
    instances: List[Instance] = []
    for example in examples:
        if not any(example.rationale):
            skipped["annotations without rationale tokens"] += 1
            continue
        try:
            instance = rationale_instance(reader, example, pair)
        except SkipExample as skip:
            skipped[skip.reason] += 1
            continue
        reader.apply_token_indexers(instance)
        kept.append(example)
        instances.append(instance)
    scores: Dict[str, Dict[str, List[float]]] = {
        name: {"auprc": [], "top_k_f1": []} for name in ("attention", "gradient")
    }
    offset = 0
    for chunk in chunks(instances, batch_size):
        with torch.no_grad():
            state = build_state(model, tensorize(model, chunk))
            _, weights = model.logits_from_scores(state)
        importance = gradient_importance_for_state(model, state, detach)
        field = attended_field(state)
        for i, length in enumerate(real_lengths(state)):
            example = kept[offset + i]
            alignment = align_tokens(chunk[i][field].tokens, example.tokens)  # type: ignore
            for name, values in (("attention", weights), ("gradient", importance)):
                projected = project_scores(
                    values[i, :length].tolist(), alignment, len(example.tokens)
                )
                auprc, f1 = rationale_scores(projected, example.rationale, top_k)
                scores[name]["auprc"].append(auprc)
                scores[name]["top_k_f1"].append(f1)
        offset += len(chunk)
    return {
        "num_annotations": len(kept),
        "top_k": top_k if top_k is not None else "rationale length",
        **{
            name: {measure: summarize(values) for measure, values in by_measure.items()}
            for name, by_measure in scores.items()
        },
        "skipped": dict(skipped),
    }


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
    perm = report["permutation"]["median_tvd"]
    adv = report["adversarial"]["max_jsd"]
    lines.append(_row("permutation median TVD", perm))
    lines.append(_row("adversarial max JSD", adv))
    return "\n".join(lines)
