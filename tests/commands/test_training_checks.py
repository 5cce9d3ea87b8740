"""
The `attnat` training loop of every config: bad data stops the run before the first batch with
the file, line or knob; a failing test evaluation keeps the trained model.
"""

import json

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.training import util as training_util

from attnat_allennlp.data.dataset_readers import DataFormatError
from attnat_allennlp.training.train_loop import TestEvaluationError, remove_untrained
from helpers import FIXTURE_DATA, fixture_overrides, train_config

BAD = FIXTURE_DATA / "bad"


def overrides(train="train.jsonl", validation="train.jsonl", test="train.jsonl", **extra):
    return fixture_overrides(
        "rt_polarity",
        train_data_path=str(BAD / train),
        validation_data_path=str(BAD / validation),
        test_data_path=str(BAD / test),
        **{
            "model.text_field_embedder.token_embedders.tokens.embedding_dim": 8,
            "model.seq2vec_encoder.encoder.input_size": 8,
            **extra,
        },
    )


def nothing_trained(serialization_dir):
    return not (serialization_dir / "model.tar.gz").exists() and not list(
        serialization_dir.glob("*.th")
    )


def test_a_failed_data_check_leaves_a_folder_the_plain_rerun_accepts(tmp_path):
    with pytest.raises(DataFormatError, match=r"test_unseen_label.jsonl:3"):
        train_config(
            "rt_polarity_vanilla", tmp_path / "run", overrides(test="test_unseen_label.jsonl")
        )
    assert list((tmp_path / "run").iterdir()) == []
    # The same command, the data fixed, without --recover.
    train_config("rt_polarity_vanilla", tmp_path / "run", overrides())
    assert (tmp_path / "run" / "model.tar.gz").exists()


def test_a_folder_with_a_checkpoint_is_not_emptied(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "model_state_e0_b0.th").write_bytes(b"")
    (run / "config.json").write_text("{}")
    remove_untrained(str(run))
    assert sorted(p.name for p in run.iterdir()) == ["config.json", "model_state_e0_b0.th"]


@pytest.mark.parametrize(
    "validation,extra,problem",
    [
        (
            "dev_all_unseen.jsonl",
            {"dataset_reader.unseen_labels": "skip"},
            r"dev_all_unseen.jsonl: every example of the file was skipped: 3 examples with labels "
            r"not in the training data",
        ),
        ("dev_empty_texts.jsonl", {}, r"dev_empty_texts.jsonl: every example .* 3 empty texts"),
        ("label_typo.jsonl", {}, r"label_typo.jsonl: no line has a 'label' field"),
    ],
)
def test_a_validation_file_that_reads_as_empty_stops_before_training(
    tmp_path, validation, extra, problem
):
    with pytest.raises(ConfigurationError, match=problem):
        train_config(
            "rt_polarity_vanilla", tmp_path / "run", overrides(validation=validation, **extra)
        )
    assert nothing_trained(tmp_path / "run")


def test_a_pair_config_given_single_text_data_names_the_missing_fields(tmp_path):
    path = str(BAD / "train.jsonl")
    with pytest.raises(
        DataFormatError,
        match=r"train.jsonl:1: missing fields 'sentence1' and 'sentence2' \(the line has 'label', 'text'\)",
    ):
        train_config(
            "vitaminc_vanilla",
            tmp_path / "run",
            fixture_overrides(
                "vitaminc", train_data_path=path, validation_data_path=path, test_data_path=path
            ),
        )
    assert nothing_trained(tmp_path / "run")


def test_a_test_label_unseen_in_training_stops_before_training(tmp_path):
    with pytest.raises(DataFormatError, match=r"test_unseen_label.jsonl:3: the label 'neutral'"):
        train_config(
            "rt_polarity_vanilla", tmp_path / "run", overrides(test="test_unseen_label.jsonl")
        )
    assert nothing_trained(tmp_path / "run")


def test_unseen_test_labels_skipped_on_request_keep_the_output_layer(tmp_path):
    model = train_config(
        "rt_polarity_vanilla",
        tmp_path / "run",
        overrides(test="test_unseen_label.jsonl", **{"dataset_reader.unseen_labels": "skip"}),
    )
    assert model.vocab.get_token_to_index_vocabulary("labels").keys() == {"positive", "negative"}
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert "test_auc" in metrics


@pytest.mark.parametrize("role", ["train_data_path", "validation_data_path", "test_data_path"])
def test_an_empty_file_stops_before_training(tmp_path, role):
    paths = {"train": "train.jsonl", "validation": "train.jsonl", "test": "train.jsonl"}
    paths[role.split("_")[0]] = "empty.jsonl"
    with pytest.raises(ConfigurationError, match=r"empty.jsonl: the file has no examples"):
        train_config("rt_polarity_vanilla", tmp_path / "run", overrides(**paths))
    assert nothing_trained(tmp_path / "run")


@pytest.mark.parametrize(
    "train,extra,problem",
    [
        (
            "train_three_labels.jsonl",
            {},
            r"the data has 3 labels \('negative', 'neutral', 'positive'\)",
        ),
        ("train_01.jsonl", {}, r"the labels of the data are '0', '1'"),
    ],
)
def test_a_positive_label_that_does_not_fit_names_the_knobs(tmp_path, train, extra, problem):
    with pytest.raises(
        ConfigurationError,
        match=rf"model.positive_label is 'positive', but {problem}.*trainer.validation_metric: \"\+accuracy\"",
    ):
        train_config(
            "rt_polarity_vanilla",
            tmp_path / "run",
            overrides(train=train, validation=train, test=train),
        )
    assert nothing_trained(tmp_path / "run")


def test_three_labels_train_with_the_knobs_the_error_names(tmp_path):
    data = {
        "train": "train_three_labels.jsonl",
        "validation": "train_three_labels.jsonl",
        "test": "train_three_labels.jsonl",
    }
    model = train_config(
        "rt_polarity_vanilla",
        tmp_path / "run",
        overrides(
            **data, **{"model.positive_label": None, "trainer.validation_metric": "+accuracy"}
        ),
    )
    assert model.vocab.get_vocab_size("labels") == 3
    assert "test_accuracy" in json.loads((tmp_path / "run" / "metrics.json").read_text())


def test_a_failing_test_evaluation_keeps_the_model_and_the_training_metrics(tmp_path, monkeypatch):
    def broken_evaluate(*args, **kwargs):
        raise RuntimeError("the test set could not be evaluated")

    monkeypatch.setattr(training_util, "evaluate", broken_evaluate)
    with pytest.raises(
        TestEvaluationError,
        match=r"the evaluation on the test set .*train.jsonl failed after training "
        r"\(RuntimeError: the test set could not be evaluated\); the trained model is kept in .*model.tar.gz",
    ):
        train_config("rt_polarity_vanilla", tmp_path / "run", overrides())
    assert (tmp_path / "run" / "model.tar.gz").exists()
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["test_error"] == "RuntimeError: the test set could not be evaluated"
    assert "best_validation_auc" in metrics and "training_loss" in metrics
