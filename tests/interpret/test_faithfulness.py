"""Faithfulness (ERASER comprehensiveness and sufficiency), robust accuracy and the study's measures."""

import json
import math

import numpy
import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Instance, Token, Vocabulary
from allennlp.data.fields import LabelField, TextField
from allennlp.data.token_indexers import SingleIdTokenIndexer
from allennlp.models.archival import load_archive
from allennlp.modules.seq2seq_encoders import PassThroughEncoder
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding

from attnat_allennlp.interpret.batching import tensorize
from attnat_allennlp.interpret.faithfulness import (
    AOPC_FRACTIONS,
    faithfulness_for_tensors,
    tokens_for_fraction,
)
from attnat_allennlp.interpret.report import (
    MEASURE_DESCRIPTIONS,
    STUDY_MEASURES,
    ReportOptions,
    attention_report,
    format_report,
    load_instances,
    measure_description,
    study_measures,
)
from attnat_allennlp.interpret.robustness import robust_correct_for_tensors
from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from helpers import FIXTURE_DATA, REPO_ROOT, TEXT_DATA, tiny_overrides, train_config

# ---- a model whose outputs are known by hand --------------------------------------------------
# Words are 2-d embeddings ("good" = (1, 0), "bad" = (0, 1), "the" = (0, 0)); the encoder passes
# them through; dot attention scores s_t = v . x_t / sqrt(2) with v = (2, 1) sqrt(2), so "good"
# scores 2, "bad" 1, "the" 0; logits = (x_bad, x_good) . 3 of the pooled vector: class "pos" is
# index 1. Nothing depends on position, so p(pos | text) follows from the word counts.
EMBEDDINGS = {"good": (1.0, 0.0), "bad": (0.0, 1.0), "the": (0.0, 0.0)}
SCORES = {"good": 2.0, "bad": 1.0, "the": 0.0}


def hand_model() -> AttentionClassifier:
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(list(EMBEDDINGS), "tokens")
    vocab.add_tokens_to_namespace(["neg", "pos"], "labels")
    weight = torch.zeros(vocab.get_vocab_size("tokens"), 2)
    for word, vector in EMBEDDINGS.items():
        weight[vocab.get_token_index(word, "tokens")] = torch.tensor(vector)
    embedder = BasicTextFieldEmbedder(
        {
            "tokens": Embedding(
                embedding_dim=2, num_embeddings=weight.size(0), weight=weight, trainable=False
            )
        }
    )
    encoder = AttentionSeq2VecEncoder(PassThroughEncoder(2), scorer="dot")
    model = AttentionClassifier(vocab, embedder, encoder)
    with torch.no_grad():
        for module in model.modules():
            if (
                isinstance(module, torch.nn.Linear) and module.out_features == 1
            ):  # the attention vector
                module.weight.copy_(torch.tensor([[2.0, 1.0]]) * math.sqrt(2))
            elif isinstance(module, torch.nn.Linear):  # the output layer
                module.weight.copy_(torch.tensor([[0.0, 3.0], [3.0, 0.0]]))
                module.bias.zero_()
    return model.eval()


def p_pos(words):
    """p(pos | words) of `hand_model`, by hand; 1/2 for the empty text (zero context)."""
    if not words:
        return 0.5
    weights = numpy.exp([SCORES[w] for w in words])
    weights /= weights.sum()
    context = sum(a * numpy.array(EMBEDDINGS[w]) for a, w in zip(weights, words))
    logits = numpy.array([3 * context[1], 3 * context[0]])
    return float(numpy.exp(logits[1]) / numpy.exp(logits).sum())


def instance(vocab: Vocabulary, words, label=None) -> Instance:
    fields = {"tokens": TextField([Token(w) for w in words], {"tokens": SingleIdTokenIndexer()})}
    if label is not None:
        fields["label"] = LabelField(label)
    return Instance(fields)


def test_tokens_for_fraction_rounds_up_and_keeps_one():
    assert [tokens_for_fraction(f, 10) for f in AOPC_FRACTIONS] == [1, 1, 1, 2, 5]
    assert [tokens_for_fraction(f, 30) for f in AOPC_FRACTIONS] == [1, 2, 3, 6, 15]  # 0.1 * 30 = 3
    assert [tokens_for_fraction(f, 1) for f in AOPC_FRACTIONS] == [1] * 5
    assert tokens_for_fraction(0.5, 7) == 4


