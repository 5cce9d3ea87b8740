import logging

import pytest
from helpers import FIXTURE_DATA

from attnat_allennlp.data.dataset_readers import DataFormatError, ImdbReader

TRAIN = FIXTURE_DATA / "imdb" / "aclImdb" / "train"


def test_reads_pos_and_neg_folders(caplog):
    with caplog.at_level(logging.WARNING):
        instances = list(ImdbReader(max_tokens=100).read(str(TRAIN)))
    assert [i["label"].label for i in instances] == ["0", "0", "0", "1", "1"]
    tokens = [[t.text for t in i["tokens"].tokens] for i in instances]
    # <br /> removed, lower-cased, numbers -> qqq.
    assert not any("br" in t or "<" in t for t in tokens)
    assert tokens[1][:4] == ["airport", "'", "qqq", "starts"]
    assert tokens[3][:3] == ["bromwell", "high", "is"]
    assert "skipped 1 texts longer than 100 tokens" in caplog.text


def test_without_limit_reads_everything():
    assert len(list(ImdbReader().read(str(TRAIN)))) == 6


def test_unexpected_file_name_is_an_error(tmp_path):
    for folder in ("pos", "neg"):
        (tmp_path / folder).mkdir()
    (tmp_path / "pos" / "0_9.txt").write_text("Good.")
    (tmp_path / "neg" / "notes.txt").write_text("Bad.")
    with pytest.raises(
        DataFormatError, match=r"/neg/notes.txt: file name is not <id>_<rating>.txt"
    ):
        list(ImdbReader().read(str(tmp_path)))


def test_missing_polarity_folder_is_an_error(tmp_path):
    (tmp_path / "pos").mkdir()
    with pytest.raises(DataFormatError, match="no neg/ folder"):
        list(ImdbReader().read(str(tmp_path)))
