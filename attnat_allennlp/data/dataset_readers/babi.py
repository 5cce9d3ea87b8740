from typing import Any, Dict, Iterator, List, Tuple

from allennlp.data import DatasetReader

from attnat_allennlp.data.dataset_readers.bad_input import DataFormatError
from attnat_allennlp.data.dataset_readers.lines import numbered_lines
from attnat_allennlp.data.dataset_readers.pair import PairReader


def read_babi_stories(file_path: str) -> Iterator[List[Tuple[str, int, str]]]:
    """
    Yields the stories of a bAbI file, each a list of `(location, line id, line text)`; a story
    starts at the line numbered 1. A line that does not start with its number raises a
    `DataFormatError`.
    """
    story: List[Tuple[str, int, str]] = []
    for location, line in numbered_lines(file_path):
        number, _, text = line.partition(" ")
        if not number.isdigit() or not text.strip():
            raise DataFormatError(location, "expected '<number> <sentence or question>'")
        if int(number) == 1 and story:
            yield story
            story = []
        story.append((location, int(number), text))
    if story:
        yield story


@DatasetReader.register("attnat_babi")
class BabiReader(PairReader):
    """
    Reads the bAbI question answering tasks (Weston et al. 2015) in Facebook's distributed format
    (`tasks_1-20_v1-2/en-10k/qaN_*_{train,test}.txt`): numbered lines, a story restarting at 1,
    question lines `question<TAB>answer<TAB>supporting line ids`. Each question gives one instance:
    the passage (`premise`) is every story sentence before the question, joined by spaces; the
    question is the `hypothesis`; the answer is the `label` (the label namespace is the answer
    vocabulary, so there is no `answer_candidates` field).

    A question line without an answer, or a line that does not start with its number, raises a
    `DataFormatError` naming file and line; a question before any sentence has an empty passage and
    is skipped and counted.

    Registered as a `DatasetReader` with name "attnat_babi".

    # Parameters

    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens` (on the passage), `label_map` as in
        `AttentionDatasetReader`; `exact_match` as in `PairReader`.
    """

    def examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        for story in read_babi_stories(file_path):
            sentences: List[str] = []
            for location, _, text in story:
                if "\t" not in text:
                    sentences.append(text.strip())
                    continue
                question, answer, *_ = text.split("\t") + [""]
                if not answer.strip():
                    raise DataFormatError(location, "question line without an answer")
                yield (
                    location,
                    {
                        "premise": " ".join(sentences),
                        "hypothesis": question.strip(),
                        "label": answer.strip(),
                    },
                )
