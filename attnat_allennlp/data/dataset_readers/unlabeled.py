from typing import Any, Dict, Iterator, Tuple

from allennlp.data import DatasetReader

from attnat_allennlp.data.dataset_readers.base import TextClassificationReader
from attnat_allennlp.data.dataset_readers.lines import numbered_lines, read_jsonl, require_text
from attnat_allennlp.data.dataset_readers.pair import PairReader


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
        `tokenizer`, `token_indexers`, `max_tokens` (longer texts are truncated by default) as in
        `AttentionDatasetReader`.
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


@DatasetReader.register("attnat_unlabeled_pairs")
class UnlabeledPairReader(PairReader):
    """
    Reads unlabeled text pairs for the virtual adversarial techniques on pair tasks (NLI, QA): JSON
    lines with a premise and a hypothesis (SNLI's `sentence1` and `sentence2` by default), with or
    without a label, which is ignored; so an NLI file, the training file itself included, is an
    unlabeled stream. Instances have the fields of `attnat_nli_jsonl` (`premise`, `hypothesis`,
    `metadata`, the exact-match flags with `exact_match: true`) but no `label`.

    Registered as a `DatasetReader` with name "attnat_unlabeled_pairs".

    # Parameters

    premise_key : `str`, optional (default = `"sentence1"`)
    hypothesis_key : `str`, optional (default = `"sentence2"`)
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens` (of the premise) as in
        `AttentionDatasetReader`; `exact_match` as in `PairReader` (as the model was trained).
    """

    def __init__(
        self, premise_key: str = "sentence1", hypothesis_key: str = "sentence2", **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self._keys = (premise_key, hypothesis_key)

    def examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        premise_key, hypothesis_key = self._keys
        for location, record in read_jsonl(file_path):
            yield (
                location,
                {
                    "premise": require_text(record, premise_key, location),
                    "hypothesis": require_text(record, hypothesis_key, location),
                },
            )
