"""What the predictors return, field by field: each field holds what its name says."""

import math

import pytest
from allennlp.predictors import Predictor

PREMISE, HYPOTHESIS = "The cat sat on the mat.", "A dog barked loudly"
PREMISE_TOKENS = ["the", "cat", "sat", "on", "the", "mat", "."]
HYPOTHESIS_TOKENS = ["a", "dog", "barked", "loudly"]


def softmax(values):
    exps = [math.exp(v - max(values)) for v in values]
    return [e / sum(exps) for e in exps]


def check_label_fields(output, labels):
    """probs = softmax(logits); label_probs names them; label is the most probable."""
    assert output["probs"] == pytest.approx(softmax(output["logits"]), abs=1e-6)
    assert list(output["label_probs"]) == labels
    assert list(output["label_probs"].values()) == pytest.approx(output["probs"])
    assert output["label"] == max(output["label_probs"], key=output["label_probs"].get)


def check_attention(output):
    """One weight per token, the softmax of the token's score."""
    length = len(output["tokens"])
    assert len(output["attention"]) == length
    assert sum(output["attention"]) == pytest.approx(1.0, abs=1e-6)
    scores = output["attention_scores"][:length]
    assert output["attention"] == pytest.approx(softmax(scores), abs=1e-6)


def test_pair_predictor_returns_the_premise_as_tokens_and_the_hypothesis_as_hypothesis_tokens(
    pair_archive,
):
    predictor = Predictor.from_path(str(pair_archive), "attnat_pair_classifier")
    labels = ["entailment", "neutral", "contradiction"]
    assert sorted(predictor._model.vocab.get_token_to_index_vocabulary("labels")) == sorted(labels)
    labels = [predictor._model.vocab.get_token_from_index(i, "labels") for i in range(3)]
    first, swapped = predictor.predict_batch_json(
        [
            {"premise": PREMISE, "hypothesis": HYPOTHESIS},
            {"sentence1": HYPOTHESIS, "sentence2": PREMISE},  # SNLI's keys, the texts swapped
        ]
    )
    fields = {
        "label",
        "label_probs",
        "probs",
        "logits",
        "tokens",
        "hypothesis_tokens",
        "attention",
        "attention_scores",
    }
    assert set(first) == fields and set(swapped) == fields
    assert first["tokens"] == PREMISE_TOKENS
    assert first["hypothesis_tokens"] == HYPOTHESIS_TOKENS
    assert swapped["tokens"] == HYPOTHESIS_TOKENS
    assert swapped["hypothesis_tokens"] == PREMISE_TOKENS
    for output in (first, swapped):
        check_label_fields(output, labels)
        check_attention(output)
    # the swapped pair is another input: another prediction
    assert first["probs"] != pytest.approx(swapped["probs"], abs=1e-7)
    # a plain `premise<TAB>hypothesis` line and predict() give the same output
    (plain,) = predictor.predict_batch_json([predictor.load_line(f"{PREMISE}\t{HYPOTHESIS}\n")])
    single = predictor.predict(PREMISE, HYPOTHESIS)
    for other in (plain, single):
        assert other["tokens"] == PREMISE_TOKENS
        assert other["hypothesis_tokens"] == HYPOTHESIS_TOKENS
        assert other["probs"] == pytest.approx(first["probs"], abs=1e-6)
        assert other["attention"] == pytest.approx(first["attention"], abs=1e-6)


def test_classifier_predictor_returns_the_text_tokens_their_attention_and_the_label(
    classifier_archive,
):
    predictor = Predictor.from_path(str(classifier_archive), "attnat_classifier")
    vocab = predictor._model.vocab
    labels = [
        vocab.get_token_from_index(i, "labels") for i in range(vocab.get_vocab_size("labels"))
    ]
    short, long = predictor.predict_batch_json(
        [{"text": "A fine film."}, {"sentence": "The plot drags and the actors look bored"}]
    )
    fields = {"label", "label_probs", "probs", "logits", "tokens", "attention", "attention_scores"}
    assert set(short) == fields and set(long) == fields
    assert short["tokens"] == ["a", "fine", "film", "."]
    assert long["tokens"] == ["the", "plot", "drags", "and", "the", "actors", "look", "bored"]
    for output in (short, long):
        check_label_fields(output, labels)
        check_attention(output)
