"""
Transformer encoders whose self-attention scores are exposed, layer by layer and head by head, so
that the techniques of Kitada & Iyatomi can perturb them (pre-softmax) and re-run only the layers
at and above the perturbed one.
"""

import math
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules import Seq2SeqEncoder
from allennlp.nn import Activation, util


class SelfAttentionState(NamedTuple):
    """
    What one pass of a [`SelfAttentionEncoder`](#selfattentionencoder) computed, enough to re-run
    it from any layer.

    inputs : the input of each layer, `num_layers` tensors `(batch, seq_len, dim)` (after the
        positional encoding for layer 0).
    scores : the pre-softmax self-attention scores of each layer, `num_layers` tensors
        `(batch, num_heads, seq_len, seq_len)` (queries x keys), exactly 0 on padding rows and columns.
    mask : `(batch, seq_len)` the real tokens.
    """

    inputs: List[torch.Tensor]
    scores: List[torch.Tensor]
    mask: torch.BoolTensor

    @property
    def num_layers(self) -> int:
        return len(self.scores)

    def pair_mask(self) -> torch.BoolTensor:
        """`(batch, 1, seq_len, seq_len)`: True where both the query and the key are real tokens."""
        return pair_mask(self.mask)


def pair_mask(mask: torch.BoolTensor) -> torch.BoolTensor:
    """`(batch, 1, seq_len, seq_len)`: True where both the query and the key are real tokens."""
    return (mask.unsqueeze(-1) & mask.unsqueeze(-2)).unsqueeze(1)


def resolve_layers(layers: Union[str, int, Sequence[int]], num_layers: int) -> List[int]:
    """
    The layer indices `0..num_layers-1` that `layers` names: `"all"`, one index or a list of
    indices, negative ones counting from the top (`[-1]` is the last layer). Sorted, no repeats.
    """
    if isinstance(layers, str):
        if layers != "all":
            raise ConfigurationError(
                f'layers must be "all" or a list of layer indices, got {layers!r}'
            )
        return list(range(num_layers))
    if isinstance(layers, int):
        layers = [layers]
    resolved = set()
    for layer in layers:
        index = layer + num_layers if layer < 0 else layer
        if not 0 <= index < num_layers:
            raise ConfigurationError(
                f"layer {layer} does not exist in an encoder of {num_layers} layers"
            )
        resolved.add(index)
    if not resolved:
        raise ConfigurationError("layers names no layer")
    return sorted(resolved)


def attention_probabilities(
    scores: torch.Tensor, mask: torch.BoolTensor, perturbation: Optional[torch.Tensor] = None
) -> torch.Tensor:
    """
    `softmax(scores + perturbation)` over the real keys, `(batch, heads, seq_len, seq_len)`;
    padding rows and columns get exactly 0 whatever the perturbation holds there.
    """
    if perturbation is not None:
        scores = scores + perturbation
    both = pair_mask(mask)
    probabilities = util.masked_softmax(scores, mask[:, None, None, :], memory_efficient=True)
    return probabilities.masked_fill(~both, 0.0)


def first_token_attention(state: SelfAttentionState) -> torch.Tensor:
    """
    The last layer's attention from the first token to every token, averaged over the heads,
    `(batch, seq_len)`: 0 on padding, summing to 1 over the real tokens. What explains a
    prediction of a model that pools its first token (`[CLS]`).
    """
    return attention_probabilities(state.scores[-1], state.mask)[:, :, 0, :].mean(1)


