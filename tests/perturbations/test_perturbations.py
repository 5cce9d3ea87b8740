import importlib
import logging

import pytest
import torch
from perturbations.tiny import LENGTHS, tiny_model, tiny_state

from attnat_allennlp.perturbations import CleanPass, Perturbation
from attnat_allennlp.perturbations.util import (
    iat_directions,
    kl_from_logits,
    nearest_neighbours,
    normalize,
)
from attnat_allennlp.perturbations.word_iat import word_embedding

ALL = [
    "attention_rp",
    "attention_at",
    "attention_iat",
    "word_at",
    "word_iat",
    "word_vat",
    "attention_vat",
    "attention_ivat",
]
EPS = 0.7


def build(name, **kwargs):
    return Perturbation.by_name(name)(eps=EPS, **kwargs)


def fields_and_masks(perturbation, state):
    return perturbation.target_fields(state)


def per_example_norms(r, masks):
    return sum(value.pow(2).flatten(1).sum(-1) for value in r.values()).sqrt()


@pytest.fixture(scope="module")
def model():
    return tiny_model()


@pytest.mark.parametrize("name", ALL)
def test_norm_is_eps_padding_is_zero_and_detached(model, name):
    state, _ = tiny_state(model)
    perturbation = build(name)
    r = perturbation.perturb(model, state)
    _, masks = fields_and_masks(perturbation, state)
    assert set(r) == set(masks)
    torch.testing.assert_close(
        per_example_norms(r, masks), torch.full((4,), EPS, dtype=torch.double)
    )
    for key, value in r.items():
        assert not value.requires_grad
        padding = ~masks[key]
        assert padding.any()
        assert (value[padding] == 0).all()
    loss = perturbation.loss(model, state)
    assert loss.dim() == 0 and torch.isfinite(loss) and loss.requires_grad


@pytest.mark.parametrize(
    "name", ["attention_rp", "attention_at", "attention_iat", "attention_vat", "attention_ivat"]
)
def test_attention_level_never_reruns_the_encoder(model, name, monkeypatch):
    state, _ = tiny_state(model)
    calls = []
    encoder = model.attention_encoder
    original = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda *a, **k: calls.append(1) or original(*a, **k))
    build(name).loss(model, state)
    assert calls == []


def test_attention_rp_draws_new_isotropic_sign_symmetric_noise_at_every_call(model):
    # r = eps * n / ||n||, n ~ N(0, I) on the real tokens, drawn anew for every batch: each
    # coordinate is symmetric around 0 with E[r_t^2] = eps^2 / length.
    state, _ = tiny_state(model)
    rp = build("attention_rp")
    torch.manual_seed(0)
    draws = torch.stack([rp.perturb(model, state)["scores"] for _ in range(2000)])
    for first, second in zip(draws[:10], draws[1:11]):
        assert not torch.allclose(first, second)
    for i, length in enumerate(LENGTHS):
        real = draws[:, i, :length]  # (draws, length)
        # 5 standard errors of the mean, sqrt(E[r_t^2] / draws)
        assert (real.mean(0).abs() < 5 * EPS / (length * len(draws)) ** 0.5).all()
        assert ((real > 0).double().mean(0) - 0.5).abs().max() < 0.05
        torch.testing.assert_close(
            real.pow(2).mean(0), torch.full((length,), EPS**2 / length).double(), rtol=0.12, atol=0
        )


def score_gradient(model, state):
    loss = model.task_loss(model.logits_from_scores(state)[0], state)
    return torch.autograd.grad(loss, state.scores, retain_graph=True)[0]


