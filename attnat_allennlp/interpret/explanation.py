"""
The explanation loop: a model run over instances batch by batch, each instance's prediction,
attention and gradient importance as one row (over words for a wordpiece model). The report, the
study's measures, the heatmap and the comparison page read these rows.
"""

import itertools
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Instance
from allennlp.training.metrics import Metric

from attnat_allennlp.data.pretrained_transformer import sum_by_word, word_texts
from attnat_allennlp.interpret.batching import (
    attended_field,
    build_state,
    chunks,
    real_lengths,
    tensorize,
)
from attnat_allennlp.interpret.faithfulness import attention_entropies, attention_entropy
from attnat_allennlp.interpret.importance import gradient_importance_for_state, word_pieces
from attnat_allennlp.interpret.transformer_attention import (
    explaining_attention,
    resolve_explanation,
)
from attnat_allennlp.models.base import AttentionModel, AttentionState


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


def spread(instances: Sequence[Instance], count: Optional[int]) -> List[Instance]:
    """
    `count` instances spread evenly over `instances` (the middle one of each of `count` equal
    stretches, in file order; all of them when `count` is `None` or not smaller). Unlike the first
    `count`, they keep a file sorted by label (as 20 Newsgroups' test posts are) balanced.
    """
    if count is None or count >= len(instances):
        return list(instances)
    return [instances[int((i + 0.5) * len(instances) / count)] for i in range(count)]


def prediction_metrics(
    model: AttentionModel, instances: Sequence[Instance], batch_size: int = 32
) -> Dict[str, float]:
    """
    The model's own metrics (accuracy, and F1 and AUC where it keeps them) over labelled
    `instances`, one forward pass each, without gradients: what a study reports as test accuracy
    when its costlier measures look at a `spread` of the test set only.
    """
    model.eval()
    reset_metrics(model)
    for start in range(0, len(instances), batch_size):
        model.forward_on_instances(list(instances[start : start + batch_size]))
    return {name: float(value) for name, value in model.get_metrics(reset=True).items()}


def reset_metrics(model: AttentionModel) -> None:
    """Resets the model's metrics (`get_metrics(reset=True)` raises for F1 before a batch)."""
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


def check_gradient(gradient: str) -> bool:
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
    detach = check_gradient(gradient)
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