def test_comprehensiveness_and_sufficiency_by_hand():
    model = hand_model()
    texts = [
        ["good", "the", "bad", "the", "good", "the", "the", "bad", "the", "the"],
        ["bad", "the", "good"],
        ["good"],
    ]
    instances = [instance(model.vocab, words) for words in texts]
    # Rankings by hand: a score per token (the second text ranks "the" first).
    scores = {
        "mine": [
            [0.9, 0.0, 0.5, 0.1, 0.8, 0.2, 0.0, 0.4, 0.3, 0.05],
            [0.1, 0.7, 0.2],
            [1.0],
        ]
    }
    result = faithfulness_for_tensors(model, tensorize(model, instances), scores)["mine"]
    for row, (words, values) in enumerate(zip(texts, scores["mine"])):
        full = p_pos(words)
        predicted = (lambda w: p_pos(w)) if full >= 0.5 else (lambda w: 1 - p_pos(w))
        order = sorted(range(len(words)), key=lambda t: -values[t])
        for column, fraction in enumerate(AOPC_FRACTIONS):
            k = max(1, math.ceil(fraction * len(words) - 1e-9))
            top = set(order[:k])
            without = [w for t, w in enumerate(words) if t not in top]
            only = [w for t, w in enumerate(words) if t in top]
            assert result["comprehensiveness"][row, column] == pytest.approx(
                predicted(words) - predicted(without), abs=1e-6
            )
            assert result["sufficiency"][row, column] == pytest.approx(
                predicted(words) - predicted(only), abs=1e-6
            )
    # Spelled out for the first text (p(pos) = 0.744): removing its top 5 tokens (good, good, bad,
    # bad, the) leaves five "the"s (p = 1/2); keeping only them, in their order, leaves
    # "good bad good bad the".
    assert result["comprehensiveness"][0, 4] == pytest.approx(p_pos(texts[0]) - 0.5, abs=1e-6)
    assert p_pos(texts[0]) == pytest.approx(0.7444, abs=1e-4)
    assert result["sufficiency"][0, 4] == pytest.approx(
        p_pos(texts[0]) - p_pos(["good", "bad", "good", "bad", "the"]), abs=1e-6
    )
    # A one-token text: every fraction removes its only token (the empty text: p = 1/2) and keeps it.
    numpy.testing.assert_allclose(result["comprehensiveness"][2], p_pos(["good"]) - 0.5, atol=1e-6)
    numpy.testing.assert_allclose(result["sufficiency"][2], 0.0, atol=1e-7)


def test_a_ranking_by_the_evidence_beats_the_reverse_one():
    model = hand_model()
    words = ["good", "the", "good", "the", "the", "good", "the", "the", "the", "the"]
    tensors = tensorize(model, [instance(model.vocab, words)])
    evidence = [1.0 if w == "good" else 0.0 for w in words]
    reverse = [1.0 - v for v in evidence]
    result = faithfulness_for_tensors(
        model, tensors, {"evidence": [evidence], "reverse": [reverse]}
    )
    aopc = {name: {m: float(v[m].mean()) for m in v} for name, v in result.items()}
    assert aopc["evidence"]["comprehensiveness"] > aopc["reverse"]["comprehensiveness"]
    assert aopc["evidence"]["sufficiency"] < aopc["reverse"]["sufficiency"]


def test_padding_never_leaks_into_the_measures(trained):
    # Each instance measured alone equals it measured in a padded batch with longer texts.
    _, archive = trained
    model = archive.model.eval()
    instances = load_instances(archive.validation_dataset_reader, TEXT_DATA, 6)
    report = attention_report(
        model, instances, ReportOptions(num_permutations=2, adversarial_steps=2)
    )
    for i, alone in enumerate(instances[:3]):
        single = attention_report(
            model, [alone], ReportOptions(num_permutations=2, adversarial_steps=2)
        )
        row, batched = single["instances"][0], report["instances"][i]
        for key in ("attention", "gradient", "leave_one_out"):
            numpy.testing.assert_allclose(row[key], batched[key], rtol=1e-4, atol=1e-6)
        for key in (
            "entropy",
            "gradient_pearson",
            "gradient_topk_kendall",
            "comprehensiveness_aopc_attention",
            "sufficiency_aopc_gradient",
        ):
            assert row[key] == pytest.approx(batched[key], rel=1e-4, abs=1e-6), key


# ---- robustness ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    """The tiny classifier trained until it fits the fixture (so that perturbations can hurt it)."""
    directory = tmp_path_factory.mktemp("learned")
    overrides = tiny_overrides(
        **{
            "trainer.num_epochs": 10,
            "trainer.optimizer.lr": 0.01,
            "trainer.validation_metric": "-loss",
        }
    )
    model = train_config("rt_polarity_vanilla", directory, overrides).eval()
    reader = load_archive(str(directory / "model.tar.gz")).validation_dataset_reader
    return model, load_instances(reader, TEXT_DATA)


