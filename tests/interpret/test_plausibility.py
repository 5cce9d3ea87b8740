"""Plausibility against the SST annotators' word labels: the measure, the reader, the report."""

import math

import pytest
from allennlp.data import Token
from allennlp.models.archival import load_archive

from attnat_allennlp.data.dataset_readers.sst import SstReader, token_word_labels
from attnat_allennlp.interpret.plausibility import plausibility
from attnat_allennlp.interpret.report import (
    ReportOptions,
    attention_report,
    format_report,
    load_instances,
    study_measures,
)
from helpers import FIXTURE_DATA, TINY_BILSTM, fixture_overrides, train_config

SST_TREES = str(FIXTURE_DATA / "sst" / "train.txt")


def test_plausibility_by_hand():
    # Ranking by score: token 1 (neutral), 2 (polar, 3), 3 (neutral), 0 (polar, 4).
    result = plausibility([0.1, 0.4, 0.3, 0.2], [4, 2, 3, 2])
    # Average precision: the polar tokens come 2nd (precision 1/2) and 4th (2/4).
    assert result["auprc"] == pytest.approx(0.5)
    # Top-2 = {1, 2}: one of the two polar tokens, precision = recall = 1/2.
    assert result["f1"] == pytest.approx(0.5)
    # Spearman of the scores' ranks [1, 4, 3, 2] with the strengths' ranks [4, 1.5, 3, 1.5].
    assert result["spearman"] == pytest.approx(-3.0 / math.sqrt(5 * 4.5))


def test_plausibility_of_a_perfect_ranking_and_the_undefined_cases():
    assert plausibility([0.9, 0.1, 0.5, 0.1], [0, 2, 3, 2]) == pytest.approx(
        {"auprc": 1.0, "f1": 1.0, "spearman": 1.0}
    )
    # No polar word: no AUPRC or F1; constant strength: no Spearman.
    assert plausibility([0.2, 0.8], [2, 2]) == {"auprc": None, "f1": None, "spearman": None}
    # Constant scores: AUPRC and F1 defined (ties), Spearman not.
    assert plausibility([0.5, 0.5, 0.5], [4, 2, 2])["spearman"] is None
    # Tokens without an annotation (a [CLS]) are left out of both vectors.
    assert plausibility([5.0, 0.1, 0.9], [None, 2, 4]) == pytest.approx(
        {"auprc": 1.0, "f1": 1.0, "spearman": 1.0}
    )
    with pytest.raises(ValueError, match="2 scores for 3 annotated tokens"):
        plausibility([0.1, 0.2], [2, 2, 4])


def test_wordpieces_take_the_label_of_their_word():
    words, labels = ["too-tepid", "film"], [1, 2]
    tokens = [
        Token("[CLS]"),
        Token("too", idx=0),
        Token("-", idx=3),
        Token("te", idx=4),
        Token("##pid", idx=6),
        Token("film", idx=10),
        Token("[SEP]"),
    ]
    assert token_word_labels(tokens, words, labels) == [None, 1, 1, 1, 1, 2, None]


def test_the_sst_reader_keeps_the_labels_of_each_word_when_asked():
    plain = list(SstReader().read(SST_TREES))
    assert "word_sentiment" not in plain[0]["metadata"].metadata
    instances = list(SstReader(word_labels=True).read(SST_TREES))
    # (3 (2 It) (4 (4 (2 's) (4 (3 (2 a) (3 lovely)) (2 film))) (2 .))): the 4th tree, whose
    # own-word labels are those of the leaves' nodes.
    lovely = next(i for i in instances if "lovely" in i["metadata"].metadata["tokens"])
    metadata = lovely["metadata"].metadata
    assert list(zip(metadata["tokens"], metadata["word_sentiment"])) == [
        ("it", 2),
        ("'s", 2),
        ("a", 2),
        ("lovely", 3),
        ("film", 2),
        (".", 2),
    ]
    # Truncated texts keep one label per kept token.
    short = list(SstReader(word_labels=True, max_tokens=3).read(SST_TREES))
    assert all(
        len(i["metadata"].metadata["word_sentiment"]) == len(i["tokens"].tokens) <= 3 for i in short
    )


@pytest.fixture(scope="module")
def sst_model(tmp_path_factory):
    serialization_dir = tmp_path_factory.mktemp("sst_plausibility")
    overrides = fixture_overrides("sst", **TINY_BILSTM)
    train_config("sst_vanilla", serialization_dir, overrides)
    archive = load_archive(str(serialization_dir / "model.tar.gz"))
    return archive.model, archive.dataset_reader


def test_report_and_study_measure_plausibility_of_each_ranking(sst_model):
    model, reader = sst_model
    instances = load_instances(reader, SST_TREES)
    report = attention_report(
        model,
        instances,
        ReportOptions(num_permutations=2, adversarial_steps=2, leave_one_out=False),
    )
    section = report["plausibility"]
    assert section["annotated_sentences"] == len(instances)
    for row in report["instances"]:
        expected = plausibility(row["attention"], row["word_sentiment"])
        for measure, value in expected.items():
            assert row[f"plausibility_{measure}_attention"] == (
                pytest.approx(value) if value is not None else None
            )
    auprcs = [r["plausibility_auprc_attention"] for r in report["instances"]]
    kept = [a for a in auprcs if a is not None]
    assert section["attention"]["auprc"]["n"] == len(kept)
    assert section["attention"]["auprc"]["mean"] == pytest.approx(sum(kept) / len(kept))
    assert "plausibility (annotators)" in format_report(report)
    measures = study_measures(model, instances, leave_one_out=False)
    assert measures["plausibility_auprc_attention"] == pytest.approx(
        section["attention"]["auprc"]["mean"]
    )
    assert measures["plausibility_spearman_gradient"] == pytest.approx(
        section["gradient"]["spearman"]["mean"]
    )
    assert 0.0 <= measures["plausibility_auprc_random"] <= 1.0
