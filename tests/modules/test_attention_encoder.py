from types import SimpleNamespace

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.modules import Seq2VecEncoder

from attnat_allennlp.modules import AttentionSeq2VecEncoder


def build(scorer="additive", query_dim=None):
    torch.manual_seed(0)
    params = {
        "type": "attnat_attention",
        "encoder": {"type": "lstm", "input_size": 6, "hidden_size": 4, "bidirectional": True},
        "scorer": scorer,
        "attention_dim": 5,
    }
    if query_dim:
        params["query_dim"] = query_dim
    return Seq2VecEncoder.from_params(Params(params))


@pytest.fixture
def batch():
    torch.manual_seed(1)
    tokens = torch.randn(3, 5, 6)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=torch.bool)
    return tokens, mask


def steps(encoder, tokens, mask):
    """The encoder's steps one by one: states, scores, weights, context."""
    states = encoder.encode(tokens, mask)
    scores = encoder.score(states, mask)
    weights, context = encoder.pool(states, scores, mask)
    return SimpleNamespace(states=states, scores=scores, weights=weights, context=context)


@pytest.mark.parametrize("scorer", ["additive", "dot"])
def test_weights_are_a_distribution_over_real_tokens(batch, scorer):
    tokens, mask = batch
    encoder = build(scorer)
    assert isinstance(encoder, AttentionSeq2VecEncoder)
    out = steps(encoder, tokens, mask)
    assert out.states.shape == (3, 5, 8) and out.context.shape == (3, 8)
    assert torch.allclose(out.weights.sum(-1), torch.ones(3))
    assert (out.weights[~mask] == 0).all()
    assert (out.scores[~mask] == 0).all()
    assert out.weights[2, 0] == 1.0
    expected = (out.weights.unsqueeze(-1) * out.states).sum(1)
    assert torch.allclose(out.context, expected, atol=1e-6)
    assert torch.equal(encoder(tokens, mask), out.context)


def test_additive_scores_follow_the_formula(batch):
    tokens, mask = batch
    encoder = build("additive")
    states = encoder.encode(tokens, mask)
    w1, b1 = encoder._attention_hidden.weight, encoder._attention_hidden.bias
    w2 = encoder._attention_vector.weight
    expected = (torch.tanh(states @ w1.T + b1) @ w2.T).squeeze(-1) * mask
    assert torch.allclose(encoder.score(states, mask), expected, atol=1e-6)


def test_dot_scores_are_scaled_by_sqrt_dim(batch):
    tokens, mask = batch
    encoder = build("dot")
    states = encoder.encode(tokens, mask)
    expected = (states @ encoder._attention_vector.weight.T).squeeze(-1) / 8**0.5 * mask
    assert torch.allclose(encoder.score(states, mask), expected, atol=1e-6)


def test_score_perturbation_reuses_states_and_ignores_padding(batch):
    tokens, mask = batch
    encoder = build()
    out = steps(encoder, tokens, mask)
    r = torch.zeros(3, 5)
    r[0, 0] = 2.0
    weights, context = encoder.pool(out.states, out.scores, mask, r)
    shifted = torch.softmax(out.scores[0] + r[0], -1)
    assert torch.allclose(weights[0], shifted, atol=1e-6)
    assert torch.allclose(weights[1:], out.weights[1:])
    # Whatever a perturbation holds on padding, padding keeps exactly zero weight.
    r_pad = torch.where(mask, torch.zeros(3, 5), torch.full((3, 5), 100.0))
    weights_pad, _ = encoder.pool(out.states, out.scores, mask, r_pad)
    assert torch.allclose(weights_pad, out.weights) and (weights_pad[~mask] == 0).all()


def test_query_conditioned_scores(batch):
    tokens, mask = batch
    encoder = build("additive", query_dim=3)
    query = torch.randn(3, 3)
    states = encoder.encode(tokens, mask)
    with_query = encoder.score(states, mask, query)
    other = encoder.score(states, mask, query + 1.0)
    assert not torch.allclose(with_query[mask], other[mask])
    with pytest.raises(ConfigurationError, match="query"):
        encoder.score(states, mask)


def test_unknown_scorer_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="scorer"):
        build("bilinear")