def test_attention_at_is_the_normalised_gradient_and_beats_random(model):
    state, _ = tiny_state(model)
    g = score_gradient(model, state)
    r = build("attention_at").perturb(model, state)["scores"]
    torch.testing.assert_close(r, EPS * g / g.norm(dim=-1, keepdim=True))
    # To first order the loss rises by <g, r> = eps ||g||, more than for any other direction.
    torch.manual_seed(0)
    for _ in range(20):
        random = build("attention_rp").perturb(model, state)["scores"]
        assert ((g * r).sum(-1) >= (g * random).sum(-1) - 1e-12).all()
    # ... and for real, at a small eps.
    small = Perturbation.by_name("attention_at")(eps=1e-3).perturb(model, state)["scores"]
    random = Perturbation.by_name("attention_rp")(eps=1e-3).perturb(model, state)["scores"]
    clean = model.task_loss(model.logits_from_scores(state)[0], state)
    adversarial = model.task_loss(model.logits_from_scores(state, small)[0], state)
    randomly = model.task_loss(model.logits_from_scores(state, random)[0], state)
    assert adversarial - clean > abs(randomly - clean)


def test_attention_iat_lies_in_the_span_of_the_directions_and_raises_the_loss(model):
    state, _ = tiny_state(model)
    g = score_gradient(model, state)
    r = build("attention_iat").perturb(model, state)["scores"]
    directions = iat_directions(state.scores, state.mask)
    r_at = build("attention_at").perturb(model, state)["scores"]
    for i in range(state.batch_size):
        others = [j for j in range(state.batch_size) if j != i]
        basis = directions[i, others].t()  # (seq_len, batch - 1)
        coefficients = torch.linalg.lstsq(basis, r[i].unsqueeze(-1)).solution
        torch.testing.assert_close(basis @ coefficients, r[i].unsqueeze(-1))
        # the first-order rise <g, r> = eps ||D g|| / ||D^T D g|| ... > 0, and r is not -r_AT
        assert (g[i] * r[i]).sum() > 0
        assert (r[i] * r_at[i]).sum() > 0
    # exactly the paper's formula
    grad_alpha = torch.einsum("ijt,it->ij", directions, g)
    expected = torch.einsum(
        "ij,ijt->it", grad_alpha / grad_alpha.norm(dim=-1, keepdim=True), directions
    )
    torch.testing.assert_close(r, EPS * expected / expected.norm(dim=-1, keepdim=True))


def test_iat_directions_are_unit_masked_and_zero_on_the_diagonal():
    scores = torch.tensor([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [1.0, 2.0, 0.0]], dtype=torch.double)
    mask = torch.tensor([[True, True, False], [True, True, True], [True, True, False]])
    d = iat_directions(scores, mask)
    assert (d[torch.arange(3), torch.arange(3)] == 0).all()
    assert (d[0, :, 2] == 0).all()  # masked to example 0's tokens
    torch.testing.assert_close(
        d[0, 1], torch.tensor([-1.0, -1.0, 0.0], dtype=torch.double) / 2**0.5
    )
    assert (d[0, 2] == 0).all()  # identical scores: no direction, no NaN


def test_word_at_norm_runs_over_the_whole_example_and_beats_random(model):
    state, _ = tiny_state(model)
    embeddings = state.embeddings["tokens"]
    loss = model.task_loss(model.logits_from_scores(state)[0], state)
    g = torch.autograd.grad(loss, embeddings, retain_graph=True)[0]
    r = build("word_at").perturb(model, state)["tokens"]
    expected = EPS * g / g.flatten(1).norm(dim=-1).view(-1, 1, 1)
    torch.testing.assert_close(r, expected)
    random = torch.randn_like(g) * state.masks["tokens"].unsqueeze(-1)
    random = EPS * random / random.flatten(1).norm(dim=-1).view(-1, 1, 1)
    assert ((g * r).flatten(1).sum(-1) > (g * random).flatten(1).sum(-1)).all()


def test_nearest_neighbours_by_cosine_skip_the_word_and_padding():
    weight = torch.tensor([[0.0, 0.0], [1.0, 0.0], [2.0, 0.1], [0.0, 1.0], [-1.0, -0.5]])
    ids = torch.tensor([1, 3])
    neighbours = nearest_neighbours(weight, ids, k=2, excluded_ids=[0], chunk_elements=5)
    assert neighbours.tolist() == [[2, 3], [2, 1]]


