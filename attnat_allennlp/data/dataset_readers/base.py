import json
import logging
from collections import Counter
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import cached_path
from allennlp.data import DatasetReader, Instance, Token, TokenIndexer, Tokenizer
from allennlp.data.fields import (
    Field,
    LabelField,
    MetadataField,
    MultiLabelField,
    TensorField,
    TextField,
)
from allennlp.data.token_indexers import SingleIdTokenIndexer

from attnat_allennlp.data.tokenizers import JainWallaceTokenizer

logger = logging.getLogger(__name__)


class SkipExample(Exception):
    """Raised by `text_to_instance` for an example that is skipped and counted, with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DataFormatError(ConfigurationError):
    """A malformed input line; the message names the file and the line number."""

    def __init__(self, location: str, problem: str) -> None:
        super().__init__(f"{location}: {problem}")


class AttentionDatasetReader(DatasetReader):
    """
    The shared behaviour of this package's readers: Jain & Wallace's preprocessing (through the
    tokenizer), an optional length limit, an optional mapping of raw labels, and bad input handled
    the same way everywhere: a malformed line raises a `DataFormatError` that names the file and
    line; empty texts, unknown labels and over-long texts are skipped and counted in one log line
    per file.

    Subclasses implement `_examples(file_path)`, yielding `(location, kwargs of text_to_instance)`,
    or `(location, SkipExample(reason))` for an example they already know to skip.

    # Parameters

    tokenizer : `Tokenizer`, optional (default = `JainWallaceTokenizer()`)
        Defaults to spaCy's offline `blank:en` tokenizer with lower-casing and digits -> `qqq`.
    token_indexers : `Dict[str, TokenIndexer]`, optional (default = `{"tokens": SingleIdTokenIndexer()}`)
    max_tokens : `Optional[int]`, optional (default = `None`)
        Skip (and count) examples whose attended text has more tokens than this, as Jain & Wallace
        do for IMDB (400). `None` keeps everything.
    label_map : `Optional[Dict[str, str]]`, optional (default = `None`)
        Maps raw labels to the labels the model sees; raw labels not in the map are skipped and
        counted. `None` keeps every label as it is.
    """

    def __init__(
        self,
        tokenizer: Optional[Tokenizer] = None,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        max_tokens: Optional[int] = None,
        label_map: Optional[Dict[str, str]] = None,
        **kwargs,
    ) -> None:
        super().__init__(
            manual_distributed_sharding=True, manual_multiprocess_sharding=True, **kwargs
        )
        self._tokenizer = tokenizer or JainWallaceTokenizer()
        self._token_indexers = token_indexers or {"tokens": SingleIdTokenIndexer()}
        self._max_tokens = max_tokens
        self._label_map = {str(k): str(v) for k, v in label_map.items()} if label_map else None

    # ---- helpers for subclasses -------------------------------------------------------------
    def _examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        raise NotImplementedError

    def _read(self, file_path: str) -> Iterable[Instance]:
        skipped: Counter = Counter()
        count = 0
        for location, example in self.shard_iterable(self._examples(file_path)):
            if isinstance(example, SkipExample):
                skipped[example.reason] += 1
                continue
            try:
                instance = self.text_to_instance(**example)
            except SkipExample as skip:
                skipped[skip.reason] += 1
                continue
            count += 1
            yield instance
        if skipped:
            details = ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items()))
            logger.warning("Read %d instances from %s; skipped %s", count, file_path, details)
        else:
            logger.info("Read %d instances from %s", count, file_path)

    def tokenize(self, text: Union[str, List[str], None], limit: bool = True) -> List[Token]:
        """
        Tokenizes, raising `SkipExample` for an empty or (with `limit`) over-long text. A list of
        strings is text that is already tokenized (the leaves of a treebank): a `jain_wallace`
        tokenizer only normalises those words (`tokenize_words`), any other tokenizer gets them
        joined by spaces.
        """
        if isinstance(text, list):
            if isinstance(self._tokenizer, JainWallaceTokenizer):
                tokens = self._tokenizer.tokenize_words(text)
            else:
                tokens = self._tokenizer.tokenize(" ".join(text)) if text else []
        else:
            tokens = self._tokenizer.tokenize(text) if text else []
        if not tokens:
            raise SkipExample("empty texts")
        if limit and self._max_tokens is not None and len(tokens) > self._max_tokens:
            raise SkipExample(f"texts longer than {self._max_tokens} tokens")
        return tokens

    def map_label(self, raw: Any) -> Optional[str]:
        """The label for a raw label, `None` for `None`; raises `SkipExample` for unknown ones."""
        if raw is None:
            return None
        raw = str(raw)
        if self._label_map is None:
            return raw
        if raw not in self._label_map:
            raise SkipExample("examples with labels outside label_map")
        return self._label_map[raw]

    def apply_token_indexers(self, instance: Instance) -> None:
        for field in instance.fields.values():
            if isinstance(field, TextField):
                field.token_indexers = self._token_indexers


def local_path(file_path: str) -> str:
    """
    The local path of a file, folder or URL, through `cached_path`: downloads are cached, and
    `archive.tar.gz!inner/path` opens `inner/path` inside the (extracted) archive.
    """
    return cached_path(file_path, extract_archive="!" in file_path)


def numbered_lines(file_path: str, skip_blank: bool = True) -> Iterator[Tuple[str, str]]:
    """Yields `("path:line", line without its newline)` for the lines of a (cached) file."""
    with open(local_path(file_path), encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if skip_blank and not line.strip():
                continue
            yield f"{file_path}:{line_number}", line.rstrip("\n")


def read_jsonl(file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """Yields `("path:line", record)`; a line that is not a JSON object raises `DataFormatError`."""
    for location, line in numbered_lines(file_path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataFormatError(location, f"malformed JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise DataFormatError(location, "expected a JSON object")
        yield location, record


def require(record: Dict[str, Any], key: str, location: str) -> Any:
    if key not in record:
        raise DataFormatError(location, f"missing field {key!r} (has {sorted(record)})")
    return record[key]


class TextClassificationReader(AttentionDatasetReader):
    """
    The base of every single-text reader here: `text_to_instance(text, label)` gives the fields
    `tokens` (`TextField`), `label` (`LabelField`, when there is one) and `metadata` (the token
    strings). Subclasses only say how to find `(text, label)` pairs in their files (`_examples`).
    Parameters as in `AttentionDatasetReader`.
    """

    def text_to_instance(  # type: ignore
        self, text: Union[str, List[str]], label: Optional[str] = None
    ) -> Instance:
        tokens = self.tokenize(text)
        label = self.map_label(label)
        fields: Dict[str, Field] = {
            "tokens": TextField(tokens),
            "metadata": MetadataField({"tokens": [t.text for t in tokens]}),
        }
        if label is not None:
            fields["label"] = LabelField(label)
        return Instance(fields)


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


def exact_match_field(tokens: List[Token], other: List[Token]) -> TensorField:
    """1.0 for each token whose lower-cased text occurs in `other`, else 0.0 (padding 0)."""
    words = {token.text.lower() for token in other}
    return TensorField(
        torch.tensor([float(token.text.lower() in words) for token in tokens]), padding_value=0.0
    )
