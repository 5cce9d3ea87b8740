"""A tiny classifier trained once for all the interpretability tests."""

from pathlib import Path
from typing import Tuple

import pytest
from allennlp.models.archival import Archive, load_archive

from helpers import FIXTURE_DATA, fixture_overrides, train_config

TEXT_DATA = str(FIXTURE_DATA / "text_classification.jsonl")
RATIONALES = str(Path(__file__).resolve().parents[1] / "fixtures" / "rationales" / "movies")

# A small BiLSTM (embedding 8, hidden 8) so that the whole module stays fast.
TINY = {
    "model.text_field_embedder.token_embedders.tokens.embedding_dim": 8,
    "model.seq2vec_encoder.encoder.input_size": 8,
    "model.seq2vec_encoder.encoder.hidden_size": 8,
    "model.seq2vec_encoder.attention_dim": 8,
    "data_loader.batch_sampler.batch_size": 8,
    "trainer.num_epochs": 3,
}


def tiny_overrides(**extra):
    return fixture_overrides("rt_polarity", **{**TINY, **extra})


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> Tuple[str, Archive]:
    """`(path of model.tar.gz, its archive)` of rt_polarity_vanilla trained on the fixture."""
    serialization_dir = tmp_path_factory.mktemp("tiny_classifier")
    train_config("rt_polarity_vanilla", serialization_dir, tiny_overrides())
    path = str(serialization_dir / "model.tar.gz")
    return path, load_archive(path)
