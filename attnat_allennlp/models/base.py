from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models import Model
from allennlp.modules import TextFieldEmbedder
from allennlp.nn import util
from allennlp.training.metrics import Metric

from attnat_allennlp.data.pretrained_transformer import merge_wordpieces
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.transformer import SelfAttentionState, first_token_attention
from attnat_allennlp.modules.transformer_pretrained import PretrainedWordEmbeddings

# A large finite negative logit for answers outside the candidates: finite so that KL terms and
# fp16 autocast stay free of inf - inf.
_EXCLUDED_LOGIT = -1e4


@dataclass
class AttentionState:
    """
    Everything a perturbation needs to re-run part of an [`AttentionModel`](#attentionmodel)
    on the same batch. It travels in the model's output dict (key `"attention_state"`) during
    training, since a `TrainerCallback` sees the outputs but not the batch.

    embeddings : the word embeddings of each text field, e.g. `{"tokens": (batch, len, dim)}`.
    masks : the padding mask of each text field.
    token_ids : the token ids of each text field (the `tokens` namespace), for word iAT.
    states : the encoder states that attention pools over `(batch, seq_len, dim)`.
    mask : the mask of `states`.
    scores : the pre-softmax attention scores `(batch, seq_len)`.
    query : the query vector of pair models, `None` for single-text models.
    label : the gold labels `(batch,)`, `None` for unlabeled data.
    label_mask : which labels are allowed per example `(batch, num_labels)` (QA candidates), or `None`.
    self_attention : the self-attention of the attended field's encoder when it is a Transformer
        (`SelfAttentionState`: each layer's input and pre-softmax scores), else `None`.
    attended_field : the name of the text field that attention pools over (`tokens`, or `premise`
        in pair models): `states`, `mask` and `scores` are over its tokens.
    features : extra input features of the tokens of a text field, `(batch, len, num_features)`
        (e.g. the exact-match flags of the pair model): concatenated to the word embeddings before
        the encoder, never perturbed.
    """

    embeddings: Dict[str, torch.Tensor]
    masks: Dict[str, torch.BoolTensor]
    token_ids: Dict[str, torch.Tensor]
    states: torch.Tensor
    mask: torch.BoolTensor
    scores: torch.Tensor
    query: Optional[torch.Tensor] = None
    label: Optional[torch.Tensor] = None
    label_mask: Optional[torch.BoolTensor] = None
    features: Dict[str, torch.Tensor] = field(default_factory=dict)
    self_attention: Optional[SelfAttentionState] = None
    attended_field: str = "tokens"

    @property
    def batch_size(self) -> int:
        return self.scores.size(0)

    def detached(self) -> "AttentionState":
        """
        A copy cut from the graph: the embeddings, encoder states, scores, query and the
        self-attention's inputs and scores detached (labels, masks, ids and features are not
        differentiated). What inner gradient loops and the checks that hold the encoder fixed
        start from.
        """
        return replace(
            self,
            embeddings={name: value.detach() for name, value in self.embeddings.items()},
            states=self.states.detach(),
            scores=self.scores.detach(),
            query=None if self.query is None else self.query.detach(),
            self_attention=None
            if self.self_attention is None
            else self.self_attention._replace(
                inputs=[value.detach() for value in self.self_attention.inputs],
                scores=[value.detach() for value in self.self_attention.scores],
            ),
        )


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of a model's parameters; the CPU for a model without parameters."""
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


