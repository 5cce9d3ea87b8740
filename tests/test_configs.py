"""Every config of training_config/ parses and trains one epoch on its dataset's fixture."""

import json
import math
from pathlib import Path

import _jsonnet
import pytest
from allennlp.commands.train import train_model
from allennlp.common import Params

from helpers import CONFIGS, FIXTURE_DATA, FIXTURE_PATHS, fixture_overrides, load_config

# The pretrained Transformer configs load a model from the hub or data/minilm: tests/transformers
# trains them on the tiny local BERT instead.
ALL_CONFIGS = sorted(
    p.stem
    for p in CONFIGS.glob("*.jsonnet")
    if "_pretrained_transformer_" not in p.stem and "_minilm_" not in p.stem
)
DATASETS = sorted(FIXTURE_PATHS, key=len, reverse=True)


TECHNIQUES = [
    "vanilla",
    "vanilla_normalized",
    "attention_rp",
    "attention_at",
    "attention_iat",
    "attention_iat_released",
    "word_at",
    "word_iat",
    "word_vat",
    "attention_vat",
    "attention_ivat",
]
# The configs whose name does not end with their technique.
TECHNIQUE_OF = {"snli_iat": "attention_iat"}


def dataset_of(config: str) -> str:
    return next(d for d in DATASETS if config.startswith(d + "_"))


def technique_of(config: str) -> str:
    """The technique a config's file name says it trains with (`rt_polarity_word_vat`: word_vat)."""
    if config in TECHNIQUE_OF:
        return TECHNIQUE_OF[config]
    # `<dataset>_minilm_attention_at_all_layers`: attention_at on every layer
    name = config.removesuffix("_all_layers")
    (technique,) = [t for t in TECHNIQUES if name.endswith(f"_{t}")]
    return technique


def perturbation_types(params: dict) -> list:
    """The types of the perturbations of every `adversarial_training` callback of a config."""
    return [
        perturbation["type"]
        for callback in params["trainer"].get("callbacks", [])
        if callback["type"] == "adversarial_training"
        for perturbation in callback["perturbations"]
    ]


def fixture_params(config: str) -> Params:
    params = load_config(config, fixture_overrides(dataset_of(config))).as_dict()
    if dataset_of(config) == "cnn":
        # CNN's min_count 8 leaves no word of the few fixture stories in the (train-only) vocabulary
        params["vocabulary"]["min_count"] = {"tokens": 1}
    for callback in params["trainer"].get("callbacks", []):
        if callback.get("unlabeled_data_path"):
            pairs = callback["unlabeled_dataset_reader"]["type"] == "attnat_unlabeled_pairs"
            callback["unlabeled_data_path"] = str(
                FIXTURE_DATA / ("nli.jsonl" if pairs else "unlabeled.jsonl")
            )
            callback["unlabeled_batch_size"] = 8
    return Params(params)


def test_every_dataset_has_all_techniques_and_a_fixture():
    techniques = {
        "vanilla",
        "attention_rp",
        "attention_at",
        "attention_iat",
        "word_at",
        "word_iat",
        "word_vat",
        "attention_vat",
        "attention_ivat",
    }
    for dataset in FIXTURE_PATHS:
        assert {f"{dataset}_{t}" for t in techniques} <= set(ALL_CONFIGS), dataset
    assert "snli_iat" in ALL_CONFIGS
    assert all(dataset_of(config) in FIXTURE_PATHS for config in ALL_CONFIGS)


