import re
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

from allennlp.data import DatasetReader

from attnat_allennlp.data.dataset_readers.bad_input import DataFormatError
from attnat_allennlp.data.dataset_readers.base import TextClassificationReader
from attnat_allennlp.data.dataset_readers.lines import local_path, read_text

_FILE_NAME = re.compile(r"^\d+_(\d+)\.txt$")
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


@DatasetReader.register("attnat_imdb")
class ImdbReader(TextClassificationReader):
    """
    Reads the Large Movie Review Dataset (Maas et al. 2011, "IMDB") in its distributed layout: a
    split folder such as `aclImdb/train` with `pos/` and `neg/` holding one review a file, named
    `<id>_<rating>.txt`. The path may point into the official archive:
    `https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz!aclImdb/train`.

    Labels are `"1"` (pos) and `"0"` (neg); the `<br />` line breaks are replaced by spaces; the
    `unsup/` folder is not read. Files are read in sorted order (neg before pos). Jain & Wallace
    keep reviews under 400 tokens: set `max_tokens` (the over-long ones are skipped and counted,
    since `long_texts` defaults to `"skip"` here). A file whose name is not `<id>_<rating>.txt`
    raises a `DataFormatError` naming it.

    Registered as a `DatasetReader` with name "attnat_imdb".

    # Parameters

    long_texts : `str`, optional (default = `"skip"`)
        As in `AttentionDatasetReader`, but skipping by default, as the paper does.
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens`, `label_map` as in `AttentionDatasetReader`.
    """

    _POLARITIES = {"neg": "0", "pos": "1"}

    def __init__(self, long_texts: str = "skip", **kwargs) -> None:
        super().__init__(long_texts=long_texts, **kwargs)

    def examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        root = Path(local_path(file_path))
        for folder, label in sorted(self._POLARITIES.items()):
            if not (root / folder).is_dir():
                raise DataFormatError(file_path, f"no {folder}/ folder (expected aclImdb's layout)")
            for review in sorted((root / folder).iterdir()):
                location = f"{file_path}/{folder}/{review.name}"
                if not _FILE_NAME.match(review.name):
                    raise DataFormatError(location, "file name is not <id>_<rating>.txt")
                text = _LINE_BREAK.sub(" ", read_text(review, location))
                yield location, {"text": text, "label": label}
