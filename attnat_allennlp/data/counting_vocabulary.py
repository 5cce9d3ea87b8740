import codecs
import json
import logging
import os
from typing import Dict, List, Optional, Union

from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import FileLock, cached_path
from allennlp.data import Vocabulary

logger = logging.getLogger(__name__)

# Starts with "." so that allennlp's own `Vocabulary.from_files` skips it (it reads every other
# file of the directory as a namespace): a directory written here still loads as a plain Vocabulary.
COUNTS_FILE = ".token_counts.json"


@Vocabulary.register("attnat_counting", constructor="from_instances")
class CountingVocabulary(Vocabulary):
    """
    A `Vocabulary` that keeps, for each namespace built from instances, how often each of its ids
    occurs in those instances, and saves these counts beside its files (`.token_counts.json`, so
    that model archives and `allennlp predict` round-trip them). The counts are those allennlp
    counts for `min_count`: over the datasets the vocabulary is built from
    (`datasets_for_vocab_creation`: allennlp's default is every dataset of the config; the configs of
    `training_config/` build it from `["train"]` only).

    An id's count is the count of its token; the OOV id counts every occurrence of a token that did
    not make it into the vocabulary (below `min_count`, beyond `max_vocab_size`, not pretrained),
    since those occurrences are the OOV id in the model's input; the padding id and tokens added
    without occurring (`tokens_to_add`, pretrained-only words) count 0. What the
    `attnat_normalized_embedding` token embedder uses as Miyato et al.'s word frequencies.

    The counts are collected by overriding allennlp 2.10.1's private `Vocabulary._extend`
    (`allennlp/data/vocabulary.py`), the one place that sees the counter of every namespace: one of
    the allennlp workarounds listed in `attnat_allennlp/compat/__init__.py`.

    Registered as a `Vocabulary` with name "attnat_counting" (the `from_instances` constructor;
    the parameters are those of `Vocabulary`).
    """

    def __init__(self, *args, **kwargs) -> None:
        self._index_counts: Dict[str, List[int]] = {}
        super().__init__(*args, **kwargs)

    def _extend(self, counter: Optional[Dict[str, Dict[str, int]]] = None, *args, **kwargs) -> None:
        super()._extend(counter, *args, **kwargs)
        for namespace, token_counts in (counter or {}).items():
            index = self._token_to_index[namespace]
            counts = [0] * self.get_vocab_size(namespace)
            for i, count in enumerate(self._index_counts.get(namespace, [])):
                counts[i] = count
            padded = self.is_padded(namespace)
            for token, count in token_counts.items():
                if token in index:
                    counts[index[token]] += count
                elif padded:
                    counts[index[self._oov_token]] += count
            self._index_counts[namespace] = counts

    def get_index_counts(self, namespace: str = "tokens") -> List[int]:
        """
        How often each id of `namespace` occurs in the instances the vocabulary was built from
        (a list of length `get_vocab_size(namespace)`; new ids added since then count 0).
        """
        if namespace not in self._index_counts:
            raise ConfigurationError(
                f"the vocabulary has no token counts for the namespace {namespace!r} (it has "
                f"counts for {sorted(self._index_counts)}): they come from the instances it is "
                "built from"
            )
        counts = self._index_counts[namespace]
        return counts + [0] * (self.get_vocab_size(namespace) - len(counts))

    def save_to_files(self, directory: str) -> None:
        super().save_to_files(directory)
        with FileLock(os.path.join(directory, ".lock")):
            with codecs.open(os.path.join(directory, COUNTS_FILE), "w", "utf-8") as counts_file:
                json.dump(self._index_counts, counts_file)

    @classmethod
    def from_files(
        cls,
        directory: Union[str, os.PathLike],
        padding_token: Optional[str] = None,
        oov_token: Optional[str] = None,
    ) -> "CountingVocabulary":
        """`Vocabulary.from_files`, plus the counts `save_to_files` wrote (none when absent)."""
        vocab = super().from_files(directory, padding_token, oov_token)
        path = os.path.join(_vocabulary_directory(directory), COUNTS_FILE)
        if os.path.isfile(path):
            with codecs.open(path, "r", "utf-8") as counts_file:
                try:
                    counts = json.load(counts_file)
                except json.JSONDecodeError as error:
                    raise ConfigurationError(f"{path}: malformed token counts ({error})") from error
            for namespace, values in counts.items():
                size = vocab.get_vocab_size(namespace)
                if len(values) > size:
                    raise ConfigurationError(
                        f"{path}: {len(values)} counts for the namespace {namespace!r}, "
                        f"which has {size} ids"
                    )
            vocab._index_counts = counts
        else:
            logger.warning("%s: no token counts in this vocabulary directory", directory)
        return vocab


def _vocabulary_directory(directory: Union[str, os.PathLike]) -> str:
    """The directory `Vocabulary.from_files` reads (it also takes a model archive)."""
    if os.path.isdir(directory):
        return str(directory)
    base = cached_path(directory, extract_archive=True)
    inner = os.path.join(base, "vocabulary")
    return inner if os.path.isdir(inner) else base

