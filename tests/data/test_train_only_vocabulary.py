"""Every config builds its vocabulary (and the normalised embeddings' word counts) from the
training data only: a word seen only in the test file is OOV."""

import json
from pathlib import Path

import pytest

from helpers import CONFIGS, load_config, train_config

_TRAIN = [
    ("a fine film with a fine cast", "positive"),
    ("a dull film", "negative"),
    ("fine acting and a fine script", "positive"),
    ("dull , dull , dull", "negative"),
]
_TEST = [("a zyzzyva film", "positive"), ("dull quokka", "negative")]


def _write(path: Path, rows) -> str:
    path.write_text("".join(json.dumps({"text": text, "label": label}) + "\n" for text, label in rows))
    return str(path)


# One config of each way lib/ builds a config (LSTM, VAT's unlabeled stream, pair model, the
# Transformer from scratch, first-token pooling, pretrained Transformers, a hand-kept alias).
_BUILDERS = [
    "rt_polarity_vanilla",
    "sst_word_vat",
    "snli_attention_ivat",
    "snli_iat",
    "rt_polarity_transformer_attention_vat",
    "rt_polarity_transformer_cls_vanilla",
    "rt_polarity_pretrained_transformer_word_vat",
    "snli_pretrained_transformer_attention_vat",
]


@pytest.mark.parametrize("config", _BUILDERS)
def test_every_way_of_building_a_config_reads_train_only(config):
    assert load_config(config).as_dict()["datasets_for_vocab_creation"] == ["train"]


def test_every_config_is_built_by_lib_and_leaves_the_vocabulary_datasets_alone():
    for path in CONFIGS.glob("*.jsonnet"):
        text = path.read_text()
        assert "import 'lib/" in text, path.name
        assert "datasets_for_vocab_creation" not in text, path.name


def test_a_word_only_in_the_test_file_is_oov_and_uncounted(tmp_path):
    """Word AT: the normalised embeddings' counts come from the same train-only vocabulary."""
    train = _write(tmp_path / "train.jsonl", _TRAIN)
    test = _write(tmp_path / "test.jsonl", _TEST)
    model = train_config(
        "rt_polarity_word_at",
        tmp_path / "run",
        {
            "train_data_path": train,
            "validation_data_path": test,
            "test_data_path": test,
            "model.text_field_embedder.token_embedders.tokens.pretrained_file": None,
            "trainer.num_epochs": 1,
        },
    )
    vocab = model.vocab
    oov = vocab.get_token_index(vocab._oov_token)
    for word in ("zyzzyva", "quokka"):
        assert vocab.get_token_index(word) == oov
    assert vocab.get_token_index("fine") != oov
    # every count is a training token: 7 + 3 + 6 + 5 (the test file would add 5)
    counts = model._text_field_embedder._token_embedders["tokens"].counts
    assert float(counts.sum()) == 21.0
    assert vocab.get_index_counts()[vocab.get_token_index("dull")] == 4