def padded_directions(perturbation, model, state):
    """word iAT's directions of the real tokens `(num_tokens, K, dim)`, padded to `(batch, len, K, dim)`."""
    mask = state.masks["tokens"]
    directions = perturbation.directions(model, state)["tokens"]
    assert directions.shape[0] == int(mask.sum())
    padded = directions.new_zeros(mask.shape + directions.shape[1:])
    padded[mask] = directions
    return padded


def test_word_iat_lies_in_the_span_of_the_neighbour_directions(model):
    state, _ = tiny_state(model)
    perturbation = build("word_iat", num_neighbours=3)
    directions = padded_directions(perturbation, model, state)  # (batch, len, K, dim)
    assert directions.shape[2] == 3
    r = perturbation.perturb(model, state)["tokens"]
    weight = word_embedding(model).weight.detach()
    ids = state.token_ids["tokens"]
    for i, length in enumerate(LENGTHS):
        for t in range(length):
            basis = directions[i, t].t()  # (dim, K)
            torch.testing.assert_close(basis.norm(dim=0), torch.ones(3, dtype=torch.double))
            solution = torch.linalg.lstsq(basis, r[i, t].unsqueeze(-1)).solution
            torch.testing.assert_close(basis @ solution, r[i, t].unsqueeze(-1))
            # the first direction points to the word's nearest (cosine) other word
            unit = weight / weight.norm(dim=-1, keepdim=True)
            similarity = unit @ unit[ids[i, t]]
            similarity[[0, 1, int(ids[i, t])]] = -2  # padding, OOV, the word itself
            nearest = weight[similarity.argmax()] - weight[ids[i, t]]
            torch.testing.assert_close(basis[:, 0], nearest / nearest.norm())


def test_word_iat_direction_is_alpha_hat_times_the_directions(model):
    # direction() works on the real tokens only; check it against the formula on padded tensors.
    from attnat_allennlp.perturbations.util import combine, normalize_fields

    state, _ = tiny_state(model)
    perturbation = build("word_iat", num_neighbours=3)
    torch.manual_seed(1)
    gradient = {"tokens": torch.randn_like(state.embeddings["tokens"]).detach()}
    directions = padded_directions(perturbation, model, state)
    grad_alpha = (directions * gradient["tokens"].unsqueeze(-2)).sum(-1)
    alpha_hat = normalize_fields({"tokens": grad_alpha}, state.masks)["tokens"]
    expected = combine(alpha_hat, directions)
    actual = perturbation.direction(model, state, gradient)["tokens"]
    torch.testing.assert_close(actual, expected)
    assert (actual[~state.masks["tokens"]] == 0).all()


def test_kl_is_non_negative_and_zero_for_equal_outputs_and_masked_candidates():
    torch.manual_seed(0)
    p, q = torch.randn(50, 3, dtype=torch.double), torch.randn(50, 3, dtype=torch.double)
    assert (kl_from_logits(p, q) >= 0).all()
    assert kl_from_logits(p, q).dtype == torch.double
    torch.testing.assert_close(kl_from_logits(p, p), torch.zeros(50, dtype=torch.double))
    # binary: the categorical KL of 2-way softmaxes equals the Bernoulli KL of sigmoid outputs
    a, b = torch.sigmoid(p[:, 1] - p[:, 0]), torch.sigmoid(q[:, 1] - q[:, 0])
    bernoulli = a * (a / b).log() + (1 - a) * ((1 - a) / (1 - b)).log()
    torch.testing.assert_close(kl_from_logits(p[:, :2], q[:, :2]), bernoulli)
    masked = torch.tensor([[1.0, -1e4, 0.0]], dtype=torch.double)
    other = torch.tensor([[0.0, -1e4, 1.0]], dtype=torch.double)
    assert torch.isfinite(kl_from_logits(masked, other)).all()
    p_gradient, q_gradient = p.clone().requires_grad_(), q.clone().requires_grad_()
    kl_from_logits(p_gradient, q_gradient).sum().backward()
    assert p_gradient.grad is None and q_gradient.grad is not None  # stop-gradient on p_hat


