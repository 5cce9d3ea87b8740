"""The measures against hand-computed values on tiny inputs."""

import math

import numpy
import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Token
from scipy import stats

from attnat_allennlp.data.dataset_readers.base import DataFormatError
from attnat_allennlp.interpret.agreement import (
    AgreementAccumulator,
    agreement,
    correlations,
    summarize,
    top_k_kendall_distance,
    top_k_size,
)
from attnat_allennlp.interpret.batching import build_state, tensorize
from attnat_allennlp.interpret.faithfulness import attention_entropy
from attnat_allennlp.interpret.jain_wallace import (
    adversarial_attention,
    jensen_shannon,
    logits_from_weights,
    permutation_output_change,
    total_variation,
)
from attnat_allennlp.interpret.rationales import (
    align_tokens,
    project_scores,
    rationale_scores,
    read_eraser,
    top_k_f1,
)
from attnat_allennlp.interpret.report import load_instances
from helpers import RATIONALES, TEXT_DATA


# ---- agreement -------------------------------------------------------------------------------
def test_correlations_of_known_vectors():
    # Ranks agree on 5 of 6 pairs: tau = (5 - 1) / 6; Pearson by hand below.
    attention = [0.1, 0.2, 0.3, 0.4]
    importance = [0.1, 0.3, 0.2, 0.4]
    (r, tau), reason = correlations(attention, importance)
    assert reason is None
    assert tau == pytest.approx(4 / 6)
    a, b = numpy.array(attention) - 0.25, numpy.array(importance) - 0.25
    assert r == pytest.approx((a * b).sum() / math.sqrt((a * a).sum() * (b * b).sum()))
    assert correlations([1, 2, 3], [3, 2, 1])[0] == (pytest.approx(-1.0), pytest.approx(-1.0))


def test_undefined_correlations_are_skipped_and_counted():
    accumulator = AgreementAccumulator()
    assert accumulator.add([1.0], [1.0]) is None
    assert accumulator.add([0.5, 0.5], [0.2, 0.8]) is None  # constant attention
    assert accumulator.add([0.2, 0.8], None) is None
    accumulator.add([0.2, 0.8], [0.3, 0.7])
    accumulator.add([0.2, 0.3, 0.4], [0.4, 0.3, 0.2])
    summary = accumulator.summary()
    assert summary["skipped"] == {
        "fewer than 2 tokens": 1,
        "constant vector": 1,
        "no importance": 1,
    }
    assert summary["pearson"]["n"] == 2
    assert summary["pearson"]["mean"] == pytest.approx(0.0)  # (1 + -1) / 2
    assert summary["pearson"]["std"] == pytest.approx(1.0)
    assert summary["kendall"]["mean"] == pytest.approx(0.0)
    assert summarize([]) == {"mean": None, "std": None, "median": None, "n": 0}


# ---- rationales ------------------------------------------------------------------------------
def test_perfect_and_reversed_rationale_scores():
    rationale = [False, True, True, False, False]
    perfect = [0.0, 0.5, 0.4, 0.1, 0.0]
    assert rationale_scores(perfect, rationale) == (pytest.approx(1.0), pytest.approx(1.0))
    # Rationale tokens ranked 4th and 5th of 5: AP = (1/4 + 2/5) / 2; top-2 F1 = 0.
    reversed_scores = [0.5, 0.1, 0.0, 0.4, 0.3]
    auprc, f1 = rationale_scores(reversed_scores, rationale)
    assert auprc == pytest.approx((1 / 4 + 2 / 5) / 2)
    assert f1 == 0.0
    # top-3 holds 1 of the 2 rationale tokens: P = 1/3, R = 1/2, F1 = 0.4.
    assert top_k_f1([0.1, 0.9, 0.0, 0.8, 0.7], rationale, k=3) == pytest.approx(0.4)
    with pytest.raises(ValueError):
        rationale_scores([0.1, 0.2], [False, False])


def test_read_eraser_fixture():
    examples = {e.annotation_id: e for e in read_eraser(RATIONALES, "test")}
    assert len(examples) == 4
    negative = examples["negR_001.txt"]
    assert negative.label == "NEG" and len(negative.tokens) == 27
    assert [t for t, m in zip(negative.tokens, negative.rationale) if m] == [
        "a",
        "mess",
        "dull",
        "worse",
        "don't",
        "waste",
    ]
    assert not any(examples["negR_002.txt"].rationale)


def test_read_eraser_errors_name_file_and_line(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "d1").write_text("one two three\n")
    (tmp_path / "test.jsonl").write_text(
        '{"annotation_id": "d1", "evidences": [[{"docid": "d1", "start_token": 0, "end_token": 1}]]}\n'
        '{"annotation_id": "d1", "evidences": [[{"docid": "d1", "start_token": 2, "end_token": 9}]]}\n'
    )
    with pytest.raises(DataFormatError, match=r"test.jsonl:2: evidence span \[2, 9\) outside"):
        read_eraser(str(tmp_path), "test")
    (tmp_path / "test.jsonl").write_text('{"annotation_id": "missing", "evidences": []}\n')
    with pytest.raises(DataFormatError, match=r"test.jsonl:1: document 'missing' not found"):
        read_eraser(str(tmp_path), "test")
    with pytest.raises(ConfigurationError, match="no ERASER annotations"):
        read_eraser(str(tmp_path), "dev")