class SelfAttentionEncoder(Seq2SeqEncoder):
    """
    A Transformer encoder split into the steps that a perturbation of its self-attention needs:
    `embed_positions` (layer 0's input), and per layer `layer_scores` (the pre-softmax scores
    `(batch, heads, seq_len, seq_len)`) and `layer_output` (softmax of the scores plus an optional
    perturbation, the values, the feed-forward block). `rerun` starts from the stored input and
    scores of the lowest perturbed layer, so the embeddings and the layers below it are never re-run.

    Subclasses implement the steps and set `layers` (their layers, in order) and `_num_heads`; see
    [`TransformerEncoder`](#transformerencoder) and
    `attnat_allennlp.modules.transformer_pretrained.PretrainedTransformerEncoder`.
    """

    layers: Sequence[torch.nn.Module]
    _num_heads: int

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    @property
    def num_heads(self) -> int:
        return self._num_heads

    def embed_positions(self, embedded: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        """The input of layer 0 from the token embeddings (positional encoding and the like)."""
        raise NotImplementedError

    def layer_scores(
        self, index: int, hidden: torch.Tensor, mask: torch.BoolTensor
    ) -> torch.Tensor:
        """The raw pre-softmax scores of layer `index` for its input `hidden` (not yet masked)."""
        raise NotImplementedError

    def layer_output(
        self,
        index: int,
        hidden: torch.Tensor,
        scores: torch.Tensor,
        mask: torch.BoolTensor,
        perturbation: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """The output of layer `index` for its input `hidden` and scores plus `perturbation`."""
        raise NotImplementedError

    def finish(self, hidden: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        """The encoder's output from the last layer's output (a final LayerNorm, say)."""
        return hidden

    def is_bidirectional(self) -> bool:
        return False

    # ---- shared -------------------------------------------------------------------------------
    def _masked_scores(
        self, index: int, hidden: torch.Tensor, mask: torch.BoolTensor
    ) -> torch.Tensor:
        return self.layer_scores(index, hidden, mask).masked_fill(~pair_mask(mask), 0.0)

    def forward_with_self_attention(
        self,
        embedded: torch.Tensor,
        mask: torch.BoolTensor,
        perturbations: Optional[Dict[int, torch.Tensor]] = None,
    ) -> Tuple[torch.Tensor, SelfAttentionState]:
        """
        Returns `(states, SelfAttentionState)`: the encoder states `(batch, seq_len, dim)`, 0 on
        padding, and what `rerun` needs. `perturbations` maps a layer index to a perturbation of its
        scores `(batch, heads, seq_len, seq_len)`.
        """
        perturbations = perturbations or {}
        hidden = self.embed_positions(embedded, mask)
        inputs, scores = [], []
        for index in range(self.num_layers):
            layer_scores = self._masked_scores(index, hidden, mask)
            inputs.append(hidden)
            scores.append(layer_scores)
            hidden = self.layer_output(index, hidden, layer_scores, mask, perturbations.get(index))
        states = self.finish(hidden, mask) * mask.unsqueeze(-1).to(hidden.dtype)
        return states, SelfAttentionState(inputs, scores, mask)

    def rerun(
        self, state: SelfAttentionState, perturbations: Dict[int, torch.Tensor]
    ) -> torch.Tensor:
        """
        The encoder states for the scores of `state` plus `perturbations` (`{layer: (batch, heads,
        seq_len, seq_len)}`): starts at the lowest perturbed layer l from its stored input and
        scores, and re-runs layers l..L-1 only (the scores of the layers above l are computed again,
        since their inputs change). Without perturbations, the states of `state` again.
        """
        mask = state.mask
        start = min(perturbations) if perturbations else self.num_layers - 1
        hidden = state.inputs[start]
        for index in range(start, self.num_layers):
            if index == start:
                scores = state.scores[index]
            else:
                scores = self._masked_scores(index, hidden, mask)
            hidden = self.layer_output(index, hidden, scores, mask, perturbations.get(index))
        return self.finish(hidden, mask) * mask.unsqueeze(-1).to(hidden.dtype)

    def forward(self, inputs: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        return self.forward_with_self_attention(inputs, mask)[0]


class SinusoidalPositions(torch.nn.Module):
    """Vaswani et al.'s fixed sinusoidal positional encoding, added to the input."""

    def __init__(self, dim: int, max_length: int) -> None:
        super().__init__()
        position = torch.arange(max_length).unsqueeze(1).float()
        frequency = torch.exp(torch.arange(0, dim, 2).float() * (-math.log(10000.0) / dim))
        table = torch.zeros(max_length, dim)
        table[:, 0::2] = torch.sin(position * frequency)
        table[:, 1::2] = torch.cos(position * frequency[: dim // 2])
        self.register_buffer("table", table, persistent=False)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden + self.table[: hidden.size(1)].to(hidden.dtype)


class TransformerLayer(torch.nn.Module):
    """One pre-LayerNorm Transformer encoder layer with its attention split into scores and output."""

    def __init__(
        self, dim: int, num_heads: int, feedforward_dim: int, dropout: float, activation: str
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.attention_norm = torch.nn.LayerNorm(dim)
        self.query = torch.nn.Linear(dim, dim)
        self.key = torch.nn.Linear(dim, dim)
        self.value = torch.nn.Linear(dim, dim)
        self.attention_output = torch.nn.Linear(dim, dim)
        self.feedforward_norm = torch.nn.LayerNorm(dim)
        self.feedforward = torch.nn.Sequential(
            torch.nn.Linear(dim, feedforward_dim),
            Activation.by_name(activation)(),
            torch.nn.Dropout(dropout),
            torch.nn.Linear(feedforward_dim, dim),
        )
        self.dropout = torch.nn.Dropout(dropout)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape
        return x.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def scores(self, hidden: torch.Tensor) -> torch.Tensor:
        normed = self.attention_norm(hidden)
        query, key = self._heads(self.query(normed)), self._heads(self.key(normed))
        return query @ key.transpose(-1, -2) / math.sqrt(self.head_dim)

    def output(self, hidden, scores, mask, perturbation=None) -> torch.Tensor:
        probabilities = self.dropout(attention_probabilities(scores, mask, perturbation))
        value = self._heads(self.value(self.attention_norm(hidden)))
        context = (probabilities @ value).transpose(1, 2).reshape(hidden.shape)
        hidden = hidden + self.dropout(self.attention_output(context))
        return hidden + self.dropout(self.feedforward(self.feedforward_norm(hidden)))


@Seq2SeqEncoder.register("attnat_transformer")
class TransformerEncoder(SelfAttentionEncoder):
    """
    A small Transformer encoder (pre-LayerNorm, Vaswani et al. 2017) to train from scratch, whose
    self-attention scores the attention techniques can perturb (`layers` of a perturbation). Use it
    as the `encoder` of an `attnat_attention` Seq2Vec encoder: the pooling attention then sits on
    top of its states, as the BiLSTM's in Jain & Wallace's model.

    Registered as a `Seq2SeqEncoder` with name "attnat_transformer".

    # Parameters

    input_dim : `int`
        The size of the token embeddings; projected to `hidden_dim` when different.
    hidden_dim : `int`, optional (default = `64`)
        The model size d.
    num_layers : `int`, optional (default = `2`)
    num_heads : `int`, optional (default = `4`)
        Must divide `hidden_dim`.
    feedforward_dim : `Optional[int]`, optional (default = `None`)
        The inner size of the feed-forward blocks; `None` means `4 * hidden_dim`.
    dropout : `float`, optional (default = `0.1`)
        On the attention probabilities, the residual branches and inside the feed-forward blocks.
    positional_encoding : `Optional[str]`, optional (default = `"sinusoidal"`)
        `"sinusoidal"` (fixed), `"learned"` (an embedding per position) or `None` (a bag of words).
    max_length : `int`, optional (default = `512`)
        The longest input the positional encoding covers.
    activation : `str`, optional (default = `"gelu"`)
        The feed-forward activation (an allennlp `Activation` name).
    """

    def __init__(
        self,
        input_dim: int,
        hidden_dim: int = 64,
        num_layers: int = 2,
        num_heads: int = 4,
        feedforward_dim: Optional[int] = None,
        dropout: float = 0.1,
        positional_encoding: Optional[str] = "sinusoidal",
        max_length: int = 512,
        activation: str = "gelu",
    ) -> None:
        super().__init__()
        if hidden_dim % num_heads != 0:
            raise ConfigurationError(
                f"num_heads ({num_heads}) must divide hidden_dim ({hidden_dim})"
            )
        if num_layers < 1:
            raise ConfigurationError(f"num_layers must be at least 1, got {num_layers}")
        self._input_dim = input_dim
        self._hidden_dim = hidden_dim
        self._num_heads = num_heads
        self._max_length = max_length
        self._projection = (
            torch.nn.Linear(input_dim, hidden_dim) if input_dim != hidden_dim else None
        )
        if positional_encoding == "sinusoidal":
            self._positions: Optional[torch.nn.Module] = SinusoidalPositions(hidden_dim, max_length)
        elif positional_encoding == "learned":
            self._positions = torch.nn.Embedding(max_length, hidden_dim)
        elif positional_encoding is None:
            self._positions = None
        else:
            raise ConfigurationError(
                "positional_encoding must be 'sinusoidal', 'learned' or null, got "
                f"{positional_encoding!r}"
            )
        self._positional_encoding = positional_encoding
        self._dropout = torch.nn.Dropout(dropout)
        self.layers = torch.nn.ModuleList(
            TransformerLayer(
                hidden_dim, num_heads, feedforward_dim or 4 * hidden_dim, dropout, activation
            )
            for _ in range(num_layers)
        )
        self._final_norm = torch.nn.LayerNorm(hidden_dim)

    def get_input_dim(self) -> int:
        return self._input_dim

    def get_output_dim(self) -> int:
        return self._hidden_dim

    def embed_positions(self, embedded: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        if embedded.size(1) > self._max_length:
            raise ConfigurationError(
                f"an input of {embedded.size(1)} tokens is longer than the encoder's max_length "
                f"{self._max_length}"
            )
        hidden = self._projection(embedded) if self._projection is not None else embedded
        if self._positional_encoding == "learned":
            positions = torch.arange(hidden.size(1), device=hidden.device)
            hidden = hidden + self._positions(positions).unsqueeze(0)
        elif self._positions is not None:
            hidden = self._positions(hidden)
        return self._dropout(hidden)

    def layer_scores(
        self, index: int, hidden: torch.Tensor, mask: torch.BoolTensor
    ) -> torch.Tensor:
        return self.layers[index].scores(hidden)

    def layer_output(self, index, hidden, scores, mask, perturbation=None) -> torch.Tensor:
        return self.layers[index].output(hidden, scores, mask, perturbation)

    def finish(self, hidden: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        return self._final_norm(hidden)