def kl_hessian(model, state, example):
    """The exact Hessian of KL(p_hat || p(s + d)) with respect to d on example's real tokens."""
    length = int(state.mask[example].sum())
    clean = model.logits_from_scores(state)[0].detach()
    frozen = state.detached()

    def kl(d):
        r = torch.zeros_like(frozen.scores)
        r = r.index_put((torch.tensor([example]).expand(length), torch.arange(length)), d)
        return kl_from_logits(clean, model.logits_from_scores(frozen, r)[0])[example]

    return torch.autograd.functional.hessian(kl, torch.zeros(length, dtype=torch.double))


def test_attention_vat_power_iteration_approaches_the_dominant_eigenvector(model):
    state, _ = tiny_state(model)
    cosines = {}
    for iterations in (0, 1, 3, 20):
        torch.manual_seed(3)
        r = Perturbation.by_name("attention_vat")(eps=EPS, xi=1e-4, num_power_iterations=iterations)
        r = r.perturb(model, state)["scores"]
        cosines[iterations] = []
        for i, length in enumerate(LENGTHS):
            values, vectors = torch.linalg.eigh(kl_hessian(model, state, i))
            top = vectors[:, values.abs().argmax()]
            cosines[iterations].append(float((r[i, :length] @ top).abs() / r[i].norm()))
    for i in range(len(LENGTHS)):
        assert cosines[20][i] > 0.999
        assert cosines[20][i] >= cosines[3][i] - 1e-6 >= cosines[1][i] - 2e-6
    assert sum(cosines[1]) > sum(cosines[0])


# ---- the power iterations of the VAT family against the exact top eigenvector -------------------


def only_row(like: torch.Tensor, example: int, row: torch.Tensor) -> torch.Tensor:
    """A tensor shaped like `like`, zero but for `example`'s row (differentiable in `row`)."""
    return torch.stack(
        [row if i == example else torch.zeros_like(like[i]) for i in range(len(like))]
    )


def restricted_kl_hessian(model, state, perturbation, example, to_fields, size):
    """
    The exact Hessian, at 0, of `v -> KL(p_hat || p(target + to_fields(v)))` of one example, for a
    perturbation of `example` only parametrised by `v` (`size` numbers): the matrix whose top
    eigenvector the power iteration approximates.
    """
    clean = model.logits_from_scores(state)[0].detach()
    frozen = state.detached()

    def kl(v):
        logits = perturbation.perturbed_logits(model, frozen, to_fields(v))
        return kl_from_logits(clean, logits)[example]

    return torch.autograd.functional.hessian(
        kl, torch.zeros(size, dtype=torch.double), vectorize=True
    )


def top_eigenvector(hessian: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(hessian)
    return vectors[:, values.abs().argmax()]


def abs_cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.flatten() @ b.flatten()).abs() / (a.norm() * b.norm()))


def test_attention_ivat_is_the_top_eigenvector_of_the_kl_hessian_in_the_span_of_its_directions(
    model,
):
    # iVAT's power iteration runs on alpha: its fixed point is the top eigenvector v of the Hessian
    # of KL with respect to alpha (that is D H D^T, D the directions of the example), and
    # r = eps * normalize(sum_j v_j d_ij).
    state, _ = tiny_state(model)
    directions = iat_directions(state.scores, state.mask)
    ivat = {
        iterations: Perturbation.by_name("attention_ivat")(
            eps=EPS, xi=1e-4, num_power_iterations=iterations
        ).perturb(model, state)["scores"]
        for iterations in (0, 1)
    }
    cosines = {iterations: [] for iterations in ivat}
    for i in range(state.batch_size):
        basis = directions[i, [j for j in range(state.batch_size) if j != i]]  # (K, seq_len)

        def to_fields(alpha, i=i, basis=basis):
            return {"scores": only_row(state.scores, i, alpha @ basis)}

        hessian = restricted_kl_hessian(
            model, state, build("attention_ivat"), i, to_fields, len(basis)
        )
        expected = top_eigenvector(hessian) @ basis
        for iterations, r in ivat.items():
            cosines[iterations].append(abs_cosine(r[i], expected))
    # binary outputs: the Hessian is rank one and one power iteration (the default) reaches v; the
    # mean of the directions (no iteration) is not already the answer
    assert min(cosines[1]) > 0.9999, cosines
    assert min(cosines[0]) < 0.9, cosines


