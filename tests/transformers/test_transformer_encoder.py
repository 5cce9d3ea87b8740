"""The Transformer encoders: masking, re-running from a layer, and the pretrained layers run step by
step give what `transformers` itself computes."""

import pytest
import torch
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.modules.transformer import TransformerEncoder, resolve_layers
from attnat_allennlp.modules.transformer_pretrained import (
    PretrainedTransformerEncoder,
    PretrainedWordEmbeddings,
)


def batch(dim=5):
    torch.manual_seed(0)
    x = torch.randn(3, 6, dim)
    mask = torch.ones(3, 6, dtype=torch.bool)
    mask[1, 4:] = False
    mask[2, 2:] = False
    return x, mask


def scratch(**kwargs):
    torch.manual_seed(1)
    return TransformerEncoder(
        5, hidden_dim=8, num_layers=3, num_heads=2, dropout=0.0, **kwargs
    ).eval()


@pytest.mark.parametrize("positions", ["sinusoidal", "learned", None])
def test_scores_are_zero_on_padding_and_padding_changes_nothing(positions):
    encoder = scratch(positional_encoding=positions)
    x, mask = batch()
    states, state = encoder.forward_with_self_attention(x, mask)
    assert len(state.scores) == 3 and state.scores[0].shape == (3, 2, 6, 6)
    for scores in state.scores:
        assert torch.all(scores[1, :, 4:, :] == 0) and torch.all(scores[1, :, :, 4:] == 0)
        assert torch.all(scores[2, :, 2:, :] == 0) and torch.all(scores[2, :, :, 2:] == 0)
        assert scores[0].abs().min() > 0
    assert torch.all(states[2, 2:] == 0)
    garbage = x.clone()
    garbage[2, 2:] = 100.0
    assert torch.allclose(encoder(garbage, mask)[2], states[2], atol=1e-6)
    # an example alone gives the same states as in the batch
    assert torch.allclose(encoder(x[2:, :2], mask[2:, :2])[0], states[2, :2], atol=1e-5)


def test_rerun_equals_a_full_pass_with_the_perturbation_and_skips_the_layers_below():
    encoder = scratch()
    x, mask = batch()
    states, state = encoder.forward_with_self_attention(x, mask)
    assert torch.allclose(encoder.rerun(state, {}), states)
    r = torch.randn(3, 2, 6, 6)
    full, _ = encoder.forward_with_self_attention(x, mask, {1: r})
    calls = []
    original_scores = [layer.scores for layer in encoder.layers]
    for index, layer in enumerate(encoder.layers):
        layer.scores = lambda h, index=index: (
            calls.append(("scores", index)) or original_scores[index](h)
        )
    embed = encoder.embed_positions
    encoder.embed_positions = lambda *a: pytest.fail("the embeddings were re-run")
    rerun = encoder.rerun(state, {1: r})
    encoder.embed_positions = embed
    assert torch.allclose(rerun, full, atol=1e-6)
    # layer 1's scores come from the stored state; only layer 2's are computed again
    assert calls == [("scores", 2)]
    assert not torch.allclose(rerun, states)


def test_resolve_layers():
    assert resolve_layers([-1], 3) == [2]
    assert resolve_layers("all", 3) == [0, 1, 2]
    assert resolve_layers([0, -3, 1], 3) == [0, 1]
    with pytest.raises(ConfigurationError, match="layer 3 does not exist"):
        resolve_layers([3], 3)
    with pytest.raises(ConfigurationError):
        resolve_layers("last", 3)


def test_bad_knobs_are_named():
    with pytest.raises(ConfigurationError, match="num_heads"):
        TransformerEncoder(5, hidden_dim=10, num_heads=4)
    with pytest.raises(ConfigurationError, match="positional_encoding"):
        TransformerEncoder(5, positional_encoding="rotary")


def _tiny(kind, directory):
    import transformers

    torch.manual_seed(0)
    if kind == "bert":
        config = transformers.BertConfig(
            vocab_size=50,
            hidden_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=32,
        )
        model = transformers.BertModel(config)
    elif kind == "roberta":
        config = transformers.RobertaConfig(
            vocab_size=50,
            hidden_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=40,
            pad_token_id=1,
        )
        model = transformers.RobertaModel(config)
    else:
        config = transformers.DistilBertConfig(
            vocab_size=50, dim=16, n_layers=2, n_heads=2, hidden_dim=32
        )
        model = transformers.DistilBertModel(config)
    model.save_pretrained(str(directory))
    return model.eval()


@pytest.mark.parametrize("kind", ["bert", "roberta", "distilbert"])
def test_pretrained_layers_match_transformers(kind, tmp_path):
    reference = _tiny(kind, tmp_path)
    embedder = PretrainedWordEmbeddings(str(tmp_path)).eval()
    encoder = PretrainedTransformerEncoder(str(tmp_path)).eval()
    assert encoder.num_layers == 2 and encoder.num_heads == 2 and encoder.get_output_dim() == 16
    ids = torch.randint(3, 50, (2, 7))
    mask = torch.ones(2, 7, dtype=torch.bool)
    mask[1, 5:] = False
    expected = reference(input_ids=ids, attention_mask=mask.long(), output_attentions=True)
    states, state = encoder.forward_with_self_attention(embedder(ids), mask)
    assert torch.allclose(states[0], expected.last_hidden_state[0], atol=1e-5)
    assert torch.allclose(states[1, :5], expected.last_hidden_state[1, :5], atol=1e-5)
    probabilities = torch.softmax(state.scores[-1][1, :, :5, :5], dim=-1)
    assert torch.allclose(probabilities, expected.attentions[-1][1, :, :5, :5], atol=1e-5)


def test_unsupported_pretrained_model_is_named(tmp_path):
    import transformers

    transformers.GPT2Model(
        transformers.GPT2Config(n_embd=8, n_layer=1, n_head=2, vocab_size=20)
    ).save_pretrained(str(tmp_path))
    with pytest.raises(ConfigurationError, match="'gpt2' model"):
        PretrainedTransformerEncoder(str(tmp_path))
