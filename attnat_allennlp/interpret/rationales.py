"""
Agreement of attention with human rationales (Kitada & Iyatomi's VAT paper), in the format of the
ERASER benchmark (DeYoung et al. 2020):

    DATA_DIR/{split}.jsonl   one annotation a line: {"annotation_id": ..., "classification": ...,
                             "query": ..., "evidences": [[{"docid": ..., "start_token": s,
                             "end_token": e, "text": ...}, ...], ...]}
    DATA_DIR/docs/{docid}    the document, whitespace-tokenised, one sentence a line

Token indices count over the whole document (all lines), `end_token` exclusive. The rationale of an
annotation is the union of its evidence spans on its document (the docid of its evidences, else its
`annotation_id`; evidence on other documents is ignored).

The model's tokenizer may split the ERASER tokens differently. The document is given to the model as
the ERASER tokens joined by single spaces, and each model token is mapped back to the ERASER token
that contains its first character (allennlp tokens carry character offsets, `Token.idx`); the score
of an ERASER token is the sum of its model tokens' attention (0 for an ERASER token the tokenizer
dropped). Scores: AUPRC (sklearn's average precision, the rationale mask as the positive class) and
the token F1 of the top-k tokens (k = the number of rationale tokens, or a given k), each averaged
over annotations; annotations without rationale tokens are skipped and counted.
"""

import os
from bisect import bisect_right
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy
from allennlp.common.checks import ConfigurationError
from allennlp.data import Instance, Token
from sklearn.metrics import average_precision_score

from attnat_allennlp.data.dataset_readers.bad_input import DataFormatError
from attnat_allennlp.data.dataset_readers.lines import read_jsonl


@dataclass
class RationaleExample:
    """One ERASER annotation: the document's tokens and the mask of its rationale tokens."""

    annotation_id: str
    docid: str
    tokens: List[str]
    rationale: List[bool]
    label: Optional[str] = None
    query: Optional[str] = None

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def _read_document(docs_dir: str, docid: str, location: str) -> List[str]:
    path = os.path.join(docs_dir, docid)
    if not os.path.isfile(path):
        raise DataFormatError(location, f"document {docid!r} not found in {docs_dir}")
    with open(path, encoding="utf-8") as handle:
        return [token for line in handle for token in line.split()]


def read_eraser(data_dir: str, split: str = "test") -> List[RationaleExample]:
    """Reads `data_dir/{split}.jsonl` with its documents under `data_dir/docs/`."""
    annotations = os.path.join(data_dir, f"{split}.jsonl")
    docs_dir = os.path.join(data_dir, "docs")
    if not os.path.isfile(annotations):
        raise ConfigurationError(f"no ERASER annotations at {annotations}")
    examples: List[RationaleExample] = []
    documents: Dict[str, List[str]] = {}
    for location, record in read_jsonl(annotations):
        if "annotation_id" not in record:
            raise DataFormatError(location, "expected a JSON object with an 'annotation_id'")
        evidences = [evidence for group in record.get("evidences") or [] for evidence in group]
        docid = evidences[0]["docid"] if evidences else record["annotation_id"]
        if docid not in documents:
            documents[docid] = _read_document(docs_dir, docid, location)
        tokens = documents[docid]
        mask = [False] * len(tokens)
        for evidence in evidences:
            if evidence.get("docid") != docid:
                continue
            try:
                start, end = int(evidence["start_token"]), int(evidence["end_token"])
            except (KeyError, TypeError, ValueError):
                raise DataFormatError(
                    location, "evidence without integer 'start_token'/'end_token'"
                ) from None
            if not 0 <= start < end <= len(tokens):
                raise DataFormatError(
                    location,
                    f"evidence span [{start}, {end}) outside document {docid!r} "
                    f"of {len(tokens)} tokens",
                )
            mask[start:end] = [True] * (end - start)
        examples.append(
            RationaleExample(
                annotation_id=str(record["annotation_id"]),
                docid=docid,
                tokens=tokens,
                rationale=mask,
                label=record.get("classification"),
                query=record.get("query"),
            )
        )
    return examples


def align_tokens(model_tokens: Sequence[Token], eraser_tokens: Sequence[str]) -> List[int]:
    """
    For each model token, the index of the ERASER token containing its first character, in the text
    `" ".join(eraser_tokens)`.
    """
    starts, position = [], 0
    for token in eraser_tokens:
        starts.append(position)
        position += len(token) + 1
    alignment = []
    for token in model_tokens:
        if token.idx is None:
            raise ConfigurationError(
                "the model's tokenizer gives no character offsets (Token.idx); rationale "
                "agreement needs them to map its tokens onto the ERASER tokens"
            )
        alignment.append(bisect_right(starts, token.idx) - 1)
    return alignment


def project_scores(
    scores: Sequence[float], alignment: Sequence[int], num_eraser_tokens: int
) -> numpy.ndarray:
    """Sums per-model-token scores onto the ERASER tokens they belong to."""
    projected = numpy.zeros(num_eraser_tokens)
    numpy.add.at(projected, numpy.asarray(alignment, dtype=int), numpy.asarray(scores, dtype=float))
    return projected


def rationale_instance(reader, example: RationaleExample, pair: bool) -> Instance:
    """The model's instance for an ERASER document (and query, for pair models)."""
    if pair:
        return reader.text_to_instance(example.text, example.query or "")
    return reader.text_to_instance(example.text)


def top_k_f1(scores: Sequence[float], rationale: Sequence[bool], k: Optional[int] = None) -> float:
    """Token F1 of the `k` highest-scoring tokens (ties by position) against the rationale."""
    truth = numpy.asarray(rationale, dtype=bool)
    k = int(truth.sum()) if k is None else min(int(k), truth.size)
    chosen = numpy.zeros_like(truth)
    chosen[numpy.argsort(-numpy.asarray(scores, dtype=float), kind="stable")[:k]] = True
    hits = int((chosen & truth).sum())
    if hits == 0:
        return 0.0
    precision, recall = hits / chosen.sum(), hits / truth.sum()
    return float(2 * precision * recall / (precision + recall))


def rationale_scores(
    scores: Sequence[float], rationale: Sequence[bool], k: Optional[int] = None
) -> Tuple[float, float]:
    """`(auprc, top_k_f1)` of token scores against a rationale mask with at least one token."""
    truth = numpy.asarray(rationale, dtype=bool)
    if not truth.any():
        raise ValueError("the rationale has no tokens")
    auprc = float(average_precision_score(truth.astype(int), numpy.asarray(scores, dtype=float)))
    return auprc, top_k_f1(scores, truth, k)
