"""A tiny attention classifier and a padded batch, in float64, for the perturbation and callback tests."""

import torch
from allennlp.data import Vocabulary
from allennlp.modules.seq2seq_encoders import LstmSeq2SeqEncoder
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding

from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder

WORDS = [f"w{i}" for i in range(30)]
LENGTHS = [6, 4, 5, 2]


def tiny_model(seed: int = 0, embedding_dim: int = 8, hidden: int = 4) -> AttentionClassifier:
    torch.manual_seed(seed)
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(WORDS, "tokens")
    vocab.add_tokens_to_namespace(["negative", "positive"], "labels")
    embedder = BasicTextFieldEmbedder(
        {
            "tokens": Embedding(
                embedding_dim=embedding_dim, num_embeddings=vocab.get_vocab_size("tokens")
            )
        }
    )
    encoder = AttentionSeq2VecEncoder(
        LstmSeq2SeqEncoder(embedding_dim, hidden, bidirectional=True), attention_dim=8
    )
    model = AttentionClassifier(vocab, embedder, encoder).double()
    model.train()
    return model


def tiny_batch(lengths=LENGTHS, seed: int = 1):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.zeros(len(lengths), max(lengths), dtype=torch.long)
    for row, length in enumerate(lengths):
        ids[row, :length] = torch.randint(2, 2 + len(WORDS), (length,), generator=generator)
    label = torch.tensor([row % 2 for row in range(len(lengths))])
    return {"tokens": {"tokens": {"tokens": ids}}, "label": label}


def tiny_state(model, lengths=LENGTHS, with_label: bool = True):
    batch = tiny_batch(lengths)
    if not with_label:
        batch.pop("label")
    outputs = model(**batch)
    return outputs["attention_state"], outputs
