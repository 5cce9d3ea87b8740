import logging

import pytest
from helpers import FIXTURE_DATA

from attnat_allennlp.data.dataset_readers import AgNewsReader, DataFormatError
from attnat_allennlp.data.dataset_readers.agnews import clean_agnews

TRAIN = FIXTURE_DATA / "agnews" / "ag_news_csv" / "train.csv"


def test_reads_world_vs_business(caplog):
    with caplog.at_level(logging.WARNING):
        instances = list(AgNewsReader().read(str(TRAIN)))
    assert [i["label"].label for i in instances] == ["1", "1", "0", "0", "1", "0"]
    first = [t.text for t in instances[0]["tokens"].tokens]
    # Title then description; the backslash line break is a space.
    assert first[:5] == ["wall", "st.", "bears", "claw", "back"]
    assert " ".join(first[-14:-9]) == "street 's dwindling band of"
    assert "skipped 2 examples with labels outside label_map" in caplog.text


def test_escapes_are_undone():
    assert clean_agnews(r"dwindling\band") == "dwindling band"
    assert clean_agnews("Iraq #39;s prime minister") == "Iraq 's prime minister"
    assert clean_agnews(r"above \$46 &amp; stocks") == "above  $46 & stocks"


def test_four_classes_with_label_map():
    labels = [
        i["label"].label
        for i in AgNewsReader(label_map={str(c): str(c) for c in range(1, 5)}).read(str(TRAIN))
    ]
    assert labels == ["3", "3", "2", "1", "1", "4", "3", "1"]


@pytest.mark.parametrize(
    "row,problem",
    [
        ('"3","only a title"', "expected 3 columns, found 2"),
        ('"7","Title","Text"', "class '7' is not one of 1-4"),
    ],
)
def test_malformed_row_names_file_and_line(tmp_path, row, problem):
    bad = tmp_path / "train.csv"
    bad.write_text(TRAIN.read_text() + row + "\n")
    with pytest.raises(DataFormatError, match=rf"train.csv:9: {problem}"):
        list(AgNewsReader().read(str(bad)))
