"""
The math of the attention techniques on the self-attention of a Transformer encoder (target
`"self_attention"`): the same as on the pooling scores, with one attention per layer and head.

The fields of this target are the pre-softmax scores of the chosen layers, `{"layer_<l>": (batch,
heads, seq_len, seq_len)}`, masked to real tokens on both axes: padding rows and columns get exactly
0. The unit of normalisation is one head of one layer of one example: every perturbation (RP's noise,
AT's gradient, iAT's combination of directions, VAT's probe and final step) has L2 norm eps over the
real (query, key) pairs of each head of each perturbed layer, for each example. iAT's directions are
towards the other examples' scores of the same layer and head.
"""

from typing import Dict, List, NamedTuple, Tuple

import torch

from attnat_allennlp.modules.transformer import resolve_layers
from attnat_allennlp.perturbations.util import TINY, Fields, Masks, normalize

SELF_ATTENTION = "self_attention"


def layer_name(index: int) -> str:
    return f"layer_{index}"


def layer_index(name: str) -> int:
    return int(name[len("layer_") :])


def self_attention_fields(state, layers="all") -> Tuple[Fields, Masks]:
    """
    `(fields, masks)` of the self-attention target of an `AttentionState`: the scores of the chosen
    layers (`"all"` or a list of indices, negative from the top), and their `(batch, 1, seq_len,
    seq_len)` masks (True where query and key are real tokens).
    """
    self_attention = state.self_attention
    if self_attention is None:
        from allennlp.common.checks import ConfigurationError

        raise ConfigurationError(
            "the self_attention target needs a Transformer encoder (attnat_transformer or "
            "attnat_pretrained_transformer) inside the model's attention encoder"
        )
    mask = self_attention.pair_mask()
    indices = resolve_layers(layers, self_attention.num_layers)
    fields = {layer_name(i): self_attention.scores[i] for i in indices}
    return fields, {name: mask for name in fields}


