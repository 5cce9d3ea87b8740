import logging

import pytest
from allennlp.common.checks import ConfigurationError
from helpers import FIXTURE_DATA

from attnat_allennlp.data.dataset_readers import DataFormatError, NewsgroupsReader

TRAIN = FIXTURE_DATA / "20news" / "20news-bydate-train"


def texts(instances):
    return [" ".join(t.text for t in i["tokens"].tokens) for i in instances]


def test_reads_baseball_vs_hockey_without_headers(caplog):
    with caplog.at_level(logging.WARNING):
        instances = list(NewsgroupsReader().read(str(TRAIN)))
    assert [i["label"].label for i in instances] == ["0", "0", "1", "1"]
    read = texts(instances)
    assert not any("subject" in t or "organization" in t for t in read)  # headers gone
    assert read[1].startswith("hank greenberg and sandy koufax")
    # Quoted replies and signatures are removed too by default, as Jain & Wallace do.
    assert read[0].startswith("yes , the indians open at home")
    assert "writes" not in read[0] and "doug" not in read[0]
    assert read[3].endswith("belföur 's .")  # latin-1
    assert "shuttle" not in " ".join(read)  # sci.space is not one of the groups
    assert "skipped 1 empty texts" in caplog.text


def test_remove_headers_only_and_other_groups():
    reader = NewsgroupsReader(
        groups={"sci.space": "space", "rec.sport.baseball": "baseball"}, remove=["headers"]
    )
    instances = list(reader.read(str(TRAIN)))
    assert [i["label"].label for i in instances] == ["baseball", "baseball", "space"]
    first = texts(instances)[0]
    assert "writes" in first and "doug bank" in first  # quotes and signature kept


def test_unknown_part_to_remove():
    with pytest.raises(ConfigurationError, match="unknown parts"):
        NewsgroupsReader(remove=["signatures"])


def test_missing_group_folder_is_an_error(tmp_path):
    (tmp_path / "rec.sport.baseball").mkdir()
    with pytest.raises(DataFormatError, match="no folder for the newsgroup 'rec.sport.hockey'"):
        list(NewsgroupsReader().read(str(tmp_path)))