def test_papers_hyper_parameters():
    params = load_config("sst_attention_iat").as_dict()
    model = params["model"]
    # SST reads the published trees of ../shared/data/sst offline, with the GloVe 50d subset there;
    # the papers' 300d vectors are the default of the other datasets.
    assert params["train_data_path"] == "../shared/data/sst/train.txt"
    assert model["seq2vec_encoder"]["encoder"] == {
        "type": "lstm",
        "input_size": 50,
        "hidden_size": 128,
        "bidirectional": True,
    }
    assert load_config("imdb_attention_iat").as_dict()["model"]["seq2vec_encoder"]["encoder"] == {
        "type": "lstm",
        "input_size": 300,
        "hidden_size": 128,
        "bidirectional": True,
    }
    assert model["seq2vec_encoder"]["scorer"] == "additive"
    optimizer = params["trainer"]["optimizer"]
    assert (optimizer["lr"], optimizer["amsgrad"], optimizer["weight_decay"]) == (1e-3, True, 1e-5)
    assert optimizer["parameter_groups"] == [[["_attention_"], {"weight_decay": 0.0}]]
    assert params["trainer"]["num_epochs"] == 8 and params["trainer"]["validation_metric"] == "+auc"
    assert params["vocabulary"]["min_count"]["tokens"] == 1
    assert load_config("imdb_vanilla").as_dict()["dataset_reader"]["max_tokens"] == 400
    # the long reviews use the BiLSTM without packing (the same outputs, linear-time backward on CPU)
    reviews = load_config("movie_reviews_vanilla").as_dict()
    assert reviews["model"]["seq2vec_encoder"]["encoder"] == {
        "type": "attnat_bilstm",
        "input_size": 50,
        "hidden_size": 128,
    }
    assert reviews["dataset_reader"]["max_tokens"] == 1000
    normalized = load_config("sst_vanilla_normalized").as_dict()
    assert normalized["model"]["text_field_embedder"]["token_embedders"]["tokens"]["type"] == (
        "attnat_normalized_embedding"
    )
    assert [c["type"] for c in normalized["trainer"]["callbacks"]] == ["tensorboard"]
    babi = load_config("babi1_vanilla").as_dict()
    assert babi["trainer"]["num_epochs"] == 100
    assert babi["model"]["premise_encoder"]["encoder"]["hidden_size"] == 32
    snli = load_config("snli_iat").as_dict()
    assert snli["trainer"]["num_epochs"] == 25
    assert [p["type"] for p in snli["trainer"]["callbacks"][-1]["perturbations"]] == [
        "attention_iat"
    ]


def expected_perturbations(config: str) -> list:
    technique = technique_of(config)
    return [] if technique.startswith("vanilla") else [technique]


def test_the_pretrained_transformer_configs_carry_the_perturbation_their_file_name_says():
    # (the others are checked as they train below) One jsonnet program for all of them: the
    # library is evaluated once. They are functions of the model name: called with the defaults.
    configs = sorted(
        p.stem
        for p in CONFIGS.glob("*.jsonnet")
        if "_pretrained_transformer_" in p.stem or "_minilm_" in p.stem
    )
    assert len(configs) + len(ALL_CONFIGS) == len(list(CONFIGS.glob("*.jsonnet")))
    program = "{%s}" % ",".join(f"'{c}': (import '{c}.jsonnet')().trainer" for c in configs)
    trainers = json.loads(_jsonnet.evaluate_snippet(str(CONFIGS / "all"), program))
    assert sorted(trainers) == configs and len(configs) >= 20
    for config in configs:
        types = perturbation_types({"trainer": trainers[config]})
        assert types == expected_perturbations(config), config


@pytest.mark.parametrize("config", ALL_CONFIGS)
def test_config_trains_one_epoch_on_fixtures_and_reports_its_perturbation_loss(
    config, tmp_path: Path
):
    params = fixture_params(config)
    # the perturbation its file name says (rt_polarity_word_vat: one word_vat, vanilla: none)
    assert perturbation_types(params.as_dict()) == expected_perturbations(config)
    train_model(params, str(tmp_path))
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epoch"] == 0
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    losses = sorted(key for key in metrics if key.startswith("training_") and key.endswith("_loss"))
    losses.remove("training_loss")
    # the extra loss of its perturbation, measured on the training batches (vanilla: none)
    assert losses == [f"training_{t}_loss" for t in expected_perturbations(config)]
    assert all(metrics[loss] >= 0.0 and math.isfinite(metrics[loss]) for loss in losses)
