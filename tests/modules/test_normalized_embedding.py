"""Miyato et al.'s normalised word embeddings, the counting vocabulary they take frequencies from,
and the word-level configs that use them."""

import json
from collections import Counter

import _jsonnet
import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Batch, DatasetReader, Instance, Token, Vocabulary
from allennlp.data.fields import LabelField, TextField
from allennlp.data.token_indexers import SingleIdTokenIndexer
from allennlp.models.archival import load_archive
from allennlp.modules.seq2seq_encoders import LstmSeq2SeqEncoder
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.predictors import Predictor

from attnat_allennlp.data.counting_vocabulary import COUNTS_FILE, CountingVocabulary
from attnat_allennlp.interpret.importance import gradient_importance_for_state
from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.normalized_embedding import NormalizedEmbedding
from attnat_allennlp.perturbations import Perturbation
from attnat_allennlp.perturbations.util import nearest_neighbours
from attnat_allennlp.predictors.attention_predictors import AttentionClassifierPredictor
from helpers import CONFIGS, FIXTURE_DATA, fixture_overrides, load_config, train_config

TEXTS = ["a b a c", "a b d", "e a", "b b"]  # a 4, b 4, c 1, d 1, e 1


def instances(texts=TEXTS):
    indexers = {"tokens": SingleIdTokenIndexer()}
    return [
        Instance(
            {
                "tokens": TextField([Token(w) for w in text.split()], indexers),
                "label": LabelField("positive" if i % 2 else "negative"),
            }
        )
        for i, text in enumerate(texts)
    ]


def counts_by_token(vocab: CountingVocabulary, namespace: str = "tokens"):
    return {
        vocab.get_token_from_index(i, namespace): c
        for i, c in enumerate(vocab.get_index_counts(namespace))
    }


def weighted_moments(vectors: torch.Tensor, frequencies: torch.Tensor):
    f = (frequencies / frequencies.sum()).unsqueeze(-1)
    mean = (f * vectors).sum(0)
    return mean, (f * (vectors - mean).pow(2)).sum(0)


# ---- the counting vocabulary ------------------------------------------------------------------


def test_vocabulary_counts_each_id_the_oov_id_takes_the_dropped_words():
    vocab = Vocabulary.by_name("attnat_counting")(instances(), min_count={"tokens": 2})
    assert isinstance(vocab, CountingVocabulary)
    assert vocab.get_vocab_size("tokens") == 4  # padding, OOV, a, b
    # c, d and e occur once each, below min_count: their 3 occurrences are the OOV id's.
    assert counts_by_token(vocab) == {"@@PADDING@@": 0, "@@UNKNOWN@@": 3, "a": 4, "b": 4}
    assert counts_by_token(vocab, "labels") == {"negative": 2, "positive": 2}
    with pytest.raises(ConfigurationError, match="no token counts for the namespace 'other'"):
        vocab.get_index_counts("other")
    # Ids added afterwards occur nowhere in the data: count 0.
    vocab.add_token_to_namespace("zzz")
    assert vocab.get_index_counts()[-1] == 0 and len(vocab.get_index_counts()) == 5


def test_vocabulary_counts_survive_save_and_load_and_stay_readable_as_a_plain_vocabulary(tmp_path):
    vocab = CountingVocabulary.from_instances(instances())
    vocab.save_to_files(str(tmp_path / "vocabulary"))
    assert json.loads((tmp_path / "vocabulary" / COUNTS_FILE).read_text())["tokens"] == [
        0,
        0,
        4,
        4,
        1,
        1,
        1,
    ]
    loaded = CountingVocabulary.from_files(str(tmp_path / "vocabulary"))
    assert loaded.get_index_counts() == vocab.get_index_counts()
    assert loaded.get_token_to_index_vocabulary() == vocab.get_token_to_index_vocabulary()
    plain = Vocabulary.from_files(str(tmp_path / "vocabulary"))  # the counts file is skipped
    assert plain._index_to_token == vocab._index_to_token
    (tmp_path / "vocabulary" / COUNTS_FILE).write_text("{not json")
    with pytest.raises(ConfigurationError, match=r"\.token_counts\.json: malformed token counts"):
        CountingVocabulary.from_files(str(tmp_path / "vocabulary"))


# ---- the normalised embedding -----------------------------------------------------------------