def _per_head(value: torch.Tensor, mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """`(batch * heads, seq_len * seq_len)` views of a field and its (expanded) mask."""
    batch, heads = value.shape[:2]
    return value.reshape(batch * heads, -1), mask.expand_as(value).reshape(batch * heads, -1)


def normalize_per_head(fields: Fields, masks: Masks, scale: float = 1.0) -> Fields:
    """`scale * x / ||x||_2` for each head of each layer of each example (0 where ||x|| is 0)."""
    result = {}
    for name, value in fields.items():
        flat, mask = _per_head(value, masks[name])
        result[name] = normalize(flat, mask, scale).view_as(value)
    return result


class HeadDirections(NamedTuple):
    """
    The iAT directions of one layer, kept implicit: `d[i, j, h] = m_i (s_j[h] - s_i[h]) / n[i, h, j]`
    with m_i example i's (query, key) mask and n the norm over it, never materialised as a
    `(batch, batch, heads, seq_len, seq_len)` tensor: projections on them and combinations of them
    are two matrix products. `inverse_norms[i, h, j]` is 0 for j = i and where `s_j` equals `s_i` on
    i's tokens (no direction).

    scores : `(batch, heads, seq_len, seq_len)` detached, 0 on padding.
    mask : `(batch, heads, seq_len, seq_len)` as the scores' dtype.
    inverse_norms : `(batch, heads, batch)`.
    """

    scores: torch.Tensor
    mask: torch.Tensor
    inverse_norms: torch.Tensor

    def project(self, gradient: torch.Tensor) -> torch.Tensor:
        """`<g_i[h], d_ij[h]>` `(batch, heads, batch)` for a gradient `(batch, heads, T, T)`."""
        masked = gradient * self.mask
        own = (masked * self.scores).sum((-1, -2)).unsqueeze(-1)
        return (torch.einsum("ihqk,jhqk->ihj", masked, self.scores) - own) * self.inverse_norms

    def combine(self, alpha: torch.Tensor) -> torch.Tensor:
        """`sum_j alpha[i, h, j] d_ij[h]` `(batch, heads, T, T)` for alpha `(batch, heads, batch)`."""
        weights = alpha * self.inverse_norms
        mixed = torch.einsum("ihj,jhqk->ihqk", weights, self.scores)
        return (mixed - weights.sum(-1)[..., None, None] * self.scores) * self.mask


def head_directions(scores: torch.Tensor, mask: torch.Tensor) -> HeadDirections:
    """The iAT directions of one layer's scores `(batch, heads, T, T)` (masks `(batch, 1, T, T)`)."""
    scores = scores.detach()
    m = mask.expand_as(scores).to(scores.dtype)
    scores = scores * m
    # ||m_i (s_j - s_i)||^2 = <m_i, s_j^2> - 2 <s_i, s_j> + ||s_i||^2  (s_i is 0 outside m_i)
    own = scores.pow(2).sum((-1, -2))  # (batch, heads)
    others = torch.einsum("ihqk,jhqk->ihj", m, scores.pow(2))
    cross = torch.einsum("ihqk,jhqk->ihj", scores, scores)
    squares = others - 2 * cross + own.unsqueeze(-1)
    # below a relative 1e-10 the difference is rounding (s_j equals s_i on i's tokens): no direction
    scale = others + own.unsqueeze(-1)
    ok = squares > torch.clamp(1e-10 * scale, min=TINY**2)
    inverse = torch.where(ok, squares.clamp_min(TINY**2).rsqrt(), torch.zeros_like(squares))
    eye = torch.eye(scores.size(0), dtype=torch.bool, device=scores.device)
    inverse = inverse.masked_fill(eye.unsqueeze(1), 0.0)
    return HeadDirections(scores, m, inverse)


def others_mask(batch_size: int, heads: int, device) -> torch.Tensor:
    """`(batch, heads, batch)`: True for j != i (the directions example i may use)."""
    eye = torch.eye(batch_size, dtype=torch.bool, device=device)
    return (~eye).unsqueeze(1).expand(batch_size, heads, batch_size)


def combine_heads(alpha: torch.Tensor, directions: HeadDirections) -> torch.Tensor:
    """`sum_j alpha[i, h, j] * d_ij[h]`: alpha `(batch, heads, batch)` -> `(batch, heads, T, T)`."""
    return directions.combine(alpha)


def iat_direction(fields: Fields, masks: Masks, gradient: Fields) -> Fields:
    """
    Attention iAT on each head: grad_alpha[i, h, j] = <g_i[h], d_ij[h]>, alpha_hat = grad_alpha /
    ||grad_alpha|| over j != i, direction_i[h] = sum_j alpha_hat[i, h, j] d_ij[h] (not yet scaled).
    """
    result = {}
    for name, scores in fields.items():
        directions = head_directions(scores, masks[name])
        grad_alpha = directions.project(gradient[name])
        batch, heads = scores.shape[:2]
        others = others_mask(batch, heads, scores.device)
        alpha_hat = normalize(
            grad_alpha.reshape(batch * heads, batch), others.reshape(batch * heads, batch)
        )
        result[name] = directions.combine(alpha_hat.view(batch, heads, batch))
    return result


def ivat_context(fields: Fields, masks: Masks) -> Dict[str, Tuple[HeadDirections, torch.Tensor]]:
    """For each layer: `(directions, others)` of `head_directions` and `others_mask`."""
    context = {}
    for name, scores in fields.items():
        batch, heads = scores.shape[:2]
        context[name] = (
            head_directions(scores, masks[name]),
            others_mask(batch, heads, scores.device),
        )
    return context


def normalize_alpha(alpha: Fields, context) -> Fields:
    """Each alpha `(batch, heads, batch)` to unit norm over j != i, per example and head."""
    result = {}
    for name, value in alpha.items():
        _, others = context[name]
        batch, heads, _ = value.shape
        result[name] = normalize(
            value.reshape(batch * heads, batch), others.reshape(batch * heads, batch)
        ).view_as(value)
    return result


def layers_of(perturbation: Fields) -> Dict[int, torch.Tensor]:
    """`{layer index: tensor}` of a self-attention perturbation."""
    return {layer_index(name): value for name, value in perturbation.items()}


def names(layers: List[int]) -> List[str]:
    return [layer_name(i) for i in layers]