def test_model_tokens_map_back_onto_eraser_tokens(trained):
    _, archive = trained
    reader = archive.validation_dataset_reader
    eraser = ["a", "well-made", "film", "don't", "miss", "1990s"]
    instance = reader.text_to_instance(" ".join(eraser))
    model_tokens = [t.text for t in instance["tokens"].tokens]
    assert model_tokens == ["a", "well", "-", "made", "film", "do", "n't", "miss", "qqq"]
    alignment = align_tokens(instance["tokens"].tokens, eraser)
    assert alignment == [0, 1, 1, 1, 2, 3, 3, 4, 5]
    projected = project_scores([0.1, 0.1, 0.05, 0.15, 0.1, 0.2, 0.1, 0.1, 0.1], alignment, 6)
    numpy.testing.assert_allclose(projected, [0.1, 0.3, 0.1, 0.3, 0.1, 0.1])
    with pytest.raises(ConfigurationError, match="character offsets"):
        align_tokens([Token("a")], ["a"])


# ---- Jain & Wallace's checks -----------------------------------------------------------------
def test_divergences_of_known_distributions():
    p = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    q = torch.tensor([[0.0, 1.0], [0.5, 0.5]])
    torch.testing.assert_close(jensen_shannon(p, q), torch.tensor([math.log(2), 0.0]))
    torch.testing.assert_close(total_variation(p, q), torch.tensor([1.0, 0.0]))
    # JSD([1, 0], [0.5, 0.5]) = 0.5 ln(1/0.75) + 0.5 (0.25 ln(0.25/0.75) + 0.75 ln(0.75/0.75)) ...
    expected = 0.5 * math.log(1 / 0.75) + 0.5 * (
        0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    )
    assert float(
        jensen_shannon(torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5]))
    ) == pytest.approx(expected)


@pytest.fixture(scope="module")
def batch_state(trained):
    _, archive = trained
    model = archive.model.eval()
    instances = load_instances(archive.validation_dataset_reader, TEXT_DATA, 8)
    state = build_state(model, tensorize(model, instances))
    return model, state


def test_logits_from_weights_reproduce_the_model(batch_state):
    model, state = batch_state
    with torch.no_grad():
        logits, weights = model.logits_from_scores(state)
        torch.testing.assert_close(logits_from_weights(model, state, weights), logits)


def test_permuting_uniform_attention_changes_nothing(batch_state):
    model, state = batch_state
    mask = state.mask.float()
    uniform = mask / mask.sum(-1, keepdim=True)
    changes = permutation_output_change(model, state, uniform, 10, torch.Generator().manual_seed(0))
    assert changes.shape == (state.mask.size(0),)
    torch.testing.assert_close(changes, torch.zeros_like(changes), atol=1e-6, rtol=0)


def test_permuting_a_one_hot_attention_gives_the_median_tvd_of_moving_it_to_a_random_token(
    batch_state,
):
    # A permutation of a one-hot attention on token 0 moves the weight to a uniformly random real
    # token k, so each draw's change is TVD(output at token 0, output at token k): the median over
    # draws is one of those values, in the middle of their distribution.
    model, state = batch_state
    peaked = torch.zeros(state.mask.shape)
    peaked[:, 0] = 1.0
    changes = permutation_output_change(model, state, peaked, 101, torch.Generator().manual_seed(0))
    with torch.no_grad():
        outputs = []
        for k in range(state.mask.size(1)):
            one_hot = torch.zeros(state.mask.shape)
            one_hot[:, k] = 1.0
            outputs.append(torch.softmax(logits_from_weights(model, state, one_hot), dim=-1))
    for i, length in enumerate(state.mask.sum(-1).tolist()):
        tvds = sorted(float((outputs[k][i] - outputs[0][i]).abs().sum() / 2) for k in range(length))
        assert min(abs(float(changes[i]) - t) for t in tvds) < 1e-6
        low, high = tvds[int(0.2 * (length - 1))], tvds[-(int(0.2 * (length - 1)) + 1)]
        assert low - 1e-6 <= float(changes[i]) <= high + 1e-6
    assert float(changes.mean()) > 1e-3  # a real amount: the tiny model's outputs do move


