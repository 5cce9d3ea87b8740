import math
from typing import Optional, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules import Seq2SeqEncoder, Seq2VecEncoder
from allennlp.nn import util

from attnat_allennlp.modules.transformer import SelfAttentionEncoder, SelfAttentionState

# What `AttentionSeq2VecEncoder` pools with.
POOLINGS = ("attention", "first_token")


@Seq2VecEncoder.register("attnat_attention")
class AttentionSeq2VecEncoder(Seq2VecEncoder):
    """
    A Seq2Seq encoder (a BiLSTM in Jain & Wallace's model) followed by attention pooling, the base
    model of Jain & Wallace (2019) and Kitada & Iyatomi (2021).

    Additive (tanh) scores: s_t = w2^T tanh(W1 h_t + b1 [+ W_q q]); dot scores: s_t = v^T h_t / sqrt(d)
    (with a query q: s_t = (W_q q)^T h_t / sqrt(d)). Then a = masked_softmax(s + r) and
    c = sum_t a_t h_t, where r is an optional additive perturbation of the scores.

    The three steps are separate methods, `encode`, `score` and `pool`, so that an adversarial
    perturbation of the scores re-runs only `pool` (and the layers after it), never the encoder.
    All attention parameters live under `_attention_*` names, so that a regex can exempt them from
    weight decay as the papers do.

    Registered as a `Seq2VecEncoder` with name "attnat_attention".

    # Parameters

    encoder : `Seq2SeqEncoder`
        The encoder of the token embeddings, e.g. `{"type": "lstm", "bidirectional": true, ...}`.
    scorer : `str`, optional (default = `"additive"`)
        `"additive"` (tanh) or `"dot"`.
    attention_dim : `int`, optional (default = `128`)
        The hidden size of the additive scorer (W1: encoder_dim -> attention_dim).
    query_dim : `Optional[int]`, optional (default = `None`)
        The size of a query vector (the final state of the question or hypothesis in the pair models).
        When given, `forward` and `score` require a `query`.
    pooling : `str`, optional (default = `"attention"`)
        `"attention"`: the attention pooling above. `"first_token"`: the state of the first token
        (`[CLS]`) is the pooled vector, as BERT classifies, with no attention parameters and no
        pooling attention (the weights are 1 on the first token; the scores are 0 and cannot be
        perturbed, so a perturbation needs `target: "self_attention"` or `"embeddings"`). Needs a
        Transformer `encoder` (`attnat_transformer`, `attnat_pretrained_transformer`), whose
        last layer's attention from the first token then explains a prediction, and no
        `query_dim`.
    """

    def __init__(
        self,
        encoder: Seq2SeqEncoder,
        scorer: str = "additive",
        attention_dim: int = 128,
        query_dim: Optional[int] = None,
        pooling: str = "attention",
    ) -> None:
        super().__init__()
        if scorer not in ("additive", "dot"):
            raise ConfigurationError(f"scorer must be 'additive' or 'dot', got {scorer!r}")
        if pooling not in POOLINGS:
            raise ConfigurationError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self._encoder = encoder
        self._scorer = scorer
        self._query_dim = query_dim
        self._pooling = pooling
        dim = encoder.get_output_dim()
        if pooling == "first_token":
            if not isinstance(encoder, SelfAttentionEncoder):
                raise ConfigurationError(
                    'pooling: "first_token" needs a Transformer encoder (attnat_transformer or '
                    f"attnat_pretrained_transformer), got {type(encoder).__name__}"
                )
            if query_dim is not None:
                raise ConfigurationError(
                    'pooling: "first_token" takes no query: the first token\'s state is pooled '
                    f"as it is (got query_dim={query_dim})"
                )
            return
        if scorer == "additive":
            self._attention_hidden = torch.nn.Linear(dim, attention_dim)
            self._attention_vector = torch.nn.Linear(attention_dim, 1, bias=False)
            self._attention_query = (
                torch.nn.Linear(query_dim, attention_dim, bias=False) if query_dim else None
            )
        else:
            self._attention_vector = torch.nn.Linear(dim, 1, bias=False)
            self._attention_query = (
                torch.nn.Linear(query_dim, dim, bias=False) if query_dim else None
            )

    def get_input_dim(self) -> int:
        return self._encoder.get_input_dim()

    def get_output_dim(self) -> int:
        return self._encoder.get_output_dim()

    @property
    def query_dim(self) -> Optional[int]:
        return self._query_dim

    @property
    def pooling(self) -> str:
        """`"attention"` or `"first_token"`."""
        return self._pooling

    @property
    def has_pooling_attention(self) -> bool:
        """Whether the pooled vector comes from attention weights over the tokens (scores to perturb)."""
        return self._pooling == "attention"

    def encode(self, embedded: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        """The Seq2Seq encoder states `(batch, seq_len, encoder_dim)`."""
        return self._encoder(embedded, mask)

    @property
    def self_attention_encoder(self) -> Optional[SelfAttentionEncoder]:
        """The Seq2Seq encoder when it is a Transformer with perturbable self-attention, else `None`."""
        return self._encoder if isinstance(self._encoder, SelfAttentionEncoder) else None

    def encode_with_self_attention(
        self, embedded: torch.Tensor, mask: torch.BoolTensor
    ) -> Tuple[torch.Tensor, Optional[SelfAttentionState]]:
        """`(states, self-attention state)`, the latter `None` unless the encoder is a Transformer."""
        if self.self_attention_encoder is None:
            return self.encode(embedded, mask), None
        return self.self_attention_encoder.forward_with_self_attention(embedded, mask)

    def score(
        self,
        states: torch.Tensor,
        mask: torch.BoolTensor,
        query: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """The pre-softmax attention scores `(batch, seq_len)`, 0 on padding (all 0 for first-token pooling)."""
        if not self.has_pooling_attention:
            return states.new_zeros(states.shape[:2])
        if (query is None) != (self._attention_query is None):
            raise ConfigurationError(
                "this attention encoder was built with query_dim="
                f"{self._query_dim} but called with{'out' if query is None else ''} a query"
            )
        if self._scorer == "additive":
            hidden = self._attention_hidden(states)
            if query is not None:
                hidden = hidden + self._attention_query(query).unsqueeze(1)
            scores = self._attention_vector(torch.tanh(hidden)).squeeze(-1)
        else:
            if query is not None:
                scores = (states * self._attention_query(query).unsqueeze(1)).sum(-1)
            else:
                scores = self._attention_vector(states).squeeze(-1)
            scores = scores / math.sqrt(states.size(-1))
        return scores.masked_fill(~mask, 0.0)

    def pool(
        self,
        states: torch.Tensor,
        scores: torch.Tensor,
        mask: torch.BoolTensor,
        score_perturbation: Optional[torch.Tensor] = None,
        detach_attention: bool = False,
    ):
        """
        Returns `(weights, context)` for the scores plus an optional perturbation `(batch, seq_len)`.
        Padding gets exactly zero weight whatever the perturbation holds there. With
        `detach_attention` the weights are constants for autograd (no gradient flows through the
        attention path, only through `states`), as in Jain & Wallace's gradient importance.
        First-token pooling returns weights 1 on the first (real) token and its state, and has no
        scores to perturb.
        """
        if not self.has_pooling_attention:
            if score_perturbation is not None:
                raise ConfigurationError(
                    'this encoder pools its first token (pooling: "first_token"): there are no '
                    "attention scores to perturb"
                )
            weights = torch.zeros_like(scores)
            weights[:, 0] = mask[:, 0].to(weights.dtype)
            return weights, states[:, 0] * weights[:, :1]
        if score_perturbation is not None:
            scores = scores + score_perturbation
        weights = util.masked_softmax(scores, mask, memory_efficient=True)
        weights = weights.masked_fill(~mask, 0.0)
        if detach_attention:
            weights = weights.detach()
        return weights, util.weighted_sum(states, weights)

    def forward(
        self,
        tokens: torch.Tensor,
        mask: torch.BoolTensor,
        query: Optional[torch.Tensor] = None,
        score_perturbation: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """The pooled vector `(batch, encoder_dim)`: `encode`, `score` and `pool` in turn."""
        states = self.encode(tokens, mask)
        scores = self.score(states, mask, query)
        return self.pool(states, scores, mask, score_perturbation)[1]