def test_robust_accuracy_is_the_accuracy_at_eps_0_and_falls_with_eps(learned):
    model, instances = learned
    tensors = tensorize(model, instances)
    eps = {"scores": [0.0, 1.0, 5.0, 50.0], "embeddings": [0.0, 1.0, 2.0, 5.0]}
    correct = robust_correct_for_tensors(model, tensors, eps)
    with torch.no_grad():
        accuracy = float((model(**tensors)["logits"].argmax(-1) == tensors["label"]).float().mean())
    assert accuracy >= 0.9  # the model fits its training data
    curves = {
        target: [float(correct[target][e].float().mean()) for e in eps[target]] for target in eps
    }
    for target, curve in curves.items():
        assert curve[0] == pytest.approx(accuracy)
        assert all(b <= a + 1e-9 for a, b in zip(curve, curve[1:])), (target, curve)
    assert curves["embeddings"][-1] < accuracy - 0.3, curves
    # This model's tokens all carry its label, wherever attention goes: the scores do not hurt it.
    # They do where attention decides: the hand-made model, on texts it classifies right with
    # margins of different sizes.
    hand = hand_model()
    texts = [
        ["good", "bad"],
        ["good", "bad", "bad"],
        ["good", "the", "bad", "bad"],
        ["bad", "bad", "good", "good"],
    ]
    labelled = [instance(hand.vocab, w, "pos" if p_pos(w) > 0.5 else "neg") for w in texts]
    values = [0.0, 0.5, 1.0, 2.0, 5.0]
    hand_correct = robust_correct_for_tensors(hand, tensorize(hand, labelled), {"scores": values})
    curve = [float(hand_correct["scores"][e].float().mean()) for e in values]
    assert curve[0] == 1.0 and curve[-1] == 0.0, curve
    assert all(b <= a for a, b in zip(curve, curve[1:])) and len(set(curve)) > 2, curve
    with pytest.raises(ValueError, match="gold labels"):
        robust_correct_for_tensors(hand, tensorize(hand, [instance(hand.vocab, ["good"])]), eps)


# ---- the study's measures -----------------------------------------------------------------------
# Defined only where they apply: no example the attack could try or flip (success rate, words
# changed, queries), no attacked or noisy text that kept its prediction (the stability).
WHERE_DEFINED = {
    "attack_success_rate",
    "attack_words_changed",
    "attack_queries",
    "stability_jsd_attack",
    "stability_topk_attack",
    "stability_jsd_noise",
    "stability_topk_noise",
}


def _finite_or_undefined(name, value):
    if name in WHERE_DEFINED and value is None:
        return True
    return isinstance(value, float) and math.isfinite(value)


