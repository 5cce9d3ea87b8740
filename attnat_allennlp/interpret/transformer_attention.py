"""
The attention that explains a prediction of a Transformer model, beside the pooling attention:

- `"pooling"`: the weights of the attention pooling over the last layer's states (the models of this
  package always have one; it is what every measure uses by default);
- `"first_token"`: the last layer's self-attention from the first token (`[CLS]`) to every token,
  averaged over the heads (the usual reading for a model that classifies from its first token);
- `"rollout"`: attention rollout (Abnar & Zuidema 2020): each layer's head-averaged attention with
  the residual connection, `A_l = 0.5 I + 0.5 mean_h P_l` (rows renormalised), multiplied through
  the layers, `R = A_L ... A_1`; the explanation is the pooling weights carried through it,
  `a^T R` (with `"rollout_first_token"` the first token's row of `R` instead).

Every explanation is `(batch, seq_len)`, 0 on padding, summing to 1 over the real tokens.
"""

from typing import List

import torch
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.modules.transformer import SelfAttentionState, attention_probabilities

EXPLANATIONS = ("pooling", "first_token", "rollout", "rollout_first_token")


def layer_attention(state: SelfAttentionState) -> List[torch.Tensor]:
    """Each layer's attention probabilities `(batch, heads, seq_len, seq_len)`, 0 on padding."""
    return [attention_probabilities(scores, state.mask) for scores in state.scores]


def first_token_attention(state: SelfAttentionState) -> torch.Tensor:
    """The last layer's attention from the first token, averaged over the heads `(batch, seq_len)`."""
    return layer_attention(state)[-1][:, :, 0, :].mean(1)


def attention_rollout(state: SelfAttentionState, residual: float = 0.5) -> torch.Tensor:
    """
    Attention rollout `(batch, seq_len, seq_len)`: row t says how much the last layer's state t
    draws on each input token, through every layer (Abnar & Zuidema 2020). Rows and columns of
    padding are 0.
    """
    mask = state.mask
    both = (mask.unsqueeze(-1) & mask.unsqueeze(-2)).to(state.scores[0].dtype)
    eye = torch.eye(mask.size(1), dtype=both.dtype, device=mask.device).unsqueeze(0) * both
    rollout = eye
    for probabilities in layer_attention(state):
        layer = residual * eye + (1 - residual) * probabilities.mean(1)
        layer = layer / layer.sum(-1, keepdim=True).clamp_min(1e-30)
        rollout = layer @ rollout
    return rollout * both


def explaining_attention(
    model: AttentionModel, state: AttentionState, kind: str = "pooling"
) -> torch.Tensor:
    """The explanation `kind` (one of `EXPLANATIONS`) of the model's predictions for a state."""
    if kind not in EXPLANATIONS:
        raise ConfigurationError(
            f"attention explanation must be one of {EXPLANATIONS}, got {kind!r}"
        )
    with torch.no_grad():
        weights = model.logits_from_scores(state)[1]
        if kind == "pooling":
            return weights
        if state.self_attention is None:
            raise ConfigurationError(
                f"the {kind!r} explanation needs a Transformer encoder; this model has none"
            )
        if kind == "first_token":
            return first_token_attention(state.self_attention)
        rollout = attention_rollout(state.self_attention)
        if kind == "rollout_first_token":
            return rollout[:, 0, :]
        return torch.einsum("bt,bts->bs", weights, rollout)
