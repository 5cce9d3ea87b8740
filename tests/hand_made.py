"""
A hand-made attention classifier whose numbers can be computed by hand: 3-dimensional word
vectors, no encoder (the states are the vectors), dot attention, and a linear output on
dimension 0. With the default attention vector 0 the attention is uniform and the model's
p(pos) is sigmoid(8 x the mean of dimension 0).
"""

from typing import Sequence

import torch
from allennlp.data import Instance, Token, Vocabulary
from allennlp.data.fields import LabelField, MetadataField, TextField
from allennlp.data.token_indexers import SingleIdTokenIndexer
from allennlp.modules.seq2seq_encoders import PassThroughEncoder
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding

from attnat_allennlp.interpret.batching import build_state, tensorize
from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder

# Dimension 0 decides the class (the logit of "pos" minus "neg" is the mean of it over the words).
# cos(good, okay) = 0.918 and cos(good, nice) = 0.8: both candidates of "good" at 0.7, but only
# "nice" (dimension 0 negative) pulls the mean down. cos(the, thee) = 0.81, and "thee" flips any
# text with "the"; "the" is a stop word. "movie" has no neighbour above 0.7.
VECTORS = {
    "good": [1.0, 0.0, 3.0],
    "okay": [0.2, 1.0, 3.0],
    "nice": [-1.0, 0.0, 3.0],
    "movie": [0.1, 3.0, 0.0],
    "the": [1.0, -6.0, 0.0],
    "thee": [-3.0, -6.0, 0.0],
}


def hand_made_model(attention: Sequence[float] = (0.0, 0.0, 0.0)) -> AttentionClassifier:
    """The model; `attention`: the dot scorer's vector v (scores v . x / sqrt(3))."""
    vocab = Vocabulary()
    for word in VECTORS:
        vocab.add_token_to_namespace(word, "tokens")
    for label in ("neg", "pos"):
        vocab.add_token_to_namespace(label, "labels")
    embedding = Embedding(embedding_dim=3, vocab_namespace="tokens", vocab=vocab)
    encoder = AttentionSeq2VecEncoder(PassThroughEncoder(3), scorer="dot")
    model = AttentionClassifier(vocab, BasicTextFieldEmbedder({"tokens": embedding}), encoder)
    with torch.no_grad():
        embedding.weight.zero_()  # padding and OOV: the zero vector
        for word, vector in VECTORS.items():
            embedding.weight[vocab.get_token_index(word, "tokens")] = torch.tensor(vector)
        encoder._attention_vector.weight[0] = torch.tensor(list(attention))
        layer = model._classification_layer
        layer.weight.zero_()
        layer.bias.zero_()
        layer.weight[vocab.get_token_index("pos", "labels"), 0] = 4.0
        layer.weight[vocab.get_token_index("neg", "labels"), 0] = -4.0
    return model.eval()


def instance(text: str, label: str = "pos") -> Instance:
    words = text.split()
    return Instance(
        {
            "tokens": TextField([Token(w) for w in words], {"tokens": SingleIdTokenIndexer()}),
            "label": LabelField(label),
            "metadata": MetadataField({"tokens": words}),
        }
    )


def probability_of(model, attacked: Instance, label: str = "pos") -> float:
    with torch.no_grad():
        state = build_state(model, tensorize(model, [attacked]))
        probs = torch.softmax(model.logits_from_scores(state)[0], dim=-1)[0]
    return float(probs[model.vocab.get_token_index(label, "labels")])
