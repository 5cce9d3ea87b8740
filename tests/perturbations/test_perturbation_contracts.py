"""What the perturbations promise beyond their formulas: their defaults, the clean pass they are
given being what they use, the self-attention target's names, the error messages that name the
knob, the thresholds of the self-attention iAT directions, and the KL's precision."""

from dataclasses import replace

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding
from perturbations.tiny import tiny_model, tiny_state
from perturbations.transformers_tiny import tiny_transformer_state

from attnat_allennlp.perturbations import CleanPass, Perturbation
from attnat_allennlp.perturbations import self_attention as sa
from attnat_allennlp.perturbations.base import TARGETS, self_attention_target, target_fields
from attnat_allennlp.perturbations.util import (
    example_norms,
    kl_from_logits,
    normalize_fields,
    random_fields,
)
from attnat_allennlp.perturbations.word_iat import word_embedding


@pytest.fixture(scope="module")
def model():
    return tiny_model()


@pytest.mark.parametrize(
    "name,eps", [("attention_rp", 1.0), ("attention_at", 1.0), ("attention_iat", 1.0)]
)
def test_attention_level_defaults(name, eps):
    perturbation = Perturbation.by_name(name)()
    assert (perturbation.eps, perturbation.weight) == (eps, 1.0)
    assert (perturbation.target, perturbation.layers) == ("scores", "all")


@pytest.mark.parametrize("name", ["word_at", "word_iat", "word_vat"])
def test_word_level_defaults(name):
    perturbation = Perturbation.by_name(name)()
    assert (perturbation.eps, perturbation.weight, perturbation.target) == (5.0, 1.0, "embeddings")


def test_self_attention_target_names_its_layers_sorted_once_and_reads_those_layers():
    assert self_attention_target("all") == sa.SELF_ATTENTION
    TARGETS.pop("self_attention[0, 2]", None)
    name = self_attention_target([2, 0, 2])
    assert name == "self_attention[0, 2]" and TARGETS[name].below_encoder is False
    target = TARGETS[name]
    assert self_attention_target([0, 2]) == name and TARGETS[name] is target  # not rebuilt
    state = tiny_transformer_state()
    fields, masks = target_fields(state, name)
    expected, expected_masks = sa.self_attention_fields(state, [0, 2])
    assert sorted(fields) == ["layer_0", "layer_2"]
    for layer in fields:
        assert fields[layer] is expected[layer] and torch.equal(masks[layer], expected_masks[layer])


def test_errors_name_the_target_the_layers_and_the_encoder(model):
    with pytest.raises(ConfigurationError, match=r"unknown perturbation target 'nope'; known: \["):
        target_fields(None, "nope")
    with pytest.raises(
        ConfigurationError, match="attention_at perturbs scores or self_attention, not 'embeddings'"
    ):
        Perturbation.from_params(Params({"type": "attention_at", "target": "embeddings"}))
    with pytest.raises(
        ConfigurationError, match="layers must be \"all\" or a list of layer indices, got 'last'"
    ):
        Perturbation.from_params(
            Params({"type": "attention_at", "target": "self_attention", "layers": "last"})
        )
    state, _ = tiny_state(model)
    with pytest.raises(
        ConfigurationError,
        match=r"^the self_attention target needs a Transformer encoder \(attnat_transformer or "
        r"attnat_pretrained_transformer\) inside the model's attention encoder$",
    ):
        sa.self_attention_fields(state)


def test_word_embedding_needs_exactly_one_embedding():
    model = tiny_model()
    assert word_embedding(model) is model.text_field_embedder.token_embedder_tokens
    model._text_field_embedder = BasicTextFieldEmbedder(
        {"a": Embedding(embedding_dim=4, num_embeddings=5), "b": Embedding(4, num_embeddings=5)}
    )
    with pytest.raises(
        ConfigurationError,
        match="^word_iat needs a text_field_embedder with exactly one 'embedding' token embedder, "
        "found 2$",
    ):
        word_embedding(model)


@pytest.mark.parametrize("name", ["attention_at", "word_at"])
def test_at_uses_the_clean_gradient_it_is_given(model, name):
    """A `CleanPass` is what the perturbation uses, not a recomputed clean gradient."""
    state, _ = tiny_state(model)
    perturbation = Perturbation.by_name(name)(eps=0.7)
    fields, masks = perturbation.target_fields(state)
    torch.manual_seed(0)
    given = {key: torch.randn_like(value) for key, value in fields.items()}
    clean = CleanPass(model.logits_from_scores(state)[0], {perturbation.target: given})
    r = perturbation.perturb(model, state, clean)
    torch.testing.assert_close(r, normalize_fields(given, masks, 0.7))
    expected = perturbation.extra_loss(model, state, r, clean)
    torch.testing.assert_close(perturbation.loss(model, state, clean), expected)


@pytest.mark.parametrize("name", ["attention_vat", "word_vat"])
def test_vat_measures_its_kl_against_the_clean_logits_it_is_given(model, name):
    state, _ = tiny_state(model)
    perturbation = Perturbation.by_name(name)(eps=0.7)
    logits = model.logits_from_scores(state)[0].detach()
    given = CleanPass(logits.flip(-1))  # as if the clean pass had predicted the other label
    torch.manual_seed(0)
    loss = perturbation.loss(model, state, given)
    torch.manual_seed(0)
    r = perturbation.perturb(model, state, given)
    expected = kl_from_logits(given.logits, perturbation.perturbed_logits(model, state, r)).mean()
    torch.testing.assert_close(loss, expected)
    torch.manual_seed(0)
    assert not torch.allclose(perturbation.loss(model, state), loss)


