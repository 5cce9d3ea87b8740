"""
Word AT, iAT and VAT on Miyato et al.'s normalised embeddings give the losses and the gradients of
every parameter that the normalisation differentiated by autograd gives (the implementation before
`WeightedMoments` wrote its gradient out): the clean pass (logits, loss, the gradient with respect to
the embeddings), the perturbed pass (the perturbation and its loss) and the combined backward of
the `adversarial_training` callback, against clean + weight * extra loss backpropagated by hand.
"""

import pytest
import torch
from allennlp.data import Vocabulary
from allennlp.modules.seq2seq_encoders import LstmSeq2SeqEncoder
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from perturbations.tiny import WORDS, tiny_batch

from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.normalized_embedding import (
    VARIANCE_EPSILON,
    NormalizedEmbedding,
    WeightedMoments,
)
from attnat_allennlp.perturbations import Perturbation
from attnat_allennlp.training import AdversarialTrainingCallback, TrainerStep

WEIGHT = 0.5


class AutogradNormalizedEmbedding(NormalizedEmbedding):
    """The moments as computed before `WeightedMoments`: the formula, differentiated by autograd."""

    def moments(self):
        counts = self.counts.to(self.weight.dtype)
        f = counts / counts.sum()
        mean = f @ self.weight
        shift = mean.detach()
        variance = f @ (self.weight - shift).pow(2) - (mean - shift).pow(2)
        return mean, torch.sqrt(variance + VARIANCE_EPSILON)


def normalized_model(embedding_class) -> AttentionClassifier:
    """The tiny classifier of `perturbations/tiny.py` on normalised embeddings, in float64."""
    torch.manual_seed(0)
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(WORDS, "tokens")
    vocab.add_tokens_to_namespace(["negative", "positive"], "labels")
    size = vocab.get_vocab_size("tokens")
    # Unequal counts, 0 for padding and OOV (and for two words: rows outside the moments).
    counts = torch.arange(size, dtype=torch.float) % 7
    counts[:2] = 0
    # A raw matrix far from normalised (mean 2, scales 1-3 per dimension).
    raw = torch.randn(size, 8) * torch.linspace(1.0, 3.0, 8) + 2.0
    embedding = embedding_class(
        embedding_dim=8, num_embeddings=size, weight=raw, frequencies=counts
    )
    encoder = AttentionSeq2VecEncoder(LstmSeq2SeqEncoder(8, 4, bidirectional=True), attention_dim=8)
    model = AttentionClassifier(vocab, BasicTextFieldEmbedder({"tokens": embedding}), encoder)
    model = model.double()
    model.train()
    return model


@pytest.fixture
def models():
    """(the implementation, the autograd reference) with the same parameters."""
    model, reference = (
        normalized_model(NormalizedEmbedding),
        normalized_model(AutogradNormalizedEmbedding),
    )
    reference.load_state_dict(model.state_dict())
    return model, reference


def test_weighted_moments_gradient_is_autograds():
    torch.manual_seed(0)
    w = torch.randn(9, 3, dtype=torch.float64, requires_grad=True)
    f = torch.rand(9, dtype=torch.float64)
    f[2] = 0
    f = f / f.sum()
    torch.autograd.gradcheck(WeightedMoments.apply, (w, f))
    mean, std = WeightedMoments.apply(w, f)
    torch.testing.assert_close(mean, (f.unsqueeze(-1) * w).sum(0))
    variance = (f.unsqueeze(-1) * (w - mean).pow(2)).sum(0)
    torch.testing.assert_close(std, (variance + VARIANCE_EPSILON).sqrt())


@pytest.mark.parametrize("name", ["word_at", "word_iat", "word_vat"])
def test_clean_and_perturbed_pass_equal_the_autograd_normalisation(models, name):
    model, reference = models
    batch = tiny_batch()
    results = []
    for m in (model, reference):
        outputs = m(**batch)
        state = outputs["attention_state"]
        perturbation = Perturbation.by_name(name)(eps=0.7)
        gradient = perturbation.clean_gradient(m, state)
        torch.manual_seed(3)  # VAT's random start
        r = perturbation.perturb(m, state)
        extra = perturbation.extra_loss(m, state, r)
        results.append((outputs["logits"], outputs["loss"], gradient, r, extra))
    (logits, loss, gradient, r, extra), expected = results
    torch.testing.assert_close(logits, expected[0])
    torch.testing.assert_close(loss, expected[1])
    torch.testing.assert_close(gradient, expected[2])
    torch.testing.assert_close(r, expected[3])
    torch.testing.assert_close(extra, expected[4])
    assert r["tokens"].norm() > 0 and extra > 0


@pytest.mark.parametrize("name", ["word_at", "word_iat", "word_vat"])
def test_every_parameter_gradient_equals_the_autograd_normalisation(models, name):
    model, reference = models
    batch = tiny_batch()
    # The implementation through the callback (the clean pass shared, one combined backward).
    callback = AdversarialTrainingCallback(
        "/tmp/unused", [Perturbation.by_name(name)(eps=0.7, weight=WEIGHT)]
    )
    callback.attach(model)
    torch.manual_seed(3)
    callback.backward(TrainerStep(model), model(**batch))
    # The reference: clean + weight * extra by hand, the normalisation differentiated by autograd.
    torch.manual_seed(3)
    outputs = reference(**batch)
    perturbation = Perturbation.by_name(name)(eps=0.7)
    state = outputs["attention_state"]
    extra = perturbation.extra_loss(reference, state, perturbation.perturb(reference, state))
    (outputs["loss"] + WEIGHT * extra).backward()
    expected = dict(reference.named_parameters())
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert names == [n for n, p in expected.items() if p.requires_grad]
    for parameter_name in names:
        actual = dict(model.named_parameters())[parameter_name].grad
        torch.testing.assert_close(actual, expected[parameter_name].grad, msg=parameter_name)
    # The normalisation gives every row with a frequency a gradient, not only the batch's words.
    weight = "_text_field_embedder.token_embedder_tokens.weight"
    in_batch = batch["tokens"]["tokens"]["tokens"].unique()
    outside = torch.ones(len(WORDS) + 2, dtype=torch.bool)
    outside[in_batch] = False
    counted = model.text_field_embedder.token_embedder_tokens.counts > 0
    assert (dict(model.named_parameters())[weight].grad[outside & counted].abs().sum(-1) > 0).all()
