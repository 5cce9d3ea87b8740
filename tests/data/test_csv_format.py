"""CSV and TSV files in the jsonl readers (`format`, by default from the file's extension)."""

import json

import pytest

from attnat_allennlp.data.dataset_readers import (
    DataFormatError,
    JsonlNliReader,
    JsonlTextClassificationReader,
)
from helpers import train_config


def test_a_csv_file_with_its_own_column_names(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(
        "\ufeffreview,sentiment,id\n"
        '"Good, honest film.",pos,1\n'
        "\n"
        '"A dull\nsecond half.",neg,2\n'.encode()
    )
    reader = JsonlTextClassificationReader(text_key="review", label_key="sentiment")
    instances = list(reader.read(str(path)))
    assert [i["metadata"]["tokens"] for i in instances] == [
        ["good", ",", "honest", "film", "."],
        ["a", "dull", "second", "half", "."],
    ]
    assert [i["label"].label for i in instances] == ["pos", "neg"]


def test_a_missing_column_names_the_line_and_the_columns(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("review,sentiment\nGood.,pos\n")
    with pytest.raises(DataFormatError, match=r"reviews.csv:2: missing field 'text'.*'review'"):
        list(JsonlTextClassificationReader().read(str(path)))


def test_a_row_with_more_cells_than_columns(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("text,label\nGood.,pos\nBad, really.,neg\n")
    with pytest.raises(DataFormatError, match=r"reviews.csv:3: more cells than the 2 columns"):
        list(JsonlTextClassificationReader().read(str(path)))


def test_tsv_pairs_and_an_explicit_format(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("premise\thypothesis\tlabel\nA man sleeps.\tA man rests.\tentailment\n")
    reader = JsonlNliReader(
        premise_key="premise", hypothesis_key="hypothesis", label_key="label", format="tsv"
    )
    (instance,) = reader.read(str(path))
    assert instance["label"].label == "entailment"
    with pytest.raises(Exception, match="format must be one of"):
        JsonlNliReader(format="xlsx")


def test_a_config_trains_on_csv_files(tmp_path):
    """The README's "your own CSV" command, in-process."""
    rows = ["review,sentiment"] + [
        f'"{w} film, number {i}.",{"pos" if w == "good" else "neg"}'
        for i in range(6)
        for w in ("good", "bad")
    ]
    data = tmp_path / "train.csv"
    data.write_text("\n".join(rows) + "\n")
    overrides = {
        "train_data_path": str(data),
        "validation_data_path": str(data),
        "test_data_path": str(data),
        "dataset_reader.text_key": "review",
        "dataset_reader.label_key": "sentiment",
        "model.positive_label": "pos",
        "model.text_field_embedder.token_embedders.tokens.pretrained_file": None,
        "trainer.num_epochs": 1,
    }
    train_config("rt_polarity_vanilla", tmp_path / "run", overrides)
    assert "test_accuracy" in json.loads((tmp_path / "run" / "metrics.json").read_text())
