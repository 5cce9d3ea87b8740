import re
from typing import Any, Dict, Iterator, Optional, Tuple

from allennlp.data import DatasetReader
from nltk.tree import Tree

from attnat_allennlp.data.dataset_readers.base import (
    DataFormatError,
    SkipExample,
    TextClassificationReader,
    numbered_lines,
)

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

    Registered as a `DatasetReader` with name "attnat_sst".

    # Parameters

    label_map : `Optional[Dict[str, str]]`, optional (default = `{"0": "0", "1": "0", "3": "1", "4": "1"}`)
        Maps the root sentiment to the label; pass the identity on 0-4 for fine-grained SST-5.
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens` as in `AttentionDatasetReader`.
    """

    def __init__(self, label_map: Optional[Dict[str, str]] = None, **kwargs) -> None:
        super().__init__(label_map=label_map or _BINARY, **kwargs)

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
            yield location, {"text": words, "label": label}
