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
from typing import Dict, List, Tuple

import torch

from attnat_allennlp.modules.transformer import resolve_layers
from attnat_allennlp.perturbations.util import TINY, Fields, Masks, normalize

SELF_ATTENTION = "self_attention"


def layer_name(index: int) -> str:
    return f"layer_{index}"


def layer_index(name: str) -> int:
    return int(name[len("layer_"):])


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


def random_per_head(like: Fields, masks: Masks, scale: float = 1.0) -> Fields:
    """Gaussian noise shaped like `like`, masked, of norm `scale` for each head of each example."""
    return normalize_per_head({n: torch.randn_like(v) for n, v in like.items()}, masks, scale)


def head_directions(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """
    The iAT directions of one layer `(batch, batch, heads, seq_len, seq_len)`:
    `d[i, j, h] = (s_j[h] - s_i[h]) / ||s_j[h] - s_i[h]||` over example i's real (query, key) pairs
    (the scores padded to the batch length), `d[i, i] = 0`, and 0 where the difference is 0. Detached.
    """
    scores = scores.detach()
    mask_i = mask.expand_as(scores).unsqueeze(1).to(scores.dtype)  # (batch, 1, heads, T, T)
    differences = (scores.unsqueeze(0) - scores.unsqueeze(1)) * mask_i
    norms = differences.flatten(3).norm(dim=-1)[..., None, None]
    directions = torch.where(norms > TINY, differences / norms.clamp_min(TINY), torch.zeros_like(differences))
    eye = torch.eye(scores.size(0), dtype=torch.bool, device=scores.device)
    return directions.masked_fill(eye[:, :, None, None, None], 0.0)


def others_mask(batch_size: int, heads: int, device) -> torch.Tensor:
    """`(batch, heads, batch)`: True for j != i (the directions example i may use)."""
    eye = torch.eye(batch_size, dtype=torch.bool, device=device)
    return (~eye).unsqueeze(1).expand(batch_size, heads, batch_size)


def combine_heads(alpha: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """`sum_j alpha[i, h, j] * directions[i, j, h]`: alpha `(batch, heads, batch)` -> `(batch, heads, T, T)`."""
    return torch.einsum("ihj,ijhqk->ihqk", alpha, directions)


def iat_direction(fields: Fields, masks: Masks, gradient: Fields) -> Fields:
    """
    Attention iAT on each head: grad_alpha[i, h, j] = <g_i[h], d_ij[h]>, alpha_hat = grad_alpha /
    ||grad_alpha|| over j != i, direction_i[h] = sum_j alpha_hat[i, h, j] d_ij[h] (not yet scaled).
    """
    result = {}
    for name, scores in fields.items():
        directions = head_directions(scores, masks[name])
        grad_alpha = torch.einsum("ihqk,ijhqk->ihj", gradient[name], directions)
        batch, heads = scores.shape[:2]
        others = others_mask(batch, heads, scores.device)
        alpha_hat = normalize(grad_alpha.reshape(batch * heads, batch), others.reshape(batch * heads, batch))
        result[name] = combine_heads(alpha_hat.view(batch, heads, batch), directions)
    return result


def ivat_context(fields: Fields, masks: Masks) -> Dict[str, Tuple[torch.Tensor, torch.Tensor]]:
    """For each layer: `(directions, others)` of `head_directions` and `others_mask`."""
    context = {}
    for name, scores in fields.items():
        batch, heads = scores.shape[:2]
        context[name] = (head_directions(scores, masks[name]), others_mask(batch, heads, scores.device))
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