def test_word_vat_is_the_top_eigenvector_of_the_kl_hessian_of_the_embeddings(model):
    # Binary outputs make the KL Hessian rank one, so one power iteration (the default) reaches its
    # top eigenvector; a random direction (no iteration) is far from it.
    state, _ = tiny_state(model)
    embeddings = state.embeddings["tokens"]
    dim = embeddings.size(-1)
    perturbations = {}
    for iterations in (0, 1):
        torch.manual_seed(5)
        vat = Perturbation.by_name("word_vat")(eps=EPS, xi=1e-4, num_power_iterations=iterations)
        perturbations[iterations] = vat.perturb(model, state)["tokens"]
    cosines = {iterations: [] for iterations in perturbations}
    for i, length in enumerate(LENGTHS):

        def to_fields(v, i=i, length=length):
            row = torch.cat([v.view(length, dim), v.new_zeros(len(embeddings[i]) - length, dim)])
            return {"tokens": only_row(embeddings, i, row)}

        hessian = restricted_kl_hessian(model, state, build("word_vat"), i, to_fields, length * dim)
        for iterations, r in perturbations.items():
            cosines[iterations].append(abs_cosine(r[i, :length], top_eigenvector(hessian)))
    assert min(cosines[1]) > 0.9999, cosines
    assert max(cosines[0]) < 0.5, cosines


def test_vat_family_works_without_labels_and_kl_is_non_negative(model):
    state, _ = tiny_state(model, with_label=False)
    assert state.label is None
    for name in ("attention_vat", "attention_ivat", "word_vat"):
        perturbation = build(name)
        assert perturbation.requires_labels is False
        loss = perturbation.loss(model, state)
        assert loss >= 0 and torch.isfinite(loss)


def test_attention_ivat_lies_in_the_span_of_the_directions(model):
    state, _ = tiny_state(model)
    r = build("attention_ivat").perturb(model, state)["scores"]
    directions = iat_directions(state.scores, state.mask)
    for i in range(state.batch_size):
        basis = directions[i, [j for j in range(4) if j != i]].t()
        solution = torch.linalg.lstsq(basis, r[i].unsqueeze(-1)).solution
        torch.testing.assert_close(basis @ solution, r[i].unsqueeze(-1))


@pytest.mark.parametrize("name", ["attention_iat", "attention_ivat"])
def test_batch_of_one_gives_no_perturbation_and_logs_once(model, name, caplog, monkeypatch):
    module = importlib.import_module(type(build(name)).__module__)
    monkeypatch.setattr(module.logger, "_seen_msgs", set())  # as if never logged in this process
    state, _ = tiny_state(model, lengths=[5])
    perturbation = build(name)
    with caplog.at_level(logging.WARNING):
        r = perturbation.perturb(model, state)["scores"]
        perturbation.perturb(model, state)
    assert (r == 0).all()
    assert torch.isfinite(perturbation.loss(model, state))
    warned = [record.getMessage() for record in caplog.records if record.name == module.__name__]
    kind = {"attention_iat": "iAT", "attention_ivat": "iVAT"}[name]
    assert warned == [f"{name}: a batch of one example has no {kind} direction; no perturbation"]


