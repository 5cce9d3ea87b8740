"""
The texts of a pair under the word-substitution attack (`attack.py`): which text is attacked (the
hypothesis, or the question of QA), and the exact-match flags and instances after a substitution,
as the pair readers (`data/dataset_readers/pair.py`) compute them.
"""

from typing import Dict, List, Optional, Sequence, Tuple

import torch
from allennlp.data import Instance, Token
from allennlp.data.fields import MetadataField, TextField

from attnat_allennlp.data.dataset_readers.pair import exact_match_field
from attnat_allennlp.models.base import AttentionModel


def attacked_field(model: AttentionModel) -> str:
    """The text field the attack changes: `tokens`, or the `hypothesis` of a pair model."""
    return "hypothesis" if model.attended_field == "premise" else model.attended_field


def other_field(model: AttentionModel) -> Optional[str]:
    """The text of a pair that the attack leaves alone (`premise`), `None` for one text."""
    return model.attended_field if model.attended_field != attacked_field(model) else None


def swapped_flags(
    flags: torch.Tensor,
    texts: Dict[str, List[str]],
    swaps: List[Tuple[int, int, str]],
    text: str,
    attacked: str,
    other: str,
) -> torch.Tensor:
    """
    The exact-match flags of `text` (`attacked` or `other`) for each row of `flags`, row i with the
    substitution `swaps[i]` (position, id, word) in the text `attacked`.
    """
    fresh = flags.clone()
    for row, (position, _, word) in enumerate(swaps):
        changed = list(texts[attacked])
        changed[position] = word
        own, against = (changed, texts[other]) if text == attacked else (texts[other], changed)
        values = exact_match_field([Token(t) for t in own], [Token(t) for t in against]).tensor
        fresh[row, : values.numel()] = values.to(fresh.dtype)
    return fresh


def substituted_instance(instance: Instance, text: str, words: Sequence[str]) -> Instance:
    """
    A copy of `instance` whose text field `text` holds `words` (as many as before), the metadata's
    token texts and the exact-match flags of a pair updated as the pair readers compute them.
    """
    old: TextField = instance[text]  # type: ignore
    if len(words) != len(old.tokens):
        raise ValueError(f"{len(words)} words for the {len(old.tokens)} tokens of {text!r}")
    tokens = [
        token if token.text == word else Token(word, idx=token.idx)
        for token, word in zip(old.tokens, words)
    ]
    fields = dict(instance.fields)
    fields[text] = TextField(tokens, old.token_indexers)
    metadata = instance.fields.get("metadata")
    if metadata is not None:
        values = dict(metadata.metadata)  # type: ignore
        key = "tokens" if text == "tokens" else f"{text}_tokens"
        if key in values:
            values[key] = list(words)
        fields["metadata"] = MetadataField(values)
    for name in ("premise", "hypothesis"):
        other = "hypothesis" if name == "premise" else "premise"
        if f"{name}_exact_match" in fields and name in fields and other in fields:
            fields[f"{name}_exact_match"] = exact_match_field(
                fields[name].tokens,
                fields[other].tokens,  # type: ignore
            )
    return Instance(fields)
