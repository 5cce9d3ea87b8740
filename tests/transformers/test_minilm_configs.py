"""The `<dataset>_minilm_*` configs, trained end to end on the tiny "pretrained" BERT (offline)."""

import json

import _jsonnet
import pytest
from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor
from tiny_bert_fixture import load_pretrained_config

from helpers import CONFIGS, FIXTURE_DATA, FIXTURE_PATHS

TECHNIQUES = {
    "vanilla",
    "attention_rp",
    "attention_at",
    "attention_iat",
    "attention_vat",
    "attention_ivat",
    "attention_at_all_layers",
    "attention_iat_all_layers",
    "attention_vat_all_layers",
    "word_at",
}


def test_minilm_configs_cover_the_datasets_techniques_and_poolings():
    names = {p.stem for p in CONFIGS.glob("*_minilm_*.jsonnet")}
    expected = {f"{d}_minilm_{t}" for d in ("sst", "rt_polarity", "vitaminc") for t in TECHNIQUES}
    expected |= {f"{d}_minilm_cls_{t}" for d in ("sst", "rt_polarity") for t in TECHNIQUES}
    assert names == expected
    # each config is a function of the model (top-level arguments): called with the defaults
    snippet = "{" + ",".join(f'"{n}": (import "{n}.jsonnet")()' for n in sorted(names)) + "}"
    configs = json.loads(_jsonnet.evaluate_snippet(str(CONFIGS / "all.jsonnet"), snippet))
    for name, params in configs.items():
        # the default model is the folder `allennlp prepare-attnat-data minilm` writes
        assert params["dataset_reader"]["tokenizer"]["model_name"] == "data/minilm", name
        model = params["model"]
        encoder = model.get("seq2vec_encoder") or model["premise_encoder"]
        assert encoder["encoder"] == {
            "type": "attnat_pretrained_transformer",
            "model_name": "data/minilm",
        }
        assert encoder.get("pooling", "attention") == (
            "first_token" if "_cls_" in name else "attention"
        )
        callbacks = params["trainer"]["callbacks"][1:]
        if name.endswith("_vanilla"):
            assert callbacks == [], name
            continue
        [perturbation] = callbacks[0]["perturbations"]
        if "_attention_" in name:
            assert perturbation["target"] == "self_attention", name
            assert perturbation["layers"] == ("all" if name.endswith("_all_layers") else [-1]), name
        else:
            assert perturbation == {"type": "word_at"}, name
    # the pair model's query is MiniLM's hidden state, without the BiLSTM's exact-match flag
    pair = configs["vitaminc_minilm_attention_iat"]["model"]
    assert pair["premise_encoder"]["query_dim"] == 384 and "exact_match_features" not in pair


def test_sst_minilm_attention_iat_trains_and_predicts_word_attention(tmp_path, tiny_bert):
    # The done-when of issue 20 on the tiny BERT: two steps of SST (4 + 3 sentences), then the
    # predictor's word-level attention for new sentences, wordpieces grouped into words.
    params = load_pretrained_config(
        "sst_minilm_attention_iat",
        tiny_bert,
        {
            **FIXTURE_PATHS["sst"],
            "data_loader.batch_sampler.batch_size": 4,
            "trainer.num_epochs": 1,
        },
    )
    model = train_model(params, str(tmp_path))
    encoder = model.attention_encoder.self_attention_encoder
    assert (encoder.num_layers, encoder.num_heads) == (2, 2)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["training_attention_iat_loss"] > 0
    predictor = Predictor.from_archive(
        load_archive(str(tmp_path / "model.tar.gz")), "attnat_classifier"
    )
    outputs = predictor.predict_batch_json(
        [{"text": "A master class of cinematography."}, {"text": "Unwatchable, dull film."}]
    )
    first, second = outputs
    assert first["words"] == ["a", "master", "class", "of", "cinematography", "."]
    assert second["words"] == ["unwatchable", ",", "dull", "film", "."]
    for output in outputs:
        pieces, words = output["attention"], output["word_attention"]
        assert output["tokens"][0] == "[CLS]" and output["tokens"][-1] == "[SEP]"
        assert len(pieces) == len(output["tokens"]) and len(words) == len(output["words"])
        assert sum(pieces) == pytest.approx(1.0, abs=1e-5)
        assert all(value >= 0 for value in pieces)
        # each word sums its pieces; [CLS] and [SEP] belong to no word
        assert sum(words) == pytest.approx(1.0 - pieces[0] - pieces[-1], abs=1e-5)
        assert output["label"] in ("0", "1")
    # "cinematography" is 9 pieces of the tiny vocabulary (cinema ##t ##o ... ##y)
    assert len(first["tokens"]) == 2 + 4 + 9 + 1
    assert first["word_attention"][4] == pytest.approx(sum(first["attention"][5:14]))


@pytest.mark.parametrize(
    "config, dataset",
    [
        ("vitaminc_minilm_attention_at_all_layers", "vitaminc"),
        ("rt_polarity_minilm_cls_attention_vat", "rt_polarity"),
    ],
)
def test_minilm_pair_and_first_token_configs_train(config, dataset, tmp_path, tiny_bert):
    params = load_pretrained_config(
        config,
        tiny_bert,
        {
            **FIXTURE_PATHS[dataset],
            "data_loader.batch_sampler.batch_size": 20,
            "trainer.num_epochs": 1,
        },
    ).as_dict()
    callback = params["trainer"]["callbacks"][-1]
    if callback.get("unlabeled_data_path"):
        callback["unlabeled_data_path"] = str(FIXTURE_DATA / "unlabeled.jsonl")
        callback["unlabeled_batch_size"] = 8
    train_model(Params(params), str(tmp_path))
    technique = config.split("_minilm_")[1].replace("cls_", "").replace("_all_layers", "")
    assert json.loads((tmp_path / "metrics.json").read_text())[f"training_{technique}_loss"] > 0