def test_detached_state_keeps_the_query_values_without_the_graph(model):
    state, _ = tiny_state(model)
    query = torch.randn(state.batch_size, 8, dtype=torch.float64, requires_grad=True)
    detached = replace(state, query=query * 2).detached()
    torch.testing.assert_close(detached.query, query.detach() * 2)
    assert not detached.query.requires_grad and not detached.scores.requires_grad
    assert state.detached().query is None


def test_random_fields_have_the_norm_asked_for_and_1_by_default():
    masks = {"a": torch.tensor([[True, True, False], [True, False, False]])}
    like = {"a": torch.zeros(2, 3, 4)}
    noise = random_fields(like, masks, 3.0)
    torch.testing.assert_close(example_norms(noise, masks), torch.full((2,), 3.0))
    assert (noise["a"][~masks["a"]] == 0).all()
    torch.testing.assert_close(example_norms(random_fields(like, masks), masks), torch.ones(2))
    at = Perturbation.by_name("attention_at")()
    torch.testing.assert_close(example_norms(at.random(like, masks), masks), torch.ones(2))
    heads = {"layer_0": torch.randn(2, 3, 4, 4)}
    per_head = sa.normalize_per_head(heads, {"layer_0": torch.ones(2, 1, 4, 4, dtype=torch.bool)})
    torch.testing.assert_close(per_head["layer_0"].flatten(2).norm(dim=-1), torch.ones(2, 3))


def test_kl_of_half_precision_logits_is_computed_in_float32():
    clean = torch.tensor([[2.0, -1.0], [0.3, 0.1]], dtype=torch.float16)
    perturbed = torch.tensor([[1.0, 0.5], [-0.2, 0.4]], dtype=torch.float16)
    kl = kl_from_logits(clean, perturbed)
    assert kl.dtype == torch.float32
    p_hat = torch.softmax(clean.float(), -1)
    expected = (p_hat * (p_hat.log() - torch.log_softmax(perturbed.float(), -1))).sum(-1)
    torch.testing.assert_close(kl, expected)


def directions_of(scores):
    mask = torch.ones(scores.shape[0], 1, scores.shape[2], scores.shape[3], dtype=torch.bool)
    return sa.head_directions(scores, mask)


def test_self_attention_directions_of_tiny_scores_are_unit_and_below_tiny_none():
    torch.manual_seed(0)
    base = torch.randn(3, 2, 4, 4, dtype=torch.float64)
    # scores of size 1e-7: squared differences ~1e-14, far above TINY^2, still unit directions
    small = directions_of(base * 1e-7)
    off = ~torch.eye(3, dtype=torch.bool).unsqueeze(1).expand(3, 2, 3)
    assert (small.inverse_norms[off] > 0).all()
    difference = (base[1] - base[0]) * 1e-7
    torch.testing.assert_close(
        small.inverse_norms[0, :, 1], difference.flatten(1).norm(dim=-1) ** -1
    )
    # scores of size 1e-13: squared differences ~1e-26, below TINY^2 = 1e-24: no direction
    assert (directions_of(base * 1e-13).inverse_norms == 0).all()
    # the diagonal (an example towards itself) is never a direction
    assert (small.inverse_norms[:, :, [0, 1, 2]].diagonal(dim1=0, dim2=2) == 0).all()


def test_self_attention_directions_between_scores_equal_up_to_rounding_are_none():
    torch.manual_seed(1)
    scores = torch.randn(3, 2, 4, 4, dtype=torch.float64)
    scores[1] = scores[0] * (1 + 1e-7)  # ||s_1 - s_0||^2 ~ 1e-14 ||s||^2, below 1e-10 of the scale
    directions = directions_of(scores)
    assert (directions.inverse_norms[0, :, 1] == 0).all()
    assert (directions.inverse_norms[1, :, 0] == 0).all()
    assert (directions.inverse_norms[0, :, 2] > 0).all()


def test_eps_and_weight_bounds_are_inclusive_and_non_numbers_are_refused():
    from attnat_allennlp.perturbations.base import MAX_EPS, check_eps

    assert check_eps(0) == 0.0 and check_eps(MAX_EPS) == MAX_EPS
    for bad in (True, "5", float("nan"), -1.0, MAX_EPS * 2):
        with pytest.raises(ConfigurationError, match=r"^eps must be a finite number between 0"):
            check_eps(bad)
    assert Perturbation.by_name("attention_at")(weight=0).weight == 0
    for bad in (True, "a", float("inf"), -0.5):
        with pytest.raises(ConfigurationError, match=r"^the perturbation 'attention_at': weight"):
            Perturbation.by_name("attention_at")(weight=bad)


def test_the_base_defaults_and_a_detached_state_cut_from_the_graph():
    base = Perturbation(0.5)
    assert (base.eps, base.weight) == (0.5, 1.0)
    masks = {"a": torch.tensor([[True, False]])}
    unit = base.normalize({"a": torch.tensor([[3.0, 9.0]])}, masks)
    torch.testing.assert_close(unit["a"], torch.tensor([[1.0, 0.0]]))
    state = tiny_transformer_state()
    assert sorted(sa.self_attention_fields(state)[0]) == ["layer_0", "layer_1", "layer_2"]
    detached = state.detached()
    tensors = list(detached.embeddings.values()) + [detached.states, detached.scores]
    tensors += list(detached.self_attention.inputs) + list(detached.self_attention.scores)
    assert state.states.requires_grad and not any(t.requires_grad for t in tensors)
    torch.testing.assert_close(detached.states, state.states.detach())
    torch.testing.assert_close(detached.self_attention.scores[1], state.self_attention.scores[1])
