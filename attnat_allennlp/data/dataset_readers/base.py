"""
The base of this package's readers (`AttentionDatasetReader`: tokenizing, labels, bad input handled
the same way everywhere) and of its single-text readers (`TextClassificationReader`). The pair
readers' base is in `pair.py`, the errors in `bad_input.py`, the line and field parsing in
`lines.py`.
"""

import json
import logging
import os
from collections import Counter
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Instance, Token, TokenIndexer, Tokenizer
from allennlp.data.fields import Field, LabelField, MetadataField, TextField
from allennlp.data.token_indexers import SingleIdTokenIndexer

from attnat_allennlp.data.dataset_readers.bad_input import (
    BadValue,
    DataFormatError,
    SkipExample,
    describe_labels,
    near_duplicate,
)
from attnat_allennlp.data.tokenizers import JainWallaceTokenizer

logger = logging.getLogger(__name__)


class AttentionDatasetReader(DatasetReader):
    """
    The shared behaviour of this package's readers: Jain & Wallace's preprocessing (through the
    tokenizer), an optional length limit, an optional mapping of raw labels, and bad input handled
    the same way everywhere: a malformed line raises a `DataFormatError` that names the file and
    line; empty texts, unknown labels and over-long texts are skipped and counted in one log line
    per file.

    Subclasses implement `examples(file_path)`, yielding `(location, kwargs of text_to_instance)`,
    or `(location, SkipExample(reason))` for an example they already know to skip.

    Checks that `read` makes of every file: a file without any example is an error naming it; a
    text that is not a string, a non-UTF-8 byte, or an unlabeled example in a file whose earlier
    examples have labels (or the reverse) is a `DataFormatError` naming file and line (a UTF-8
    byte order mark is read, not rejected); labels that differ only in case or spaces are a
    warning naming both spellings; a text far longer than the texts before it (more than 20 times
    their mean, over 1,000 tokens) is a warning, once a file. Once `restrict_labels` has been called
    (the `attnat` training loop calls it with the labels of the training file; a reader loaded from
    a model archive keeps to the model's labels), a label outside those is an error naming file,
    line and the known labels, or a counted skip (`unseen_labels`). A file whose every example is
    skipped is an error naming it and the reasons.

    # Parameters

    tokenizer : `Tokenizer`, optional (default = `JainWallaceTokenizer()`)
        Defaults to spaCy's offline `blank:en` tokenizer with lower-casing and digits -> `qqq`.
    token_indexers : `Dict[str, TokenIndexer]`, optional (default = `{"tokens": SingleIdTokenIndexer()}`)
    max_tokens : `Optional[int]`, optional (default = `None`)
        The most tokens of the attended text; longer texts are truncated or skipped (`long_texts`),
        and counted in the file's log line. `None` keeps everything.
    long_texts : `str`, optional (default = `"truncate"`)
        `"truncate"` keeps the first `max_tokens` tokens; `"skip"` drops the example, as Jain &
        Wallace do for IMDB (400).
    label_map : `Optional[Dict[str, str]]`, optional (default = `None`)
        Maps raw labels to the labels the model sees; raw labels not in the map are skipped and
        counted. `None` keeps every label as it is.
    unseen_labels : `str`, optional (default = `"error"`)
        What a label outside the training labels (see `restrict_labels`) gets: `"error"` (naming
        file, line and the known labels) or `"skip"` (counted in the file's log line).
    """

    # Whether the labels of other files must be among those of the training file (`restrict_labels`);
    # not for readers whose label namespace is open, such as CNN's entity markers.
    labels_from_training = True

    def __init__(
        self,
        tokenizer: Optional[Tokenizer] = None,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        max_tokens: Optional[int] = None,
        long_texts: str = "truncate",
        label_map: Optional[Dict[str, str]] = None,
        unseen_labels: str = "error",
        **kwargs,
    ) -> None:
        super().__init__(
            manual_distributed_sharding=True, manual_multiprocess_sharding=True, **kwargs
        )
        if long_texts not in ("truncate", "skip"):
            raise ConfigurationError(
                f"dataset_reader.long_texts must be 'truncate' or 'skip', got {long_texts!r}"
            )
        if unseen_labels not in ("error", "skip"):
            raise ConfigurationError(
                f"dataset_reader.unseen_labels must be 'error' or 'skip', got {unseen_labels!r}"
            )
        if max_tokens is not None and max_tokens < 1:
            raise ConfigurationError(
                f"dataset_reader.max_tokens must be positive, got {max_tokens}"
            )
        self._tokenizer = tokenizer or JainWallaceTokenizer()
        self._token_indexers = token_indexers or {"tokens": SingleIdTokenIndexer()}
        self._max_tokens = max_tokens
        self._long_texts = long_texts
        self._label_map = {str(k): str(v) for k, v in label_map.items()} if label_map else None
        self._unseen_labels = unseen_labels
        self._known_labels: Optional[Dict[str, str]] = None
        self._known_labels_source = ""
        # Per-file statistics of `_read` (updated by `tokenize` and `map_label` as well).
        self._truncated = 0
        # The length of the last text `tokenize` truncated (the predictors reset it per input and
        # say in the output that the text was cut).
        self.last_truncated_length: Optional[int] = None
        self._lengths = [0, 0]  # number of texts, sum of their lengths
        self._long_text_warned = False
        self._location = "input"
        self._labels_of_model(self.serialization_dir)

    def _labels_of_model(self, serialization_dir: Optional[str]) -> None:
        """
        A reader made from a model archive (allennlp's `load_archive` passes the extracted folder
        as `serialization_dir`: `allennlp evaluate`, `attention-report`, ...) keeps to the labels
        the model knows (`vocabulary/labels.txt`), as training keeps to the training labels, so
        that a label the model does not know is an error naming file and line, not a `KeyError`
        of the vocabulary. (Training lifts this before its own check; see `check_data_files`.)
        """
        path = os.path.join(serialization_dir or "", "vocabulary", "labels.txt")
        if not serialization_dir or not os.path.isfile(path):
            return
        with open(path, encoding="utf-8") as handle:
            labels = [line.rstrip("\n").replace("@@NEWLINE@@", "\n") for line in handle]
        self.restrict_labels({label: "the model" for label in labels if label}, "the model")

    @property
    def max_tokens(self) -> Optional[int]:
        """The most tokens of the attended text (`None`: no limit)."""
        return self._max_tokens

    # ---- for subclasses -----------------------------------------------------------------------
    def examples(self, file_path: str) -> Iterator[Tuple[str, Any]]:
        """
        Yields `(location, kwargs of text_to_instance)` for each example of a file, location being
        `"path:line"` (or the file of a one-file-an-example layout), or `(location,
        SkipExample(reason))` for an example that is skipped. Nothing is tokenized here.
        """
        raise NotImplementedError

    # ---- labels -------------------------------------------------------------------------------
    def labels_in(self, file_path: str) -> Dict[str, str]:
        """
        The (mapped) labels of a file with the location of each one's first example, in one pass
        that tokenizes nothing; warns about labels that differ only in case or spaces. A file
        without examples, or whose every example is skipped (`skipped_everything`), is an error
        naming it.
        """
        labels, _ = self._scan(file_path)
        return labels

    def restrict_labels(self, labels: Optional[Dict[str, str]], source: str) -> None:
        """
        From now on, a label outside `labels` (label -> where it was first seen) is an error or a
        counted skip (`unseen_labels`); `source` names where `labels` come from (`the training data
        train.jsonl`, `the model`). `None` lifts the restriction. Readers whose
        `labels_from_training` is False ignore this.
        """
        if self.labels_from_training:
            self._known_labels = None if labels is None else dict(labels)
            self._known_labels_source = source

    def check_labels(self, file_path: str) -> int:
        """
        One pass over a file that tokenizes nothing: raises for an empty file, a malformed line,
        (with `unseen_labels: "error"`) a label outside the known labels, a file whose every
        example is skipped, or one where no example has a label. Returns the number of examples.
        """
        labels, count = self._scan(file_path)
        if not labels:
            raise ConfigurationError(self.no_labels_message(file_path))
        return count

    def no_labels_message(self, file_path: str) -> str:
        """
        Why no example of `file_path` (just read with `examples`) has a label. Readers that know
        where the label should be (the JSON readers: a field) say so, with the fields the lines
        have.
        """
        return f"{file_path}: no example of the file has a label"

    def _scan(self, file_path: str) -> Tuple[Dict[str, str], int]:
        """`labels_in` and the number of examples: the one pass of the checks before training."""
        labels: Dict[str, str] = {}
        count = 0
        skipped: Counter = Counter()
        for location, example in self.examples(file_path):
            count += 1
            if isinstance(example, SkipExample):
                skipped[example.reason] += 1
                continue
            if _blank_text(example):
                skipped["empty texts"] += 1
                continue
            if example.get("label") is None:
                continue
            try:
                label = self.map_label(example["label"])
            except SkipExample as skip:
                skipped[skip.reason] += 1
                continue
            except BadValue as error:
                raise DataFormatError(location, str(error)) from None
            if label not in labels:
                self._warn_near_duplicate(label, labels, location)
                labels[label] = location
        if count == 0:
            raise ConfigurationError(f"{file_path}: the file has no examples (is it empty?)")
        if sum(skipped.values()) == count:
            raise ConfigurationError(self.skipped_everything(file_path, skipped))
        return labels, count

    def skipped_everything(self, file_path: str, skipped: Counter) -> str:
        """The error of a file whose every example was skipped (`skipped`: reason -> count)."""
        details = ", ".join(f"{n} {why}" for why, n in sorted(skipped.items()))
        hints = []
        if "examples with labels not in the training data" in skipped:
            hints.append(
                f"the labels of {self._known_labels_source} are "
                f"{describe_labels(self._known_labels or {})}"
            )
        if "examples with labels outside label_map" in skipped:
            hints.append(f"dataset_reader.label_map maps {describe_labels(self._label_map or {})}")
        if any(why.startswith("texts longer than") for why in skipped):
            hints.append("dataset_reader.max_tokens and long_texts set the limit")
        hint = f" ({'; '.join(hints)})" if hints else ""
        return (
            f"{file_path}: every example of the file was skipped: {details}{hint}; nothing is "
            "left to read"
        )

    @staticmethod
    def _warn_near_duplicate(label: str, labels: Dict[str, str], location: str) -> None:
        other = near_duplicate(label, labels)
        if other is not None:
            logger.warning(
                "%s: the label %r differs from the label %r (first at %s) only in case or "
                "spaces; they are two different classes: fix the data or map them with "
                "dataset_reader.label_map",
                location,
                label,
                other,
                labels[other],
            )

    # ---- reading ------------------------------------------------------------------------------
    def _counted_examples(self, file_path: str, total: List[int]) -> Iterator[Tuple[str, Any]]:
        for item in self.examples(file_path):
            total[0] += 1
            yield item

    def _read(self, file_path: str) -> Iterable[Instance]:
        skipped: Counter = Counter()
        count = 0
        total = [0]
        self._truncated = 0
        self._lengths = [0, 0]
        self._long_text_warned = False
        labels: Dict[str, str] = {}
        labeled: Optional[Tuple[bool, str]] = None  # whether the first instance has a label, where
        for location, example in self.shard_iterable(self._counted_examples(file_path, total)):
            if isinstance(example, SkipExample):
                skipped[example.reason] += 1
                continue
            self._location = location
            try:
                instance = self.text_to_instance(**example)
            except SkipExample as skip:
                skipped[skip.reason] += 1
                continue
            except BadValue as error:
                raise DataFormatError(location, str(error)) from None
            label_field = instance.fields.get("label")
            if labeled is None:
                labeled = (label_field is not None, location)
            elif labeled[0] != (label_field is not None):
                raise DataFormatError(
                    location,
                    (
                        "no label, but the examples before have one"
                        if labeled[0]
                        else "a label, but the examples before have none"
                    )
                    + f" (first at {labeled[1]}): every example of a file has a label, or none has",
                )
            if label_field is not None:
                label = str(label_field.label)  # type: ignore
                if label not in labels:
                    self._warn_near_duplicate(label, labels, location)
                    labels[label] = location
            count += 1
            yield instance
        if total[0] == 0:
            raise ConfigurationError(f"{file_path}: the file has no examples (is it empty?)")
        if count == 0 and sum(skipped.values()) == total[0]:
            raise ConfigurationError(self.skipped_everything(file_path, skipped))
        details = []
        if skipped:
            details.append(
                "skipped " + ", ".join(f"{n} {why}" for why, n in sorted(skipped.items()))
            )
        if self._truncated:
            details.append(f"truncated {self._truncated} texts to {self._max_tokens} tokens")
        if details:
            logger.warning("Read %d instances from %s; %s", count, file_path, "; ".join(details))
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
            if text is not None and not isinstance(text, str):
                raise BadValue(
                    f"the text is {type(text).__name__} {json.dumps(text)[:80]}, expected a string"
                )
            tokens = self._tokenizer.tokenize(text) if text else []
        if not tokens:
            raise SkipExample("empty texts")
        if limit:
            self._note_length(len(tokens))
            if self._max_tokens is not None and len(tokens) > self._max_tokens:
                if self._long_texts == "skip":
                    raise SkipExample(f"texts longer than {self._max_tokens} tokens")
                self._truncated += 1
                self.last_truncated_length = len(tokens)
                tokens = tokens[: self._max_tokens]
        return tokens

    def _note_length(self, length: int) -> None:
        number, total = self._lengths
        if (
            not self._long_text_warned
            and number >= 20
            and length > 1000
            and length > 20 * total / number
        ):
            self._long_text_warned = True
            logger.warning(
                "%s: a text of %d tokens, %.0f times the mean length of the %d texts before it; "
                "dataset_reader.max_tokens (now %s) truncates or skips such texts (long_texts)",
                getattr(self, "_location", "input"),
                length,
                length * number / total,
                number,
                self._max_tokens,
            )
        self._lengths = [number + 1, total + length]

    def map_label(self, raw: Any) -> Optional[str]:
        """
        The label for a raw label, `None` for `None`; raises `BadValue` for an empty (or blank)
        label, `SkipExample` for one outside `label_map`, and for one outside the known labels
        (`restrict_labels`) `BadValue` or `SkipExample` (`unseen_labels`).
        """
        if raw is None:
            return None
        if isinstance(raw, (list, dict)):
            raise BadValue(
                f"the label is {type(raw).__name__} {json.dumps(raw)[:80]}, expected a string"
            )
        raw = str(raw)
        if not raw.strip():
            raise BadValue(
                f"the label is {'an empty string' if not raw else repr(raw)}: a label names a "
                "class; fix the line, or drop its label field to leave it unlabeled"
            )
        if self._label_map is None:
            label = raw
        elif raw not in self._label_map:
            raise SkipExample("examples with labels outside label_map")
        else:
            label = self._label_map[raw]
        if self._known_labels is not None and label not in self._known_labels:
            if self._unseen_labels == "skip":
                raise SkipExample("examples with labels not in the training data")
            similar = near_duplicate(label, self._known_labels)
            hint = f" (it differs from {similar!r} only in case or spaces)" if similar else ""
            raise BadValue(
                f"the label {label!r} is not one of the labels of "
                f"{self._known_labels_source} ({describe_labels(self._known_labels)}){hint}; "
                'fix the file, or skip such examples with dataset_reader.unseen_labels: "skip"'
            )
        return label

    def apply_token_indexers(self, instance: Instance) -> None:
        for field in instance.fields.values():
            if isinstance(field, TextField):
                field.token_indexers = self._token_indexers


def _blank_text(example: Dict[str, Any]) -> bool:
    """Whether an example's text (or premise or hypothesis) is missing or blank."""
    for key in ("text", "premise", "hypothesis"):
        if key in example:
            value = example[key]
            if (
                value is None
                or (isinstance(value, str) and not value.strip())
                or (isinstance(value, list) and not value)
            ):
                return True
    return False


class TextClassificationReader(AttentionDatasetReader):
    """
    The base of every single-text reader here: `text_to_instance(text, label)` gives the fields
    `tokens` (`TextField`), `label` (`LabelField`, when there is one) and `metadata` (the token
    strings). Subclasses only say how to find `(text, label)` pairs in their files (`examples`).
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
