from collections import Counter
from typing import Any, Dict, Iterator, List, Tuple

from allennlp.data import DatasetReader

from attnat_allennlp.data.dataset_readers.base import (
    DataFormatError,
    PairReader,
    SkipExample,
    TextClassificationReader,
    read_jsonl,
    require_text,
)


def fields_of(file_path: str, limit: int = 1000) -> List[str]:
    """The fields of the first `limit` lines of a JSON lines file, sorted (for error messages)."""
    fields: set = set()
    for number, (_, record) in enumerate(read_jsonl(file_path)):
        if number >= limit:
            break
        fields.update(record)
    return sorted(fields)


def no_label_field(file_path: str, label_key: str) -> str:
    """The error of a file none of whose lines has a label in the field `label_key`."""
    fields = fields_of(file_path)
    if label_key in fields:
        return f"{file_path}: no line has a label: the {label_key!r} field is null on every line"
    return (
        f"{file_path}: no line has a {label_key!r} field (the lines have "
        f"{', '.join(repr(f) for f in fields)}): set dataset_reader.label_key to the field that "
        "holds the label"
    )


@DatasetReader.register("attnat_text_classification_jsonl")
class JsonlTextClassificationReader(TextClassificationReader):
    """
    Reads text classification data from JSON lines, one `{"text": ..., "label": ...}` object a
    line (the format of `../shared/data/rt-polarity` and of `allennlp prepare-attnat-data`'s
    output). A file without labels gives unlabeled instances; a file with some labels must have
    them on every line.

    Registered as a `DatasetReader` with name "attnat_text_classification_jsonl".

    # Parameters

    text_key : `str`, optional (default = `"text"`)
    label_key : `str`, optional (default = `"label"`)
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens`, `label_map` as in `AttentionDatasetReader`.
    """

    def __init__(self, text_key: str = "text", label_key: str = "label", **kwargs) -> None:
        super().__init__(**kwargs)
        self._text_key = text_key
        self._label_key = label_key

    def examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        for location, record in read_jsonl(file_path):
            text = require_text(record, self._text_key, location)
            yield location, {"text": text, "label": record.get(self._label_key)}

    def no_labels_message(self, file_path: str) -> str:
        return no_label_field(file_path, self._label_key)


@DatasetReader.register("attnat_nli_jsonl")
class JsonlNliReader(PairReader):
    """
    Reads natural language inference pairs from JSON lines with SNLI's fields (`sentence1`,
    `sentence2`, `gold_label`): the files of SNLI 1.0 and MultiNLI 1.0 as they are distributed, and
    `../shared/data/vitaminc-nli`. Pairs without a gold label (`"-"`, the annotators disagreed) are
    skipped and counted; a line without the premise or the hypothesis field is an error naming the
    fields it has, and an empty label is an error too.

    Registered as a `DatasetReader` with name "attnat_nli_jsonl".

    # Parameters

    premise_key : `str`, optional (default = `"sentence1"`)
    hypothesis_key : `str`, optional (default = `"sentence2"`)
    label_key : `str`, optional (default = `"gold_label"`)
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens`, `label_map` as in `AttentionDatasetReader`;
        `exact_match` as in `PairReader`.
    """

    def __init__(
        self,
        premise_key: str = "sentence1",
        hypothesis_key: str = "sentence2",
        label_key: str = "gold_label",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._keys = (premise_key, hypothesis_key, label_key)

    def examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        premise_key, hypothesis_key, label_key = self._keys
        for location, record in read_jsonl(file_path):
            missing = [key for key in (premise_key, hypothesis_key) if key not in record]
            if missing:
                raise DataFormatError(
                    location,
                    f"missing field{'s' if len(missing) > 1 else ''} "
                    f"{' and '.join(repr(key) for key in missing)} (the line has "
                    f"{', '.join(repr(key) for key in sorted(record)) or 'no fields'}): a pair "
                    "reader reads the premise and the hypothesis from dataset_reader.premise_key "
                    f"({premise_key!r}) and hypothesis_key ({hypothesis_key!r}); is this "
                    "single-text data for a text classification config?",
                )
            label = record.get(label_key)
            if label in (None, "-"):
                yield location, SkipExample("pairs without a gold label")
                continue
            yield (
                location,
                {
                    "premise": require_text(record, premise_key, location),
                    "hypothesis": require_text(record, hypothesis_key, location),
                    "label": label,
                },
            )

    def no_labels_message(self, file_path: str) -> str:
        return no_label_field(file_path, self._keys[2])

    def skipped_everything(self, file_path: str, skipped: Counter) -> str:
        if set(skipped) == {"pairs without a gold label"} and self._keys[2] not in fields_of(
            file_path
        ):
            return no_label_field(file_path, self._keys[2])
        return super().skipped_everything(file_path, skipped)
