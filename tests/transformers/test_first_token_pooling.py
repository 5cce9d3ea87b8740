"""First-token ([CLS]) pooling instead of the attention pooling: configs that train with
self-attention perturbations, predict the first token's attention, and refuse score perturbations."""

import json

import pytest
import torch
from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import load_archive
from allennlp.modules.seq2seq_encoders import LstmSeq2SeqEncoder
from allennlp.predictors import Predictor
from test_transformer_training import SMALL
from tiny_bert_fixture import load_pretrained_config

from attnat_allennlp.interpret.batching import build_state, tensorize
from attnat_allennlp.interpret.report import ReportOptions, attention_report
from attnat_allennlp.interpret.transformer_attention import (
    default_explanation,
    explaining_attention,
    first_token_attention,
)
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from helpers import FIXTURE_PATHS, TINY_TRANSFORMER, load_config


@pytest.fixture(scope="module")
def scratch_cls(tmp_path_factory):
    """rt_polarity_transformer_cls_attention_at trained one epoch on the fixture, in-process."""
    directory = tmp_path_factory.mktemp("cls")
    params = load_config(
        "rt_polarity_transformer_cls_attention_at",
        {**FIXTURE_PATHS["rt_polarity"], **SMALL, **TINY_TRANSFORMER},
    )
    model = train_model(params, str(directory))
    return directory, model


def test_the_cls_config_trains_with_attention_at_on_self_attention(scratch_cls):
    directory, model = scratch_cls
    config = json.loads((directory / "config.json").read_text())
    assert config["model"]["seq2vec_encoder"]["pooling"] == "first_token"
    (perturbation,) = config["trainer"]["callbacks"][-1]["perturbations"]
    assert perturbation == {"type": "attention_at", "target": "self_attention", "layers": [-1]}
    metrics = json.loads((directory / "metrics.json").read_text())
    assert metrics["training_attention_at_loss"] > 0
    # no attention pooling parameters
    assert not [name for name, _ in model.named_parameters() if "_attention_" in name]
    assert not model.attention_encoder.has_pooling_attention
    assert default_explanation(model) == "first_token"


def test_the_cls_model_predicts_the_first_tokens_attention(scratch_cls):
    directory, model = scratch_cls
    predictor = Predictor.from_archive(
        load_archive(str(directory / "model.tar.gz")), "attnat_classifier"
    )
    output = predictor.predict_json({"text": "A master class of cinema ."})
    assert output["tokens"] == ["[CLS]", "a", "master", "class", "of", "cinema", "."]
    assert len(output["attention"]) == 7
    assert sum(output["attention"]) == pytest.approx(1.0, abs=1e-5)
    instance = predictor._json_to_instance({"text": "A master class of cinema ."})
    predictor._dataset_reader.apply_token_indexers(instance)
    archived = predictor._model
    with torch.no_grad():
        state = build_state(archived, tensorize(archived, [instance]))
        expected = first_token_attention(state.self_attention)[0]
        # the pooled vector is the first token's state
        logits, weights = archived.logits_from_scores(state)
        assert weights[0].tolist() == [1.0] + [0.0] * 6
        direct = archived._classification_layer(state.states[:, 0])
    assert output["attention"] == pytest.approx(expected.tolist(), abs=1e-6)
    assert torch.allclose(logits, direct)
    assert torch.allclose(explaining_attention(archived, state, None)[0], expected)
    with pytest.raises(ConfigurationError, match="first_token"):
        explaining_attention(archived, state, "pooling")


def test_a_scores_perturbation_is_refused_naming_the_key(tmp_path):
    params = load_config(
        "rt_polarity_transformer_cls_attention_at",
        {
            **FIXTURE_PATHS["rt_polarity"],
            **SMALL,
            **TINY_TRANSFORMER,
            "trainer.callbacks": [
                {"type": "adversarial_training", "perturbations": [{"type": "attention_at"}]}
            ],
        },
    )
    with pytest.raises(ConfigurationError, match=r"perturbations\[0\]\.target is 'scores'"):
        train_model(params, str(tmp_path))


def test_first_token_pooling_needs_a_transformer_and_no_query():
    lstm = LstmSeq2SeqEncoder(4, 3)
    with pytest.raises(ConfigurationError, match="Transformer"):
        AttentionSeq2VecEncoder(lstm, pooling="first_token")
    with pytest.raises(ConfigurationError, match="pooling must be"):
        AttentionSeq2VecEncoder(lstm, pooling="mean")
    encoder = AttentionSeq2VecEncoder.from_params(
        Params(
            {
                "encoder": {
                    "type": "attnat_transformer",
                    "input_dim": 4,
                    "hidden_dim": 4,
                    "num_layers": 1,
                    "num_heads": 1,
                    "feedforward_dim": 4,
                },
                "pooling": "first_token",
            }
        )
    )
    states = torch.randn(2, 3, 4)
    mask = torch.tensor([[True, True, False], [False, False, False]])
    weights, context = encoder.pool(states, encoder.score(states, mask), mask)
    assert weights.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    assert torch.equal(context[0], states[0, 0]) and torch.equal(context[1], torch.zeros(4))
    with pytest.raises(ConfigurationError, match="no attention scores"):
        encoder.pool(states, encoder.score(states, mask), mask, torch.zeros(2, 3))


def test_the_report_of_a_cls_model_defaults_to_the_first_token(scratch_cls):
    directory, model = scratch_cls
    archive = load_archive(str(directory / "model.tar.gz"))
    reader = archive.validation_dataset_reader
    instances = [reader.text_to_instance(t, "positive") for t in ["A fine film .", "Dull ."]]
    for instance in instances:
        reader.apply_token_indexers(instance)
    report = attention_report(
        archive.model,
        instances,
        ReportOptions(
            num_permutations=2,
            adversarial_steps=2,
            robustness_eps={"scores": [1.0], "embeddings": [1.0]},
        ),
    )
    assert report["attention"] == "first_token"
    assert report["permutation"]["median_tvd"]["n"] == 0
    assert report["robustness"]["scores"] == {"1": None}
    assert report["robustness"]["embeddings"]["1"] is not None
    assert report["agreement"]["gradient"]["pearson"]["n"] == 2


def test_the_pretrained_cls_config_predicts_word_attention(tmp_path, tiny_bert):
    params = load_pretrained_config(
        "rt_polarity_pretrained_transformer_cls_vanilla",
        tiny_bert,
        {**FIXTURE_PATHS["rt_polarity"], **SMALL},
    )
    train_model(params, str(tmp_path))
    predictor = Predictor.from_archive(
        load_archive(str(tmp_path / "model.tar.gz")), "attnat_classifier"
    )
    output = predictor.predict_json({"text": "A master class of cinematography."})
    assert output["words"] == ["a", "master", "class", "of", "cinematography", "."]
    pieces = output["attention"]
    assert sum(pieces) == pytest.approx(1.0, abs=1e-5)
    assert output["word_attention"][4] == pytest.approx(sum(pieces[5:-2]))
