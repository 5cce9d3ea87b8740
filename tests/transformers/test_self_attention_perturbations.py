"""The attention techniques on the self-attention of a Transformer encoder (target "self_attention")."""

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding

from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.transformer import TransformerEncoder
from attnat_allennlp.perturbations import Perturbation
from attnat_allennlp.perturbations.util import kl_from_logits

WORDS = [f"w{i}" for i in range(30)]
LENGTHS = [6, 4, 5, 2]
TECHNIQUES = ["attention_rp", "attention_at", "attention_iat", "attention_vat", "attention_ivat"]


def tiny_transformer(seed=0, heads=2, layers=3):
    torch.manual_seed(seed)
    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(WORDS, "tokens")
    vocab.add_tokens_to_namespace(["negative", "positive"], "labels")
    embedder = BasicTextFieldEmbedder(
        {"tokens": Embedding(embedding_dim=8, num_embeddings=vocab.get_vocab_size("tokens"))}
    )
    encoder = AttentionSeq2VecEncoder(
        TransformerEncoder(8, hidden_dim=8, num_layers=layers, num_heads=heads, dropout=0.0),
        attention_dim=8,
    )
    return AttentionClassifier(vocab, embedder, encoder).double().train()


def tiny_state(model, lengths=LENGTHS):
    generator = torch.Generator().manual_seed(1)
    ids = torch.zeros(len(lengths), max(lengths), dtype=torch.long)
    for row, length in enumerate(lengths):
        ids[row, :length] = torch.randint(2, 2 + len(WORDS), (length,), generator=generator)
    label = torch.tensor([row % 2 for row in range(len(lengths))])
    return model(tokens={"tokens": {"tokens": ids}}, label=label)["attention_state"]


def build(name, **kwargs):
    return Perturbation.from_params(Params({"type": name, "target": "self_attention", **kwargs}))


def pair_mask(lengths, size):
    mask = torch.zeros(len(lengths), size, dtype=torch.bool)
    for row, length in enumerate(lengths):
        mask[row, :length] = True
    return mask.unsqueeze(-1) & mask.unsqueeze(-2)


@pytest.mark.parametrize("name", TECHNIQUES)
@pytest.mark.parametrize(
    "layers,expected",
    [
        ([-1], ["layer_2"]),
        ("all", ["layer_0", "layer_1", "layer_2"]),
        ([0, 2], ["layer_0", "layer_2"]),
    ],
)
def test_norm_eps_per_example_and_head_and_zero_on_padding(name, layers, expected):
    model = tiny_transformer()
    state = tiny_state(model)
    perturbation = build(name, eps=0.7, layers=layers)
    r = perturbation.perturb(model, state)
    assert sorted(r) == expected
    both = pair_mask(LENGTHS, max(LENGTHS))
    for value in r.values():
        assert value.shape == (4, 2, 6, 6)
        assert torch.all(value.masked_select(~both.unsqueeze(1).expand_as(value)) == 0)
        norms = value.flatten(2).norm(dim=-1)
        assert torch.allclose(norms, torch.full_like(norms, 0.7), atol=1e-9)
        assert not value.requires_grad
    loss = perturbation.loss(model, state)
    assert torch.isfinite(loss) and loss.requires_grad


@pytest.mark.parametrize("name", TECHNIQUES)
def test_the_layers_below_and_the_embeddings_are_not_re_run(name):
    model = tiny_transformer()
    state = tiny_state(model)
    encoder = model.attention_encoder.self_attention_encoder
    calls = []
    for index in range(3):
        layer = encoder.layers[index]
        scores, output = layer.scores, layer.output
        layer.scores = lambda h, i=index, f=scores: calls.append(("scores", i)) or f(h)
        layer.output = lambda *a, i=index, f=output: calls.append(("output", i)) or f(*a)
    encoder.embed_positions = lambda *a: pytest.fail("the positional encoding was re-run")
    model._text_field_embedder.forward = lambda *a, **k: pytest.fail("the embeddings were re-run")
    perturbation = build(name, layers=[1])
    perturbation.loss(model, state).backward()
    assert calls and all(index >= 1 for _, index in calls)
    assert ("scores", 1) not in calls  # the perturbed layer's scores come from the stored state
    # with [-1] only the last layer runs again
    calls.clear()
    build(name, layers=[-1]).loss(model, state)
    assert {index for _, index in calls} == {2}


