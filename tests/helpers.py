"""Shared helpers of the test suite: fixture data for each config's dataset, in-process training."""

import json
from pathlib import Path
from typing import Any, Dict, Optional

from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.models import Model

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
FIXTURE_DATA = FIXTURES / "data"
CONFIGS = REPO_ROOT / "training_config"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

_EMBEDDING = "model.text_field_embedder.token_embedders.tokens"


def _same(path: Path) -> Dict[str, str]:
    return {
        "train_data_path": str(path),
        "validation_data_path": str(path),
        "test_data_path": str(path),
    }


# For every dataset of the configs: data paths of small fixtures in the dataset's own format.
FIXTURE_PATHS: Dict[str, Dict[str, str]] = {
    "rt_polarity": _same(FIXTURE_DATA / "text_classification.jsonl"),
    "vitaminc": _same(FIXTURE_DATA / "nli.jsonl"),
    # The papers' datasets: the files `allennlp prepare-attnat-data NAME` writes for each config.
    "sst": _same(FIXTURE_DATA / "sst" / "train.txt"),
    "imdb": _same(FIXTURE_DATA / "imdb" / "prepared.jsonl"),
    "20news": _same(FIXTURE_DATA / "20news" / "prepared.jsonl"),
    "agnews": _same(FIXTURE_DATA / "agnews" / "prepared.jsonl"),
    "snli": _same(FIXTURE_DATA / "snli" / "snli_1.0_train.jsonl"),
    "multinli": _same(FIXTURE_DATA / "multinli" / "multinli_1.0_train.jsonl"),
    "babi1": _same(
        FIXTURE_DATA
        / "babi"
        / "tasks_1-20_v1-2"
        / "en-10k"
        / "qa1_single-supporting-fact_train.txt"
    ),
    "babi2": _same(
        FIXTURE_DATA / "babi" / "tasks_1-20_v1-2" / "en-10k" / "qa2_two-supporting-facts_train.txt"
    ),
    "babi3": _same(
        FIXTURE_DATA
        / "babi"
        / "tasks_1-20_v1-2"
        / "en-10k"
        / "qa3_three-supporting-facts_train.txt"
    ),
    "cnn": _same(FIXTURE_DATA / "cnn" / "cnn" / "questions" / "training"),
    "rotten_tomatoes": _same(FIXTURE_DATA / "text_classification.jsonl"),
    # Pang & Lee's full reviews as ../shared/data/movie-reviews has them: lower-cased, tokenized,
    # paragraphs joined by newlines.
    "movie_reviews": _same(FIXTURE_DATA / "movie_reviews.jsonl"),
    "sst_300d": _same(FIXTURE_DATA / "sst" / "train.txt"),
}


# The interpretability tests' data: the fixture sentences, and ERASER-style movie rationales.
TEXT_DATA = str(FIXTURE_DATA / "text_classification.jsonl")
RATIONALES = str(FIXTURES / "rationales" / "movies")

# A small BiLSTM classifier (embedding 8, hidden 8), three epochs: the interpretability tests' model.
TINY_BILSTM: Dict[str, Any] = {
    "model.text_field_embedder.token_embedders.tokens.embedding_dim": 8,
    "model.seq2vec_encoder.encoder.input_size": 8,
    "model.seq2vec_encoder.encoder.hidden_size": 8,
    "model.seq2vec_encoder.attention_dim": 8,
    "data_loader.batch_sampler.batch_size": 8,
    "trainer.num_epochs": 3,
}


# Overrides that make the from-scratch Transformer configs tiny (no GloVe, dim 12, 2 heads).
TINY_TRANSFORMER: Dict[str, Any] = {
    "model.text_field_embedder.token_embedders.tokens.pretrained_file": None,
    "model.text_field_embedder.token_embedders.tokens.embedding_dim": 12,
    "model.seq2vec_encoder.encoder.input_dim": 12,
    "model.seq2vec_encoder.encoder.hidden_dim": 8,
    "model.seq2vec_encoder.encoder.feedforward_dim": 16,
    "model.seq2vec_encoder.encoder.num_heads": 2,
    "model.seq2vec_encoder.attention_dim": 8,
}


def fixture_overrides(dataset: str, **extra: Any) -> Dict[str, Any]:
    """Overrides that point a config of `dataset` at fixtures, without pretrained vectors."""
    overrides: Dict[str, Any] = dict(FIXTURE_PATHS[dataset])
    overrides[f"{_EMBEDDING}.pretrained_file"] = None
    overrides["trainer.num_epochs"] = 1
    overrides.update(extra)
    return overrides


def tiny_overrides(**extra: Any) -> Dict[str, Any]:
    """Overrides of rt_polarity configs for the tiny BiLSTM (`TINY_BILSTM`) on the fixture."""
    return fixture_overrides("rt_polarity", **{**TINY_BILSTM, **extra})


def load_config(config: str, overrides: Optional[Dict[str, Any]] = None) -> Params:
    path = CONFIGS / (config if config.endswith(".jsonnet") else f"{config}.jsonnet")
    return Params.from_file(str(path), params_overrides=json.dumps(overrides or {}))


def train_config(
    config: str, serialization_dir: Path, overrides: Optional[Dict[str, Any]] = None, **kwargs
) -> Model:
    """Trains `training_config/<config>.jsonnet` in-process (no 25 s CLI import)."""
    return train_model(load_config(config, overrides), str(serialization_dir), **kwargs)
