from typing import Any, Dict, Iterator, Tuple

from allennlp.data import DatasetReader

from attnat_allennlp.data.dataset_readers.base import (
    TextClassificationReader,
    numbered_lines,
    read_jsonl,
    require_text,
)


@DatasetReader.register("attnat_unlabeled_text")
class UnlabeledTextReader(TextClassificationReader):
    """
    Reads unlabeled text for the virtual adversarial techniques: a `.jsonl` file (one object a line,
    the text under `text_key`; any label there is ignored) or any other file as plain text, one
    example a line. Instances have `tokens` and `metadata` but no `label`.

    Registered as a `DatasetReader` with name "attnat_unlabeled_text".

    # Parameters

    text_key : `str`, optional (default = `"text"`)
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens` as in `AttentionDatasetReader`.
    """

    def __init__(self, text_key: str = "text", **kwargs) -> None:
        super().__init__(**kwargs)
        self._text_key = text_key

    def examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        if file_path.endswith(".jsonl"):
            for location, record in read_jsonl(file_path):
                yield location, {"text": require_text(record, self._text_key, location)}
        else:
            for location, line in numbered_lines(file_path, skip_blank=False):
                yield location, {"text": line.strip()}
