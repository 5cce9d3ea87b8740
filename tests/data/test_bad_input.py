"""
What bad input gets from the readers (the README's table "What bad input gets"): each case with
its bad file from tests/fixtures/data/bad, and the message naming the file and line or the knob.
"""

import logging
import re

import pytest
from allennlp.common.checks import ConfigurationError
from helpers import FIXTURE_DATA

from attnat_allennlp.data.dataset_readers import (
    AgNewsReader,
    BabiReader,
    CnnReader,
    DataFormatError,
    ImdbReader,
    JsonlNliReader,
    JsonlTextClassificationReader,
    NewsgroupsReader,
    SstReader,
    UnlabeledTextReader,
)
from attnat_allennlp.training import check_data_files

BAD = FIXTURE_DATA / "bad"


def bad(name: str) -> str:
    return str(BAD / name)


def test_a_label_only_in_the_test_file_names_file_line_and_known_labels():
    reader = JsonlTextClassificationReader()
    with pytest.raises(
        DataFormatError,
        match=r"test_unseen_label.jsonl:3: the label 'neutral' is not one of the labels of the "
        r"training data .*train.jsonl \('negative', 'positive'\).*unseen_labels",
    ):
        check_data_files(reader, bad("train.jsonl"), None, {"test": bad("test_unseen_label.jsonl")})
    # Reading the file itself fails the same way, at the same line.
    with pytest.raises(DataFormatError, match=r"test_unseen_label.jsonl:3: the label 'neutral'"):
        list(reader.read(bad("test_unseen_label.jsonl")))


def test_unseen_labels_skip_is_counted(caplog):
    reader = JsonlTextClassificationReader(unseen_labels="skip")
    labels = check_data_files(
        reader, bad("train.jsonl"), None, {"test": bad("test_unseen_label.jsonl")}
    )
    assert sorted(labels) == ["negative", "positive"]
    with caplog.at_level(logging.WARNING):
        instances = list(reader.read(bad("test_unseen_label.jsonl")))
    assert [i["label"].label for i in instances] == ["positive", "negative"]
    assert "skipped 1 examples with labels not in the training data" in caplog.text


def test_a_label_differing_in_case_says_which_label_it_resembles():
    with pytest.raises(
        DataFormatError,
        match=r"test_case_label.jsonl:2: the label 'Positive' .* differs from 'positive' only in case",
    ):
        check_data_files(
            JsonlTextClassificationReader(),
            bad("train.jsonl"),
            None,
            {"test": bad("test_case_label.jsonl")},
        )


def test_near_duplicate_labels_in_one_file_are_a_warning_naming_both(caplog):
    with caplog.at_level(logging.WARNING):
        instances = list(JsonlTextClassificationReader().read(bad("train_near_duplicates.jsonl")))
    assert len(instances) == 3
    assert re.search(
        r"train_near_duplicates.jsonl:3: the label ' positive' differs from the label 'positive' "
        r"\(first at .*train_near_duplicates.jsonl:1\) only in case or spaces",
        caplog.text,
    )


@pytest.mark.parametrize("role", ["train", "validation", "test"])
def test_an_empty_file_is_refused_by_name(role):
    paths = {
        "train": bad("train.jsonl"),
        "validation": bad("train.jsonl"),
        "test": bad("train.jsonl"),
    }
    paths[role] = bad("empty.jsonl")
    train = paths.pop("train")
    with pytest.raises(ConfigurationError, match=r"empty.jsonl: the file has no examples"):
        check_data_files(JsonlTextClassificationReader(), train, None, paths)
    with pytest.raises(ConfigurationError, match=r"empty.jsonl: the file has no examples"):
        list(JsonlTextClassificationReader().read(bad("empty.jsonl")))


@pytest.mark.parametrize(
    "name,problem",
    [
        ("text_number.jsonl", r"text_number.jsonl:2: field 'text' is int 12345, expected a string"),
        (
            "text_list.jsonl",
            r"text_list.jsonl:2: field 'text' is list \[\"a\", \"list\"\], expected a string",
        ),
        (
            "missing_label.jsonl",
            r"missing_label.jsonl:3: no label, but the examples before have one "
            r"\(first at .*missing_label.jsonl:1\)",
        ),
        ("latin1.jsonl", r"latin1.jsonl:3: byte 0xe9 at column 14 is not UTF-8"),
    ],
)
def test_bad_lines_name_file_and_line(name, problem):
    with pytest.raises(DataFormatError, match=problem):
        list(JsonlTextClassificationReader().read(bad(name)))
    if name != "missing_label.jsonl":  # the one pass before training finds them too
        with pytest.raises(DataFormatError, match=problem):
            check_data_files(JsonlTextClassificationReader(), bad(name))


def test_a_long_text_is_truncated_counted_and_warned_about_once(caplog):
    with caplog.at_level(logging.WARNING):
        instances = list(JsonlTextClassificationReader(max_tokens=50).read(bad("long_text.jsonl")))
    assert len(instances) == 33
    assert [len(i["tokens"].tokens) for i in instances][30] == 50
    assert re.search(
        r"long_text.jsonl:31: a text of 2001 tokens, \d+ times the mean length", caplog.text
    )
    assert caplog.text.count("times the mean length") == 1
    assert "truncated 1 texts to 50 tokens" in caplog.text
    caplog.clear()
    skipping = JsonlTextClassificationReader(max_tokens=50, long_texts="skip")
    with caplog.at_level(logging.WARNING):
        assert len(list(skipping.read(bad("long_text.jsonl")))) == 32
    assert "skipped 1 texts longer than 50 tokens" in caplog.text


