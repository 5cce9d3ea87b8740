"""Word iAT's directions on normalised embeddings, with and without a projection in the embedder."""

import pytest
import torch
from allennlp.data import Vocabulary
from allennlp.modules.seq2seq_encoders import LstmSeq2SeqEncoder
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from perturbations.tiny import WORDS, tiny_batch

from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.normalized_embedding import NormalizedEmbedding
from attnat_allennlp.perturbations import Perturbation


@pytest.mark.parametrize("projection_dim", [None, 5])
def test_word_iat_directions_are_those_between_the_embedders_vectors(projection_dim):
    """The directions from one normalisation of the matrix equal those between the vectors the
    embedder returns for the word and its neighbours (with a projection, projected)."""
    torch.manual_seed(0)
    size = len(WORDS) + 2
    counts = torch.arange(size, dtype=torch.float) % 5
    embedding = NormalizedEmbedding(
        embedding_dim=6,
        num_embeddings=size,
        projection_dim=projection_dim,
        weight=torch.randn(size, 6) * 3 + 1,
        frequencies=counts,
    ).double()
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(WORDS, "tokens")
    vocab.add_tokens_to_namespace(["negative", "positive"], "labels")
    dim = projection_dim or 6
    encoder = AttentionSeq2VecEncoder(
        LstmSeq2SeqEncoder(dim, 4, bidirectional=True), attention_dim=8
    )
    model = AttentionClassifier(vocab, BasicTextFieldEmbedder({"tokens": embedding}), encoder)
    model = model.double()
    state = model(**tiny_batch())["attention_state"]
    perturbation = Perturbation.by_name("word_iat")(eps=0.7, num_neighbours=3)
    directions = perturbation.directions(model, state)["tokens"]
    ids = state.token_ids["tokens"][state.masks["tokens"]]
    neighbours = embedding(perturbation._neighbours[ids])  # (tokens, K, dim)
    differences = neighbours - embedding(ids).unsqueeze(1)
    expected = differences / differences.norm(dim=-1, keepdim=True)
    assert directions.shape == (len(ids), 3, dim)
    torch.testing.assert_close(directions, expected.detach())
