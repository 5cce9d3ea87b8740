"""A tiny Transformer classifier's state (3 layers, 2 heads), for the self-attention target tests."""

import torch
from allennlp.data import Vocabulary
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding

from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.transformer import TransformerEncoder


def tiny_transformer_state(lengths=(6, 4, 5, 2)):
    torch.manual_seed(0)
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace([f"w{i}" for i in range(30)], "tokens")
    vocab.add_tokens_to_namespace(["negative", "positive"], "labels")
    embedder = BasicTextFieldEmbedder(
        {"tokens": Embedding(embedding_dim=8, num_embeddings=vocab.get_vocab_size("tokens"))}
    )
    encoder = AttentionSeq2VecEncoder(
        TransformerEncoder(8, hidden_dim=8, num_layers=3, num_heads=2, dropout=0.0),
        attention_dim=8,
    )
    model = AttentionClassifier(vocab, embedder, encoder).double().train()
    ids = torch.zeros(len(lengths), max(lengths), dtype=torch.long)
    for row, length in enumerate(lengths):
        ids[row, :length] = torch.arange(2, 2 + length)
    label = torch.tensor([row % 2 for row in range(len(lengths))])
    return model(tokens={"tokens": {"tokens": ids}}, label=label)["attention_state"]
