import csv
import io
from collections import Counter
from typing import Any, Dict, Iterator, List, Tuple

from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader

from attnat_allennlp.data.dataset_readers.bad_input import DataFormatError, SkipExample
from attnat_allennlp.data.dataset_readers.base import TextClassificationReader
from attnat_allennlp.data.dataset_readers.lines import local_path, read_jsonl, read_text, require_text
from attnat_allennlp.data.dataset_readers.pair import PairReader

FORMATS = ("auto", "jsonl", "csv", "tsv")


def file_format(file_path: str, format: str) -> str:
    """The format of a data file: `format`, or for `"auto"` the file's extension (`.csv`,
    `.tsv`; anything else is JSON lines)."""
    if format not in FORMATS:
        raise ConfigurationError(f"dataset_reader.format must be one of {FORMATS}, got {format!r}")
    if format != "auto":
        return format
    name = str(file_path).lower().removesuffix(".gz")
    return "csv" if name.endswith(".csv") else "tsv" if name.endswith(".tsv") else "jsonl"


def read_table(file_path: str, delimiter: str = ",") -> Iterator[Tuple[str, Dict[str, Any]]]:
    """
    Yields `("path:line", row)` for the rows of a CSV (or TSV) file whose first row names the
    columns; an empty cell is `None`. A byte that is not UTF-8 raises a `DataFormatError` naming
    the line, as in the other formats.
    """
    text = read_text(local_path(file_path), file_path)
    rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in rows:
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue  # a blank line
            location = f"{file_path}:{rows.line_num}"
            if None in row:
                raise DataFormatError(
                    location, f"more cells than the {len(rows.fieldnames or [])} columns of line 1"
                )
            yield location, {key: (value if value != "" else None) for key, value in row.items()}
    except csv.Error as error:
        raise DataFormatError(f"{file_path}:{rows.line_num}", f"malformed CSV ({error})") from None


def read_records(file_path: str, format: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """The records of a JSON lines, CSV or TSV file (`file_format`), with their locations."""
    kind = file_format(file_path, format)
    if kind == "jsonl":
        return read_jsonl(file_path)
    return read_table(file_path, "," if kind == "csv" else "\t")


def fields_of(file_path: str, limit: int = 1000) -> List[str]:
    """The fields of the first `limit` records of a data file (`read_records`, its format by its
    extension), sorted (for error messages)."""
    fields: set = set()
    for number, (_, record) in enumerate(read_records(file_path, "auto")):
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
    output), or from a CSV or TSV file whose first row names the columns (`format`). The field or
    column names are options (`text_key`, `label_key`). A file without labels gives unlabeled
    instances; a file with some labels must have them on every line.

    Registered as a `DatasetReader` with name "attnat_text_classification_jsonl".

    # Parameters

    text_key : `str`, optional (default = `"text"`)
        The field (column) of the text.
    label_key : `str`, optional (default = `"label"`)
        The field (column) of the label.
    format : `str`, optional (default = `"auto"`)
        `"jsonl"`, `"csv"`, `"tsv"`, or `"auto"`: by the file's extension (`.csv`, `.tsv`,
        otherwise JSON lines; also with `.gz`).
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens`, `label_map` as in `AttentionDatasetReader`.
    """

    def __init__(
        self, text_key: str = "text", label_key: str = "label", format: str = "auto", **kwargs
    ) -> None:
        super().__init__(**kwargs)
        file_format("", format)  # checks the option
        self._text_key = text_key
        self._label_key = label_key
        self._format = format

    def examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        for location, record in read_records(file_path, self._format):
            text = require_text(record, self._text_key, location)
            yield location, {"text": text, "label": record.get(self._label_key)}

    def no_labels_message(self, file_path: str) -> str:
        return no_label_field(file_path, self._label_key)


@DatasetReader.register("attnat_nli_jsonl")
class JsonlNliReader(PairReader):
    """
    Reads natural language inference pairs from JSON lines with SNLI's fields (`sentence1`,
    `sentence2`, `gold_label`): the files of SNLI 1.0 and MultiNLI 1.0 as they are distributed, and
    `../shared/data/vitaminc-nli`, or from a CSV or TSV file whose first row names the columns
    (`format`). Pairs without a gold label (`"-"`, the annotators disagreed) are skipped and
    counted; a line without the premise or the hypothesis field is an error naming the fields
    it has, and an empty label is an error too.

    Registered as a `DatasetReader` with name "attnat_nli_jsonl".

    # Parameters

    premise_key : `str`, optional (default = `"sentence1"`)
    hypothesis_key : `str`, optional (default = `"sentence2"`)
    label_key : `str`, optional (default = `"gold_label"`)
    format : `str`, optional (default = `"auto"`)
        `"jsonl"`, `"csv"`, `"tsv"`, or `"auto"` (by the file's extension), as in
        `attnat_text_classification_jsonl`.
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens`, `label_map` as in `AttentionDatasetReader`;
        `exact_match` as in `PairReader`.
    """

    def __init__(
        self,
        premise_key: str = "sentence1",
        hypothesis_key: str = "sentence2",
        label_key: str = "gold_label",
        format: str = "auto",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        file_format("", format)  # checks the option
        self._keys = (premise_key, hypothesis_key, label_key)
        self._format = format

    def examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        premise_key, hypothesis_key, label_key = self._keys
        for location, record in read_records(file_path, self._format):
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
