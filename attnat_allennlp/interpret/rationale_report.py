"""
Agreement of attention (and of gradient importance) with the human rationales of ERASER examples:
AUPRC and top-k token F1 (`rationale_report`; the data and the scores: `rationales`).
"""

from collections import Counter
from typing import Any, Dict, List, Optional

import torch
from allennlp.data import DatasetReader, Instance

from attnat_allennlp.data.dataset_readers.bad_input import SkipExample
from attnat_allennlp.interpret.agreement import summarize
from attnat_allennlp.interpret.batching import (
    attended_field,
    build_state,
    chunks,
    real_lengths,
    tensorize,
)
from attnat_allennlp.interpret.explanation import check_gradient
from attnat_allennlp.interpret.importance import gradient_importance_for_state
from attnat_allennlp.interpret.rationales import (
    RationaleExample,
    align_tokens,
    project_scores,
    rationale_instance,
    rationale_scores,
)
from attnat_allennlp.models.base import AttentionModel
from attnat_allennlp.models.pair_classifier import AttentionPairClassifier


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
    detach = check_gradient(gradient)
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