class AttentionModel(Model):
    """
    The shared machinery of the attention models: embed, encode, score, pool, predict, each step a
    method, so that perturbations re-run only what they change.

    - `logits_from_scores(state, score_perturbation)` re-runs the attention head only (softmax,
      pooling, output layers): what attention-level perturbations need.
    - `rerun_from_embeddings(state, embedding_perturbations)` re-runs the encoder on perturbed word
      embeddings: what word-level perturbations need.
    - `task_loss(logits, state)` is the loss the model trains on (mean over the batch).

    Subclasses implement `_encode` and `_output_logits`, set `attended_field` when it is not
    `tokens`, and apply their `InitializerApplicator` at the end of `__init__`, as allennlp's
    models do.
    """

    default_predictor = "attnat_classifier"

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        label_namespace: str = "labels",
        namespace: str = "tokens",
        **kwargs,
    ) -> None:
        super().__init__(vocab, **kwargs)
        self._text_field_embedder = text_field_embedder
        self._label_namespace = label_namespace
        self._namespace = namespace
        self._num_labels = vocab.get_vocab_size(namespace=label_namespace)
        self._loss = torch.nn.CrossEntropyLoss()
        # Metrics fed from outside the model (e.g. the extra loss of the `adversarial_training`
        # callback), reported by `get_metrics` while the model is in training mode.
        self.extra_metrics: Dict[str, Metric] = {}

    # The text field that attention pools over (`AttentionState.attended_field`).
    attended_field: str = "tokens"

    # ---- public accessors ---------------------------------------------------------------------
    @property
    def text_field_embedder(self) -> TextFieldEmbedder:
        """The embedder of every text field (word-level perturbations act on its output)."""
        return self._text_field_embedder

    @property
    def label_namespace(self) -> str:
        """The vocabulary namespace of the labels (the logits' order)."""
        return self._label_namespace

    @property
    def namespace(self) -> str:
        """The vocabulary namespace of the token ids in `AttentionState.token_ids`."""
        return self._namespace

    def special_token_ids(self) -> List[int]:
        """The ids of the padding and OOV tokens in `namespace` (those that are not words)."""
        index = self.vocab.get_token_to_index_vocabulary(self._namespace)
        special = (self.vocab._padding_token, self.vocab._oov_token)
        return [index[token] for token in special if token in index]

    # ---- to implement -------------------------------------------------------------------------
    @property
    def attention_encoder(self) -> AttentionSeq2VecEncoder:
        raise NotImplementedError

    def _encode(
        self, embeddings: Dict[str, torch.Tensor], masks: Dict[str, torch.BoolTensor]
    ) -> Dict[str, Any]:
        """
        Returns `states`, `mask`, `scores` and `query` for the given encoder inputs (the word
        embeddings, with the token features concatenated when the model takes any).
        """
        raise NotImplementedError

    def _output_logits(self, context: torch.Tensor, state: AttentionState) -> torch.Tensor:
        raise NotImplementedError

    @staticmethod
    def _check_attention_encoder(encoder, name: str) -> None:
        if not isinstance(encoder, AttentionSeq2VecEncoder):
            raise ConfigurationError(
                f'{name} must be an attention encoder ({{"type": "attnat_attention"}}), '
                f"got {type(encoder).__name__}"
            )

    # ---- shared -------------------------------------------------------------------------------
    def embed(self, text: TextFieldTensors):
        """The embeddings, the mask and the token ids of one text field's tensors."""
        mask = util.get_text_field_mask(text)
        embedded = self._text_field_embedder(text)
        token_ids = util.get_token_ids_from_text_field_tensors(text)
        return embedded, mask, token_ids

    # Token features the model takes: `{forward argument: text field}` (see `AttentionState.features`).
    token_feature_fields: Dict[str, str] = {}
    # Token features matched against another text: `{forward argument: the text field matched
    # against}` (exact-match flags). Measures that shorten that text recompute them.
    token_feature_matches: Dict[str, str] = {}

    def token_features(self, inputs: Dict[str, Any]) -> Dict[str, torch.Tensor]:
        """
        The token features of each text field, `{text field: (batch, len, num_features)}`, from the
        model's inputs (a tensor dict or forward's arguments); a missing one is an error.
        """
        features = {}
        for argument, text in self.token_feature_fields.items():
            value = inputs.get(argument)
            if value is None:
                raise ConfigurationError(
                    f"{type(self).__name__} was built to take the token features {argument!r} and "
                    "the input has none: the dataset reader must produce them (for the pair "
                    "readers, exact_match: true)"
                )
            features[text] = value.unsqueeze(-1) if value.dim() == 2 else value
        return features

    def _encoder_inputs(
        self, embeddings: Dict[str, torch.Tensor], features: Dict[str, torch.Tensor]
    ) -> Dict[str, torch.Tensor]:
        return {
            name: torch.cat([value, features[name].to(value.dtype)], dim=-1)
            if name in features
            else value
            for name, value in embeddings.items()
        }

    def build_state(
        self,
        texts: Dict[str, TextFieldTensors],
        label: Optional[torch.Tensor] = None,
        label_mask: Optional[torch.BoolTensor] = None,
        features: Optional[Dict[str, torch.Tensor]] = None,
    ) -> AttentionState:
        embeddings, masks, token_ids = {}, {}, {}
        for name, text in texts.items():
            embeddings[name], masks[name], token_ids[name] = self.embed(text)
        features = features or {}
        encoded = self._encode(self._encoder_inputs(embeddings, features), masks)
        return AttentionState(
            embeddings=embeddings,
            masks=masks,
            token_ids=token_ids,
            label=label,
            label_mask=label_mask,
            features=features,
            attended_field=self.attended_field,
            **encoded,
        )

    def rerun_from_embeddings(
        self, state: AttentionState, embedding_perturbations: Dict[str, torch.Tensor]
    ) -> AttentionState:
        """A new state for the word embeddings plus the given perturbations (same keys)."""
        embeddings = {
            name: value + embedding_perturbations[name]
            if name in embedding_perturbations
            else value
            for name, value in state.embeddings.items()
        }
        encoded = self._encode(self._encoder_inputs(embeddings, state.features), state.masks)
        return replace(state, embeddings=embeddings, **encoded)

    def logits_from_scores(
        self,
        state: AttentionState,
        score_perturbation: Optional[torch.Tensor] = None,
        detach_attention: bool = False,
    ):
        """
        Returns `(logits, weights)`, re-running only the attention head. With `detach_attention`
        the attention weights are treated as constants by autograd (gradients reach the inputs only
        through the attended states), as Jain & Wallace's gradient importance has it.
        """
        weights, context = self.attention_encoder.pool(
            state.states, state.scores, state.mask, score_perturbation, detach_attention
        )
        return self.logits_from_context(context, state), weights

    def logits_from_context(self, context: torch.Tensor, state: AttentionState) -> torch.Tensor:
        """
        The logits `(batch, num_labels)` for a pooled vector `context` `(batch, dim)` (the output
        layers), the answers outside a QA example's candidates masked out.
        """
        logits = self._output_logits(context, state)
        if state.label_mask is not None:
            logits = logits.masked_fill(~state.label_mask, _EXCLUDED_LOGIT)
        return logits

    def rerun_from_self_attention(
        self, state: AttentionState, perturbations: Dict[int, torch.Tensor]
    ) -> AttentionState:
        """
        A new state for the self-attention scores of the attended field's Transformer plus
        `perturbations` (`{layer: (batch, heads, seq_len, seq_len)}`): re-runs the layers from the
        lowest perturbed one up and the pooling scores, never the embeddings or the layers below.
        """
        encoder = self.attention_encoder.self_attention_encoder
        if encoder is None or state.self_attention is None:
            raise ConfigurationError(
                "perturbing self-attention needs a Transformer encoder (attnat_transformer or "
                "attnat_pretrained_transformer) inside the attention encoder"
            )
        states = encoder.rerun(state.self_attention, perturbations)
        scores = self.attention_encoder.score(states, state.mask, state.query)
        return replace(state, states=states, scores=scores)

    def task_loss(self, logits: torch.Tensor, state: AttentionState) -> torch.Tensor:
        if state.label is None:
            raise ValueError("task_loss needs gold labels; this batch has none")
        return self._loss(logits, state.label.long().view(-1))

    def _finish_forward(
        self,
        state: AttentionState,
        metadata: Optional[List[Dict[str, Any]]],
    ) -> Dict[str, torch.Tensor]:
        logits, weights = self.logits_from_scores(state)
        if not self.attention_encoder.has_pooling_attention and state.self_attention is not None:
            # first-token pooling: the attention of the output is the first token's (last layer,
            # mean over heads), what explains the prediction
            weights = first_token_attention(state.self_attention).detach()
        probs = torch.nn.functional.softmax(logits, dim=-1)
        output_dict: Dict[str, Any] = {
            "logits": logits,
            "probs": probs,
            "attention": weights,
            "attention_scores": state.scores,
            "attention_mask": state.mask,
        }
        if metadata is not None:
            output_dict["tokens"] = [m.get(self._attended_field_tokens_key, []) for m in metadata]
        if state.label is not None:
            output_dict["loss"] = self.task_loss(logits, state)
            self._update_metrics(logits, probs, state.label.long().view(-1))
        if self.training:
            output_dict["attention_state"] = state
        return output_dict

    _attended_field_tokens_key = "tokens"

    def _get_extra_metrics(self, reset: bool = False) -> Dict[str, float]:
        """The values of `extra_metrics`, in training mode only (they are fed during training)."""
        if not self.training:
            return {}
        return {name: metric.get_metric(reset) for name, metric in self.extra_metrics.items()}

    def _update_metrics(self, logits, probs, label) -> None:
        raise NotImplementedError

    def make_output_human_readable(
        self, output_dict: Dict[str, torch.Tensor]
    ) -> Dict[str, torch.Tensor]:
        """
        Adds `label` (the predicted label string) and trims `attention` to the real tokens, so that
        each instance's weights line up with its `tokens` and sum to 1.
        """
        output_dict.pop("attention_state", None)
        predictions = output_dict["probs"]
        if predictions.dim() == 2:
            predictions_list = [predictions[i] for i in range(predictions.shape[0])]
        else:
            predictions_list = [predictions]
        output_dict["label"] = [
            self.vocab.get_token_from_index(int(p.argmax(dim=-1)), namespace=self._label_namespace)
            for p in predictions_list
        ]
        masks = output_dict.pop("attention_mask")
        attention = output_dict["attention"]
        scores = output_dict["attention_scores"]
        if attention.dim() == 1:
            attention, scores, masks = attention[None], scores[None], masks[None]
        lengths = masks.sum(-1).tolist()
        output_dict["attention"] = [a[: int(n)].tolist() for a, n in zip(attention, lengths)]
        output_dict["attention_scores"] = [s[: int(n)].tolist() for s, n in zip(scores, lengths)]
        if self.uses_wordpieces and "tokens" in output_dict:
            # Word-level attention for wordpiece models: each word's pieces summed, specials dropped.
            merged = [
                merge_wordpieces(tokens, weights)
                for tokens, weights in zip(output_dict["tokens"], output_dict["attention"])
            ]
            output_dict["words"] = [words for words, _ in merged]
            output_dict["word_attention"] = [weights for _, weights in merged]
        return output_dict

    @property
    def uses_wordpieces(self) -> bool:
        """Whether the tokens are the wordpieces of a pretrained Transformer."""
        return any(isinstance(module, PretrainedWordEmbeddings) for module in self.modules())
