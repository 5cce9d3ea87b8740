"""A missing data or vectors file names the `prepare-attnat-data` command that writes it."""

import subprocess
import sys

import pytest

from attnat_allennlp.errors import MissingDataFile, VectorsSizeError, prepare_command
from helpers import FIXTURE_DATA, REPO_ROOT, train_config


def test_prepare_command_of_each_prepared_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ../shared/data here: the official addresses
    assert prepare_command("data/snli/train.jsonl") == "allennlp prepare-attnat-data snli"
    assert prepare_command("data/babi2/dev.txt") == "allennlp prepare-attnat-data babi2"
    assert prepare_command("data/cnn/train") == "allennlp prepare-attnat-data cnn"
    assert (
        prepare_command("data/glove/glove.6B.50d.txt.gz")
        == "allennlp prepare-attnat-data glove-6b-50d"
    )
    assert prepare_command("../shared/data/rt-polarity/train.jsonl") is None
    assert prepare_command("my/own/train.jsonl") is None


def test_prepare_command_names_the_offline_copy_where_there_is_one(tmp_path, monkeypatch):
    (tmp_path / "shared" / "data" / "babi").mkdir(parents=True)
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    assert (
        prepare_command("data/babi2/dev.txt")
        == "allennlp prepare-attnat-data babi2 --source ../shared/data/babi"
    )
    # 20news has an offline copy too, but not here; babi3 has none anywhere
    assert prepare_command("data/20news/train.jsonl") == "allennlp prepare-attnat-data 20news"
    (tmp_path / "shared" / "data" / "babi" / "qa3").mkdir()
    assert prepare_command("data/babi3/train.txt") == "allennlp prepare-attnat-data babi3"


def test_a_missing_training_file_names_the_prepare_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/ here
    with pytest.raises(MissingDataFile, match=r"run `allennlp prepare-attnat-data snli` first"):
        train_config(
            "snli_iat",
            tmp_path / "run",
            {"model.text_field_embedder.token_embedders.tokens.pretrained_file": None},
        )


def test_a_missing_vectors_file_is_named_before_the_data_are_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = str(FIXTURE_DATA / "text_classification.jsonl")
    overrides = {"train_data_path": data, "validation_data_path": data, "test_data_path": data}
    with pytest.raises(MissingDataFile, match=r"prepare-attnat-data glove-6b-50d"):
        train_config("rotten_tomatoes_vanilla", tmp_path / "run", overrides)


def test_the_command_line_prints_the_error_without_a_traceback(tmp_path):
    """What `allennlp train` ends with (the excepthook of attnat_allennlp/errors.py)."""
    code = (
        "from attnat_allennlp.errors import MissingDataFile\n"
        "raise MissingDataFile('data/snli/train.jsonl')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(
        "error: data file data/snli/train.jsonl not found: run `allennlp prepare-attnat-data snli`"
    )


def test_vectors_of_another_size_are_named_before_training(tmp_path, monkeypatch):
    import gzip

    vectors = tmp_path / "vectors.txt.gz"
    with gzip.open(vectors, "wt") as handle:
        handle.write("the 0.1 0.2 0.3\nfilm 0.3 0.2 0.1\n")
    data = str(FIXTURE_DATA / "text_classification.jsonl")
    overrides = {"train_data_path": data, "validation_data_path": data, "test_data_path": data}
    overrides["model.text_field_embedder.token_embedders.tokens.pretrained_file"] = str(vectors)
    with pytest.raises(VectorsSizeError, match=r"has 3-dimensional vectors, but .* is 50"):
        train_config("rt_polarity_vanilla", tmp_path / "run", overrides)