def test_study_measures_of_a_classifier(learned):
    model, instances = learned
    measures = study_measures(model, instances, batch_size=16)
    assert tuple(measures) == STUDY_MEASURES
    assert set(MEASURE_DESCRIPTIONS) == set(STUDY_MEASURES)
    # Plausibility needs the annotators' word labels (SST): without them it is None, not NaN.
    plausible = {name for name in measures if name.startswith("plausibility_")}
    assert plausible and all(measures[name] is None for name in plausible)
    assert all(
        _finite_or_undefined(name, v) for name, v in measures.items() if name not in plausible
    ), measures
    assert isinstance(measures["attack_accuracy"], float)
    report = attention_report(
        model, instances, ReportOptions(num_permutations=1, adversarial_steps=1)
    )
    assert measures["accuracy"] == pytest.approx(report["metrics"]["accuracy"])
    assert measures["auc"] == pytest.approx(report["metrics"]["auc"])
    gradient = report["agreement"]["gradient"]
    for measure in ("pearson", "kendall", "spearman"):
        assert measures[f"gradient_{measure}"] == pytest.approx(gradient[measure]["mean"])
    assert measures["gradient_topk_kendall"] == pytest.approx(gradient["topk_kendall"]["mean"])
    assert measures["gradient_kendall_significant"] == pytest.approx(
        gradient["kendall_significant"]
    )
    assert measures["loo_kendall"] == pytest.approx(
        report["agreement"]["leave_one_out"]["kendall"]["mean"]
    )
    assert measures["entropy"] == pytest.approx(report["sharpness"]["entropy"]["mean"])
    faithfulness = report["faithfulness"]
    for ranking in ("attention", "gradient", "random"):
        for measure in ("comprehensiveness", "sufficiency"):
            assert measures[f"{measure}_aopc_{ranking}"] == pytest.approx(
                faithfulness[ranking][measure]["aopc"]["mean"]
            )
    assert measures["robust_accuracy_scores_eps1"] == pytest.approx(
        report["robustness"]["scores"]["1"]
    )
    assert measures["robust_accuracy_embeddings_eps5"] == pytest.approx(
        report["robustness"]["embeddings"]["5"]
    )
    rows = report["instances"]
    assert measures["comprehensiveness_aopc_attention"] == pytest.approx(
        numpy.mean([r["comprehensiveness_aopc_attention"] for r in rows])
    )
    # Other eps: other keys, described too.
    custom = study_measures(model, instances[:8], robustness_eps={"scores": [0, 2.5]}, seed=1)
    assert list(custom)[-2:] == ["robust_accuracy_scores_eps0", "robust_accuracy_scores_eps2.5"]
    assert custom["robust_accuracy_scores_eps0"] == pytest.approx(custom["accuracy"])
    # Without leave-one-out (long texts): those two are None, the others unchanged.
    quick = study_measures(
        model, instances[:8], robustness_eps={"scores": [0, 2.5]}, seed=1, leave_one_out=False
    )
    assert quick["loo_pearson"] is None and quick["loo_kendall"] is None
    assert {k: v for k, v in quick.items() if not k.startswith("loo_")} == pytest.approx(
        {k: v for k, v in custom.items() if not k.startswith("loo_")}, nan_ok=True
    )
    assert measure_description("robust_accuracy_scores_eps2.5").higher_is_better
    assert not measure_description("sufficiency_aopc_attention").higher_is_better
    json.dumps(custom)
    with pytest.raises(ConfigurationError, match=r"robustness_eps\['scores'\] holds -1"):
        study_measures(model, instances[:2], robustness_eps={"scores": [-1]})
    with pytest.raises(ConfigurationError, match="targets \\['words'\\]"):
        study_measures(model, instances[:2], robustness_eps={"words": [1]})
    with pytest.raises(KeyError, match="unknown study measure"):
        measure_description("accuracy_at_noon")


def test_study_measures_of_a_pair_model_and_of_three_classes(tmp_path):
    from allennlp.commands.train import train_model
    from allennlp.common import Params
    from allennlp.data import DatasetReader

    nli = str(FIXTURE_DATA / "nli.jsonl")
    params = Params.from_file(
        str(REPO_ROOT / "tests" / "fixtures" / "configs" / "tiny_pair_exact_match.jsonnet"),
        params_overrides=json.dumps(
            {
                "train_data_path": nli,
                "validation_data_path": nli,
                "test_data_path": nli,
                "trainer.num_epochs": 1,
            }
        ),
    )
    reader = DatasetReader.from_params(params.duplicate().pop("dataset_reader"))
    model = train_model(params, str(tmp_path / "pair")).eval()
    instances = load_instances(reader, nli, 12)
    measures = study_measures(model, instances)
    assert measures["f1"] is None and measures["auc"] is None  # three NLI classes: accuracy only
    for name in STUDY_MEASURES[3:]:
        if name.startswith("plausibility_"):  # no annotators' word labels in this data
            assert measures[name] is None, name
            continue
        assert _finite_or_undefined(name, measures[name]), name
    report = attention_report(
        model, instances, ReportOptions(num_permutations=1, adversarial_steps=1)
    )
    for row, inst in zip(report["instances"], instances):
        assert len(row["attention"]) == len(inst["premise"].tokens)  # premise only
    text = format_report(report)
    assert "AOPC (ERASER)" in text and "robust accuracy" in text and "share p<=0.05" in text


def test_study_measures_of_a_three_class_classifier(tmp_path):
    data = str(FIXTURE_DATA / "three_labels.jsonl")
    overrides = tiny_overrides(
        **{
            "train_data_path": data,
            "validation_data_path": data,
            "test_data_path": data,
            "trainer.validation_metric": "+accuracy",
            "trainer.num_epochs": 2,
            "model.positive_label": None,
        }
    )
    model = train_config("rt_polarity_vanilla", tmp_path, overrides).eval()
    assert model.vocab.get_vocab_size("labels") == 3
    reader = load_archive(str(tmp_path / "model.tar.gz")).validation_dataset_reader
    instances = load_instances(reader, data)
    measures = study_measures(model, instances)
    assert measures["f1"] is None and measures["auc"] is None
    for name in STUDY_MEASURES[3:]:
        if name.startswith("plausibility_"):  # no annotators' word labels in this data
            assert measures[name] is None, name
            continue
        assert _finite_or_undefined(name, measures[name]), name
    # The predicted class's probability is at least 1/3: removing tokens changes it by less than 1.
    assert -1 < measures["comprehensiveness_aopc_attention"] < 1
