"""
Jain & Wallace's "Attention is not Explanation" checks, run on the attention head of a trained
`AttentionModel` with the encoder states held fixed (as in their paper):

- random permutation: shuffle the attention weights over the real tokens `num_permutations` times,
  re-run the output layers on the re-weighted states, and take the median total variation distance
  (TVD) between the original and the permuted output distributions per instance;
- adversarial attention: search an attention distribution as different as possible from the
  original (Jensen-Shannon divergence, natural log, at most ln 2) whose output stays within a TVD
  threshold of the original output (Jain & Wallace use 0.01). The search is gradient ascent (Adam)
  on the pre-softmax scores, started from the original scores plus Gaussian noise, on
  `-JSD + penalty * relu(TVD - threshold)`; the reported value per instance is the largest JSD of
  any iterate that met the threshold (0 when none did: the original attention always does). This
  is one adversary per instance, the `k = 1` case of their objective.
"""

from typing import Optional

import torch
from allennlp.nn import util

from attnat_allennlp.models.base import AttentionModel, AttentionState


def logits_from_weights(
    model: AttentionModel, state: AttentionState, weights: torch.Tensor
) -> torch.Tensor:
    """
    The logits `(batch, num_labels)` for given attention weights `(batch, seq_len)` in place of the
    model's: pools the encoder states of `state` with `weights` and runs the output layers, as
    `AttentionModel.logits_from_scores` does for scores.
    """
    return model.logits_from_context(util.weighted_sum(state.states, weights), state)


def total_variation(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """TVD over the last dimension: 0.5 * sum |p - q|."""
    return 0.5 * (p - q).abs().sum(-1)


def jensen_shannon(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """JSD (natural log) over the last dimension, with 0 log 0 = 0; in [0, ln 2]."""
    m = 0.5 * (p + q)

    def kl_to_m(x: torch.Tensor) -> torch.Tensor:
        return (torch.xlogy(x, x) - torch.xlogy(x, m)).sum(-1)

    return (0.5 * kl_to_m(p) + 0.5 * kl_to_m(q)).clamp_min(0.0)


def permutation_output_change(
    model: AttentionModel,
    state: AttentionState,
    weights: torch.Tensor,
    num_permutations: int = 100,
    generator: Optional[torch.Generator] = None,
) -> torch.Tensor:
    """
    The median TVD `(batch,)` between the output for `weights` and the outputs for
    `num_permutations` random permutations of the weights over each instance's real tokens.
    Padding must be at the end of each row (as allennlp pads); it stays where it is.
    """
    with torch.no_grad():
        original = torch.softmax(logits_from_weights(model, state, weights), dim=-1)
        changes = []
        for _ in range(num_permutations):
            keys = torch.rand(weights.shape, generator=generator).to(weights.device)
            keys = keys.masked_fill(~state.mask, 2.0)  # padding sorts last: it stays in place
            permuted = weights.gather(-1, keys.argsort(dim=-1))
            probs = torch.softmax(logits_from_weights(model, state, permuted), dim=-1)
            changes.append(total_variation(original, probs))
        return torch.stack(changes).median(dim=0).values


def adversarial_attention(
    model: AttentionModel,
    state: AttentionState,
    weights: torch.Tensor,
    tvd_threshold: float = 0.01,
    steps: int = 100,
    learning_rate: float = 0.1,
    penalty: float = 100.0,
    init_noise: float = 1.0,
    generator: Optional[torch.Generator] = None,
) -> torch.Tensor:
    """
    The largest JSD `(batch,)` from `weights` reached by an attention distribution whose output
    stays within `tvd_threshold` (TVD) of the output for `weights`. See the module docstring.
    """
    mask = state.mask
    weights = weights.detach()
    state = state.detached()
    with torch.no_grad():
        original = torch.softmax(logits_from_weights(model, state, weights), dim=-1)
    noise = torch.randn(weights.shape, generator=generator).to(weights.device) * init_noise
    scores = (state.scores.detach() + noise).masked_fill(~mask, 0.0).requires_grad_(True)
    optimizer = torch.optim.Adam([scores], lr=learning_rate)
    best = torch.zeros(weights.size(0), device=weights.device)
    with torch.enable_grad():
        for step in range(steps + 1):
            candidate = util.masked_softmax(scores, mask, memory_efficient=True)
            candidate = candidate.masked_fill(~mask, 0.0)
            probs = torch.softmax(logits_from_weights(model, state, candidate), dim=-1)
            divergence = jensen_shannon(candidate, weights)
            change = total_variation(probs, original)
            feasible = change <= tvd_threshold
            best = torch.maximum(best, torch.where(feasible, divergence, torch.zeros_like(best)))
            if step == steps:
                break
            loss = (-divergence + penalty * torch.relu(change - tvd_threshold)).sum()
            # autograd.grad, not backward: the model's parameters must not collect gradients.
            (scores.grad,) = torch.autograd.grad(loss, scores)
            optimizer.step()
    return best.detach()
