"""The base of the readers of a pair of texts (NLI and QA), and their exact-match features."""

from typing import Dict, Iterable, List, Optional

import torch
from allennlp.data import Instance, Token
from allennlp.data.fields import Field, LabelField, MetadataField, MultiLabelField, TensorField, TextField

from attnat_allennlp.data.dataset_readers.base import AttentionDatasetReader


class PairReader(AttentionDatasetReader):
    """
    The base of the NLI and QA readers: `text_to_instance(premise, hypothesis, label, candidates)`
    gives `premise` and `hypothesis` (`TextField`s; for QA the passage and the question), `label`
    (`LabelField`), optionally `answer_candidates` (a `MultiLabelField` over the label namespace)
    and `metadata` (`premise_tokens`, `hypothesis_tokens`). `max_tokens` limits the premise.

    # Parameters

    exact_match : `bool`, optional (default = `False`)
        Also give `premise_exact_match` and `hypothesis_exact_match` (`TensorField`s, one float per
        token): 1.0 where the token's lower-cased text occurs in the other text, for the pair
        model's `exact_match_features`.
    **kwargs
        As in `AttentionDatasetReader`.
    """

    def __init__(self, exact_match: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self._exact_match = exact_match

    def text_to_instance(  # type: ignore
        self,
        premise: str,
        hypothesis: str,
        label: Optional[str] = None,
        candidates: Optional[List[str]] = None,
    ) -> Instance:
        if candidates is None:
            candidates = self.default_candidates(premise)
        premise_tokens = self.tokenize(premise)
        hypothesis_tokens = self.tokenize(hypothesis, limit=False)
        label = self.map_label(label)
        fields: Dict[str, Field] = {
            "premise": TextField(premise_tokens),
            "hypothesis": TextField(hypothesis_tokens),
            "metadata": MetadataField(
                {
                    "premise_tokens": [t.text for t in premise_tokens],
                    "hypothesis_tokens": [t.text for t in hypothesis_tokens],
                }
            ),
        }
        if label is not None:
            fields["label"] = LabelField(label)
        if candidates is not None:
            fields["answer_candidates"] = MultiLabelField(candidates)
        if self._exact_match:
            fields["premise_exact_match"] = exact_match_field(premise_tokens, hypothesis_tokens)
            fields["hypothesis_exact_match"] = exact_match_field(hypothesis_tokens, premise_tokens)
        return Instance(fields)

    def default_candidates(self, premise: str) -> Optional[List[str]]:
        """
        The answer candidates of an example given none (`None`: no `answer_candidates` field);
        a QA reader whose candidates follow from the passage says which.
        """
        return None


def exact_match_flags(texts: Iterable[str], other: Iterable[str]) -> List[float]:
    """1.0 for each text whose lower-cased form occurs among the lower-cased `other`, else 0.0."""
    words = {text.lower() for text in other}
    return [float(text.lower() in words) for text in texts]


def exact_match_field(tokens: List[Token], other: List[Token]) -> TensorField:
    """`exact_match_flags` of the tokens' texts against `other`'s, as a field (padding 0)."""
    flags = exact_match_flags((token.text for token in tokens), (token.text for token in other))
    return TensorField(torch.tensor(flags), padding_value=0.0)
