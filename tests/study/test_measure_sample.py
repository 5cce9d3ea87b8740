"""`measures.sample`: the costly measures on N test instances spread over the file, accuracy on
all of them."""

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import load_archive

from attnat_allennlp.interpret.explanation import prediction_metrics, spread
from attnat_allennlp.interpret.report import load_instances, study_measures
from attnat_allennlp.study.runner import measure
from attnat_allennlp.study.spec import RunSpec, parse_study
from tests.helpers import TEXT_DATA, tiny_overrides, train_config

CHEAP = {"leave_one_out": False, "attack": False, "stability": False, "attributions": []}


def test_spread_takes_the_middle_of_equal_stretches_and_keeps_sorted_labels_balanced():
    assert spread(list(range(10)), 4) == [1, 3, 6, 8]
    assert spread(list(range(10)), None) == list(range(10))
    assert spread(list(range(10)), 10) == list(range(10))
    assert spread(list(range(3)), 7) == [0, 1, 2]
    # a file sorted by label, as 20 Newsgroups' test posts are: the first 40 are all one class
    labels = ["baseball"] * 60 + ["hockey"] * 40
    assert labels[:40].count("hockey") == 0
    assert spread(labels, 40).count("hockey") == 16


def _study(**measures):
    return {"datasets": ["rt_polarity"], "techniques": ["vanilla"], "measures": measures}


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_a_bad_sample_size_is_named(bad):
    with pytest.raises(ConfigurationError, match=r"measures.sample must be a positive number"):
        parse_study(_study(sample=bad))


def test_sample_and_max_instances_exclude_each_other():
    assert parse_study(_study(sample=10)).measures["sample"] == 10
    with pytest.raises(ConfigurationError, match="exclude each other"):
        parse_study(_study(sample=10, max_instances=20))


def test_a_sampled_study_measures_the_spread_and_keeps_the_whole_test_accuracy(tmp_path):
    train_config("rt_polarity_vanilla", tmp_path, tiny_overrides())
    archive = load_archive(str(tmp_path / "model.tar.gz"))
    every = load_instances(archive.validation_dataset_reader, TEXT_DATA)
    config = {"test_data_path": TEXT_DATA}
    run = RunSpec("rt_polarity", "vanilla", None, 1)

    row = measure(str(tmp_path), config, run, {**CHEAP, "robustness_eps": {}, "sample": 9})

    whole = prediction_metrics(archive.model, every)
    sampled = study_measures(archive.model, spread(every, 9), robustness_eps={}, seed=1, **CHEAP)
    first = study_measures(archive.model, every[:9], robustness_eps={}, seed=1, **CHEAP)
    assert row["accuracy"] == pytest.approx(whole["accuracy"])
    assert row["accuracy"] != pytest.approx(sampled["accuracy"])
    assert row["gradient_pearson"] == pytest.approx(sampled["gradient_pearson"])
    assert row["gradient_pearson"] != pytest.approx(first["gradient_pearson"])
    assert row["comprehensiveness_aopc_attention"] == pytest.approx(
        sampled["comprehensiveness_aopc_attention"]
    )
