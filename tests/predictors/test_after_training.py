"""
The commands after training (`allennlp evaluate`, `attention-report`, `attention-compare`) check
their data as training does: the file and line of a label the model does not know, the reason a
file gives no instance, the kinds of archives that cannot be compared.
"""

import argparse

import pytest
from allennlp.commands.evaluate import evaluate_from_archive
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.commands.attention_compare import AttentionCompareCommand
from attnat_allennlp.commands.attention_report import AttentionReportCommand
from attnat_allennlp.data.dataset_readers import DataFormatError
from helpers import FIXTURE_DATA

BAD = FIXTURE_DATA / "bad"


def run(command, argv):
    parser = argparse.ArgumentParser()
    command().add_subparser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def report(archive, data):
    return run(
        AttentionReportCommand,
        ["attention-report", str(archive), str(data), "--no-leave-one-out", "--no-faithfulness"]
        + ["--num-permutations", "1", "--adversarial-steps", "1", "--no-instances"],
    )


UNKNOWN_LABEL = (
    r"test_unseen_label.jsonl:3: the label 'neutral' is not one of the labels of the model "
    r"\('negative', 'positive'\)"
)


def test_evaluate_names_file_and_line_of_a_label_the_model_does_not_know(classifier_archive):
    with pytest.raises(DataFormatError, match=UNKNOWN_LABEL):
        evaluate_from_archive(str(classifier_archive), str(BAD / "test_unseen_label.jsonl"))
    # Skipped on request, as in training.
    metrics = evaluate_from_archive(
        str(classifier_archive),
        str(BAD / "test_unseen_label.jsonl"),
        cmd_overrides={"dataset_reader.unseen_labels": "skip"},
    )
    assert "accuracy" in metrics


def test_report_names_file_and_line_of_a_label_the_model_does_not_know(classifier_archive):
    with pytest.raises(DataFormatError, match=UNKNOWN_LABEL):
        report(classifier_archive, BAD / "test_unseen_label.jsonl")


def test_report_refuses_data_of_the_wrong_shape_or_without_a_usable_line(
    classifier_archive, pair_archive
):
    with pytest.raises(DataFormatError, match=r"train.jsonl:1: missing fields 'sentence1' and"):
        report(pair_archive, BAD / "train.jsonl")
    with pytest.raises(
        ConfigurationError, match=r"dev_empty_texts.jsonl: every example of the file was skipped"
    ):
        report(classifier_archive, BAD / "dev_empty_texts.jsonl")
    with pytest.raises(ConfigurationError, match=r"train.jsonl: no instance to measure"):
        run(
            AttentionReportCommand,
            ["attention-report", str(classifier_archive), str(BAD / "train.jsonl")]
            + ["--max-instances", "0"],
        )


def test_compare_names_the_archives_and_their_kinds(classifier_archive, pair_archive, tmp_path):
    with pytest.raises(
        ConfigurationError,
        match=rf"models of one kind .*: {classifier_archive} holds a 'attnat_classifier' model, "
        rf"{pair_archive} holds a 'attnat_pair_classifier' model",
    ):
        run(
            AttentionCompareCommand,
            ["attention-compare", str(BAD / "train.jsonl"), str(classifier_archive)]
            + [str(pair_archive), "-o", str(tmp_path / "page.html")],
        )