@pytest.mark.parametrize("name", ["attention_iat", "attention_ivat"])
def test_batch_of_two_has_one_direction_each_and_logs_nothing(model, name, caplog, monkeypatch):
    module = importlib.import_module(type(build(name)).__module__)
    monkeypatch.setattr(module.logger, "_seen_msgs", set())
    state, _ = tiny_state(model, lengths=[5, 3])
    with caplog.at_level(logging.WARNING):
        r = build(name).perturb(model, state)["scores"]
    assert not [record for record in caplog.records if record.name == module.__name__]
    # each example's only direction is towards the other: r = +-eps d_01 (iAT: towards the loss)
    d = iat_directions(state.scores, state.mask)
    for i, j in ((0, 1), (1, 0)):
        assert abs(float(r[i] @ d[i, j])) == pytest.approx(EPS)


@pytest.mark.parametrize("name", ["attention_at", "attention_iat", "word_at", "word_iat"])
def test_zero_gradient_gives_no_perturbation(model, name):
    state, _ = tiny_state(model)
    perturbation = build(name)
    fields, _ = perturbation.target_fields(state)
    zero = {key: torch.zeros_like(value) for key, value in fields.items()}
    clean = CleanPass(model.logits_from_scores(state)[0], {perturbation.target: zero})
    r = perturbation.perturb(model, state, clean)
    for value in r.values():
        assert (value == 0).all()


def test_normalize_of_zero_and_non_finite_is_zero():
    mask = torch.tensor([[True, True], [True, False]])
    x = torch.tensor([[0.0, 0.0], [float("nan"), 1.0]])
    assert (normalize(x, mask, 2.0) == 0).all()


def test_word_iat_remembers_neighbours_and_refreshes_them():
    from attnat_allennlp.perturbations.word_iat import WordInterpretableAdversarialPerturbation

    torch.manual_seed(0)
    weight = torch.randn(30, 4)
    perturbation = WordInterpretableAdversarialPerturbation(
        num_neighbours=3, neighbour_refresh_steps=2
    )
    ids = torch.tensor([[1, 5, 7], [7, 9, 0]])
    first = perturbation.neighbours(weight, ids, excluded=[0])
    assert torch.equal(
        first, nearest_neighbours(weight, ids.flatten(), 3, excluded_ids=[0]).view(2, 3, 3)
    )
    # The words move. The second batch searches its new word (11) and the second half of the table
    # (rows 15-29: 30 words / 2 steps); word 1 keeps the neighbours remembered from the first batch.
    moved = weight.flip(0)
    second = perturbation.neighbours(moved, torch.tensor([[1, 11]]), excluded=[0])
    assert torch.equal(second[0, 0], first[0, 0])
    assert torch.equal(
        second[0, 1], nearest_neighbours(moved, torch.tensor([11]), 3, excluded_ids=[0])[0]
    )
    # The third batch searches rows 0-14 again: within `neighbour_refresh_steps` batches every word
    # that was searched once is searched again, whether or not the batch contains it.
    perturbation.neighbours(moved, torch.tensor([[2]]), excluded=[0])
    again = torch.tensor([1, 5, 7, 9, 11, 2])
    assert torch.equal(
        perturbation._neighbours[again], nearest_neighbours(moved, again, 3, excluded_ids=[0])
    )
    # Words never seen are not searched by the refresh.
    assert (perturbation._neighbours[torch.tensor([3, 4, 20])] == -1).all()


@pytest.mark.parametrize(
    "knobs,problem",
    [
        (
            {"eps": float("nan")},
            r"'attention_at': eps must be a finite number between 0 and 1e\+06",
        ),
        ({"eps": 1e30}, r"eps must be a finite number between 0 and 1e\+06 .*got 1e\+30"),
        ({"eps": -1.0}, r"eps must be a finite number between 0"),
        ({"eps": 1.0, "weight": -0.5}, r"'attention_at': weight .* must be a finite number >= 0"),
        ({"eps": 1.0, "weight": float("inf")}, r"weight .* must be a finite number >= 0"),
    ],
)
def test_non_finite_absurd_or_negative_knobs_are_refused(knobs, problem):
    from allennlp.common import Params
    from allennlp.common.checks import ConfigurationError

    with pytest.raises(ConfigurationError, match=problem):
        Perturbation.from_params(Params({"type": "attention_at", **knobs}))
