import codecs
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader
from attnat_allennlp.compat.newsgroups_text import (
    strip_newsgroup_footer,
    strip_newsgroup_header,
    strip_newsgroup_quoting,
)
from attnat_allennlp.data.dataset_readers.bad_input import DataFormatError
from attnat_allennlp.data.dataset_readers.base import TextClassificationReader
from attnat_allennlp.data.dataset_readers.lines import local_path

_STRIPPERS = {
    "headers": strip_newsgroup_header,
    "footers": strip_newsgroup_footer,
    "quotes": strip_newsgroup_quoting,
}


@DatasetReader.register("attnat_20news")
class NewsgroupsReader(TextClassificationReader):
    """
    Reads the 20 Newsgroups "bydate" version in its distributed layout: a split folder such as
    `20news-bydate-train` with one folder a newsgroup, one latin-1 encoded post a file. The path may
    point into the official archive:
    `http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz!20news-bydate-train`.

    Only the folders of `groups` are read; each gives its label (Jain & Wallace's task: baseball vs.
    hockey). Parts of each post are removed as scikit-learn's `fetch_20newsgroups(remove=...)`
    does, with a copy of its functions (`attnat_allennlp.compat.newsgroups_text`): `"headers"` drops everything before the first blank line (the mail
    headers: From, Subject, Organization, Lines, ...); `"footers"` drops the last block set apart by
    a blank or dashed line (a signature, heuristically); `"quotes"` drops quoted lines (starting
    with `>` or `|`) and lines that introduce a quote ("... writes:"). Posts left empty (also those
    without a blank line after the headers) are skipped and counted. A missing newsgroup folder
    raises a `DataFormatError` naming the split folder.

    Registered as a `DatasetReader` with name "attnat_20news".

    # Parameters

    groups : `Optional[Dict[str, str]]`, optional (default = `{"rec.sport.baseball": "0", "rec.sport.hockey": "1"}`)
        Newsgroup folder -> label.
    remove : `List[str]`, optional (default = `["headers", "footers", "quotes"]`)
        Any of `"headers"`, `"footers"`, `"quotes"`; the default removes all three, as Jain &
        Wallace do.
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens`, `label_map` as in `AttentionDatasetReader`.
    """

    def __init__(
        self,
        groups: Optional[Dict[str, str]] = None,
        remove: List[str] = ("headers", "footers", "quotes"),  # type: ignore
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._groups = dict(groups or {"rec.sport.baseball": "0", "rec.sport.hockey": "1"})
        unknown = sorted(set(remove) - set(_STRIPPERS))
        if unknown:
            raise ConfigurationError(
                f"remove: unknown parts {unknown}; choose from {sorted(_STRIPPERS)}"
            )
        self._remove = [part for part in _STRIPPERS if part in remove]

    def examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        root = Path(local_path(file_path))
        for group, label in sorted(self._groups.items()):
            if not (root / group).is_dir():
                raise DataFormatError(file_path, f"no folder for the newsgroup {group!r}")
            for post in sorted((root / group).iterdir(), key=lambda p: (len(p.name), p.name)):
                location = f"{file_path}/{group}/{post.name}"
                # A UTF-8 byte order mark, if a post has one, is not text.
                raw = post.read_bytes().removeprefix(codecs.BOM_UTF8)
                text = raw.decode("latin-1").replace("\r\n", "\n")
                for part in self._remove:
                    text = _STRIPPERS[part](text)
                yield location, {"text": text, "label": label}
