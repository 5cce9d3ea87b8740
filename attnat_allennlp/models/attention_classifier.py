from typing import Any, Dict, List, Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models import Model
from allennlp.modules import FeedForward, Seq2VecEncoder, TextFieldEmbedder
from allennlp.nn import InitializerApplicator
from allennlp.training.metrics import CategoricalAccuracy, F1Measure

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.models.metrics import GatheredAuc
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder


@Model.register("attnat_classifier")
class AttentionClassifier(AttentionModel):
    """
    The single-text model of Jain & Wallace (2019): word embeddings, a Seq2Seq encoder (BiLSTM),
    attention pooling, and a linear layer over the pooled vector. The base model of every technique
    of Kitada & Iyatomi; perturbations reach it through the methods of `AttentionModel`.

    Registered as a `Model` with name "attnat_classifier".

    # Parameters

    vocab : `Vocabulary`
    text_field_embedder : `TextFieldEmbedder`
        Embeds the `tokens` field.
    seq2vec_encoder : `Seq2VecEncoder`
        Must be an `attnat_attention` encoder (`AttentionSeq2VecEncoder`).
        The encoder plus attention (built without a `query_dim`).
    feedforward : `Optional[FeedForward]`, optional (default = `None`)
        Layers between the pooled vector and the output layer (none in the papers).
    dropout : `float`, optional (default = `0.0`)
        Dropout on the pooled vector.
    positive_label : `Optional[str]`, optional (default = `None`)
        For binary tasks, the label whose F1 and ROC-AUC are reported (`f1`, `auc`); `None` skips
        these metrics. A positive label that is not one of exactly two labels is a
        `ConfigurationError` before training, naming the knobs to set.
    label_namespace : `str`, optional (default = `"labels"`)
    namespace : `str`, optional (default = `"tokens"`)
        The namespace of the token ids (for word iAT's nearest neighbours).
    initializer : `InitializerApplicator`, optional (default = `InitializerApplicator()`)
    """

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        seq2vec_encoder: Seq2VecEncoder,
        feedforward: Optional[FeedForward] = None,
        dropout: float = 0.0,
        positive_label: Optional[str] = None,
        label_namespace: str = "labels",
        namespace: str = "tokens",
        initializer: InitializerApplicator = InitializerApplicator(),
        **kwargs,
    ) -> None:
        super().__init__(vocab, text_field_embedder, label_namespace, namespace, **kwargs)
        self._check_attention_encoder(seq2vec_encoder, "seq2vec_encoder")
        self._seq2vec_encoder = seq2vec_encoder
        self._feedforward = feedforward
        self._dropout = torch.nn.Dropout(dropout) if dropout > 0 else None
        dim = feedforward.get_output_dim() if feedforward else seq2vec_encoder.get_output_dim()
        self._classification_layer = torch.nn.Linear(dim, self._num_labels)
        self._accuracy = CategoricalAccuracy()
        self._f1: Optional[F1Measure] = None
        self._auc: Optional[GatheredAuc] = None
        self._positive_index: Optional[int] = None
        if positive_label is not None:
            labels = vocab.get_token_to_index_vocabulary(label_namespace)
            if self._num_labels != 2 or positive_label not in labels:
                found = ", ".join(repr(label) for label in sorted(labels)[:20])
                problem = (
                    f"the data has {self._num_labels} labels ({found}), and F1/ROC-AUC of a "
                    "positive label need two"
                    if self._num_labels != 2
                    else f"the labels of the data are {found}"
                )
                raise ConfigurationError(
                    f"model.positive_label is {positive_label!r}, but {problem}: set "
                    "model.positive_label to one of the two labels, or to null together with "
                    'trainer.validation_metric: "+accuracy" (a validation metric of "+auc" or '
                    '"+f1" needs a positive label)'
                )
            self._positive_index = vocab.get_token_index(positive_label, label_namespace)
            self._f1 = F1Measure(self._positive_index)
            self._auc = GatheredAuc(positive_label=self._positive_index)
        initializer(self)

    @property
    def attention_encoder(self) -> AttentionSeq2VecEncoder:
        return self._seq2vec_encoder

    def _encode(self, embeddings, masks) -> Dict[str, Any]:
        mask = masks["tokens"]
        states, self_attention = self._seq2vec_encoder.encode_with_self_attention(
            embeddings["tokens"], mask
        )
        return {
            "states": states,
            "mask": mask,
            "scores": self._seq2vec_encoder.score(states, mask),
            "self_attention": self_attention,
        }

    def _output_logits(self, context: torch.Tensor, state: AttentionState) -> torch.Tensor:
        if self._dropout is not None:
            context = self._dropout(context)
        if self._feedforward is not None:
            context = self._feedforward(context)
        return self._classification_layer(context)

    def forward(  # type: ignore
        self,
        tokens: TextFieldTensors,
        label: Optional[torch.IntTensor] = None,
        metadata: Optional[List[Dict[str, Any]]] = None,
    ) -> Dict[str, torch.Tensor]:
        """
        # Parameters

        tokens : `TextFieldTensors`
            From a `TextField`.
        label : `torch.IntTensor`, optional (default = `None`)
            From a `LabelField`.
        metadata : `List[Dict[str, Any]]`, optional (default = `None`)
            Carries the token strings (`"tokens"`) for the outputs.

        # Returns

        An output dictionary consisting of:

            - `logits` (`torch.FloatTensor`) :
                A tensor of shape `(batch_size, num_labels)` of unnormalised log probabilities.
            - `probs` (`torch.FloatTensor`) :
                A tensor of shape `(batch_size, num_labels)` of class probabilities.
            - `attention` (`torch.FloatTensor`) :
                The attention weights `(batch_size, num_tokens)`, 0 on padding.
            - `attention_scores` (`torch.FloatTensor`) :
                The pre-softmax attention scores `(batch_size, num_tokens)`.
            - `attention_mask` (`torch.BoolTensor`) :
                Which positions are real tokens.
            - `tokens` (`List[List[str]]`) :
                The tokens, when `metadata` is given.
            - `loss` (`torch.FloatTensor`, optional) :
                The cross-entropy loss, when `label` is given.
            - `attention_state` (`AttentionState`, training only) :
                What the perturbations of `attnat_allennlp.perturbations` need.
        """
        state = self.build_state({"tokens": tokens}, label=label)
        return self._finish_forward(state, metadata)

    def _update_metrics(self, logits, probs, label) -> None:
        self._accuracy(logits, label)
        if self._f1 is not None:
            self._f1(logits, label)
            self._auc(probs[:, self._positive_index], label)

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        metrics = {"accuracy": self._accuracy.get_metric(reset)}
        if self._f1 is not None:
            metrics["f1"] = self._f1.get_metric(reset)["f1"]
            metrics["auc"] = self._auc.get_metric(reset)
        metrics.update(self._get_extra_metrics(reset))
        return metrics
