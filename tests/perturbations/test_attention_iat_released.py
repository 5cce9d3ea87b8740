"""The released code's iAT step (`attention_iat_released`) is exactly -r_AT."""

import torch
from perturbations.tiny import tiny_model, tiny_state

from attnat_allennlp.perturbations import Perturbation


def test_the_released_iat_step_is_minus_r_at():
    model = tiny_model()
    state, _ = tiny_state(model)
    released = Perturbation.by_name("attention_iat_released")(eps=0.7).perturb(model, state)
    at = Perturbation.by_name("attention_at")(eps=0.7).perturb(model, state)
    torch.testing.assert_close(released["scores"], -at["scores"])
    # a loss-decreasing step, to first order: <g, r> = -eps ||g|| < 0
    loss = model.task_loss(model.logits_from_scores(state)[0], state)
    g = torch.autograd.grad(loss, state.scores, retain_graph=True)[0]
    assert ((g * released["scores"]).sum(-1) < 0).all()


def test_the_released_iat_on_self_attention_is_minus_r_at_too():
    from tests.transformers.test_self_attention_perturbations import (
        build,
        tiny_state,
        tiny_transformer,
    )

    model = tiny_transformer()
    state = tiny_state(model)
    released = build("attention_iat_released", eps=0.7, layers=[-1]).perturb(model, state)
    at = build("attention_at", eps=0.7, layers=[-1]).perturb(model, state)
    assert released.keys() == at.keys()
    for name in at:
        torch.testing.assert_close(released[name], -at[name])
