"""File helpers of the dataset recipes: download, splits, jsonl and line files."""

import hashlib
import json
import logging
import random
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
)

from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import cached_path

from attnat_allennlp.data.dataset_readers.base import SkipExample, TextClassificationReader
from attnat_allennlp.errors import brief_exit

logger = logging.getLogger(__name__)

T = TypeVar("T")
Splits = Dict[str, int]
SPLITS = ("train", "dev", "test")


class PrepareOptions(NamedTuple):
    source: str  # the archive (URL or local path) to read
    output_dir: Path
    seed: int
    dev_fraction: float


class DatasetRecipe(NamedTuple):
    url: str
    prepare: Callable[[PrepareOptions], Splits]
    description: str
    # The copy of the official files in ../shared/data (offline machines), for `--source`.
    offline_source: Optional[str] = None


def download(source: str) -> Path:
    """The local folder of an archive (`source` a URL or a path), downloaded and extracted once."""
    return Path(cached_path(source, extract_archive=True))


class SourceLayoutError(ConfigurationError):
    """A `--source` that does not hold the files a recipe reads: its message alone ends the
    command (no traceback; `ATTNAT_TRACEBACK=1` keeps it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        brief_exit(type(self))


def require_path(root: Path, inner: str, source: str, *alternatives: str) -> Path:
    """
    `root / inner`, or the first of `root / alternative` that exists (the same files in another
    layout: the official archive's folders, or a copy of one of its subfolders such as
    `../shared/data/babi`). None there: a `SourceLayoutError` naming every path tried.
    """
    for candidate in (inner, *alternatives):
        if (root / candidate).exists():
            return root / candidate
    tried = " or ".join((inner, *alternatives))
    raise SourceLayoutError(
        f"{tried} not found in {source} (extracted to {root}). If the download is not the "
        "archive itself (some hosts answer with a web page), download it by hand and pass "
        "its path with --source."
    )


def carve_dev(items: Sequence[T], seed: int, fraction: float) -> Tuple[List[T], List[T]]:
    """
    Splits `items` into (train, dev): `fraction * len` items (rounded half up) drawn with
    `random.Random(seed)` go to dev; both keep the original order.
    """
    indices = list(range(len(items)))
    random.Random(seed).shuffle(indices)
    dev = set(indices[: int(fraction * len(items) + 0.5)])
    return (
        [item for i, item in enumerate(items) if i not in dev],
        [item for i, item in enumerate(items) if i in dev],
    )


def hash_bucket(text: str, buckets: int = 10) -> int:
    """A stable bucket of a text (the same on every machine and Python run)."""
    return int(hashlib.md5(text.encode("utf-8")).hexdigest(), 16) % buckets


def write_jsonl(path: Path, records: Iterable[Dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_lines(path: Path, lines: Iterable[str]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line.rstrip("\n") + "\n")
            count += 1
    return count


def read_lines(path: Path) -> List[str]:
    with open(path, encoding="utf-8") as handle:
        return [line for line in handle if line.strip()]


def labelled_texts(reader: TextClassificationReader, path: Path) -> List[Dict[str, str]]:
    """`{"text", "label"}` of every example of `path`, labels mapped as the reader maps them."""
    records = []
    blank = 0
    for _, example in reader.examples(str(path)):
        if isinstance(example, SkipExample):
            continue
        if not example["text"].strip():
            blank += 1
            continue
        try:
            label = reader.map_label(example["label"])
        except SkipExample:
            continue
        records.append({"text": example["text"], "label": label})
    if blank:
        logger.warning(
            "%s: skipped %d examples whose text is empty or only whitespace", path, blank
        )
    return records


def source_files(options: PrepareOptions, inner: Dict[str, str]) -> Dict[str, Path]:
    """
    The files of `options.source` (downloaded and extracted once) at the paths `inner` gives, by
    the same keys; the first path missing raises a `SourceLayoutError` (see `require_path`).
    """
    root = download(options.source)
    return {key: require_path(root, path, options.source) for key, path in inner.items()}


def copied_splits(pattern: str, ext: str) -> Callable[[PrepareOptions], Splits]:
    """
    The recipe of an archive whose train, dev and test files are used as they are: the file at
    `pattern` (with `{split}` in it) -> `{split}.{ext}`, blank lines dropped.
    """

    def prepare(options: PrepareOptions) -> Splits:
        files = source_files(options, {split: pattern.format(split=split) for split in SPLITS})
        return {
            split: write_lines(options.output_dir / f"{split}.{ext}", read_lines(path))
            for split, path in files.items()
        }

    return prepare


def text_classification(
    reader_type: Type[TextClassificationReader], train: str, test: str
) -> Callable[[PrepareOptions], Splits]:
    """
    The recipe of a text classification archive: the examples of its `train` and `test` paths,
    read by a `reader_type()` -> `{"text", "label"}` jsonl, dev carved from train.
    """

    def prepare(options: PrepareOptions) -> Splits:
        reader = reader_type()
        files = source_files(options, {"train": train, "test": test})
        records = {split: labelled_texts(reader, path) for split, path in files.items()}
        train_records, dev_records = carve_dev(records["train"], options.seed, options.dev_fraction)
        return {
            split: write_jsonl(options.output_dir / f"{split}.jsonl", split_records)
            for split, split_records in (
                ("train", train_records),
                ("dev", dev_records),
                ("test", records["test"]),
            )
        }

    return prepare