def test_normalised_vectors_have_weighted_mean_0_and_variance_1_in_every_dimension():
    torch.manual_seed(0)
    counts = torch.tensor([0.0, 7, 1, 40, 3, 0, 12, 5, 9, 2])  # padding and an unseen word: 0
    raw = torch.randn(10, 6, dtype=torch.float64) * torch.linspace(1.0, 4.0, 6).double() + 3.0
    embedding = NormalizedEmbedding(
        embedding_dim=6, num_embeddings=10, weight=raw.clone(), frequencies=counts
    ).double()
    vectors = embedding.normalized_weight()
    mean, variance = weighted_moments(vectors, counts.double())
    torch.testing.assert_close(mean, torch.zeros(6, dtype=torch.float64), atol=1e-12, rtol=0)
    # 1 up to the 1e-6 added to the variance, as in Miyato et al.'s code.
    raw_mean, raw_variance = weighted_moments(raw, counts.double())
    torch.testing.assert_close(variance, raw_variance / (raw_variance + 1e-6), atol=1e-12, rtol=0)
    torch.testing.assert_close(variance, torch.ones(6, dtype=torch.float64), atol=1e-5, rtol=0)
    # Every row is normalised, the frequency-0 ones too; the lookup returns the normalised rows.
    torch.testing.assert_close(vectors[5], (raw[5] - raw_mean) / (raw_variance + 1e-6).sqrt())
    ids = torch.tensor([[3, 5, 0], [1, 1, 9]])
    torch.testing.assert_close(embedding(ids), vectors[ids])
    # Gradients reach the raw matrix through the mean and the variance (every row, not only ids).
    embedding(ids).sum().backward()
    assert embedding.weight.grad[2].abs().sum() > 0


def test_normalised_embedding_needs_frequencies():
    with pytest.raises(ConfigurationError, match='"type": "attnat_counting".*got a Vocabulary'):
        NormalizedEmbedding(embedding_dim=4, vocab=Vocabulary.from_instances(instances()))
    with pytest.raises(ConfigurationError, match=r"\(3,\) frequencies for 5 embeddings"):
        NormalizedEmbedding(embedding_dim=4, num_embeddings=5, frequencies=torch.ones(3))
    with pytest.raises(ConfigurationError, match="positive sum, got sum 0.0"):
        NormalizedEmbedding(embedding_dim=4, num_embeddings=2, frequencies=torch.zeros(2))
    vocab = CountingVocabulary.from_instances(instances())
    embedding = NormalizedEmbedding(embedding_dim=4, vocab=vocab)
    expected = torch.tensor([0, 0, 4, 4, 1, 1, 1.0]) / 11
    torch.testing.assert_close(embedding.frequencies, expected)


def test_extended_vocabulary_words_get_frequency_0():
    vocab = CountingVocabulary.from_instances(instances())
    embedding = NormalizedEmbedding(embedding_dim=4, vocab=vocab)
    before = embedding.normalized_weight().detach()
    vocab.add_tokens_to_namespace(["new1", "new2"])
    embedding.extend_vocab(vocab)
    assert embedding.counts.tolist() == [0, 0, 4, 4, 1, 1, 1, 0, 0]
    # The new rows do not move the mean and variance: the old rows keep their vectors.
    torch.testing.assert_close(embedding.normalized_weight()[:7], before)
    assert embedding(torch.tensor([[8, 2]])).shape == (1, 2, 4)


def test_word_iat_searches_neighbours_among_the_normalised_vectors():
    torch.manual_seed(3)
    # A large common offset makes every raw vector look alike (cosine); the normalisation removes it.
    raw = torch.randn(12, 5) + torch.tensor([8.0, -6.0, 0.0, 0.0, 0.0])
    embedding = NormalizedEmbedding(
        embedding_dim=5, num_embeddings=12, weight=raw, frequencies=torch.arange(12.0)
    )

    vocab = Vocabulary()
    vocab.add_tokens_to_namespace([f"w{i}" for i in range(10)])
    vocab.add_tokens_to_namespace(["negative", "positive"], "labels")
    encoder = AttentionSeq2VecEncoder(LstmSeq2SeqEncoder(5, 4, bidirectional=True), attention_dim=4)
    model = AttentionClassifier(vocab, BasicTextFieldEmbedder({"tokens": embedding}), encoder)
    iat = Perturbation.by_name("word_iat")(num_neighbours=3)
    iat.fill_neighbours(model)
    ids = torch.arange(12)
    with torch.no_grad():
        normalised = nearest_neighbours(embedding.normalized_weight(), ids, 3, excluded_ids=[0, 1])
        raw_neighbours = nearest_neighbours(raw, ids, 3, excluded_ids=[0, 1])
    assert torch.equal(iat._neighbours, normalised)
    assert not torch.equal(iat._neighbours, raw_neighbours)


# ---- the configs ------------------------------------------------------------------------------


