"""
A pretrained Transformer (BERT, RoBERTa, DistilBERT) from the `transformers` library as a
`SelfAttentionEncoder`, and its word embeddings as a `TokenEmbedder`: the word embeddings are the
model's input (so word-level techniques perturb them), and the encoder runs the model's layers one
step at a time (so attention-level techniques perturb each layer's pre-softmax scores).
"""

import math
from typing import Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules import Seq2SeqEncoder
from allennlp.modules.token_embedders import TokenEmbedder

from attnat_allennlp.data.pretrained_transformer import check_model_folder, model_name_hint
from attnat_allennlp.modules.transformer import SelfAttentionEncoder, attention_probabilities

# The model families whose layers this module knows how to run step by step.
_BERT_LIKE = ("bert", "roberta", "xlm-roberta", "camembert", "electra")
_DISTILBERT = ("distilbert",)


def _load(model_name: str):
    from transformers import AutoModel

    check_model_folder(model_name)
    try:
        return AutoModel.from_pretrained(model_name, attn_implementation="eager")
    except OSError as error:
        raise ConfigurationError(
            f"cannot load the pretrained model {model_name!r} (a hub name or a local directory "
            f"with config.json and weights): {error}" + model_name_hint(model_name)
        ) from error


@TokenEmbedder.register("attnat_pretrained_word_embeddings")
class PretrainedWordEmbeddings(TokenEmbedder):
    """
    The input word embeddings of a pretrained Transformer (only the lookup table: the position and
    segment embeddings belong to the encoder, `attnat_pretrained_transformer`). Takes the output of
    the `attnat_pretrained_transformer` token indexer.

    Registered as a `TokenEmbedder` with name "attnat_pretrained_word_embeddings".

    # Parameters

    model_name : `str`
        A hub name (`bert-base-uncased`) or a local directory that `from_pretrained` loads.
    trainable : `bool`, optional (default = `True`)
        Fine-tune the table.
    """

    def __init__(self, model_name: str, trainable: bool = True) -> None:
        super().__init__()
        table = _load(model_name).get_input_embeddings().weight.detach().clone()
        self.weight = torch.nn.Parameter(table, requires_grad=trainable)

    def get_output_dim(self) -> int:
        return self.weight.size(1)

    def forward(  # type: ignore
        self,
        token_ids: torch.LongTensor,
        mask: Optional[torch.BoolTensor] = None,
        type_ids: Optional[torch.LongTensor] = None,
    ) -> torch.Tensor:
        return torch.nn.functional.embedding(token_ids, self.weight)


@Seq2SeqEncoder.register("attnat_pretrained_transformer")
class PretrainedTransformerEncoder(SelfAttentionEncoder):
    """
    The layers of a pretrained BERT-family model (BERT, RoBERTa, DistilBERT; ELECTRA and CamemBERT
    share BERT's layers), loaded with eager attention and run step by step so that the attention
    techniques can perturb the pre-softmax self-attention scores of chosen layers and re-run only the
    layers above. The input is the model's word embeddings (`attnat_pretrained_word_embeddings`);
    the model's own position/segment embeddings and LayerNorm make layer 0's input. Fine-tuned end
    to end. The model's own word-embedding table is dropped here (the embedder holds it).

    Registered as a `Seq2SeqEncoder` with name "attnat_pretrained_transformer".

    # Parameters

    model_name : `str`
        A hub name (`bert-base-uncased`, `roberta-base`, `distilbert-base-uncased`) or a local
        directory that `from_pretrained` loads.
    """

    def __init__(self, model_name: str) -> None:
        super().__init__()
        model = _load(model_name)
        config = model.config
        self._model_type = config.model_type
        if self._model_type in _BERT_LIKE:
            if getattr(config, "position_embedding_type", "absolute") != "absolute":
                raise ConfigurationError(
                    f"{model_name}: only absolute position embeddings are supported, got "
                    f"{config.position_embedding_type!r}"
                )
            self.embeddings = model.embeddings
            self.layers = model.encoder.layer
            self._num_heads = config.num_attention_heads
            self._dim = config.hidden_size
        elif self._model_type in _DISTILBERT:
            self.embeddings = model.embeddings
            self.layers = model.transformer.layer
            self._num_heads = config.n_heads
            self._dim = config.dim
        else:
            raise ConfigurationError(
                f"{model_name} is a {self._model_type!r} model; attnat_pretrained_transformer runs "
                f"{', '.join(_BERT_LIKE + _DISTILBERT)}"
            )
        self.embeddings.word_embeddings = None
        self._head_dim = self._dim // self._num_heads
        self._model_name = model_name

    def get_input_dim(self) -> int:
        return self._dim

    def get_output_dim(self) -> int:
        return self._dim

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape
        return x.view(batch, length, self._num_heads, self._head_dim).transpose(1, 2)

    def embed_positions(self, embedded: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        if self._model_type in _DISTILBERT:
            return self.embeddings(None, embedded)
        return self.embeddings(inputs_embeds=embedded)

    def layer_scores(
        self, index: int, hidden: torch.Tensor, mask: torch.BoolTensor
    ) -> torch.Tensor:
        layer = self.layers[index]
        if self._model_type in _DISTILBERT:
            query, key = layer.attention.q_lin, layer.attention.k_lin
        else:
            query, key = layer.attention.self.query, layer.attention.self.key
        scores = self._heads(query(hidden)) @ self._heads(key(hidden)).transpose(-1, -2)
        return scores / math.sqrt(self._head_dim)

    def layer_output(self, index, hidden, scores, mask, perturbation=None) -> torch.Tensor:
        layer = self.layers[index]
        probabilities = attention_probabilities(scores, mask, perturbation)
        if self._model_type in _DISTILBERT:
            attention = layer.attention
            value = self._heads(attention.v_lin(hidden))
            context = (
                (attention.dropout(probabilities) @ value).transpose(1, 2).reshape(hidden.shape)
            )
            attended = layer.sa_layer_norm(attention.out_lin(context) + hidden)
            return layer.output_layer_norm(layer.ffn(attended) + attended)
        attention = layer.attention
        value = self._heads(attention.self.value(hidden))
        context = (
            (attention.self.dropout(probabilities) @ value).transpose(1, 2).reshape(hidden.shape)
        )
        attended = attention.output(context, hidden)
        return layer.output(layer.intermediate(attended), attended)
