"""The knobs of the VAT family reach the power iteration: the defaults, xi (the size of every
probe), num_power_iterations (how many probes), checked probe by probe against the iteration
written out here (plain VAT) or against the first probe iVAT defines."""

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from perturbations.tiny import tiny_model, tiny_state

from attnat_allennlp.perturbations import CleanPass, Perturbation
from attnat_allennlp.perturbations.util import (
    combine,
    example_norms,
    iat_directions,
    kl_from_logits,
    normalize_fields,
)

VAT_FAMILY = ["attention_vat", "attention_ivat", "word_vat"]


@pytest.mark.parametrize("name", ["attention_vat", "attention_ivat"])
def test_the_attention_pair_builds_from_params_through_the_shared_constructor(name):
    params = {"eps": 0.3, "weight": 0.2, "xi": 0.05, "num_power_iterations": 3}
    built = Perturbation.from_params(
        Params({"type": name, **params, "target": "self_attention", "layers": [-1]})
    )
    assert (built.eps, built.weight, built.xi, built.num_power_iterations) == (0.3, 0.2, 0.05, 3)
    assert (built.target, built.layers) == ("self_attention[-1]", [-1])
    positional = Perturbation.by_name(name)(0.3, 0.2, 0.05, 3, target="scores")
    assert (positional.eps, positional.weight, positional.xi) == (0.3, 0.2, 0.05)
    assert positional.num_power_iterations == 3 and positional.target == "scores"
    with pytest.raises(
        ConfigurationError,
        match=rf"^{name} has no parameter power_iterations; its parameters are eps, weight, xi, "
        "num_power_iterations, target and layers$",
    ):
        Perturbation.from_params(Params({"type": name, "power_iterations": 2}))


@pytest.fixture
def model():
    return tiny_model()


@pytest.mark.parametrize("name", VAT_FAMILY)
def test_defaults_and_given_knobs_reach_the_perturbation(name):
    default = Perturbation.by_name(name)()
    assert (default.eps, default.weight, default.xi, default.num_power_iterations) == (
        5.0,
        1.0,
        0.1,
        1,
    )
    assert default.target == ("embeddings" if name == "word_vat" else "scores")
    assert default.layers == "all" and not default.requires_labels
    given = Perturbation.by_name(name)(eps=0.3, weight=0.2, xi=0.05, num_power_iterations=3)
    assert (given.eps, given.weight, given.xi, given.num_power_iterations) == (0.3, 0.2, 0.05, 3)
    with pytest.raises(ConfigurationError, match="^num_power_iterations must be non-negative$"):
        Perturbation.by_name(name)(num_power_iterations=-1)
    assert Perturbation.by_name(name)(num_power_iterations=0).num_power_iterations == 0


def spy_on_probes(perturbation):
    """Records (a detached copy of) every probe the power iteration runs the model on."""
    probes = []
    original = perturbation.perturbed_logits

    def perturbed_logits(model, state, perturbation_fields):
        probes.append({k: v.detach().clone() for k, v in perturbation_fields.items()})
        return original(model, state, perturbation_fields)

    perturbation.perturbed_logits = perturbed_logits
    return probes


def reference_vat(model, state, perturbation, seed, clean=None):
    """Plain VAT's power iteration written out: (the probes, the perturbation)."""
    fields, masks = perturbation.target_fields(state)
    frozen = state.detached()
    if clean is None:
        clean = model.logits_from_scores(state)[0].detach()
    torch.manual_seed(seed)
    noise = {name: torch.randn_like(value) for name, value in fields.items()}
    d = normalize_fields(noise, masks, perturbation.xi)
    probes = []
    for _ in range(perturbation.num_power_iterations):
        d = {name: value.detach().requires_grad_() for name, value in d.items()}
        probes.append({name: value.detach() for name, value in d.items()})
        if perturbation.target == "embeddings":
            logits = model.logits_from_scores(model.rerun_from_embeddings(frozen, d))[0]
        else:
            logits = model.logits_from_scores(frozen, d["scores"])[0]
        kl = kl_from_logits(clean, logits).sum()
        d = dict(zip(d, torch.autograd.grad(kl, list(d.values()))))
        d = normalize_fields(d, masks, perturbation.xi)
    return probes, normalize_fields(d, masks, perturbation.eps)


@pytest.mark.parametrize("name", ["attention_vat", "word_vat"])
@pytest.mark.parametrize("iterations,xi", [(0, 0.1), (1, 0.1), (3, 0.37)])
def test_vat_runs_num_power_iterations_probes_of_norm_xi(model, name, iterations, xi):
    state, _ = tiny_state(model)
    perturbation = Perturbation.by_name(name)(eps=0.7, xi=xi, num_power_iterations=iterations)
    probes = spy_on_probes(perturbation)
    torch.manual_seed(5)
    r = perturbation.perturb(model, state)
    expected_probes, expected = reference_vat(model, state, perturbation, seed=5)
    assert len(probes) == iterations
    _, masks = perturbation.target_fields(state)
    for probe, expected_probe in zip(probes, expected_probes):
        torch.testing.assert_close(probe, expected_probe)
        norms = example_norms(probe, masks)
        torch.testing.assert_close(norms, torch.full_like(norms, xi))
    torch.testing.assert_close(r, expected)


@pytest.mark.parametrize("iterations", [0, 1, 2])
def test_ivat_first_probe_is_xi_times_the_mean_direction_and_counts_its_iterations(
    model, iterations
):
    state, _ = tiny_state(model)
    directions = iat_directions(state.scores, state.mask)
    batch = state.batch_size
    others = ~torch.eye(batch, dtype=torch.bool)
    # alpha_i = 1/K over the K = batch - 1 others, scaled to unit norm: 1/sqrt(K) each
    alpha = others.double() / (batch - 1) ** 0.5
    for xi in (0.1, 0.25):
        perturbation = Perturbation.by_name("attention_ivat")(
            eps=0.7, xi=xi, num_power_iterations=iterations
        )
        probes = spy_on_probes(perturbation)
        r = perturbation.perturb(model, state)
        assert len(probes) == iterations
        norms = r["scores"].norm(dim=-1)
        torch.testing.assert_close(norms, torch.full_like(norms, 0.7))
        if iterations:
            torch.testing.assert_close(probes[0]["scores"], xi * combine(alpha, directions))
        else:  # no iteration: the mean direction itself
            expected = combine(alpha, directions)
            expected = 0.7 * expected / expected.norm(dim=-1, keepdim=True)
            torch.testing.assert_close(r["scores"], expected)


@pytest.mark.parametrize("name", ["attention_vat", "word_vat"])
def test_vat_iterates_against_the_clean_logits_it_is_given(model, name):
    state, _ = tiny_state(model)
    perturbation = Perturbation.by_name(name)(eps=0.7, num_power_iterations=2)
    given = model.logits_from_scores(state)[0].detach().flip(-1)  # the other label predicted
    torch.manual_seed(5)
    r = perturbation.perturb(model, state, CleanPass(given))
    _, expected = reference_vat(model, state, perturbation, seed=5, clean=given)
    torch.testing.assert_close(r, expected)
    _, unflipped = reference_vat(model, state, perturbation, seed=5)
    assert not torch.allclose(r[next(iter(r))], unflipped[next(iter(r))])
