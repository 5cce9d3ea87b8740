import re
from bisect import bisect_right
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from allennlp.data import DatasetReader, Instance, Token
from nltk.tree import Tree

from attnat_allennlp.data.dataset_readers.bad_input import DataFormatError, SkipExample
from attnat_allennlp.data.dataset_readers.base import TextClassificationReader
from attnat_allennlp.data.dataset_readers.lines import numbered_lines

# The Penn Treebank escapes in the leaves of the SST trees: brackets, quotes, and `\/`, `\*`.
_PTB_ESCAPES = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "``": '"',
    "''": '"',
    "`": "'",
}
_ESCAPED_CHARACTER = re.compile(r"\\([/*])")


def unescape_leaf(leaf: str) -> str:
    """A PTB leaf as the word it stands for: `-LRB-` -> `(`, ``` `` ``` -> `"`, `and\\/or` -> `and/or`."""
    return _ESCAPED_CHARACTER.sub(r"\1", _PTB_ESCAPES.get(leaf, leaf))


_BINARY = {"0": "0", "1": "0", "3": "1", "4": "1"}


@DatasetReader.register("attnat_sst")
class SstReader(TextClassificationReader):
    """
    Reads the Stanford Sentiment Treebank in its distributed PTB tree format: one sentence a line,
    a labelled tree such as `(3 (2 It) (4 (4 (2 's) (4 great)) (2 .)))`, as in the files
    `trees/{train,dev,test}.txt` of `trainDevTestTrees_PTB.zip`. The path may point into the
    archive: `https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip!trees/train.txt`.

    The tokens are the leaves of the tree, with the Penn Treebank escapes undone (`-LRB-` -> `(`,
    ``` `` ``` and `''` -> `"`, `\\/` -> `/`, `\\*` -> `*`) and not split again: a `jain_wallace`
    tokenizer only lower-cases them and maps digits, whatever its `split_on_spaces`. The label is the
    root's sentiment 0-4, mapped by `label_map` (default: Jain & Wallace's binary task, 0-1 -> `"0"`,
    3-4 -> `"1"`). Neutral sentences (2) are skipped and counted, as are other labels outside
    `label_map`. Only whole sentences are read, not their sub-phrases. A line that is not a
    well-formed tree with a 0-4 root label raises a `DataFormatError` naming file and line.

    With `word_labels`, each instance's metadata also holds `word_sentiment`: per token, the 0-4
    label that the annotators gave its word on its own (the label of the word's node in the tree;
    `None` for a token that lies in no word, such as a wordpiece model's `[CLS]`). The tokens are
    matched to the words by their character offsets in the words joined by spaces, so a wordpiece
    tokenizer's pieces take their word's label. The plausibility measures
    (`attnat_allennlp.interpret.plausibility`) read them.

    Registered as a `DatasetReader` with name "attnat_sst".

    # Parameters

    label_map : `Optional[Dict[str, str]]`, optional (default = `{"0": "0", "1": "0", "3": "1", "4": "1"}`)
        Maps the root sentiment to the label; pass the identity on 0-4 for fine-grained SST-5.
    word_labels : `bool`, optional (default = `False`)
        Keep the annotators' per-word sentiment in the metadata (`word_sentiment`).
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens` as in `AttentionDatasetReader`.
    """

    def __init__(
        self, label_map: Optional[Dict[str, str]] = None, word_labels: bool = False, **kwargs
    ) -> None:
        super().__init__(label_map=label_map or _BINARY, **kwargs)
        self._word_labels = word_labels

    def text_to_instance(  # type: ignore
        self,
        text: Union[str, List[str]],
        label: Optional[str] = None,
        word_labels: Optional[Sequence[int]] = None,
    ) -> Instance:
        instance = super().text_to_instance(text, label)
        if word_labels is not None:
            words = text.split() if isinstance(text, str) else list(text)
            tokens = instance["tokens"].tokens  # type: ignore
            instance["metadata"].metadata["word_sentiment"] = token_word_labels(  # type: ignore
                tokens, words, word_labels
            )
        return instance

    def examples(self, file_path: str) -> Iterator[Tuple[str, Any]]:
        for location, line in numbered_lines(file_path):
            try:
                tree = Tree.fromstring(line)
            except ValueError as error:
                raise DataFormatError(location, f"malformed tree ({error})") from None
            label = tree.label()
            if label not in ("0", "1", "2", "3", "4"):
                raise DataFormatError(location, f"root label {label!r} is not a sentiment 0-4")
            if label == "2" and label not in self._label_map:
                yield location, SkipExample("neutral sentences")
                continue
            # The leaves are the tokens: they are normalised, not tokenized again.
            words = [unescape_leaf(leaf) for leaf in tree.leaves()]
            example: Dict[str, Any] = {"text": words, "label": label}
            if self._word_labels:
                example["word_labels"] = [int(tag) for _, tag in tree.pos()]
            yield location, example


def token_word_labels(
    tokens: Sequence[Token], words: Sequence[str], word_labels: Sequence[int]
) -> List[Optional[int]]:
    """
    Per token, the label of the word (of `words`, joined by single spaces) that holds the token's
    first character (`Token.idx`); `None` for a token without an offset or outside every word.
    """
    starts, position = [], 0
    for word in words:
        starts.append(position)
        position += len(word) + 1
    labels: List[Optional[int]] = []
    for token in tokens:
        if token.idx is None or token.idx >= position:
            labels.append(None)
            continue
        word = bisect_right(starts, token.idx) - 1
        inside = token.idx < starts[word] + len(words[word])
        labels.append(int(word_labels[word]) if inside else None)
    return labels
