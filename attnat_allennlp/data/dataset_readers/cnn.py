import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from allennlp.data import DatasetReader, Instance, Token, Tokenizer

from attnat_allennlp.data.dataset_readers.bad_input import DataFormatError, SkipExample
from attnat_allennlp.data.dataset_readers.lines import local_path, read_text
from attnat_allennlp.data.dataset_readers.pair import PairReader

_MARKER = re.compile(r"(@entity\d+|@placeholder)")
_ENTITY = re.compile(r"@entity\d+")


class MarkerPreservingTokenizer(Tokenizer):
    """
    Wraps a tokenizer so that the entity markers of the CNN data (`@entity12`, `@placeholder`) stay
    single tokens, untouched by lower-casing or digit replacement; the text between markers goes
    through the wrapped tokenizer.
    """

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tokenizer = tokenizer

    def tokenize(self, text: str) -> List[Token]:
        pieces = _MARKER.split(text)
        tokens: List[Token] = []
        # `split` with a capturing group alternates text (even indices) and markers (odd ones).
        for texts_tokens, marker in zip(
            self._tokenizer.batch_tokenize(pieces[0::2]), pieces[1::2] + [None]
        ):
            tokens.extend(texts_tokens)
            if marker is not None:
                tokens.append(Token(marker))
        return tokens


def passage_entities(passage: str) -> List[str]:
    """The distinct entity markers of a passage, by number."""
    return sorted(set(_ENTITY.findall(passage)), key=lambda entity: int(entity[len("@entity") :]))


def parse_question_file(path: Path, location: str) -> Dict[str, Any]:
    """
    Parses one DeepMind `.question` file: url, passage, question, answer, then `@entityN:Name`
    lines, as blocks separated by blank lines. Returns `passage`, `question`, `answer` and
    `entities` (marker -> name); raises `DataFormatError` when a block is missing.
    """
    blocks = read_text(path, location).strip("\n").split("\n\n")
    if len(blocks) < 4:
        raise DataFormatError(
            location,
            f"expected url, passage, question, answer and entities; found {len(blocks)} blocks",
        )
    entities = {}
    for line in blocks[4].splitlines() if len(blocks) > 4 else []:
        marker, _, name = line.partition(":")
        entities[marker] = name
    return {
        "passage": blocks[1].strip(),
        "question": blocks[2].strip(),
        "answer": blocks[3].strip(),
        "entities": entities,
    }


@DatasetReader.register("attnat_cnn")
class CnnReader(PairReader):
    """
    Reads DeepMind's CNN question answering data (Hermann et al. 2015) in its distributed format:
    one `.question` file an example (url, blank line, passage, blank, question, blank, answer,
    blank, then `@entityN:Name` lines), with anonymised entity markers. The path is a folder of
    `.question` files (read in sorted order; e.g. `cnn/questions/training` of `cnn.tgz`, also
    `cnn.tgz!cnn/questions/training`) or one file.

    The passage is the `premise`, the question (with its `@placeholder`) the `hypothesis`, the
    answer marker the `label`; `answer_candidates` are the entity markers that occur in the
    passage (also in `text_to_instance` without `candidates`, so the predictor restricts its
    answers to them; every candidate must be in the training label vocabulary). Entity markers stay single tokens (see `MarkerPreservingTokenizer`). Questions whose
    answer is not among the passage's entities are skipped and counted; a file without the four
    blocks raises a `DataFormatError` naming it.

    Registered as a `DatasetReader` with name "attnat_cnn".

    # Parameters

    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens` (on the passage), `label_map` as in
        `AttentionDatasetReader`; `exact_match` as in `PairReader`.
    """

    # The labels are entity markers: a test answer that is never a training answer is normal.
    labels_from_training = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._tokenizer = MarkerPreservingTokenizer(self._tokenizer)

    def examples(self, file_path: str) -> Iterator[Tuple[str, Any]]:
        root = Path(local_path(file_path))
        if root.is_dir():
            files = [(f"{file_path}/{p.name}", p) for p in sorted(root.glob("*.question"))]
        else:
            files = [(file_path, root)]
        for location, path in files:
            example = parse_question_file(path, location)
            candidates = passage_entities(example["passage"])
            if example["answer"] not in candidates:
                yield location, SkipExample("answers not among the passage's entities")
                continue
            yield (
                location,
                {
                    "premise": example["passage"],
                    "hypothesis": example["question"],
                    "label": example["answer"],
                    "candidates": candidates,
                },
            )

    def default_candidates(self, premise: str) -> Optional[List[str]]:
        """The entity markers of the passage (an input without `candidates`, as a predictor's)."""
        return passage_entities(premise)
