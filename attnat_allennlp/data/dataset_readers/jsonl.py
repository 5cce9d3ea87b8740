from typing import Any, Dict, Iterator, Tuple

from allennlp.data import DatasetReader

from attnat_allennlp.data.dataset_readers.base import (
    PairReader,
    SkipExample,
    TextClassificationReader,
    read_jsonl,
    require_text,
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


@DatasetReader.register("attnat_nli_jsonl")
class JsonlNliReader(PairReader):
    """
    Reads natural language inference pairs from JSON lines with SNLI's fields (`sentence1`,
    `sentence2`, `gold_label`): the files of SNLI 1.0 and MultiNLI 1.0 as they are distributed, and
    `../shared/data/vitaminc-nli`. Pairs without a gold label (`"-"`, the annotators disagreed) are
    skipped and counted.

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
            label = record.get(label_key)
            if label in (None, "", "-"):
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