def test_at_is_the_normalised_gradient_of_each_head():
    model = tiny_transformer()
    state = tiny_state(model)
    scores = state.self_attention.scores[1]
    loss = model.task_loss(model.logits_from_scores(state)[0], state)
    (gradient,) = torch.autograd.grad(loss, [scores], retain_graph=True)
    r = build("attention_at", eps=2.0, layers=[1]).perturb(model, state)["layer_1"]
    expected = 2.0 * gradient / gradient.flatten(2).norm(dim=-1)[..., None, None]
    assert torch.allclose(r, expected, atol=1e-9)


def test_iat_lies_in_the_span_of_the_directions_of_its_head():
    model = tiny_transformer()
    state = tiny_state(model)
    scores = state.self_attention.scores[2].detach()
    r = build("attention_iat", layers=[-1]).perturb(model, state)["layer_2"]
    both = pair_mask(LENGTHS, max(LENGTHS))
    for i in range(4):
        for h in range(2):
            mask = both[i].flatten()
            basis = torch.stack(
                [(scores[j, h] - scores[i, h]).flatten()[mask] for j in range(4) if j != i], 1
            )
            target = r[i, h].flatten()[mask]
            solution = torch.linalg.lstsq(basis, target.unsqueeze(1)).solution
            assert torch.allclose(basis @ solution, target.unsqueeze(1), atol=1e-8)
    # and not the plain gradient direction (iAT is not AT)
    at = build("attention_at", layers=[-1]).perturb(model, state)["layer_2"]
    assert not torch.allclose(r, at, atol=1e-3)


def test_iat_of_a_batch_of_one_is_zero_not_nan():
    model = tiny_transformer()
    state = tiny_state(model, lengths=[5])
    for name in ("attention_iat", "attention_ivat"):
        r = build(name, layers="all").perturb(model, state)
        assert all(torch.all(value == 0) for value in r.values())


def test_vat_direction_goes_towards_the_dominant_eigenvector():
    model = tiny_transformer(heads=1, layers=2)
    state = tiny_state(model, lengths=[4, 3])
    clean = model.logits_from_scores(state)[0].detach()
    frozen = state.detached()

    def kl(d):
        full = torch.zeros(2, 1, 4, 4, dtype=torch.float64)
        full[0, 0] = d.view(4, 4)
        rerun = model.rerun_from_self_attention(frozen, {1: full})
        return kl_from_logits(clean, model.logits_from_scores(rerun)[0])[0]

    hessian = torch.autograd.functional.hessian(kl, torch.zeros(16, dtype=torch.float64))
    values, vectors = torch.linalg.eigh(hessian)
    dominant = vectors[:, -1]
    assert values[-1] > 2 * values[-2].abs()
    torch.manual_seed(3)
    r = build("attention_vat", eps=1.0, xi=1e-4, num_power_iterations=30, layers=[-1]).perturb(
        model, state
    )
    direction = r["layer_1"][0, 0].flatten()
    assert abs(float(direction @ dominant)) == pytest.approx(1.0, abs=1e-4)


