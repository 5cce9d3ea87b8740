"""SEAT's stability measures against values computed by hand."""

import json
import math

import pytest

from attnat_allennlp.interpret.attack import AttackResult, word_substitution_attack
from attnat_allennlp.interpret.report import load_instances
from attnat_allennlp.interpret.stability import (
    compare,
    divergence,
    explanation_stability,
    main,
    seed_stability,
    top_k_overlap,
)
from hand_made import hand_made_model, instance
from helpers import TEXT_DATA

# Attention on dimension 1: scores x_1 / sqrt(3) ("movie" 3, "okay" 1, "good" and "nice" 0).
ON_DIMENSION_1 = (0.0, 1.0, 0.0)


def softmax(scores):
    exps = [math.exp(s) for s in scores]
    return [e / sum(exps) for e in exps]


def jsd_by_hand(p, q):
    m = [(a + b) / 2 for a, b in zip(p, q)]

    def kl(x):
        return sum(a * math.log(a / b) for a, b in zip(x, m) if a > 0)

    return (kl(p) + kl(q)) / 2


def test_identical_attention_is_perfectly_stable():
    weights = [0.1, 0.6, 0.3]
    assert compare(weights, weights) == {"jsd": 0.0, "topk": 1.0}


def test_jsd_of_known_distributions():
    # m = (0.75, 0.25): KL(p||m) = 0.5 ln(4/3), KL(q||m) = ln(4/3), JSD = 0.75 ln(4/3)
    assert divergence([0.5, 0.5], [1.0, 0.0]) == pytest.approx(0.75 * math.log(4 / 3), abs=1e-12)
    assert divergence([1.0, 0.0], [0.0, 1.0]) == pytest.approx(math.log(2), abs=1e-12)


def test_top_k_overlap_counts_the_shared_top_quarter():
    a = [0.4, 0.3, 0.2, 0.1, 0.0, 0.0, 0.0, 0.0]  # 8 tokens: k = 2, top {0, 1}
    b = [0.1, 0.5, 0.3, 0.0, 0.2, 0.0, 0.0, 0.0]  # top {1, 2}
    assert top_k_overlap(a, b) == 0.5
    assert top_k_overlap(a, b, fraction=0.5) == 0.75  # k = 4: {0, 1, 2, 3} and {1, 2, 4, 0}
    # ties broken by position: k = ceil(0.25 * 3) = 1, the first of the tied
    assert top_k_overlap([0.5, 0.5, 0.0], [0.5, 0.0, 0.5]) == 1.0
    assert top_k_overlap([0.5, 0.5, 0.0], [0.0, 0.5, 0.5]) == 0.0


def test_attack_stability_compares_the_attention_where_the_prediction_stays():
    model = hand_made_model(ON_DIMENSION_1)
    kept, flipped = instance("movie good"), instance("movie good")
    results = [
        # "okay": p(pos) falls but stays above 1/2 (the prediction stays)
        AttackResult(True, changes=[(1, "good", "okay")], instance=instance("movie okay")),
        # "nice": the prediction flips; even reported as a failed attack it is not compared
        AttackResult(True, changes=[(1, "good", "nice")], instance=instance("movie nice")),
    ]
    rows, measures = explanation_stability(model, [kept, flipped], results, noise_scale=None)
    before = softmax([3 / math.sqrt(3), 0.0])
    after = softmax([3 / math.sqrt(3), 1 / math.sqrt(3)])
    assert rows[0]["jsd_attack"] == pytest.approx(jsd_by_hand(before, after), abs=1e-6)
    assert rows[0]["topk_attack"] == 1.0  # k = 1: "movie" on top in both
    assert rows[1]["jsd_attack"] is None and rows[1]["topk_attack"] is None
    assert measures["stability_jsd_attack"] == pytest.approx(rows[0]["jsd_attack"])
    assert measures["stability_topk_attack"] == 1.0
    assert measures["stability_jsd_noise"] is None


