"""`lib.vectors(file, dim)`: one knob changes a dataset's word vectors for every model."""

import json

import _jsonnet
import pytest
from allennlp.common import Params
from allennlp.data import Vocabulary
from allennlp.models import Model

from helpers import CONFIGS


def evaluate(snippet: str) -> dict:
    return json.loads(_jsonnet.evaluate_snippet("test", snippet, jpathdir=[str(CONFIGS)]))


@pytest.mark.parametrize("dataset", ["rt_polarity", "sst_300d", "snli", "vitaminc", "babi1"])
@pytest.mark.parametrize("encoder", ["bilstm", "transformer"])
@pytest.mark.parametrize("technique", ["vanilla", "word_at"])
def test_the_vectors_knob_sizes_every_model(dataset, encoder, technique):
    library = "attnat" if encoder == "bilstm" else "transformer"
    config = evaluate(
        f"local lib = import 'lib/{library}.libsonnet';\n"
        f"lib.experiment(lib.datasets.{dataset} + lib.vectors(null, 7), lib.techniques.{technique})"
    )
    embedder = config["model"]["text_field_embedder"]["token_embedders"]["tokens"]
    assert embedder["embedding_dim"] == 7 and "pretrained_file" not in embedder
    config["model"].pop("positive_label", None)
    vocabulary = Vocabulary({"tokens": {"a": 1, "b": 1}, "labels": {"1": 1, "0": 1}})
    # (the normalised embedding of the word-level techniques also needs word counts: same sizes)
    embedder["type"] = "embedding"
    model = Model.from_params(Params(config["model"]), vocab=vocabulary)  # the sizes agree
    assert model is not None


def test_the_vectors_file_is_the_embedders():
    config = evaluate(
        "local lib = import 'lib/attnat.libsonnet';\n"
        "lib.experiment(lib.datasets.snli + lib.vectors('my/vectors.txt', 50), "
        "lib.techniques.attention_iat)"
    )
    embedder = config["model"]["text_field_embedder"]["token_embedders"]["tokens"]
    assert embedder == {
        "type": "embedding",
        "embedding_dim": 50,
        "pretrained_file": "my/vectors.txt",
        "trainable": True,
    }
    assert config["model"]["premise_encoder"]["encoder"]["input_size"] == 50
    assert config["model"]["hypothesis_encoder"]["input_size"] == 50
