"""The Transformer configs train, save and predict: from scratch and from the tiny "pretrained" BERT."""

import json

import pytest
import torch
from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor
from tiny_bert_fixture import load_pretrained_config

from attnat_allennlp.data.pretrained_transformer import (
    merge_wordpieces,
    word_texts,
    wordpiece_words,
)
from attnat_allennlp.modules.transformer_pretrained import PretrainedTransformerEncoder
from helpers import FIXTURE_DATA, FIXTURE_PATHS, TINY_TRANSFORMER, train_config

SMALL = {"trainer.num_epochs": 1, "data_loader.batch_sampler.batch_size": 8}


def test_scratch_vanilla_trains_and_predicts(tmp_path):
    overrides = {**FIXTURE_PATHS["rt_polarity"], **SMALL, **TINY_TRANSFORMER}
    model = train_config("rt_polarity_transformer_vanilla", tmp_path, overrides)
    assert model.attention_encoder.self_attention_encoder.num_layers == 2
    predictor = Predictor.from_archive(
        load_archive(str(tmp_path / "model.tar.gz")), "attnat_classifier"
    )
    output = predictor.predict_json({"text": "A master class of cinema ."})
    assert output["tokens"] == ["a", "master", "class", "of", "cinema", "."]
    assert len(output["attention"]) == 6
    assert sum(output["attention"]) == pytest.approx(1.0, abs=1e-5)


def test_pretrained_vanilla_trains_and_predicts(tmp_path, tiny_bert):
    params = load_pretrained_config(
        "rt_polarity_pretrained_transformer_vanilla",
        tiny_bert,
        {**FIXTURE_PATHS["rt_polarity"], **SMALL},
    )
    model = train_model(params, str(tmp_path))
    assert model.attention_encoder.self_attention_encoder.num_heads == 2
    predictor = Predictor.from_archive(
        load_archive(str(tmp_path / "model.tar.gz")), "attnat_classifier"
    )
    output = predictor.predict_json({"text": "A master class of cinematography."})
    # wordpieces: "cinematography" is not in the tiny vocabulary and is split
    assert output["tokens"][0] == "[CLS]" and output["tokens"][-1] == "[SEP]"
    assert len(output["tokens"]) > 7
    assert output["words"] == ["a", "master", "class", "of", "cinematography", "."]
    pieces = output["attention"]
    assert output["word_attention"][4] == pytest.approx(sum(pieces[5:-2]))
    assert sum(output["word_attention"]) == pytest.approx(1.0 - pieces[0] - pieces[-1], abs=1e-5)
    predictor = Predictor.from_archive(
        load_archive(str(tmp_path / "model.tar.gz")),
        "attnat_classifier",
        extra_args={"importance": "gradient"},
    )
    output = predictor.predict_json({"text": "A master class of cinematography."})
    assert len(output["importance"]) == len(output["tokens"])
    assert output["word_importance"][4] == pytest.approx(sum(output["importance"][5:-2]))


def test_merge_wordpieces():
    words, values = merge_wordpieces(
        ["[CLS]", "un", "##seen", "film", ".", "[SEP]"], [0.1, 0.2, 0.3, 0.1, 0.2, 0.1]
    )
    assert words == ["unseen", "film", "."] and values == pytest.approx([0.5, 0.1, 0.2])
    words, values = merge_wordpieces(
        ["<s>", "\u0120un", "seen", "\u0120film", "</s>"], [0.1, 0.2, 0.3, 0.3, 0.1]
    )
    assert words == ["unseen", "film"] and values == pytest.approx([0.5, 0.3])


def test_word_texts_joins_the_pieces_of_given_groups():
    pieces = ["[CLS]", "un", "##seen", "film", ".", "[SEP]"]
    assert wordpiece_words(pieces) == [[1, 2], [3], [4]]
    assert word_texts(pieces, wordpiece_words(pieces)) == ["unseen", "film", "."]
    # the groups are taken as given (the report passes the batch's groups), not recomputed
    assert word_texts(pieces, [[1, 2, 3]]) == ["unseenfilm"]
    assert word_texts(["<s>", "\u0120un", "seen", "</s>"], [[1, 2]]) == ["unseen"]


PRETRAINED_TECHNIQUES = [
    "attention_rp",
    "attention_at",
    "attention_iat",
    "attention_vat",
    "attention_ivat",
    "word_at",
    "word_vat",
]


@pytest.mark.parametrize("technique", PRETRAINED_TECHNIQUES)
def test_every_technique_fine_tunes_the_tiny_pretrained_model(technique, tmp_path, tiny_bert):
    params = load_pretrained_config(
        f"rt_polarity_pretrained_transformer_{technique}",
        tiny_bert,
        {**FIXTURE_PATHS["rt_polarity"], **SMALL},
    ).as_dict()
    callback = params["trainer"]["callbacks"][-1]
    if technique.startswith("attention"):
        assert callback["perturbations"][0]["target"] == "self_attention"
        assert callback["perturbations"][0]["layers"] == [-1]
    if callback.get("unlabeled_data_path"):
        callback["unlabeled_data_path"] = str(FIXTURE_DATA / "unlabeled.jsonl")
        callback["unlabeled_batch_size"] = 8
    before = (
        PretrainedTransformerEncoder(str(tiny_bert)).layers[-1].attention.self.query.weight.clone()
    )
    model = train_model(Params(params), str(tmp_path))
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics[f"training_{technique}_loss"] > 0
    # fine-tuned end to end: the pretrained layers moved
    after = model.attention_encoder.self_attention_encoder.layers[-1].attention.self.query.weight
    assert not torch.allclose(before, after)


def test_pretrained_pair_model_trains(tmp_path, tiny_bert):
    params = load_pretrained_config(
        "snli_pretrained_transformer_attention_iat",
        tiny_bert,
        {**FIXTURE_PATHS["vitaminc"], **SMALL},
    )
    model = train_model(params, str(tmp_path))
    assert model.attention_encoder.self_attention_encoder.num_layers == 2
    assert json.loads((tmp_path / "metrics.json").read_text())["training_attention_iat_loss"] > 0
