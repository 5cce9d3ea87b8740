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

A model that pools its first token (`pooling: "first_token"` of `attnat_attention`) has no pooling
attention: its default explanation is `"first_token"` (`default_explanation`), `"pooling"` is an
error, and `"rollout"` equals `"rollout_first_token"` (its pooling weights are 1 on the first token).
"""

from typing import List, Optional

import torch
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.modules.transformer import (  # noqa: F401 (first_token_attention: re-exported)
    SelfAttentionState,
    attention_probabilities,
    first_token_attention,
)

EXPLANATIONS = ("pooling", "first_token", "rollout", "rollout_first_token")


def layer_attention(state: SelfAttentionState) -> List[torch.Tensor]:
    """Each layer's attention probabilities `(batch, heads, seq_len, seq_len)`, 0 on padding."""
    return [attention_probabilities(scores, state.mask) for scores in state.scores]


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


def has_pooling_attention(model: AttentionModel) -> bool:
    """Whether the model pools with attention (rather than taking its first token's state)."""
    return model.attention_encoder.has_pooling_attention


def default_explanation(model: AttentionModel) -> str:
    """`"pooling"` for a model with pooling attention, else `"first_token"`."""
    return "pooling" if has_pooling_attention(model) else "first_token"


def resolve_explanation(model: AttentionModel, kind: Optional[str]) -> str:
    """
    `kind` checked against the model (`None`: `default_explanation`): one of `EXPLANATIONS`, and
    not `"pooling"` for a model without pooling attention.
    """
    if kind is None:
        return default_explanation(model)
    if kind not in EXPLANATIONS:
        raise ConfigurationError(
            f"attention explanation must be one of {EXPLANATIONS}, got {kind!r}"
        )
    if kind == "pooling" and not has_pooling_attention(model):
        raise ConfigurationError(
            'this model pools its first token (pooling: "first_token"), so it has no pooling '
            'attention to explain its predictions: use "first_token" (its default) or "rollout"'
        )
    return kind


def explaining_attention(
    model: AttentionModel, state: AttentionState, kind: Optional[str] = "pooling"
) -> torch.Tensor:
    """
    The explanation `kind` (one of `EXPLANATIONS`; `None`: the model's default,
    `default_explanation`) of the model's predictions for a state.
    """
    kind = resolve_explanation(model, kind)
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