def test_ivat_is_the_top_eigenvector_of_the_kl_hessian_in_the_span_of_its_head_directions():
    # One head: iVAT's power iteration on alpha_i (one per other example) converges to the top
    # eigenvector v of the Hessian of example i's KL with respect to alpha_i, and
    # r_i = eps * normalize(sum_j v_j d_ij). Binary outputs make that Hessian rank one, so the
    # default single iteration reaches v; the mean of the directions does not.
    model = tiny_transformer(heads=1, layers=2)
    lengths = [4, 3, 4, 2]
    state = tiny_state(model, lengths=lengths)
    clean = model.logits_from_scores(state)[0].detach()
    frozen = state.detached()
    scores = frozen.self_attention.scores[1]  # (batch, 1, 4, 4)
    both = pair_mask(lengths, 4).unsqueeze(1).to(scores.dtype)
    perturbations = {
        iterations: build(
            "attention_ivat", eps=1.0, xi=1e-4, num_power_iterations=iterations, layers=[-1]
        ).perturb(model, state)["layer_1"]
        for iterations in (0, 1)
    }
    cosines = {iterations: [] for iterations in perturbations}
    for i in range(len(lengths)):
        differences = [(scores[j] - scores[i]) * both[i] for j in range(len(lengths)) if j != i]
        basis = torch.stack([d / d.norm() for d in differences])  # (K, 1, 4, 4)

        def kl(alpha, i=i, basis=basis):
            row = torch.einsum("k,khqt->hqt", alpha, basis)
            full = torch.stack([row if b == i else torch.zeros_like(row) for b in range(4)])
            rerun = model.rerun_from_self_attention(frozen, {1: full})
            return kl_from_logits(clean, model.logits_from_scores(rerun)[0])[i]

        hessian = torch.autograd.functional.hessian(kl, torch.zeros(3, dtype=torch.float64))
        values, vectors = torch.linalg.eigh(hessian)
        expected = torch.einsum("k,khqt->hqt", vectors[:, values.abs().argmax()], basis)
        for iterations, r in perturbations.items():
            cosine = (r[i] * expected).sum().abs() / (r[i].norm() * expected.norm())
            cosines[iterations].append(float(cosine))
    assert min(cosines[1]) > 0.9999, cosines
    assert min(cosines[0]) < 0.9, cosines


def test_bad_target_and_layers_are_named():
    with pytest.raises(ConfigurationError, match="not 'embeddings'"):
        Perturbation.from_params(Params({"type": "attention_at", "target": "embeddings"}))
    with pytest.raises(ConfigurationError, match="layers applies"):
        Perturbation.from_params(Params({"type": "attention_at", "layers": [-1]}))
    model = tiny_transformer()
    state = tiny_state(model)
    with pytest.raises(ConfigurationError, match="layer 5 does not exist"):
        build("attention_at", layers=[5]).perturb(model, state)


def test_implicit_head_directions_equal_the_explicit_ones():
    from attnat_allennlp.perturbations.self_attention import head_directions

    torch.manual_seed(0)
    lengths = [5, 3, 4, 2]
    both = pair_mask(lengths, 5).unsqueeze(1)
    scores = torch.randn(4, 2, 5, 5, dtype=torch.float64) * both
    scores[3] = scores[2] * both[3]  # example 3 equals example 2 on its tokens: no direction 3 -> 2
    directions = head_directions(scores, both)
    differences = (scores.unsqueeze(0) - scores.unsqueeze(1)) * both.unsqueeze(1)  # [i, j]
    norms = differences.flatten(3).norm(dim=-1)[..., None, None]
    explicit = torch.where(
        norms > 1e-9, differences / norms.clamp_min(1e-12), torch.zeros_like(differences)
    )
    explicit[torch.arange(4), torch.arange(4)] = 0
    gradient = torch.randn(4, 2, 5, 5, dtype=torch.float64) * both
    assert torch.allclose(
        directions.project(gradient), torch.einsum("ihqk,ijhqk->ihj", gradient, explicit)
    )
    alpha = torch.randn(4, 2, 4, dtype=torch.float64)
    assert torch.allclose(
        directions.combine(alpha), torch.einsum("ihj,ijhqk->ihqk", alpha, explicit)
    )
    assert torch.all(directions.inverse_norms[3, :, 2] == 0)


def test_the_detached_state_keeps_every_value_and_carries_no_graph():
    state = tiny_state(tiny_transformer())
    frozen = state.detached()
    differentiated = [
        *state.embeddings.values(),
        state.states,
        state.scores,
        *state.self_attention.inputs,
        *state.self_attention.scores,
    ]
    copies = [
        *frozen.embeddings.values(),
        frozen.states,
        frozen.scores,
        *frozen.self_attention.inputs,
        *frozen.self_attention.scores,
    ]
    assert any(value.requires_grad for value in differentiated)
    for value, copy in zip(differentiated, copies):
        assert not copy.requires_grad and torch.equal(value, copy)
    assert frozen.mask is state.mask and frozen.masks == state.masks