def test_attack_stability_skips_successful_and_unchanged_attacks():
    model = hand_made_model(ON_DIMENSION_1)
    texts = [instance("movie good"), instance("good movie movie movie movie")]
    results, _ = word_substitution_attack(model, texts, max_words_changed=1.0)
    # the first flips ("good" -> "nice"), the second keeps its prediction after one change
    assert [r.success for r in results] == [True, False] and results[1].changes
    rows, _ = explanation_stability(model, texts, results, noise_scale=None)
    for row, result in zip(rows, results):
        compared = result.attacked and bool(result.changes) and not result.success
        assert (row["jsd_attack"] is not None) == compared


def test_no_noise_changes_nothing_and_noise_is_seeded():
    model = hand_made_model(ON_DIMENSION_1)
    texts = [instance("movie good"), instance("the good movie okay")]
    rows, measures = explanation_stability(model, texts, noise_scale=0.0)
    assert [(r["jsd_noise"], r["topk_noise"]) for r in rows] == [(0.0, 1.0), (0.0, 1.0)]
    assert measures["stability_jsd_noise"] == 0.0 and measures["stability_topk_noise"] == 1.0
    first = explanation_stability(model, texts, noise_scale=0.3, seed=3)
    again = explanation_stability(model, texts, noise_scale=0.3, seed=3)
    other = explanation_stability(model, texts, noise_scale=0.3, seed=4)
    assert first == again
    assert first[1]["stability_jsd_noise"] > 0.0
    assert first[1]["stability_jsd_noise"] != other[1]["stability_jsd_noise"]


def test_seed_stability_of_two_hand_made_models():
    one, two = hand_made_model(ON_DIMENSION_1), hand_made_model((0.0, 0.0, 0.0))
    texts = [instance("movie good"), instance("the good movie okay")]
    rows, measures = seed_stability(one, one, texts)
    assert measures == {"stability_jsd_seeds": 0.0, "stability_topk_seeds": 1.0}
    rows, measures = seed_stability(one, two, texts)
    # the second model attends uniformly
    first = softmax([3 / math.sqrt(3), 0.0])
    assert rows[0]["jsd"] == pytest.approx(jsd_by_hand(first, [0.5, 0.5]), abs=1e-6)
    second = softmax([-6 / math.sqrt(3), 0.0, 3 / math.sqrt(3), 1 / math.sqrt(3)])
    assert rows[1]["jsd"] == pytest.approx(jsd_by_hand(second, [0.25] * 4), abs=1e-6)
    # k = 1: "movie" (one) against "the", the first of four ties (two); then "movie" vs "movie"
    assert [row["topk"] for row in rows] == [1.0, 0.0]
    assert measures["stability_topk_seeds"] == 0.5


def test_the_command_compares_two_archives(trained, tmp_path):
    path, archive = trained
    output = tmp_path / "seeds.json"
    result = main([path, path, TEXT_DATA, "--max-instances", "6", "--output", str(output)])
    assert result["instances"] == 6
    assert result["stability_jsd_seeds"] == 0.0 and result["stability_topk_seeds"] == 1.0
    written = json.loads(output.read_text())
    assert len(written["rows"]) == 6 and written["top_k_fraction"] == 0.25
    # the function on the same instances gives the same numbers
    instances = load_instances(archive.dataset_reader, TEXT_DATA, 6)
    _, measures = seed_stability(archive.model, archive.model, instances)
    assert measures["stability_jsd_seeds"] == result["stability_jsd_seeds"]


def test_the_docs_quote_the_cost_table_of_the_measured_file():
    # docs/interpretability.md holds exactly `bench.measures --table-of` of the JSON it names
    from attnat_allennlp.bench.measures import format_table
    from helpers import REPO_ROOT

    page = (REPO_ROOT / "docs" / "interpretability.md").read_text()
    quoted = page.split("<!-- measure-costs:start -->\n")[1].split("\n<!-- measure-costs:end -->")[
        0
    ]
    measured = json.loads((REPO_ROOT / "docs" / "results" / "measure_costs_sst.json").read_text())
    assert quoted == format_table(measured)