def test_only_the_word_level_configs_normalise():
    # Every word-level config of lib/attnat.libsonnet (the transformer configs have no word
    # embedding matrix of their own), and every technique on one single-text and one pair dataset,
    # evaluated in one jsonnet run (the shared lib once).
    configs = {
        path.stem
        for path in CONFIGS.glob("*_word_*.jsonnet")
        if "lib/attnat.libsonnet" in path.read_text()
    }
    assert len(configs) >= 3 * 13
    configs |= {
        p.stem for d in ("rt_polarity", "vitaminc") for p in CONFIGS.glob(f"{d}_[avw]*.jsonnet")
    }
    snippet = "{" + ",".join(f'"{c}": import "{c}.jsonnet"' for c in sorted(configs)) + "}"
    evaluated = json.loads(_jsonnet.evaluate_snippet(str(CONFIGS / "all.jsonnet"), snippet))
    for config, params in evaluated.items():
        embedder = params["model"]["text_field_embedder"]["token_embedders"]["tokens"]
        # the word-level techniques, and vanilla_normalized, their control without perturbation
        word_level = "_word_" in config or config.endswith("_vanilla_normalized")
        assert (embedder["type"] == "attnat_normalized_embedding") == word_level, config
        assert (params["vocabulary"].get("type") == "attnat_counting") == word_level, config


def test_word_at_config_trains_and_its_archive_round_trips(tmp_path):
    model = train_config(
        "rt_polarity_word_at",
        tmp_path / "run",
        fixture_overrides("rt_polarity", **{"trainer.num_epochs": 2}),
    )
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["training_word_at_loss"] > 0 and 0.0 <= metrics["test_accuracy"] <= 1.0
    embedding = model._text_field_embedder._token_embedders["tokens"]
    assert isinstance(embedding, NormalizedEmbedding)
    # The frequencies are the counts of the words of the training split only (the configs'
    # datasets_for_vocab_creation), not of the three (here identical) splits.
    vocab = model.vocab
    reader = load_config("rt_polarity_word_at").pop("dataset_reader")
    words = Counter(
        t.text
        for instance in DatasetReader.from_params(reader).read(
            str(FIXTURE_DATA / "text_classification.jsonl")
        )
        for t in instance["tokens"].tokens
    )
    counts = vocab.get_index_counts("tokens")
    assert sum(counts) == sum(words.values())
    assert counts[vocab.get_token_index("the")] == words["the"] > 0
    torch.testing.assert_close(
        embedding.frequencies, torch.tensor(counts, dtype=torch.float) / sum(counts)
    )
    with torch.no_grad():
        mean, variance = weighted_moments(embedding.normalized_weight(), embedding.frequencies)
        _, raw_variance = weighted_moments(embedding.weight, embedding.frequencies)
    torch.testing.assert_close(mean, torch.zeros_like(mean), atol=1e-5, rtol=0)
    # 1 but for the 1e-6 added to the small variances of this untrained (xavier) matrix.
    torch.testing.assert_close(variance, raw_variance / (raw_variance + 1e-6), atol=1e-5, rtol=0)

    archive = load_archive(str(tmp_path / "run" / "model.tar.gz"))
    loaded = archive.model._text_field_embedder._token_embedders["tokens"]
    assert isinstance(archive.model.vocab, CountingVocabulary)
    assert archive.model.vocab.get_index_counts("tokens") == counts
    torch.testing.assert_close(loaded.frequencies, embedding.frequencies)
    torch.testing.assert_close(loaded.normalized_weight(), embedding.normalized_weight())
    # `allennlp predict` goes through Predictor.from_archive: the same probabilities.
    predictor = Predictor.from_archive(archive, "attnat_classifier")
    line = json.dumps({"text": "A gorgeous, witty, seductive movie."})
    direct = AttentionClassifierPredictor(model.eval(), predictor._dataset_reader)
    assert predictor.predict_json(predictor.load_line(line))["probs"] == pytest.approx(
        direct.predict_json(direct.load_line(line))["probs"], abs=1e-6
    )
    # Interpretability: the model's embeddings are the normalised vectors; gradient importance
    # multiplies by them.
    instance = predictor._json_to_instance(json.loads(line))
    predictor._dataset_reader.apply_token_indexers(instance)
    instance.index_fields(archive.model.vocab)
    tensors = Batch([instance]).as_tensor_dict()
    archive.model.train()
    state = archive.model(**tensors)["attention_state"]
    archive.model.eval()
    ids = tensors["tokens"]["tokens"]["tokens"]
    torch.testing.assert_close(state.embeddings["tokens"], loaded.normalized_weight()[ids])
    importance = gradient_importance_for_state(archive.model, state)
    assert importance.sum().item() == pytest.approx(1.0, abs=1e-5)
