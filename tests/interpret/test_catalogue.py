"""The measure catalogue: every measure the report and the study compute has one entry, and back."""

import pytest
import torch
from scipy.spatial.distance import jensenshannon

from attnat_allennlp.interpret import catalogue
from attnat_allennlp.interpret.catalogue import (
    COSTS,
    DIRECTIONS,
    GROUPS,
    MEASURES,
    TABLES,
    measure,
    study_measure_names,
)
from attnat_allennlp.interpret.report import (
    ReportOptions,
    attention_report,
    load_instances,
    study_measures,
)
from attnat_allennlp.models.base import model_device
from attnat_allennlp.study.compare import attention_divergence
from attnat_allennlp.study.summary import MATCHED_COLUMNS, SUMMARY_COLUMNS
from attnat_allennlp.study.summary_text import _group_measures
from helpers import TEXT_DATA


@pytest.fixture(scope="module")
def measured(trained):
    _, archive = trained
    instances = load_instances(archive.dataset_reader, TEXT_DATA)[:8]
    return archive.model, instances


def test_every_study_column_has_an_entry_and_every_entry_is_computed(measured):
    model, instances = measured
    computed = study_measures(model, instances, batch_size=4)
    entries = [m.name for m in MEASURES if m.study]
    assert list(computed) == entries == study_measure_names()
    # robust accuracies at other eps are described by the entry of their target
    other = study_measures(model, instances[:2], robustness_eps={"embeddings": [2.5]})
    assert measure("robust_accuracy_embeddings_eps2.5").group == "robustness"
    assert [n for n in other if n.startswith("robust_")] == ["robust_accuracy_embeddings_eps2.5"]


def test_every_report_only_entry_and_histogram_is_a_per_instance_value_of_the_report(measured):
    model, instances = measured
    report = attention_report(
        model, instances, ReportOptions(num_permutations=2, adversarial_steps=2)
    )
    row = report["instances"][0]
    for entry in MEASURES:
        if not entry.study or entry.histogram is not None:
            assert isinstance(row[entry.row_key], float), entry.name
    assert [key for key, _ in catalogue.HISTOGRAMS] == [
        "gradient_pearson",
        "gradient_kendall",
        "leave_one_out_pearson",
        "leave_one_out_kendall",
        "permutation_median_tvd",
        "adversarial_max_jsd",
    ]


def test_entries_are_well_formed_and_unique():
    assert len({m.name for m in MEASURES}) == len(MEASURES)
    tabled = {group for _, groups in TABLES for group in groups}
    for entry in MEASURES:
        assert entry.group in GROUPS and entry.cost in COSTS and entry.direction in DIRECTIONS
        assert entry.description and (entry.study or entry.group not in tabled)
    assert tabled <= set(GROUPS)
    assert catalogue.BRIEF_MEASURES == (
        "accuracy",
        "auc",
        "gradient_pearson",
        "gradient_kendall",
        "comprehensiveness_aopc_attention",
        "sufficiency_aopc_attention",
        "entropy",
        "attack_accuracy",
    )
    with pytest.raises(KeyError, match="unknown study measure"):
        measure("accuracy_at_noon")


def test_summary_tables_follow_the_catalogue_groups_and_order():
    names = [
        "best_validation",
        "test_accuracy",
        "entropy",
        "sufficiency_aopc_random",
        "comprehensiveness_aopc_random",
        "sufficiency_aopc_attention",
        "comprehensiveness_aopc_attention",
        "loo_kendall",
        "gradient_pearson",
        "auc",
        "accuracy",
        "occlusion_pearson",
        "robust_accuracy_scores_eps2.5",
    ]
    assert _group_measures(names) == [
        ("Prediction (test)", ["accuracy", "auc"]),
        (
            "Agreement of attention with word importance (test, per-instance mean)",
            ["gradient_pearson", "loo_kendall"],
        ),
        (
            "Faithfulness (ERASER AOPC) and sharpness",
            [
                "comprehensiveness_aopc_random",
                "comprehensiveness_aopc_attention",
                "sufficiency_aopc_random",
                "sufficiency_aopc_attention",
                "entropy",
            ],
        ),
        (
            "Robustness: test accuracy under a worst-case perturbation of norm eps",
            ["robust_accuracy_scores_eps2.5"],
        ),
        ("Other", ["best_validation", "occlusion_pearson"]),
    ]
    assert MATCHED_COLUMNS == [
        "dataset",
        "technique",
        "eps",
        "measure",
        "n",
        "mean",
        "std",
        "vanilla_mean",
        "difference",
        "ci_low",
        "ci_high",
        "pairs",
        "p_value",
    ]
    assert set(MATCHED_COLUMNS) < set(SUMMARY_COLUMNS)


def test_the_attention_divergence_of_the_comparison_page_is_scipys_on_renormalised_rows():
    # word attention of a wordpiece model leaves out the special tokens: rows sum below 1
    p, q = [0.5, 0.3, 0.1], [0.1, 0.2, 0.6]
    assert attention_divergence(p, q) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-12)
    assert attention_divergence(p, p) == pytest.approx(0.0, abs=1e-15)


def test_model_device_of_a_model_without_parameters_is_the_cpu():
    assert model_device(torch.nn.ReLU()) == torch.device("cpu")
    assert model_device(torch.nn.Linear(2, 2)) == torch.device("cpu")


def test_the_attack_and_the_stability_are_the_study_and_report_measures_of_their_functions(
    measured,
):
    from attnat_allennlp.interpret.attack import ATTACK_MEASURES, word_substitution_attack
    from attnat_allennlp.interpret.report_text import format_report
    from attnat_allennlp.interpret.stability import STABILITY_MEASURES, explanation_stability

    model, instances = measured
    results, attacked = word_substitution_attack(model, instances, batch_size=4)
    _, stable = explanation_stability(model, instances, attack_results=results, batch_size=4)
    computed = study_measures(model, instances, batch_size=4, leave_one_out=False)
    assert {n: computed[n] for n in ATTACK_MEASURES} == attacked
    assert {n: computed[n] for n in STABILITY_MEASURES} == stable
    assert attacked["attack_accuracy"] is not None
    assert computed["stability_jsd_noise"] is not None
    # each can be left out; the stability without the attack keeps its noise measures
    off = study_measures(model, instances, batch_size=4, leave_one_out=False, attack=False)
    assert all(off[n] is None for n in ATTACK_MEASURES)
    assert off["stability_jsd_attack"] is None and off["stability_jsd_noise"] == pytest.approx(
        stable["stability_jsd_noise"]
    )
    none = study_measures(
        model, instances, batch_size=4, leave_one_out=False, attack=False, stability=False
    )
    assert all(none[n] is None for n in ATTACK_MEASURES + STABILITY_MEASURES)
    # the report prints both sections with the same numbers
    report = attention_report(
        model, instances, ReportOptions(num_permutations=2, adversarial_steps=2, batch_size=4)
    )
    assert report["attack"]["attack_accuracy"] == attacked["attack_accuracy"]
    assert report["stability"]["stability_topk_noise"] == pytest.approx(
        stable["stability_topk_noise"]
    )
    text = format_report(report)
    assert f"  {'attacked accuracy':<26}{attacked['attack_accuracy']:>8.3f}" in text
    assert "stability (SEAT)" in text and "embedding noise" in text
    quiet = attention_report(
        model,
        instances,
        ReportOptions(num_permutations=2, adversarial_steps=2, attack=False, stability=False),
    )
    assert "attack" not in quiet and "stability" not in quiet
