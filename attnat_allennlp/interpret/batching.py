"""
Running an `AttentionModel` on a list of instances, one padded batch at a time, and getting at the
pieces the measures of this package need (the `AttentionState`, the attended text field).
"""

from typing import Any, Dict, Iterator, List, Optional

import torch
from allennlp.common.util import lazy_groups_of
from allennlp.data import Instance
from allennlp.data.batch import Batch
from allennlp.nn import util

from attnat_allennlp.models.base import AttentionModel, AttentionState, model_device


def tensorize(model: AttentionModel, instances: List[Instance]) -> Dict[str, Any]:
    """Indexes `instances` with the model's vocabulary and pads them into one tensor dict."""
    batch = Batch(instances)
    batch.index_instances(model.vocab)
    return util.move_to_device(batch.as_tensor_dict(), model_device(model))


def chunks(instances: List[Instance], batch_size: int = 32) -> Iterator[List[Instance]]:
    """`instances` in consecutive lists of `batch_size` (the last one shorter)."""
    return lazy_groups_of(instances, batch_size)


def build_state(model: AttentionModel, tensors: Dict[str, Any]) -> AttentionState:
    """
    The model's `AttentionState` for a tensor dict (its text fields, its token features, and the
    `answer_candidates` of QA). No gold labels go in: nothing here updates the model's metrics.
    """
    texts = {name: value for name, value in tensors.items() if isinstance(value, dict)}
    candidates: Optional[torch.Tensor] = tensors.get("answer_candidates")
    label_mask = candidates.bool() if candidates is not None else None
    return model.build_state(texts, label_mask=label_mask, features=model.token_features(tensors))


def attended_field(state: AttentionState) -> str:
    """The name of the text field that attention pools over (`tokens`, or `premise` in pair models)."""
    return state.attended_field


def real_lengths(state: AttentionState) -> List[int]:
    return [int(n) for n in state.mask.sum(-1).tolist()]