def test_adversarial_attention_when_the_output_ignores_attention(batch_state):
    model, state = batch_state
    # Identical encoder states: every attention gives the same output, so the adversary can move
    # as far as it likes (towards ln 2 for a one-hot target) within any TVD threshold.
    from dataclasses import replace

    flat = replace(state, states=state.states[:, :1].expand_as(state.states).contiguous())
    peaked = torch.zeros(state.mask.shape)
    peaked[:, 0] = 1.0
    jsd = adversarial_attention(
        model,
        flat,
        peaked,
        tvd_threshold=0.01,
        steps=50,
        generator=torch.Generator().manual_seed(0),
    )
    assert (jsd > 0.5).all() and (jsd <= math.log(2) + 1e-6).all()
    # With the threshold at zero, and a real model, the adversary stays at JSD >= 0.
    strict = adversarial_attention(
        model, state, peaked, tvd_threshold=0.0, steps=5, generator=torch.Generator().manual_seed(0)
    )
    assert (strict >= 0).all()


# ---- Spearman, Kendall's p-value, top-k Kendall, entropy -------------------------------------
def test_agreement_adds_spearman_kendall_p_and_top_k_distance():
    attention = [0.1, 0.2, 0.3, 0.4]
    importance = [0.1, 0.3, 0.2, 0.4]
    result, reason = agreement(attention, importance)
    assert reason is None
    # Spearman: rank differences d = (0, 1, -1, 0), rho = 1 - 6 * 2 / (4 * 15) = 0.8.
    assert result["spearman"] == pytest.approx(0.8)
    assert result["kendall"] == pytest.approx(4 / 6)
    assert result["kendall_p"] == pytest.approx(stats.kendalltau(attention, importance).pvalue)
    # Four tokens: k = 4, one discordant pair of six.
    assert result["topk_kendall"] == pytest.approx(1 / 6)
    assert agreement([0.5, 0.5], [0.1, 0.9]) == (None, "constant vector")


def test_top_k_kendall_is_the_kendall_distance_when_k_is_the_length():
    generator = numpy.random.default_rng(0)
    for n in (2, 5, 9, 30):
        a, b = generator.random(n), generator.random(n)
        expected = (1 - stats.kendalltau(a, b)[0]) / 2
        assert top_k_kendall_distance(a, b, k=n) == pytest.approx(expected)
    # Under 10 tokens the default k (max(10, 10%)) is the length.
    a, b = generator.random(8), generator.random(8)
    assert top_k_kendall_distance(a, b) == pytest.approx((1 - stats.kendalltau(a, b)[0]) / 2)
    assert [top_k_size(n) for n in (1, 8, 10, 50, 101, 250)] == [1, 8, 10, 10, 11, 25]


def test_top_k_kendall_distance_by_hand():
    # Top-3 lists without a common item: 3 x 3 pairs across the lists (case 3, penalty 1) and 3 + 3
    # pairs within one list (case 4, penalty p = 1/2), over C(6, 2) = 15 pairs.
    a = [6, 5, 4, 0, 0, 0]
    b = [0, 0, 0, 6, 5, 4]
    assert top_k_kendall_distance(a, b, k=3) == pytest.approx((9 + 0.5 * 6) / 15)
    assert top_k_kendall_distance(a, b, k=3, penalty=1.0) == pytest.approx(1.0)
    assert top_k_kendall_distance(a, a, k=3) == 0.0
    # Top-2 of a: items 0, 1 (in that order); of b: items 1, 2. Union {0, 1, 2}: pair (0, 1) is
    # ordered 0 > 1 by a and 1 > 0 by b (0 missing from b): 1; pair (0, 2): a has 0 first, b has 2:
    # 1; pair (1, 2): a ranks 1 ahead of the missing 2, b ranks 1 first too: 0. 2 of 3 pairs.
    assert top_k_kendall_distance([4, 3, 2, 1], [1, 4, 3, 2], k=2) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="3 items but the second have 2"):
        top_k_kendall_distance([1, 2, 3], [1, 2])


def test_share_of_significant_kendall_taus():
    accumulator = AgreementAccumulator()
    ordered = list(range(10))
    accumulator.add(ordered, ordered)  # tau = 1 over 10 items: p < 0.001
    accumulator.add(ordered, ordered[::-1])  # tau = -1: also significant (two-sided)
    accumulator.add([1, 2, 3], [1, 3, 2])  # three items: never significant
    accumulator.add([1.0], [1.0])  # skipped, not counted
    summary = accumulator.summary()
    assert summary["kendall_significant"] == pytest.approx(2 / 3)
    assert summary["spearman"]["n"] == summary["topk_kendall"]["n"] == 3
    assert summary["topk_kendall"]["mean"] == pytest.approx((0 + 1 + 1 / 3) / 3)
    assert AgreementAccumulator().significant_share() is None


def test_attention_entropy():
    assert attention_entropy([0.25] * 4) == (pytest.approx(math.log(4)), pytest.approx(1.0))
    assert attention_entropy([1.0, 0.0, 0.0]) == (0.0, 0.0)
    entropy, normalised = attention_entropy([0.5, 0.25, 0.25])
    assert entropy == pytest.approx(-(0.5 * math.log(0.5) + 0.5 * math.log(0.25)))
    assert normalised == pytest.approx(entropy / math.log(3))
    assert attention_entropy([1.0]) == (0.0, None)
