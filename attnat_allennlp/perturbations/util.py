"""
The math that the perturbations share: masked per-example L2 normalisation, random directions,
the iAT directions, the KL divergence of the VAT family, nearest neighbours in embedding space.

Tensors of one text field are `(batch, seq_len)` (attention scores) or `(batch, seq_len, dim)`
(word embeddings); a "fields" argument is a dict of such tensors, one per text field, that are
treated as one vector per example (norms run over every field of the example together).
"""

from typing import Dict

import torch
import torch.nn.functional as F

Fields = Dict[str, torch.Tensor]
Masks = Dict[str, torch.BoolTensor]

# Below this a difference of two vectors counts as zero (no direction).
TINY = 1e-12


def _expand_mask(mask: torch.BoolTensor, like: torch.Tensor) -> torch.Tensor:
    mask = mask.to(like.dtype)
    while mask.dim() < like.dim():
        mask = mask.unsqueeze(-1)
    return mask


def example_norms(fields: Fields, masks: Masks) -> torch.Tensor:
    """The L2 norm `(batch,)` of each example over the real tokens of all its fields."""
    squares = sum(
        (value * _expand_mask(masks[name], value)).pow(2).flatten(1).sum(-1)
        for name, value in fields.items()
    )
    return squares.sqrt()


def normalize_fields(fields: Fields, masks: Masks, scale: float = 1.0) -> Fields:
    """
    `scale * x / ||x||_2` per example, the norm over the real tokens of every field; padding gets
    exactly 0, and an example whose norm is 0 (or not finite) gets 0 instead of NaN. Tiny norms are
    fine (VAT's gradients can be very small): x is divided by its norm before scaling.
    """
    norms = example_norms(fields, masks)
    ok = torch.isfinite(norms) & (norms > 0)
    safe = torch.where(ok, norms, torch.ones_like(norms))
    result = {}
    for name, value in fields.items():
        shape = (-1,) + (1,) * (value.dim() - 1)
        unit = torch.nan_to_num(value) * _expand_mask(masks[name], value) / safe.view(shape)
        result[name] = torch.where(ok.view(shape), unit * scale, torch.zeros_like(unit))
    return result


def normalize(x: torch.Tensor, mask: torch.BoolTensor, scale: float = 1.0) -> torch.Tensor:
    """`normalize_fields` for a single tensor."""
    return normalize_fields({"x": x}, {"x": mask}, scale)["x"]


def random_fields(like: Fields, masks: Masks, scale: float = 1.0) -> Fields:
    """Gaussian noise shaped like `like`, masked and normalised to norm `scale` per example."""
    noise = {name: torch.randn_like(value) for name, value in like.items()}
    return normalize_fields(noise, masks, scale)


def iat_directions(scores: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
    """
    The directions of attention iAT `(batch, batch, seq_len)`: `d[i, j] = (s_j - s_i) / ||s_j - s_i||`
    over example i's tokens (the scores padded to the batch length, masked to i's tokens), with
    `d[i, i] = 0`, and 0 where `s_j` equals `s_i` on i's tokens. Detached.
    """
    scores = scores.detach()
    differences = (scores.unsqueeze(0) - scores.unsqueeze(1)) * mask.unsqueeze(1).to(scores.dtype)
    norms = differences.norm(dim=-1, keepdim=True)
    directions = torch.where(
        norms > TINY, differences / norms.clamp_min(TINY), torch.zeros_like(differences)
    )
    eye = torch.eye(scores.size(0), dtype=torch.bool, device=scores.device)
    return directions.masked_fill(eye.unsqueeze(-1), 0.0)


def combine(weights: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """`sum_k weights[b, ..., k] * directions[b, ..., k, :]`: weights `(..., K)`, directions `(..., K, dim)`."""
    return (weights.unsqueeze(-1) * directions).sum(-2)


def kl_from_logits(clean_logits: torch.Tensor, perturbed_logits: torch.Tensor) -> torch.Tensor:
    """
    `KL(p_hat || p)` per example `(batch,)`, with `p_hat = softmax(clean_logits)` under a
    stop-gradient and `p = softmax(perturbed_logits)`. Computed from log-softmaxes (in at least
    float32) so that masked logits (QA candidates, a large finite negative value) contribute
    exactly 0. Non-negative up to rounding; not clamped, since VAT's power iteration differentiates
    KL values that are tiny.
    """
    dtype = torch.promote_types(perturbed_logits.dtype, torch.float32)
    log_p_hat = torch.log_softmax(clean_logits.detach().to(dtype), dim=-1)
    log_p = torch.log_softmax(perturbed_logits.to(dtype), dim=-1)
    return F.kl_div(log_p, log_p_hat, reduction="none", log_target=True).sum(-1)


@torch.no_grad()
def nearest_neighbours(
    weight: torch.Tensor,
    token_ids: torch.Tensor,
    k: int,
    excluded_ids=(0,),
    chunk_elements: int = 2**24,
) -> torch.Tensor:
    """
    The ids `(len(token_ids), k)` of the `k` rows of `weight` nearest (cosine) to each row
    `token_ids`, skipping the row itself and the `excluded_ids` (padding). Computed in chunks of
    queries so that memory stays bounded for a large vocabulary.
    """
    vocab_size = weight.size(0)
    k = min(k, vocab_size - 1 - len(excluded_ids))
    unit = weight.float() / weight.float().norm(dim=-1, keepdim=True).clamp_min(TINY)
    chunk = max(1, chunk_elements // max(vocab_size, 1))
    result = []
    for start in range(0, token_ids.numel(), chunk):
        ids = token_ids[start : start + chunk]
        similarity = unit[ids] @ unit.t()
        similarity[torch.arange(ids.numel(), device=ids.device), ids] = -float("inf")
        for excluded in excluded_ids:
            similarity[:, excluded] = -float("inf")
        result.append(similarity.topk(k, dim=-1).indices)
    return torch.cat(result) if result else token_ids.new_zeros((0, max(k, 0)))
