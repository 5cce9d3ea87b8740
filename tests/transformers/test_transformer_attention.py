"""Attention rollout and the first token's attention of a Transformer model."""

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from test_self_attention_perturbations import LENGTHS, tiny_state, tiny_transformer

from attnat_allennlp.interpret.transformer_attention import (
    attention_rollout,
    explaining_attention,
    first_token_attention,
)
from attnat_allennlp.modules.transformer import SelfAttentionState


def test_rollout_of_one_uniform_layer():
    # one layer, one head, uniform attention over 2 real tokens of 3:
    # A = 0.5 I + 0.5 * 0.5 (all ones) on the real block, which is already row-stochastic
    scores = [torch.zeros(1, 1, 3, 3)]
    mask = torch.tensor([[True, True, False]])
    rollout = attention_rollout(SelfAttentionState([torch.zeros(1, 3, 4)], scores, mask))
    expected = torch.tensor([[0.75, 0.25, 0.0], [0.25, 0.75, 0.0], [0.0, 0.0, 0.0]])
    assert torch.allclose(rollout[0], expected)
    first = first_token_attention(SelfAttentionState([torch.zeros(1, 3, 4)], scores, mask))
    assert torch.allclose(first[0], torch.tensor([0.5, 0.5, 0.0]))


def test_rollout_of_two_layers_is_the_product():
    torch.manual_seed(0)
    scores = [torch.randn(1, 2, 4, 4), torch.randn(1, 2, 4, 4)]
    mask = torch.ones(1, 4, dtype=torch.bool)
    state = SelfAttentionState([torch.zeros(1, 4, 2)] * 2, scores, mask)
    layers = [0.5 * torch.eye(4) + 0.5 * torch.softmax(s[0], -1).mean(0) for s in scores]
    assert torch.allclose(attention_rollout(state)[0], layers[1] @ layers[0], atol=1e-6)


@pytest.mark.parametrize("kind", ["pooling", "first_token", "rollout", "rollout_first_token"])
def test_explanations_sum_to_one_on_real_tokens(kind):
    model = tiny_transformer()
    state = tiny_state(model)
    explanation = explaining_attention(model, state, kind)
    assert explanation.shape == (4, 6)
    for row, length in enumerate(LENGTHS):
        assert torch.all(explanation[row, length:] == 0)
        assert float(explanation[row].sum()) == pytest.approx(1.0)


def test_unknown_explanation_is_named():
    model = tiny_transformer()
    with pytest.raises(ConfigurationError, match="rollout"):
        explaining_attention(model, tiny_state(model), "gradient_rollout")


def test_the_report_and_heatmap_rows_take_the_explanation(tmp_path):
    from allennlp.data import Instance
    from allennlp.data.fields import LabelField, TextField
    from allennlp.data.token_indexers import SingleIdTokenIndexer
    from allennlp.data.tokenizers import Token

    from attnat_allennlp.interpret.report import ReportOptions, attention_report, explain_instances

    model = tiny_transformer().float().eval()
    instances = [
        Instance(
            {
                "tokens": TextField([Token(w) for w in words], {"tokens": SingleIdTokenIndexer()}),
                "label": LabelField(label),
            }
        )
        for words, label in [(["w1", "w2", "w3"], "positive"), (["w4", "w5"], "negative")]
    ]
    rows = explain_instances(model, instances, attention="rollout")
    state = tiny_state(tiny_transformer())  # for the shapes only
    assert state.self_attention is not None
    assert [len(row["attention"]) for row in rows] == [3, 2]
    assert all(sum(row["attention"]) == pytest.approx(1.0, abs=1e-5) for row in rows)
    pooling = explain_instances(model, instances)
    assert rows[0]["attention"] != pytest.approx(pooling[0]["attention"])
    report = attention_report(
        model,
        instances,
        ReportOptions(
            num_permutations=2, adversarial_steps=2, robustness_eps={}, attention="first_token"
        ),
    )
    assert report["attention"] == "first_token"
    assert report["instances"][1]["attention"] == pytest.approx(
        explain_instances(model, instances, attention="first_token")[1]["attention"]
    )