def test_bad_reader_options_name_the_knob():
    with pytest.raises(
        ConfigurationError, match="dataset_reader.long_texts must be 'truncate' or 'skip'"
    ):
        JsonlTextClassificationReader(long_texts="cut")
    with pytest.raises(ConfigurationError, match="dataset_reader.unseen_labels must be"):
        JsonlTextClassificationReader(unseen_labels="ignore")


@pytest.mark.parametrize(
    "reader,path,first_tokens",
    [
        (JsonlTextClassificationReader(), "bom.jsonl", ["good", "."]),
        (SstReader(), "bom/sst.txt", ["it", "'s", "a"]),
        (AgNewsReader(label_map={"3": "1"}), "bom/agnews.csv", ["wall", "st.", "bears"]),
        (BabiReader(), "bom/babi.txt", ["mary", "moved", "to"]),
        (ImdbReader(), "bom/aclImdb", None),
        (CnnReader(), "bom/cnn", None),
        (UnlabeledTextReader(), "bom/unlabeled.txt", ["first", "plot", "line"]),
        (NewsgroupsReader(remove=[]), "bom/20news", ["from", ":"]),
    ],
)
def test_a_utf8_byte_order_mark_is_read_in_every_reader(reader, path, first_tokens):
    instances = list(reader.read(bad(path)))
    assert instances
    for instance in instances:
        for field in ("tokens", "premise"):
            if field in instance.fields:
                assert "\ufeff" not in " ".join(t.text for t in instance[field].tokens)
                assert not instance[field].tokens[0].text.startswith("ï»¿")
    if first_tokens:
        field = "premise" if "premise" in instances[0].fields else "tokens"
        assert [t.text for t in instances[0][field].tokens][: len(first_tokens)] == first_tokens


@pytest.mark.parametrize(
    "dev,options,details",
    [
        (
            "dev_all_unseen.jsonl",
            {"unseen_labels": "skip"},
            r"3 examples with labels not in the training data \(the labels of the training data "
            r".*train.jsonl are 'negative', 'positive'\)",
        ),
        ("dev_empty_texts.jsonl", {}, r"3 empty texts"),
    ],
)
def test_a_file_whose_every_example_is_skipped_is_refused_by_name(dev, options, details):
    problem = rf"{dev}: every example of the file was skipped: {details}"
    reader = JsonlTextClassificationReader(**options)
    with pytest.raises(ConfigurationError, match=problem):
        check_data_files(reader, bad("train.jsonl"), None, {"validation": bad(dev)})
    # Reading it (evaluate, attention-report) says the same instead of giving no instances.
    with pytest.raises(ConfigurationError, match=problem):
        list(reader.read(bad(dev)))
    # As a training file too.
    with pytest.raises(
        ConfigurationError, match=r"dev_empty_texts.jsonl: every example .* skipped"
    ):
        check_data_files(JsonlTextClassificationReader(), bad("dev_empty_texts.jsonl"))


def test_a_misnamed_label_field_is_named_with_the_fields_the_lines_have():
    problem = (
        r"label_typo.jsonl: no line has a 'label' field \(the lines have 'labels', 'text'\): "
        r"set dataset_reader.label_key"
    )
    with pytest.raises(ConfigurationError, match=problem):
        check_data_files(JsonlTextClassificationReader(), bad("label_typo.jsonl"))
    with pytest.raises(ConfigurationError, match=problem):
        check_data_files(
            JsonlTextClassificationReader(),
            bad("train.jsonl"),
            None,
            {"test": bad("label_typo.jsonl")},
        )
    with pytest.raises(
        ConfigurationError,
        match=r"nli_label_typo.jsonl: no line has a 'gold_label' field \(the lines have 'label', "
        r"'sentence1', 'sentence2'\)",
    ):
        check_data_files(JsonlNliReader(), bad("nli_label_typo.jsonl"))


def test_single_text_data_for_a_pair_reader_names_the_missing_fields():
    problem = (
        r"train.jsonl:1: missing fields 'sentence1' and 'sentence2' \(the line has 'label', "
        r"'text'\): a pair reader reads the premise and the hypothesis from "
        r"dataset_reader.premise_key"
    )
    with pytest.raises(DataFormatError, match=problem):
        check_data_files(JsonlNliReader(), bad("train.jsonl"))
    with pytest.raises(DataFormatError, match=problem):
        list(JsonlNliReader().read(bad("train.jsonl")))


def test_an_empty_label_is_an_error_not_a_class():
    problem = r"empty_label.jsonl:3: the label is an empty string"
    with pytest.raises(DataFormatError, match=problem):
        check_data_files(JsonlTextClassificationReader(), bad("empty_label.jsonl"))
    with pytest.raises(DataFormatError, match=problem):
        list(JsonlTextClassificationReader().read(bad("empty_label.jsonl")))
